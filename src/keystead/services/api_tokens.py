"""Management tokens: mint, list, edit, extend, roll, revoke. Changes reach every cache
at once: each one invalidates every secret of the token (after a roll, the old one too)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from keystead import allowlist
from keystead.access import tokens
from keystead.access.permissions import PermissionCatalogue
from keystead.audit import Actor, AuditAction, Entry
from keystead.clock import Clock, isoformat
from keystead.errors import Conflict, InvalidInput, NotFound
from keystead.events.base import EventBus
from keystead.services.credential_changes import CredentialChanges, owned
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
    permissions: PermissionCatalogue
    default_lifetime: timedelta
    max_lifetime: timedelta
    max_active_per_account: int
    unused_after: timedelta = timedelta(days=90)


class GracePeriod(StrEnum):
    """How long a rolled token's old secret keeps working."""

    NONE = "none"
    HOUR = "1h"
    DAY = "24h"
    WEEK = "7d"

    @property
    def duration(self) -> timedelta:
        return _GRACE[self]


_GRACE = {
    GracePeriod.NONE: timedelta(0),
    GracePeriod.HOUR: timedelta(hours=1),
    GracePeriod.DAY: timedelta(hours=24),
    GracePeriod.WEEK: timedelta(days=7),
}


@dataclass(frozen=True, slots=True)
class TokenChanges:
    name: str | None = None
    permissions: list[str] | None = None
    expires_at: datetime | None = None
    allowed_ips: list[str] | None = None
    """None leaves the allowlist as it is; an empty list lets the token be used anywhere."""


def clean_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise InvalidInput("name", "must not be empty")
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidInput("name", f"must be at most {MAX_NAME_LENGTH} characters")
    return name


def clean_permissions(permissions: list[str], catalogue: PermissionCatalogue) -> list[str]:
    try:
        return catalogue.normalise(permissions)
    except ValueError as error:
        raise InvalidInput("permissions", str(error)) from error


def clean_allowlist(entries: list[str]) -> list[str]:
    if len(entries) > allowlist.MAX_ENTRIES:
        raise InvalidInput("allowed_ips", f"must hold at most {allowlist.MAX_ENTRIES} entries")
    cleaned: list[str] = []
    for entry in entries:
        try:
            network = allowlist.canonical(entry)
        except ValueError as error:
            raise InvalidInput("allowed_ips", str(error)) from error
        if network not in cleaned:
            cleaned.append(network)
    return cleaned


def secret_hashes(token: ApiToken) -> list[str]:
    """Every keyed hash that may authenticate as this token: invalidate them all."""
    return [h for h in (token.token_hash, token.previous_hash) if h is not None]


def in_grace(token: ApiToken, now: datetime) -> bool:
    """Whether a rolled token's old secret still works."""
    return token.previous_expires_at is not None and token.previous_expires_at > now


def is_unused(token: ApiToken, now: datetime, unused_after: timedelta) -> bool:
    """Active, and not used (or never used since creation) for `unused_after`."""
    if status_of(token, now) != TokenStatus.ACTIVE:
        return False
    return (token.last_used_at or token.created_at) <= now - unused_after


class ApiTokenService:
    def __init__(
        self, db: Database, clock: Clock, bus: EventBus, secret: bytes, policy: TokenPolicy
    ) -> None:
        self._db = db
        self._clock = clock
        self._changes = CredentialChanges(db, bus)
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
            return await owned(session, account_id, token_id, TOKEN)

    async def create(
        self,
        account_id: int,
        name: str,
        permissions: list[str],
        expires_at: datetime | None = None,
        allowed_ips: list[str] | None = None,
        *,
        by: Actor,
    ) -> tuple[ApiToken, str]:
        """Mint a token; the plain text is returned here once and never stored."""
        now = self.now()
        name = clean_name(name)
        permissions = clean_permissions(permissions, self.policy.permissions)
        allowed = clean_allowlist(allowed_ips or [])
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
            allowed_ips=allowed or None,
        )
        async with self._changes.begin(by) as change:
            # The account row lock serialises creations, so the cap holds under races.
            account = await self._account(change.session, account_id, lock=True)
            await require_accepted(change.session, account)
            await self._check_capacity(change.session, account_id, now)
            change.session.add(token)
            details = {
                "name": name,
                "permissions": permissions,
                "expires_at": isoformat(expires_at),
                "allowed_ips": allowed,
            }
            change.audit(Entry(AuditAction.TOKEN_CREATED, account_id, token, details), now)
        return token, plain

    async def update(
        self, account_id: int, token_id: str, changes: TokenChanges, *, by: Actor
    ) -> ApiToken:
        """Edit name, permissions or expiry; takes effect on the very next request."""
        now = self.now()
        async with self._changes.begin(by) as change:
            account = await self._account(change.session, account_id)
            await require_accepted(change.session, account)
            token = await owned(change.session, account_id, token_id, TOKEN, lock=True)
            if token.revoked_at is not None:
                raise Conflict("Token is revoked; create a new one instead")
            if changes.name is not None:
                token.name = clean_name(changes.name)
            if changes.permissions is not None:
                token.permissions = clean_permissions(changes.permissions, self.policy.permissions)
            if changes.expires_at is not None:
                if status_of(token, now) == TokenStatus.EXPIRED:
                    await self._check_capacity(change.session, account_id, now)
                token.expires_at = self._check_expiry(changes.expires_at, now)
            if changes.allowed_ips is not None:
                token.allowed_ips = clean_allowlist(changes.allowed_ips) or None
            changed = {
                "name": token.name if changes.name is not None else None,
                "permissions": list(token.permissions) if changes.permissions else None,
                "expires_at": isoformat(token.expires_at) if changes.expires_at else None,
                "allowed_ips": (
                    token.allowed_ips or [] if changes.allowed_ips is not None else None
                ),
            }
            details = {key: value for key, value in changed.items() if value is not None}
            change.audit(Entry(AuditAction.TOKEN_EDITED, account_id, token, details), now)
            change.invalidate(secret_hashes(token), now)
        return token

    async def extend(self, account_id: int, token_id: str, *, by: Actor) -> ApiToken:
        """Move expiry to the default lifetime from now; never earlier than it already is."""
        current = (await self.get(account_id, token_id)).expires_at
        target = self.now() + self.policy.default_lifetime
        if current is not None and current > target:
            target = current
        return await self.update(account_id, token_id, TokenChanges(expires_at=target), by=by)

    async def roll(
        self, account_id: int, token_id: str, grace: GracePeriod, *, by: Actor
    ) -> tuple[ApiToken, str]:
        """Give the token a new secret, keeping its id, name, permissions, allowlist and
        expiry. The old secret works for `grace`, then stops; a secret replaced by an
        earlier roll stops at once. The new plain text is returned here once."""
        now = self.now()
        plain = tokens.mint(self.policy.prefix)
        async with self._changes.begin(by) as change:
            account = await self._account(change.session, account_id)
            await require_accepted(change.session, account)
            token = await owned(change.session, account_id, token_id, TOKEN, lock=True)
            status = status_of(token, now)
            if status == TokenStatus.REVOKED:
                raise Conflict("Token is revoked; create a new one instead")
            if status == TokenStatus.EXPIRED:
                raise Conflict("Token has expired; extend it before rolling it")
            replaced = secret_hashes(token)
            token.previous_hash = token.token_hash
            token.previous_preview = token.preview
            token.previous_expires_at = now + grace.duration
            token.token_hash = tokens.keyed_hash(self._secret, plain)
            token.preview = tokens.preview(plain, self.policy.prefix)
            details = {
                "grace_period": grace.value,
                "previous_preview": token.previous_preview,
                "previous_works_until": isoformat(token.previous_expires_at),
            }
            change.audit(Entry(AuditAction.TOKEN_ROLLED, account_id, token, details), now)
            change.invalidate(replaced, now)
        return token, plain

    async def revoke(
        self, account_id: int | None, token_id: str, *, by: Actor, reason: str | None = None
    ) -> ApiToken:
        """Revoke (idempotent). `account_id=None` is the operator's reach over every account."""
        async with self._changes.begin(by) as change:
            token = await owned(change.session, account_id, token_id, TOKEN, lock=True)
            if token.revoked_at is None:
                token.revoked_at = self.now()
                details = {"name": token.name, "reason": reason}
                entry = Entry(
                    AuditAction.TOKEN_REVOKED,
                    token.account_id,
                    token,
                    {key: value for key, value in details.items() if value is not None},
                )
                change.audit(entry, token.revoked_at)
                change.invalidate(secret_hashes(token), token.revoked_at)
        return token

    def is_unused(self, token: ApiToken, now: datetime) -> bool:
        return is_unused(token, now, self.policy.unused_after)

    async def _account(
        self, session: AsyncSession, account_id: int, *, lock: bool = False
    ) -> Account:
        account = await session.get(Account, account_id, with_for_update=lock)
        if account is None:
            raise NotFound("Account")
        return account

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
