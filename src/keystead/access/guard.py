"""The one pure ASGI middleware every `/v1` request passes: [2] → [3] → [4], in order.

Pure ASGI rather than FastAPI dependencies: each dependency costs ~0.1 ms per
request, and the access path must cost close to nothing (DESIGN §4).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from sqlalchemy.exc import DBAPIError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from keystead.access.authenticate import Authenticator
from keystead.access.authorize import PermissionTable, authorize, is_guarded
from keystead.access.ratelimit import RateLimited, admit, rate_headers
from keystead.envelope import is_storage_outage, response_for_error, storage_unavailable
from keystead.errors import InvalidPermissions, KeysteadError
from keystead.jobs.last_used import LastUsedRecorder
from keystead.limiter import Limiter

PRINCIPAL = "principal"


@dataclass(slots=True)
class AccessPath:
    authenticator: Authenticator
    permissions: PermissionTable
    limiter: Limiter
    last_used: LastUsedRecorder


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value).decode("latin-1")
    return None


class AccessGuard:
    def __init__(self, app: ASGIApp, access: AccessPath) -> None:
        self.app = app
        self.access = access

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_guarded(scope["path"]):
            await self.app(scope, receive, send)
            return
        access = self.access
        client = scope["client"][0] if scope.get("client") else "unknown"
        try:
            principal = await access.authenticator.authenticate(
                _header(scope, b"authorization"), client
            )
            scope.setdefault("state", {})[PRINCIPAL] = principal
            authorize(principal, access.permissions.permission_for(scope))
            decision = await admit(access.limiter, principal)
        except RateLimited as refused:
            response = response_for_error(scope["path"], refused)
            response.raw_headers.extend(rate_headers(refused.decision))
            await response(scope, receive, send)
            return
        except InvalidPermissions as refused:
            response = response_for_error(scope["path"], refused)
            with contextlib.suppress(KeysteadError):  # no headers if the limiter is down
                response.raw_headers.extend(
                    rate_headers(await access.limiter.peek(principal.rate_key))
                )
            await response(scope, receive, send)
            return
        except KeysteadError as refused:
            await response_for_error(scope["path"], refused)(scope, receive, send)
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

        access.last_used.touch(principal.credential_id)
        extra_headers = rate_headers(decision)

        async def send_with_rate_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *extra_headers]
            await send(message)

        await self.app(scope, receive, send_with_rate_headers)
