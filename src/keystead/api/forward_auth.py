"""/auth/forward: the access path for a proxy the operator already runs.

nginx `auth_request` names the request it asks about in `X-Original-Method` and
`X-Original-URI`, Traefik's ForwardAuth in `X-Forwarded-Method` and `X-Forwarded-Uri`,
and Envoy's HTTP ext_authz sends the request's own method and path under the prefix
(`/auth/forward/v1/bots`). Each is run through the very guard `/v1` requests pass
(authenticate → permission → rate limit, usage counted), so limits, revocation and
usage figures are the same whichever way a request arrives. Admitted: 200 with the
identity headers and a `Keystead-Assertion` bound to that method and URL. Refused:
the guard's own 401, 403 or 429, in the envelope, with its headers.
"""

from __future__ import annotations

from urllib.parse import unquote

from fastapi import APIRouter, Request
from pydantic import BaseModel
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from keystead.access.guard import PRINCIPAL, AccessGuard, AccessPath, scope_header
from keystead.access.principal import Principal
from keystead.api.responses import failures
from keystead.api.schemas import Envelope
from keystead.envelope import JSONResponse, failure, ok
from keystead.errors import describe_invalid
from keystead.gateway.assertions import Assertions
from keystead.paths import is_guarded, leaves_its_route

PREFIX = "/auth/forward"
ORIGINAL_URL = "keystead.forward_url"
ORIGINAL_METHOD = "keystead.forward_method"


def identity_headers(principal: Principal, scope: str, assertion: str) -> dict[str, str]:
    """What the upstream is told: plain headers for convenience, the assertion to
    trust (and, from `edge/front.py` like every answer, the `X-Request-Id`)."""
    return {
        "Keystead-Account": principal.account_number,
        "Keystead-Credential": principal.credential_id,
        "Keystead-Permissions": scope,
        "Keystead-Assertion": assertion,
    }


def _named_request(scope: Scope) -> tuple[str | None, str | None]:
    """The method and URI of the request asked about, from one source only: a client
    could add the other proxy's headers, and the proxy would pass them on."""
    if scope["path"].startswith(PREFIX + "/"):  # Envoy: the request itself, under the prefix
        query = scope["query_string"].decode("latin-1")
        return scope["method"], scope["path"][len(PREFIX) :] + ("?" + query if query else "")
    nginx = (scope_header(scope, b"x-original-method"), scope_header(scope, b"x-original-uri"))
    traefik = (scope_header(scope, b"x-forwarded-method"), scope_header(scope, b"x-forwarded-uri"))
    if any(nginx) and any(traefik):
        return None, None  # both proxies' headers: which one wrote which cannot be known
    return nginx if any(nginx) else traefik


class ForwardAuth:
    """A pure ASGI endpoint: it rewrites the check into the request it stands for and
    hands that to an `AccessGuard` whose inner app answers the admitted ones."""

    def __init__(self, access: AccessPath, assertions: Assertions) -> None:
        self._access = access
        self._assertions = assertions
        self._guard = AccessGuard(self._admitted, access, dispatch=False)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method, uri = _named_request(scope)
        if not method or not uri or not uri.startswith("/"):
            details = [
                {
                    "field": "X-Original-URI",
                    "message": "name the request to check with one pair: X-Original-Method "
                    "and X-Original-URI (nginx), X-Forwarded-Method and X-Forwarded-Uri "
                    "(Traefik), or the path under /auth/forward/ (Envoy)",
                }
            ]
            response = failure(scope["path"], 400, describe_invalid(details), {"errors": details})
            await response(scope, receive, send)
            return
        # Split by hand: urlsplit would read `//host/v1/…` as a host and a path, and the
        # path checked must be the one the proxy forwards, character for character.
        target, _, query = uri.partition("?")
        proto = scope_header(scope, b"x-forwarded-proto") or scope.get("scheme", "http")
        host = (
            scope_header(scope, b"x-forwarded-host") or scope_header(scope, b"host") or "localhost"
        )
        checked = dict(scope)
        checked.update(
            # A HEAD is checked as the GET it stands for (edge/head.py), signed as sent.
            method="GET" if method.upper() == "HEAD" else method.upper(),
            # The proxies send the URI as the client wrote it; routes match it decoded.
            path=unquote(target),
            raw_path=target.encode(),
            query_string=query.encode(),
            state={},
        )
        checked[ORIGINAL_URL] = f"{proto}://{host}{uri}"
        checked[ORIGINAL_METHOD] = method.upper()
        await self._guard(checked, receive, send)

    async def _admitted(self, scope: Scope, receive: Receive, send: Send) -> None:
        principal: Principal | None = scope.get("state", {}).get(PRINCIPAL)
        path = scope["path"]
        if (
            principal is None
            or not is_guarded(path)
            or leaves_its_route(scope["raw_path"].decode("latin-1"))
            or self._access.permissions.permission_for(scope) is None
        ):
            # Not a request the guarded API answers: no identity is vouched for.
            await failure(path, 404, "Route not found")(scope, receive, send)
            return
        assertion = await self._assertions.mint(
            principal,
            scope[ORIGINAL_METHOD],
            scope[ORIGINAL_URL],
            int(self._access.clock.timestamp()),
        )
        scope_text = self._assertions.scope(principal)
        response: JSONResponse = ok(
            {
                "account": principal.account_number,
                "credential": principal.credential_id,
                "permissions": scope_text.split(),
            },
            "Authorized",
            headers=identity_headers(principal, scope_text, assertion),
        )
        await response(scope, receive, send)


class ForwardedOut(BaseModel):
    account: str
    credential: str
    permissions: list[str]


class _Delegated(Response):
    """Hands the request to a pure ASGI app: the answer is that app's own."""

    def __init__(self, app: ASGIApp) -> None:
        super().__init__()
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._app(scope, receive, send)


router = APIRouter(tags=["gateway"])
_REFUSALS = failures(400, 401, 403, 404, 429)
_ADMITTED = (
    "Admitted: 200 with `Keystead-Account`, `Keystead-Credential`, `Keystead-Permissions`, "
    "`X-Request-Id`, the rate-limit headers and `Keystead-Assertion` (an EdDSA JWT for "
    "that method and URL, verifiable against `/.well-known/jwks.json`). Refused: 401, 403 "
    "or 429 as on `/v1`; a request the guarded API has no route for: 404."
)


@router.get(
    PREFIX,
    summary="Forward-auth: nginx auth_request, Traefik ForwardAuth",
    description="The request to check is named by `X-Original-Method` and `X-Original-URI` "
    "(nginx) or `X-Forwarded-Method` and `X-Forwarded-Uri` (Traefik), with its own "
    "`Authorization` header. " + _ADMITTED,
    response_model=Envelope[ForwardedOut],
    responses=_REFUSALS,
)
async def forward(request: Request) -> Response:
    return _Delegated(request.app.state.forward_auth)


async def forward_envoy(request: Request, path: str) -> Response:
    return _Delegated(request.app.state.forward_auth)


# One route per method, so each has an operation of its own in the document.
for _method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
    router.add_api_route(
        PREFIX + "/{path:path}",
        forward_envoy,
        methods=[_method],
        name=f"forward_envoy_{_method.lower()}",
        summary="Forward-auth: Envoy ext_authz",
        description="Envoy's HTTP ext_authz asks with the request itself: its method, and "
        "its path under `/auth/forward`. " + _ADMITTED,
        response_model=Envelope[ForwardedOut],
        responses=_REFUSALS,
    )
