"""Expiry reminders: once per token, threshold and expiry date, on any number of
instances at once.

Each run looks at active tokens whose owners have an email address. A token is
due for the nearest threshold it has crossed (30, 7 or 1 days before expiry by
default), or for the expiry notice once it has expired. Thresholds crossed at
the same time as a nearer one are recorded as skipped, so an owner gets one
message, not three. The unique constraint on (token, threshold, expiry date)
makes every reminder once-only: a second runner's insert fails and it moves on.
An extension gives the token a new expiry date, which re-arms what lies ahead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from keystead.access.permissions import PermissionCatalogue
from keystead.clock import Clock
from keystead.mail import messages, outbox
from keystead.services.api_tokens import TOKEN
from keystead.store.db import Database
from keystead.store.models import Account, ApiToken, TokenReminder

EXPIRED = "expired"
EXPIRED_NOTICE_WINDOW = timedelta(days=30)
"""Tokens that expired longer ago than this get no notice (nobody is waiting for it)."""


def threshold_label(days: int) -> str:
    return f"{days}d"


@dataclass(frozen=True, slots=True)
class Due:
    threshold: str
    skipped: tuple[str, ...]
    days_left: int


def due(expires_at: datetime, now: datetime, days: list[int]) -> Due | None:
    """What a token expiring at `expires_at` is due for at `now`, if anything."""
    if expires_at <= now:
        return Due(EXPIRED, tuple(threshold_label(d) for d in days), 0)
    crossed = sorted(d for d in days if now >= expires_at - timedelta(days=d))
    if not crossed:
        return None
    nearest, further = crossed[0], crossed[1:]
    days_left = math.ceil((expires_at - now) / timedelta(days=1))
    return Due(threshold_label(nearest), tuple(threshold_label(d) for d in further), days_left)


@dataclass(frozen=True, slots=True)
class ReminderReport:
    queued: int


class ReminderJob:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        days: list[int],
        extend_url: str,
        permissions: PermissionCatalogue,
    ) -> None:
        self._db = db
        self._permissions = permissions
        self._clock = clock
        self._days = sorted(days, reverse=True)
        self._extend_url = extend_url

    async def run_once(self) -> ReminderReport:
        now = self._clock.now()
        horizon = now + timedelta(days=max(self._days))
        candidates = (
            select(ApiToken, Account.email)
            .join(Account, Account.id == ApiToken.account_id)
            .where(
                ApiToken.kind == TOKEN,
                ApiToken.revoked_at.is_(None),
                ApiToken.expires_at <= horizon,
                ApiToken.expires_at > now - EXPIRED_NOTICE_WINDOW,
                Account.email.is_not(None),
                Account.suspended_at.is_(None),
            )
        )
        async with self._db.read() as session:
            rows = (await session.execute(candidates)).all()
        queued = 0
        for token, email in rows:
            assert token.expires_at is not None
            assert email is not None
            wanted = due(token.expires_at, now, self._days)
            if wanted is not None and await self._remind(token, email, wanted, now):
                queued += 1
        return ReminderReport(queued)

    async def _remind(self, token: ApiToken, email: str, wanted: Due, now: datetime) -> bool:
        """Queue the reminder unless it (or a runner racing us) already did."""
        assert token.expires_at is not None
        try:
            async with self._db.transaction() as session:
                recorded = set(
                    (
                        await session.execute(
                            select(TokenReminder.threshold).where(
                                TokenReminder.token_id == token.id,
                                TokenReminder.expires_at == token.expires_at,
                            )
                        )
                    ).scalars()
                )
                if wanted.threshold in recorded:
                    return False
                mail = messages.token_expiry(
                    name=token.name,
                    preview=token.preview,
                    permissions=self._permissions.described(token.permissions),
                    expires_at=token.expires_at,
                    days_left=wanted.days_left,
                    extend_url=self._extend_url,
                )
                message = outbox.queue(session, email, mail, now)
                await session.flush()
                session.add(self._row(token, wanted.threshold, message.id, now))
                for skipped in set(wanted.skipped) - recorded:
                    session.add(self._row(token, skipped, None, now))
        except IntegrityError:
            return False  # another runner recorded it first; its message stands
        return True

    @staticmethod
    def _row(
        token: ApiToken, threshold: str, message_id: int | None, now: datetime
    ) -> TokenReminder:
        assert token.expires_at is not None
        return TokenReminder(
            token_id=token.id,
            threshold=threshold,
            expires_at=token.expires_at,
            message_id=message_id,
            created_at=now,
        )
