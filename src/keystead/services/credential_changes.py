"""The credential-change rule, kept in one place for every service that changes
credentials (tokens, account keys, an account's standing, leak reports).

Every instance caches the credentials it has authenticated and drops an entry when
it hears of a change: at once from the bus, or later from the journal it polls. So
the cache on any instance must never serve a credential whose change was not
committed, and a committed change must always be journalled and audited:

- the journal row and the audit entry go into the change's own transaction, so a
  committed change always has both (an instance that missed the bus still hears of
  it) and a rolled-back one has neither;
- the bus hears of the change only after the commit: heard earlier, a cache could
  drop its entry and refill it from the old row before the new one is visible.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from keystead import audit
from keystead.audit import Actor, Entry
from keystead.errors import NotFound
from keystead.events import journal
from keystead.events.base import AccountChanged, CredentialChanged, Event, EventBus
from keystead.store.db import Database
from keystead.store.models import ApiToken


class Change:
    """One transaction's credential changes, journalled and audited as they are made;
    `CredentialChanges.begin` publishes them once the transaction has committed."""

    def __init__(self, session: AsyncSession, by: Actor) -> None:
        self.session = session
        self._by = by
        self.events: list[Event] = []

    def invalidate(self, token_hashes: Iterable[str], now: datetime) -> None:
        """Whatever any cache holds under these secrets must go."""
        for token_hash in token_hashes:
            self._note(CredentialChanged(token_hash), now)

    def invalidate_account(self, account_id: int, now: datetime) -> None:
        """Every credential of the account must be looked at again."""
        self._note(AccountChanged(account_id), now)

    def audit(self, entry: Entry, now: datetime) -> None:
        audit.record(self.session, entry, self._by, now)

    def _note(self, event: Event, now: datetime) -> None:
        journal.record(self.session, event, now)
        self.events.append(event)


class CredentialChanges:
    def __init__(self, db: Database, bus: EventBus) -> None:
        self._db = db
        self._bus = bus

    @asynccontextmanager
    async def begin(self, by: Actor) -> AsyncIterator[Change]:
        """A write transaction changing credentials on behalf of `by`. Its events are
        published in the order noted once it has committed, never if it fails. A
        failed publish reaches the caller: the change stands, and the journal still
        carries it to every instance."""
        async with self._db.transaction() as session:
            change = Change(session, by)
            yield change
        for event in change.events:
            await self._bus.publish(event)


async def owned(
    session: AsyncSession,
    account_id: int | None,
    credential_id: str,
    kind: str,
    *,
    lock: bool = False,
) -> ApiToken:
    """The account's credential of this kind (`account_id=None`: the operator's reach
    over every account). `lock` holds its row until the transaction ends, so a change
    reads the last committed state and concurrent changes apply one by one
    (PostgreSQL; SQLite's writers already take turns)."""
    credential = await session.get(ApiToken, credential_id.upper(), with_for_update=lock)
    # Another account's credential is "not found": existence is not revealed.
    if (
        credential is None
        or credential.kind != kind
        or (account_id is not None and credential.account_id != account_id)
    ):
        raise NotFound("Token")
    return credential
