"""The operator's view of accounts: find them by email, wallet address or number, and
see one whole (`keystead account list` and `account show`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select

from keystead.audit import AuditAction
from keystead.clock import Clock
from keystead.errors import NotFound
from keystead.services.account_keys import ACCOUNT_KEY
from keystead.services.accounts import identified_by, normalise_email
from keystead.store.db import Database
from keystead.store.models import Account, ApiToken, AuditEvent, WebSession

MAX_LISTED = 1000


@dataclass(frozen=True, slots=True)
class AccountOverview:
    account: Account
    active_tokens: int
    tokens: int
    has_account_key: bool
    live_sessions: int
    last_sign_in: datetime | None


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class AccountDirectory:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def search(self, text: str = "", *, limit: int = 50) -> list[Account]:
        """Accounts whose email, wallet address or number contains `text` (any case),
        newest first; all of them when `text` is empty."""
        statement = select(Account).order_by(Account.created_at.desc(), Account.id.desc())
        needle = normalise_email(text)
        if needle:
            pattern = _like(needle)
            statement = statement.where(
                or_(
                    Account.email.like(pattern, escape="\\"),
                    func.lower(Account.wallet_address).like(pattern, escape="\\"),
                    func.lower(Account.number).like(pattern, escape="\\"),
                )
            )
        async with self._db.read() as session:
            found = await session.execute(statement.limit(max(1, min(limit, MAX_LISTED))))
            return list(found.scalars())

    async def overview(self, email_number_or_address: str) -> AccountOverview:
        """One account by its exact email, number or wallet address."""
        key = email_number_or_address.strip()
        condition = (
            func.lower(Account.wallet_address) == key.lower()
            if key.lower().startswith("0x")
            else identified_by(key)
        )
        now = self._clock.now()
        async with self._db.read() as session:
            account = (await session.execute(select(Account).where(condition))).scalar_one_or_none()
            if account is None:
                raise NotFound("Account")
            credentials = (
                await session.execute(
                    select(ApiToken.kind, ApiToken.revoked_at, ApiToken.expires_at).where(
                        ApiToken.account_id == account.id
                    )
                )
            ).all()
            sessions = await session.scalar(
                select(func.count())
                .select_from(WebSession)
                .where(WebSession.account_id == account.id, WebSession.expires_at > now)
            )
            last_sign_in = await session.scalar(
                select(func.max(AuditEvent.created_at)).where(
                    AuditEvent.account_id == account.id,
                    AuditEvent.action == AuditAction.LOGIN_SUCCEEDED.value,
                )
            )
        tokens = [row for row in credentials if row.kind != ACCOUNT_KEY]
        return AccountOverview(
            account=account,
            active_tokens=sum(
                1
                for row in tokens
                if row.revoked_at is None and (row.expires_at is None or row.expires_at > now)
            ),
            tokens=len(tokens),
            has_account_key=any(
                row.kind == ACCOUNT_KEY and row.revoked_at is None for row in credentials
            ),
            live_sessions=int(sessions or 0),
            last_sign_in=last_sign_in,
        )
