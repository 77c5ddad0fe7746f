"""The invalidation journal: changes made by another process reach this one's cache."""

from __future__ import annotations

from datetime import UTC, datetime

from keystead.config import Settings
from keystead.events.base import AccountChanged, CredentialChanged, Event
from keystead.events.journal import JournalPoller, record
from keystead.runtime import build_runtime
from keystead.store.models import CredentialEvent


async def test_events_written_elsewhere_are_delivered_once(settings: Settings) -> None:
    here = build_runtime(settings)
    elsewhere = build_runtime(settings)  # e.g. the operator CLI, sharing the database
    delivered: list[Event] = []
    poller = JournalPoller(here.db, here.clock, 0.01)
    poller.subscribe(delivered.append)
    try:
        async with here.db.transaction() as session:
            record(session, CredentialChanged("before-start"), datetime.now(UTC))
        await poller.start()
        async with elsewhere.db.transaction() as session:
            record(session, CredentialChanged("hash-1"), datetime.now(UTC))
            record(session, AccountChanged(42), datetime.now(UTC))
        assert await poller.poll_once() == 2
        assert delivered == [CredentialChanged("hash-1"), AccountChanged(42)]
        assert await poller.poll_once() == 0
    finally:
        await here.close()
        await elsewhere.close()


async def test_an_id_committed_late_is_still_delivered(settings: Settings) -> None:
    runtime = build_runtime(settings)
    delivered: list[Event] = []
    poller = JournalPoller(runtime.db, runtime.clock, 0.01)
    poller.subscribe(delivered.append)
    now = datetime.now(UTC)
    try:
        await poller.start()
        async with runtime.db.transaction() as session:
            session.add(CredentialEvent(id=3, token_hash="third", created_at=now))
        await poller.poll_once()
        # Ids 1 and 2 were taken by transactions that commit after id 3 became visible.
        async with runtime.db.transaction() as session:
            session.add(CredentialEvent(id=1, token_hash="first", created_at=now))
        await poller.poll_once()
        assert delivered == [CredentialChanged("third"), CredentialChanged("first")]
    finally:
        await runtime.close()


async def test_events_after_a_full_prune_are_still_delivered(settings: Settings) -> None:
    runtime = build_runtime(settings)
    delivered: list[Event] = []
    poller = JournalPoller(runtime.db, runtime.clock, 0.01)
    poller.subscribe(delivered.append)
    long_ago = datetime(2020, 1, 1, tzinfo=UTC)
    try:
        await poller.start()
        async with runtime.db.transaction() as session:
            record(session, CredentialChanged("old"), long_ago)
        await poller.poll_once()
        await poller.prune()  # a quiet hour: the journal is now empty
        async with runtime.db.transaction() as session:
            record(session, CredentialChanged("new"), datetime.now(UTC))
        await poller.poll_once()
        assert delivered == [CredentialChanged("old"), CredentialChanged("new")]
    finally:
        await runtime.close()
