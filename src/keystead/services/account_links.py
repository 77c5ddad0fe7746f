"""Single-use links mailed to an account's owner: a password reset, an email verification.

The link carries a random secret; storage keeps only its keyed hash, so a copy of
the database opens no account. A link is spent by one conditional update (unused,
unexpired, this purpose), so two clicks racing on two instances never both succeed.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from keystead.clock import Clock
from keystead.store.models import AccountLink

PASSWORD_RESET = "password_reset"
EMAIL_VERIFICATION = "verify_email"

MAX_SECRET_LENGTH = 128
"""Longer than any secret `issue` makes: a longer one is refused before it is hashed."""


@dataclass(frozen=True, slots=True)
class SpentLink:
    account_id: int
    email: str


class AccountLinks:
    def __init__(self, server_secret: bytes, clock: Clock) -> None:
        self._server_secret = server_secret
        self._clock = clock

    def _hash(self, secret: str) -> str:
        return hmac.new(
            self._server_secret, f"account-link:{secret}".encode(), hashlib.sha256
        ).hexdigest()

    async def issue(
        self,
        session: AsyncSession,
        account_id: int,
        purpose: str,
        email: str,
        lifetime: timedelta,
    ) -> str:
        """A new link's secret, inside the caller's transaction. Earlier unused links of
        the same purpose stop working: only the newest mail in the inbox opens."""
        now = self._clock.now()
        await session.execute(
            delete(AccountLink).where(
                AccountLink.account_id == account_id, AccountLink.expires_at <= now
            )
        )
        await session.execute(
            update(AccountLink)
            .where(
                AccountLink.account_id == account_id,
                AccountLink.purpose == purpose,
                AccountLink.used_at.is_(None),
            )
            .values(used_at=now)
        )
        secret = secrets.token_urlsafe(32)
        session.add(
            AccountLink(
                id_hash=self._hash(secret),
                account_id=account_id,
                purpose=purpose,
                email=email,
                created_at=now,
                expires_at=now + lifetime,
            )
        )
        return secret

    async def spend(self, session: AsyncSession, purpose: str, secret: str) -> SpentLink | None:
        """The link's account and address, marked used; None if the link is unknown,
        used, expired or made for another purpose."""
        if not secret or len(secret) > MAX_SECRET_LENGTH:
            return None
        now = self._clock.now()
        id_hash = self._hash(secret)
        spent = await session.execute(
            update(AccountLink)
            .where(
                AccountLink.id_hash == id_hash,
                AccountLink.purpose == purpose,
                AccountLink.used_at.is_(None),
                AccountLink.expires_at > now,
            )
            .values(used_at=now)
        )
        if spent.rowcount != 1:  # type: ignore[attr-defined]
            return None
        row = (
            await session.execute(
                select(AccountLink.account_id, AccountLink.email).where(
                    AccountLink.id_hash == id_hash
                )
            )
        ).one()
        return SpentLink(row.account_id, row.email)

    async def is_live(self, session: AsyncSession, purpose: str, secret: str) -> bool:
        """Whether the link would open now (the reset page asks before showing its form)."""
        if not secret or len(secret) > MAX_SECRET_LENGTH:
            return False
        found = await session.execute(
            select(AccountLink.id_hash).where(
                AccountLink.id_hash == self._hash(secret),
                AccountLink.purpose == purpose,
                AccountLink.used_at.is_(None),
                AccountLink.expires_at > self._clock.now(),
            )
        )
        return found.first() is not None
