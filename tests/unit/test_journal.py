"""The invalidation journal: changes made by another process reach this one's cache."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from keystead.config import Settings
from keystead.events.base import AccountChanged, CredentialChanged, Event
from keystead.events.journal import JournalPoller, record
from keystead.runtime import Runtime, build_runtime
from keystead.store.models import CredentialEvent


@dataclass
class Listener:
    runtime: Runtime
    poller: JournalPoller
    delivered: list[Event] = field(default_factory=list)

    async def write(self, *events: Event, at: datetime | None = None) -> None:
        async with self.runtime.db.transaction() as session:
            for event in events:
                record(session, event, at or datetime.now(UTC))


@pytest.fixture
async def listener(settings: Settings) -> AsyncIterator[Listener]:
    runtime = build_runtime(settings)
    listening = Listener(runtime, JournalPoller(runtime.db, runtime.clock, 0.01))
    listening.poller.subscribe(listening.delivered.append)
    yield listening
    await runtime.close()


async def test_events_written_elsewhere_are_delivered_once(
    listener: Listener, settings: Settings
) -> None:
    await listener.write(CredentialChanged("before-start"))
    await listener.poller.start()
    elsewhere = build_runtime(settings)  # e.g. the operator CLI, sharing the database
    try:
        async with elsewhere.db.transaction() as session:
            record(session, CredentialChanged("hash-1"), datetime.now(UTC))
            record(session, AccountChanged(42), datetime.now(UTC))
    finally:
        await elsewhere.close()
    assert await listener.poller.poll_once() == 2
    assert listener.delivered == [CredentialChanged("hash-1"), AccountChanged(42)]
    assert await listener.poller.poll_once() == 0


async def test_an_id_committed_late_is_still_delivered(listener: Listener) -> None:
    await listener.poller.start()
    now = datetime.now(UTC)
    async with listener.runtime.db.transaction() as session:
        session.add(CredentialEvent(id=3, token_hash="third", created_at=now))
    await listener.poller.poll_once()
    # Ids 1 and 2 were taken by transactions that commit after id 3 became visible.
    async with listener.runtime.db.transaction() as session:
        session.add(CredentialEvent(id=1, token_hash="first", created_at=now))
    await listener.poller.poll_once()
    assert listener.delivered == [CredentialChanged("third"), CredentialChanged("first")]


async def test_events_after_a_full_prune_are_still_delivered(listener: Listener) -> None:
    await listener.poller.start()
    await listener.write(CredentialChanged("old"), at=datetime(2020, 1, 1, tzinfo=UTC))
    await listener.poller.poll_once()
    await listener.poller.prune()  # a quiet hour: the journal is now empty
    await listener.write(CredentialChanged("new"))
    await listener.poller.poll_once()
    assert listener.delivered == [CredentialChanged("old"), CredentialChanged("new")]
