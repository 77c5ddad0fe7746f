"""API terms: versioned text, acceptance with its time, and the gate on token management."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from keystead import audit
from keystead.audit import Actor, AuditAction, Entry
from keystead.clock import Clock
from keystead.errors import Conflict, InvalidInput, NotFound, TermsNotAccepted
from keystead.store.db import Database
from keystead.store.models import Account, TermsVersion


async def current_version(session: AsyncSession) -> TermsVersion:
    statement = select(TermsVersion).order_by(TermsVersion.version.desc()).limit(1)
    terms = (await session.execute(statement)).scalar_one_or_none()
    if terms is None:
        raise NotFound("API terms")
    return terms


async def require_accepted(session: AsyncSession, account: Account) -> None:
    """Raise TermsNotAccepted unless the account accepted the version in force now."""
    current = await session.scalar(select(func.max(TermsVersion.version)))
    if current is None or account.terms_accepted_version != current:
        raise TermsNotAccepted


class TermsService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def current(self) -> TermsVersion:
        async with self._db.read() as session:
            return await current_version(session)

    async def publish(self, text: str, *, by: Actor) -> TermsVersion:
        """A new version; every account must accept it before managing tokens again.

        The same text as the current version is refused: publishing it again would
        make everyone accept, once more, what they have accepted already."""
        text = text.strip()
        if not text:
            raise InvalidInput("text", "the terms text is empty")
        async with self._db.transaction() as session:
            latest = await session.scalar(
                select(TermsVersion).order_by(TermsVersion.version.desc()).limit(1)
            )
            if latest is not None and latest.text == text:
                raise Conflict(
                    f"this text is API terms version {latest.version} already; "
                    "nothing was published"
                )
            now = self._clock.now()
            terms = TermsVersion(
                version=(latest.version if latest else 0) + 1, text=text, published_at=now
            )
            session.add(terms)
            details = {"version": terms.version, "characters": len(text)}
            audit.record(
                session, Entry(AuditAction.TERMS_PUBLISHED, None, details=details), by, now
            )
        return terms

    async def accept(self, account_id: int, version: int, *, by: Actor) -> Account:
        async with self._db.transaction() as session:
            current = await current_version(session)
            if version != current.version:
                raise Conflict(
                    f"API terms version {version} is not the current one; "
                    f"read and accept version {current.version}"
                )
            account = await session.get(Account, account_id, with_for_update=True)
            if account is None:
                raise NotFound("Account")
            if account.terms_accepted_version == current.version:
                return account  # accepted already: the first acceptance stands, audited once
            account.terms_accepted_version = current.version
            account.terms_accepted_at = self._clock.now()
            entry = Entry(AuditAction.TERMS_ACCEPTED, account_id, details={"version": version})
            audit.record(session, entry, by, account.terms_accepted_at)
        return account
