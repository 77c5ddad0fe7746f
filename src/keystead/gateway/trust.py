"""The upstream's access path: a `/v1` request is served only with a `Keystead-Assertion`
that verifies, for the very method and URL it arrived with, and whose scope holds the
route's permission. Everything else is 401 (403 for a permission the scope lacks);
which check failed goes to the log, never to the caller.

The account is the assertion's `sub`. An upstream with a database of its own has not
seen it before: it records the number on first use, so its rows have an owner.
"""

from __future__ import annotations

import structlog
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from starlette.types import ASGIApp, Receive, Scope, Send

from keystead.access.authorize import PermissionTable, authorize
from keystead.access.guard import PRINCIPAL, scope_header
from keystead.access.principal import Principal
from keystead.clock import Clock
from keystead.envelope import response_for_error
from keystead.errors import InvalidPermissions, NotAuthenticated, ServiceUnavailable
from keystead.gateway.verification import (
    AssertionRefused,
    AssertionVerifier,
    GatewayKeysUnavailable,
)
from keystead.paths import is_guarded
from keystead.store.db import Database
from keystead.store.models import Account

logger = structlog.get_logger("keystead.gateway")
_KNOWN_ACCOUNTS = 100_000


class LocalAccounts:
    """Account number → this store's account id, recorded on first sight."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        self._ids: dict[str, int] = {}

    async def id_for(self, number: str) -> int:
        known = self._ids.get(number)
        if known is not None:
            return known
        account_id = await self._find(number)
        if account_id is None:
            try:
                async with self._db.transaction() as session:
                    account = Account(number=number, created_at=self._clock.now())
                    session.add(account)
                    await session.flush()
                    account_id = account.id
            except IntegrityError:  # another instance recorded it first
                account_id = await self._find(number)
                assert account_id is not None
        if len(self._ids) >= _KNOWN_ACCOUNTS:
            self._ids.clear()
        self._ids[number] = account_id
        return account_id

    async def _find(self, number: str) -> int | None:
        async with self._db.read() as session:
            found: int | None = await session.scalar(
                select(Account.id).where(Account.number == number)
            )
            return found


def request_url(scope: Scope) -> str:
    """The URL as this request reached us: what the gateway signed as `htu`."""
    host = scope_header(scope, b"host") or ""
    raw_path = scope.get("raw_path") or scope["path"].encode()
    query = scope["query_string"]
    target = raw_path.decode("latin-1") + ("?" + query.decode("latin-1") if query else "")
    return f"{scope['scheme']}://{host}{target}"


class GatewayTrust:
    def __init__(
        self,
        app: ASGIApp,
        verifier: AssertionVerifier,
        accounts: LocalAccounts,
        permissions: PermissionTable,
    ) -> None:
        self.app = app
        self._verifier = verifier
        self._accounts = accounts
        self._permissions = permissions

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_guarded(scope["path"]):
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        try:
            caller = await self._verifier.verify(
                scope_header(scope, b"keystead-assertion"), scope["method"], request_url(scope)
            )
            principal = Principal(
                account_id=await self._accounts.id_for(caller.account_number),
                account_number=caller.account_number,
                credential_id=caller.credential_id,
                preview="",
                permissions=caller.permissions,
                expires_at=None,
            )
            scope.setdefault("state", {})[PRINCIPAL] = principal
            authorize(principal, self._permissions.permission_for(scope))
        except AssertionRefused as refused:
            logger.info("assertion refused", reason=str(refused), path=path)
            await response_for_error(path, NotAuthenticated())(scope, receive, send)
            return
        except GatewayKeysUnavailable as error:
            logger.error("gateway keys unavailable", error=str(error))
            unavailable = ServiceUnavailable("Gateway keys unavailable")
            await response_for_error(path, unavailable)(scope, receive, send)
            return
        except InvalidPermissions as refused:
            await response_for_error(path, refused)(scope, receive, send)
            return
        await self.app(scope, receive, send)
