"""The audit log of security events: who did what to which credential, and from where.

Changes record their entry inside their own transaction (`record`), so a committed
change always has its entry and a failed one never does. Entries hold names,
previews, permissions and client addresses: never a token, key, signature,
password or session id.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from keystead.clock import Clock
from keystead.store.db import Database
from keystead.store.models import Account, AuditEvent

MAX_PAGE = 200


class AuditAction(StrEnum):
    TOKEN_CREATED = "token.created"
    TOKEN_EDITED = "token.edited"
    TOKEN_REVOKED = "token.revoked"
    TOKEN_LEAKED = "token.leaked"
    """Revoked at once because a secret scanner reported it public."""
    TOKEN_ROLLED = "token.rolled"
    TOKEN_ADDRESS_REFUSED = "token.address_refused"
    """Used from an address outside its allowlist, and refused."""

    KEY_GENERATED = "key.generated"
    KEY_DISABLED = "key.disabled"
    LOGIN_SUCCEEDED = "login.succeeded"
    LOGIN_FAILED = "login.failed"
    TERMS_ACCEPTED = "terms.accepted"
    TERMS_PUBLISHED = "terms.published"
    ACCOUNT_SUSPENDED = "account.suspended"
    ACCOUNT_REINSTATED = "account.reinstated"
    PASSWORD_CHANGED = "password.changed"
    PASSWORD_RESET_REQUESTED = "password.reset_requested"
    PASSWORD_RESET = "password.reset"
    EMAIL_VERIFICATION_SENT = "email.verification_sent"
    EMAIL_VERIFIED = "email.verified"
    SESSIONS_ENDED = "sessions.ended"


OWNER = "owner"
OPERATOR = "operator"
SCANNER = "scanner"
ANYONE = "anyone"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who made a change: the account's owner (from a client address), an operator
    at the CLI, a secret scanner's report, or anyone at all (a sign-in that failed
    proved nothing about who tried)."""

    kind: str
    client: str | None = None

    @classmethod
    def owner(cls, client: str | None) -> Actor:
        return cls(OWNER, client)

    @classmethod
    def operator(cls) -> Actor:
        return cls(OPERATOR)

    @classmethod
    def scanner(cls, client: str | None) -> Actor:
        return cls(SCANNER, client)

    @classmethod
    def anyone(cls, client: str | None) -> Actor:
        return cls(ANYONE, client)


class Credential(Protocol):
    """What an entry keeps of a credential: its id and preview, never the secret."""

    @property
    def id(self) -> str: ...

    @property
    def preview(self) -> str: ...


@dataclass(frozen=True, slots=True)
class CredentialRef:
    """A credential known by id and preview only (on the access path, a Principal's)."""

    id: str
    preview: str


@dataclass(frozen=True, slots=True)
class Entry:
    """What one event says, before it is stored."""

    action: AuditAction
    account_id: int | None
    credential: Credential | None = None
    details: dict[str, Any] = field(default_factory=dict)


def record(session: AsyncSession, entry: Entry, actor: Actor, now: datetime) -> None:
    """Add the entry inside the caller's transaction."""
    credential = entry.credential
    session.add(
        AuditEvent(
            account_id=entry.account_id,
            created_at=now,
            action=entry.action.value,
            actor=actor.kind,
            client=actor.client[:64] if actor.client else None,
            credential_id=credential.id if credential is not None else None,
            credential_preview=credential.preview if credential is not None else None,
            details=entry.details,
        )
    )


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """A stored entry with the number of the account it belongs to (for operators)."""

    event: AuditEvent
    account_number: str | None


class AuditService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def record(self, entry: Entry, actor: Actor) -> None:
        """Record an event that has no transaction of its own (a sign-in)."""
        async with self._db.transaction() as session:
            record(session, entry, actor, self._clock.now())

    async def for_account(
        self, account_id: int, *, before: int | None = None, limit: int = 50
    ) -> list[AuditEvent]:
        """The account's events, newest first; `before` (an event id) pages back."""
        return [item.event for item in await self.search(account_id, before=before, limit=limit)]

    async def search(
        self,
        account_id: int | None = None,
        *,
        action: str | None = None,
        before: int | None = None,
        limit: int = 50,
    ) -> list[AuditRecord]:
        statement = (
            select(AuditEvent, Account.number)
            .outerjoin(Account, Account.id == AuditEvent.account_id)
            .order_by(AuditEvent.id.desc())
            .limit(max(1, min(limit, MAX_PAGE)))
        )
        if account_id is not None:
            statement = statement.where(AuditEvent.account_id == account_id)
        if action is not None:
            statement = statement.where(AuditEvent.action == action)
        if before is not None:
            statement = statement.where(AuditEvent.id < before)
        async with self._db.read() as session:
            rows = (await session.execute(statement)).all()
        return [AuditRecord(event, number) for event, number in rows]
