"""Unused-token hygiene: flag tokens nobody has used for a while, email their owners
once per idle stretch, and, where the operator opted in, revoke them after a notice.

A token is unused when it is active and neither used nor created within
`unused_after`. The flag is a `token_reminders` row (threshold `unused`, keyed by
the moment of last use), so it is once-only across instances like every reminder,
and a token used again and then left idle again is flagged afresh. Auto-revocation
waits `notice` after that flag, so an owner with an email address is always told
before, and told the date.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from keystead.audit import Actor
from keystead.clock import Clock
from keystead.mail import messages, outbox
from keystead.services.api_tokens import TOKEN, ApiTokenService
from keystead.store.db import Database
from keystead.store.models import Account, ApiToken, TokenReminder

UNUSED = "unused"


@dataclass(frozen=True, slots=True)
class UnusedPolicy:
    unused_after: timedelta
    auto_revoke: bool
    notice: timedelta


@dataclass(frozen=True, slots=True)
class UnusedReport:
    flagged: int
    revoked: int


class UnusedTokenJob:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        tokens: ApiTokenService,
        policy: UnusedPolicy,
        api_url: str,
    ) -> None:
        self._db = db
        self._clock = clock
        self._tokens = tokens
        self._policy = policy
        self._api_url = api_url

    async def run_once(self) -> UnusedReport:
        now = self._clock.now()
        idle_since = func.coalesce(ApiToken.last_used_at, ApiToken.created_at)
        candidates = (
            select(ApiToken, Account.email, TokenReminder.created_at)
            .join(Account, Account.id == ApiToken.account_id)
            .outerjoin(
                TokenReminder,
                (TokenReminder.token_id == ApiToken.id)
                & (TokenReminder.threshold == UNUSED)
                & (TokenReminder.expires_at == idle_since),
            )
            .where(
                ApiToken.kind == TOKEN,
                ApiToken.revoked_at.is_(None),
                ApiToken.expires_at > now,
                idle_since <= now - self._policy.unused_after,
                Account.suspended_at.is_(None),
            )
        )
        async with self._db.read() as session:
            rows = (await session.execute(candidates)).all()
        flagged = revoked = 0
        for token, email, flagged_at in rows:
            if flagged_at is None:
                flagged += await self._flag(token, email, now)
            elif self._policy.auto_revoke and flagged_at <= now - self._policy.notice:
                await self._revoke(token)
                revoked += 1
        return UnusedReport(flagged, revoked)

    async def _flag(self, token: ApiToken, email: str | None, now: datetime) -> int:
        idle_since = token.last_used_at or token.created_at
        try:
            async with self._db.transaction() as session:
                message_id = None
                if email is not None:
                    revoke_on = now + self._policy.notice if self._policy.auto_revoke else None
                    mail = messages.token_unused(
                        name=token.name,
                        preview=token.preview,
                        unused_since=idle_since,
                        days_unused=math.floor((now - idle_since) / timedelta(days=1)),
                        revoke_on=revoke_on,
                        api_url=self._api_url,
                    )
                    message = outbox.queue(session, email, mail, now)
                    await session.flush()
                    message_id = message.id
                session.add(
                    TokenReminder(
                        token_id=token.id,
                        threshold=UNUSED,
                        expires_at=idle_since,
                        message_id=message_id,
                        created_at=now,
                    )
                )
        except IntegrityError:
            return 0  # another instance flagged it first; its message stands
        return 1

    async def _revoke(self, token: ApiToken) -> None:
        idle_since = token.last_used_at or token.created_at
        reason = f"unused since {idle_since.date().isoformat()} (operator policy)"
        await self._tokens.revoke(None, token.id, by=Actor.operator(), reason=reason)
