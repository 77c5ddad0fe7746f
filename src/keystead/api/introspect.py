"""POST /oauth/introspect (RFC 7662), for the operator's services that receive keystead
tokens directly. Authenticated by the introspection secret, not by an account.

The answer is RFC 7662's own shape, not the envelope: `{"active": false}` for anything
that is not a live credential. A wrong secret is a 401 in the envelope, and wrong
secrets from one address are limited (`KEYSTEAD_INTROSPECTION_FAILURE_LIMIT`).
"""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse, Response

from keystead.access.authenticate import bearer_value
from keystead.api.deps import AppRuntime, client_address
from keystead.errors import NotAuthenticated, TooManyAttempts

router = APIRouter(tags=["introspection"])

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


async def _require_secret(request: Request, runtime: AppRuntime) -> None:
    """The introspection secret as a bearer value, compared in constant time."""
    client = client_address(request)
    failures = runtime.introspection_failures
    window = await failures.peek(client)
    if not window.allowed:
        raise TooManyAttempts(window.retry_after)
    configured = runtime.settings.introspection_secret
    given = bearer_value(request.headers.get("authorization"))
    if (
        configured is not None
        and given is not None
        and hmac.compare_digest(given.encode(), configured.get_secret_value().encode())
    ):
        return
    decision = await failures.hit(client)
    if not decision.allowed:
        raise TooManyAttempts(decision.retry_after)
    raise NotAuthenticated


@router.post(
    "/oauth/introspect",
    summary="Token introspection (RFC 7662)",
    description=(
        "Form field `token`: a keystead token or account key. Answers "
        '`{"active": true, "scope", "client_id", "sub", "token_type", "iat", "exp", "iss"}` '
        'for a live credential and exactly `{"active": false}` for anything else. '
        "Authenticated by `Authorization: Bearer <KEYSTEAD_INTROSPECTION_SECRET>`."
    ),
    responses={200: {"description": "RFC 7662 introspection response"}},
)
async def introspect(request: Request, runtime: AppRuntime) -> Response:
    await _require_secret(request, runtime)
    form = await request.form()
    token = form.get("token")
    if not isinstance(token, str) or not token:
        return JSONResponse(
            {"error": "invalid_request", "error_description": "the form field token is required"},
            400,
            headers=NO_STORE,
        )
    return JSONResponse(await runtime.introspection.introspect(token), headers=NO_STORE)
