"""Management tokens: mint, list, edit, extend, revoke. Changes reach every cache at once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from keystead.access import tokens
from keystead.access.permissions import normalise
from keystead.clock import Clock
from keystead.errors import Conflict, InvalidInput, NotFound
from keystead.events import journal
from keystead.events.base import CredentialChanged, EventBus
from keystead.services.terms import require_accepted
from keystead.store.db import Database
from keystead.store.models import Account, ApiToken

TOKEN = "token"
MAX_NAME_LENGTH = 100


class TokenStatus:
    ACTIVE = "active"
    EXPIRED = "expired"
    REVOKED = "revoked"


def status_of(token: ApiToken, now: datetime) -> str:
    if token.revoked_at is not None:
        return TokenStatus.REVOKED
    if token.expires_at is not None and token.expires_at <= now:
        return TokenStatus.EXPIRED
    return TokenStatus.ACTIVE


@dataclass(frozen=True, slots=True)
class TokenPolicy:
    prefix: str
    default_lifetime: timedelta
    max_lifetime: timedelta
    max_active_per_account: int


@dataclass(frozen=True, slots=True)
class TokenChanges:
    name: str | None = None
    permissions: list[str] | None = None
    expires_at: datetime | None = None


def clean_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise InvalidInput("name", "must not be empty")
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidInput("name", f"must be at most {MAX_NAME_LENGTH} characters")
    return name


def clean_permissions(permissions: list[str]) -> list[str]:
    try:
        return normalise(permissions)
    except ValueError as error:
        raise InvalidInput("permissions", str(error)) from error


class ApiTokenService:
    def __init__(
        self, db: Database, clock: Clock, bus: EventBus, secret: bytes, policy: TokenPolicy
    ) -> None:
        self._db = db
        self._clock = clock
        self._bus = bus
        self._secret = secret
        self.policy = policy

    def now(self) -> datetime:
        return self._clock.now()

    def _check_expiry(self, expires_at: datetime, now: datetime) -> datetime:
        if expires_at <= now:
            raise InvalidInput("expires_at", "must be in the future")
        latest = now + self.policy.max_lifetime
        if expires_at > latest:
            days = self.policy.max_lifetime.days
            raise InvalidInput(
                "expires_at",
                f"must be at most {days} days ahead (no later than {latest.date().isoformat()})",
            )
        return expires_at

    async def for_account(self, account_id: int) -> list[ApiToken]:
        statement = (
            select(ApiToken)
            .where(ApiToken.account_id == account_id, ApiToken.kind == TOKEN)
            .order_by(ApiToken.created_at.desc(), ApiToken.id)
        )
        async with self._db.read() as session:
            return list((await session.execute(statement)).scalars())

    async def get(self, account_id: int, token_id: str) -> ApiToken:
        async with self._db.read() as session:
            return await self._owned(session, account_id, token_id)

    async def create(
        self,
        account_id: int,
        name: str,
        permissions: list[str],
        expires_at: datetime | None = None,
    ) -> tuple[ApiToken, str]:
        """Mint a token; the plain text is returned here once and never stored."""
        now = self.now()
        name = clean_name(name)
        permissions = clean_permissions(permissions)
        expires_at = self._check_expiry(expires_at or now + self.policy.default_lifetime, now)
        plain = tokens.mint(self.policy.prefix)
        token = ApiToken(
            id=tokens.new_id(),
            account_id=account_id,
            kind=TOKEN,
            name=name,
            permissions=permissions,
            token_hash=tokens.keyed_hash(self._secret, plain),
            preview=tokens.preview(plain, self.policy.prefix),
            created_at=now,
            expires_at=expires_at,
            revoked_at=None,
            last_used_at=None,
        )
        async with self._db.transaction() as session:
            # The account row lock serialises creations, so the cap holds under races.
            account = await self._account(session, account_id, lock=True)
            await require_accepted(session, account)
            await self._check_capacity(session, account_id, now)
            session.add(token)
        return token, plain

    async def update(self, account_id: int, token_id: str, changes: TokenChanges) -> ApiToken:
        """Edit name, permissions or expiry; takes effect on the very next request."""
        now = self.now()
        async with self._db.transaction() as session:
            account = await self._account(session, account_id)
            await require_accepted(session, account)
            token = await self._owned(session, account_id, token_id)
            if token.revoked_at is not None:
                raise Conflict("Token is revoked; create a new one instead")
            if changes.name is not None:
                token.name = clean_name(changes.name)
            if changes.permissions is not None:
                token.permissions = clean_permissions(changes.permissions)
            if changes.expires_at is not None:
                if status_of(token, now) == TokenStatus.EXPIRED:
                    await self._check_capacity(session, account_id, now)
                token.expires_at = self._check_expiry(changes.expires_at, now)
            journal.record(session, CredentialChanged(token.token_hash), now)
        await self._bus.publish(CredentialChanged(token.token_hash))
        return token

    async def extend(self, account_id: int, token_id: str) -> ApiToken:
        """Move expiry to the default lifetime from now; never earlier than it already is."""
        current = (await self.get(account_id, token_id)).expires_at
        target = self.now() + self.policy.default_lifetime
        if current is not None and current > target:
            target = current
        return await self.update(account_id, token_id, TokenChanges(expires_at=target))

    async def revoke(self, account_id: int | None, token_id: str) -> ApiToken:
        """Revoke (idempotent). `account_id=None` is the operator's reach over every account."""
        async with self._db.transaction() as session:
            if account_id is None:
                token = await session.get(ApiToken, token_id.upper())
                if token is None or token.kind != TOKEN:
                    raise NotFound("Token")
            else:
                token = await self._owned(session, account_id, token_id)
            if token.revoked_at is None:
                token.revoked_at = self.now()
                journal.record(session, CredentialChanged(token.token_hash), token.revoked_at)
        await self._bus.publish(CredentialChanged(token.token_hash))
        return token

    async def _account(
        self, session: AsyncSession, account_id: int, *, lock: bool = False
    ) -> Account:
        account = await session.get(Account, account_id, with_for_update=lock)
        if account is None:
            raise NotFound("Account")
        return account

    async def _owned(self, session: AsyncSession, account_id: int, token_id: str) -> ApiToken:
        token = await session.get(ApiToken, token_id.upper())
        # Another account's token is "not found": existence is not revealed.
        if token is None or token.account_id != account_id or token.kind != TOKEN:
            raise NotFound("Token")
        return token

    async def _check_capacity(self, session: AsyncSession, account_id: int, now: datetime) -> None:
        active = await session.scalar(
            select(func.count())
            .select_from(ApiToken)
            .where(
                ApiToken.account_id == account_id,
                ApiToken.kind == TOKEN,
                ApiToken.revoked_at.is_(None),
                ApiToken.expires_at > now,
            )
        )
        limit = self.policy.max_active_per_account
        if (active or 0) >= limit:
            raise Conflict(f"An account may hold at most {limit} active tokens; revoke unused ones")
