"""The one pure ASGI middleware every `/v1` request passes: [2] → [3] → [4] → [5], in
order; an admitted request goes straight to its endpoint (access/dispatch.py).

Pure ASGI rather than FastAPI dependencies: each dependency costs ~0.1 ms per
request, and the access path must cost close to nothing (DESIGN §4). Every answer
to a known credential, refusals included, carries its expiry signals and is
noted for its usage figures (in memory; written behind).
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass

from sqlalchemy.exc import DBAPIError
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from keystead.access.authenticate import AddressNotAllowed, Authenticator, bearer_value
from keystead.access.authorize import PermissionTable, authorize
from keystead.access.challenge import insufficient_scope, unauthenticated
from keystead.access.expiry import expiry_headers
from keystead.access.principal import Principal
from keystead.access.ratelimit import RateLimited, admit, rate_headers
from keystead.access.usage import UsageRecorder
from keystead.clock import Clock
from keystead.envelope import is_storage_outage, response_for_error, storage_unavailable
from keystead.errors import InvalidPermissions, KeysteadError
from keystead.limiter import Limiter
from keystead.paths import is_guarded

PRINCIPAL = "principal"


@dataclass(slots=True)
class AccessPath:
    authenticator: Authenticator
    permissions: PermissionTable
    limiter: Limiter
    usage: UsageRecorder
    clock: Clock


def scope_header(scope: Scope, name: bytes) -> str | None:
    """A request header's value from the ASGI scope (the first, if repeated)."""
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value).decode("latin-1")
    return None


class AccessGuard:
    """`dispatch`: an admitted request goes to its endpoint directly; without it, to `app`
    (forward-auth answers admitted requests itself)."""

    def __init__(self, app: ASGIApp, access: AccessPath, *, dispatch: bool = True) -> None:
        self.app = app
        self.access = access
        self.dispatch = dispatch

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_guarded(scope["path"]):
            await self.app(scope, receive, send)
            return
        access = self.access
        client = scope["client"][0] if scope.get("client") else "unknown"
        principal: Principal | None = None
        route = access.permissions.route_for(scope)
        try:
            principal = await access.authenticator.authenticate(
                scope_header(scope, b"authorization"), client
            )
            scope.setdefault("state", {})[PRINCIPAL] = principal
            authorize(principal, None if route is None else route.permission)
            decision = await admit(access.limiter, principal)
        except RateLimited as refused:
            response = response_for_error(scope["path"], refused)
            response.raw_headers.extend(rate_headers(refused.decision, time.time()))
            await self._refuse(response, principal, client, scope, receive, send)
            return
        except InvalidPermissions as refused:
            response = response_for_error(scope["path"], refused)
            response.raw_headers.append(
                insufficient_scope("" if route is None else route.permission)
            )
            with contextlib.suppress(KeysteadError):  # no headers if the limiter is down
                assert principal is not None
                response.raw_headers.extend(
                    rate_headers(await access.limiter.peek(principal.rate_key), time.time())
                )
            await self._refuse(response, principal, client, scope, receive, send)
            return
        except AddressNotAllowed as refused:
            response = response_for_error(scope["path"], refused)
            response.raw_headers.append(unauthenticated(token_sent=True))
            await self._refuse(response, refused.principal, client, scope, receive, send)
            return
        except KeysteadError as refused:
            response = response_for_error(scope["path"], refused)
            if refused.status == 401:
                # Another scheme (Basic …) is no bearer token: only the realm is named.
                sent = bearer_value(scope_header(scope, b"authorization")) is not None
                response.raw_headers.append(unauthenticated(token_sent=sent))
            await self._refuse(response, principal, client, scope, receive, send)
            return
        except DBAPIError as error:
            if not is_storage_outage(error):
                raise
            # A credential not in the cache cannot be checked while storage is down.
            await storage_unavailable(scope["path"])(scope, receive, send)
            return
        except ConnectionError:
            await storage_unavailable(scope["path"])(scope, receive, send)
            return

        extra_headers = rate_headers(decision, time.time())
        if principal.expires_at is not None:  # skips a call for keys that never expire
            extra_headers += expiry_headers(principal, access.clock.timestamp())
        status = 500  # what the client gets if the handler raises before answering

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), *extra_headers]
            await send(message)

        try:
            if self.dispatch and route is not None and route.endpoint is not None:
                scope["path_params"] = dict(route.path_params)
                await route.endpoint(scope, receive, send_with_headers)
            else:  # no such route (FastAPI answers 404 or 405), or one FastAPI must call
                await self.app(scope, receive, send_with_headers)
        finally:
            access.usage.record(principal.credential_id, principal.account_id, status, client)

    async def _refuse(
        self,
        response: Response,
        principal: Principal | None,
        client: str,
        scope: Scope,
        receive: Receive,
        send: Send,
    ) -> None:
        """Send a refusal; one to a known credential is signalled and counted like any answer."""
        if principal is not None:
            response.raw_headers.extend(expiry_headers(principal, self.access.clock.timestamp()))
            self.access.usage.record(
                principal.credential_id, principal.account_id, response.status_code, client
            )
        await response(scope, receive, send)
