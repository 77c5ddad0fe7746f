"""Cookie sessions for `/auth` and `/account`: a new id at every login, CSRF header on writes.

The cookie holds a random session secret; storage keeps only its keyed hash.
The CSRF token is derived from the secret (HMAC), so it needs no storage and
cannot be forged without the server secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from keystead.clock import Clock
from keystead.store.db import Database
from keystead.store.models import Account, WebSession

SESSION_COOKIE = "keystead_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SEEN_EVERY = timedelta(minutes=5)
"""How stale a session's `last_seen_at` may get before a request refreshes it."""
PASSWORD = "password"
WALLET = "wallet"
ANY_KIND = frozenset({PASSWORD, WALLET})


@dataclass(frozen=True, slots=True)
class StartedSession:
    secret: str
    csrf_token: str
    max_age_seconds: int


def cookie_name(name: str, secure: bool) -> str:
    """Over https a cookie is `__Host-` prefixed: browsers then accept it only if it is
    Secure, host-only and path `/`, so no sibling subdomain or plain-http page can
    plant or overwrite it (RFC 6265bis §4.1.3.2)."""
    return f"__Host-{name}" if secure else name


def set_session_cookie(response: Response, secret: str, max_age: int, secure: bool) -> None:
    response.set_cookie(
        cookie_name(SESSION_COOKIE, secure),
        secret,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=secure,
    )


def clear_session_cookie(response: Response, secure: bool) -> None:
    response.delete_cookie(
        cookie_name(SESSION_COOKIE, secure), httponly=True, samesite="lax", secure=secure
    )


class SessionManager:
    def __init__(self, db: Database, server_secret: bytes, clock: Clock, lifetime: timedelta):
        self._db = db
        self._server_secret = server_secret
        self._clock = clock
        self._lifetime = lifetime

    def _mac(self, purpose: str, value: str) -> bytes:
        return hmac.new(self._server_secret, f"{purpose}:{value}".encode(), hashlib.sha256).digest()

    def id_hash(self, secret: str) -> str:
        return self._mac("session", secret).hex()

    def csrf_token(self, secret: str) -> str:
        return base64.urlsafe_b64encode(self._mac("csrf", secret)).decode().rstrip("=")

    def csrf_matches(self, secret: str, presented: str | None) -> bool:
        return presented is not None and hmac.compare_digest(
            self.csrf_token(secret).encode(), presented.encode()
        )

    async def start(
        self,
        account_id: int,
        *,
        kind: str = PASSWORD,
        secret: str | None = None,
        lifetime: timedelta | None = None,
        client: str | None = None,
        user_agent: str | None = None,
    ) -> StartedSession:
        """A new session. Wallet sessions bring their own secret: the signature."""
        secret = secret or secrets.token_urlsafe(32)
        lifetime = lifetime or self._lifetime
        now = self._clock.now()
        async with self._db.transaction() as session:
            # Sweep this account's expired sessions so the table does not grow forever.
            await session.execute(
                delete(WebSession).where(
                    WebSession.account_id == account_id, WebSession.expires_at <= now
                )
            )
            session.add(
                WebSession(
                    id_hash=self.id_hash(secret),
                    account_id=account_id,
                    kind=kind,
                    created_at=now,
                    expires_at=now + lifetime,
                    last_seen_at=now,
                    client=client[:64] if client else None,
                    user_agent=user_agent[:200] if user_agent else None,
                )
            )
        return StartedSession(secret, self.csrf_token(secret), int(lifetime.total_seconds()))

    async def account_for(self, secret: str, kinds: frozenset[str] = ANY_KIND) -> Account | None:
        """The live, unsuspended account behind a session secret of one of `kinds`, or None."""
        id_hash = self.id_hash(secret)
        now = self._clock.now()
        statement = (
            select(Account, WebSession.last_seen_at)
            .join(WebSession, WebSession.account_id == Account.id)
            .where(
                WebSession.id_hash == id_hash,
                WebSession.expires_at > now,
                WebSession.kind.in_(kinds),
                Account.suspended_at.is_(None),
            )
        )
        async with self._db.read() as session:
            row = (await session.execute(statement)).one_or_none()
        if row is None:
            return None
        account, last_seen_at = row
        if last_seen_at is None or now - last_seen_at >= SEEN_EVERY:
            # A write every few minutes per session, not per request: enough for the
            # owner's list to tell a live session from a forgotten one.
            async with self._db.transaction() as session:
                await session.execute(
                    update(WebSession).where(WebSession.id_hash == id_hash).values(last_seen_at=now)
                )
        return account

    async def end_all(
        self, session: AsyncSession, account_id: int, *, keep: str | None = None
    ) -> int:
        """End the account's sessions inside the caller's transaction, but for the one
        whose secret is `keep`; how many ended. Sessions are read from storage on every
        request, so they end on every instance at once."""
        condition = WebSession.account_id == account_id
        if keep is not None:
            condition &= WebSession.id_hash != self.id_hash(keep)
        ended = await session.execute(delete(WebSession).where(condition))
        return int(ended.rowcount)  # type: ignore[attr-defined]

    async def end(self, secret: str) -> None:
        async with self._db.transaction() as session:
            await session.execute(
                delete(WebSession).where(WebSession.id_hash == self.id_hash(secret))
            )
