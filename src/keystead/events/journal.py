"""The invalidation journal: durable events in the database, polled by every process.

Writers add a row in the same transaction as the change (so a committed change
always has its event) and then publish on the bus for instant local delivery.
Every running instance polls the journal, which carries changes made by other
processes: the operator CLI, or other instances when no Redis bus is configured.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from keystead.clock import Clock
from keystead.events.base import AccountChanged, CredentialChanged, Event
from keystead.store.db import Database
from keystead.store.models import CredentialEvent

# Ids are assigned before commit, so on PostgreSQL a lower id can become visible
# after a higher one: ids skipped over are asked for again until they appear.
MAX_GAPS = 1000
GAP_PATIENCE_SECONDS = 30.0
KEEP_FOR = timedelta(hours=1)
PRUNE_EVERY_POLLS = 1000


def record(session: AsyncSession, event: Event, now: datetime) -> None:
    """Add the event to the journal inside the caller's transaction."""
    if isinstance(event, CredentialChanged):
        session.add(CredentialEvent(token_hash=event.token_hash, created_at=now))
    else:
        session.add(CredentialEvent(account_id=event.account_id, created_at=now))


def _as_event(row: CredentialEvent) -> Event:
    if row.token_hash is not None:
        return CredentialChanged(row.token_hash)
    assert row.account_id is not None
    return AccountChanged(row.account_id)


class JournalPoller:
    def __init__(self, db: Database, clock: Clock, interval_seconds: float) -> None:
        self._db = db
        self._clock = clock
        self.interval = interval_seconds
        self._handlers: list[Callable[[Event], None]] = []
        self._last_id = 0
        self._gaps: dict[int, float] = {}
        self._polls = 0

    def subscribe(self, handler: Callable[[Event], None]) -> None:
        self._handlers.append(handler)

    async def start(self) -> None:
        """Begin after the newest event: a starting process has an empty cache anyway."""
        async with self._db.read() as session:
            self._last_id = await session.scalar(select(func.max(CredentialEvent.id))) or 0

    async def poll_once(self) -> int:
        """Deliver events not seen yet; returns how many were delivered."""
        condition = CredentialEvent.id > self._last_id
        if self._gaps:
            condition = or_(condition, CredentialEvent.id.in_(list(self._gaps)))
        statement = select(CredentialEvent).where(condition).order_by(CredentialEvent.id)
        async with self._db.read() as session:
            rows = list((await session.execute(statement)).scalars())
        noticed = time.monotonic()
        for row in rows:
            if row.id > self._last_id:
                skipped = range(max(self._last_id + 1, row.id - MAX_GAPS), row.id)
                self._gaps.update(dict.fromkeys(skipped, noticed))
                self._last_id = row.id
            self._gaps.pop(row.id, None)
            event = _as_event(row)
            for handler in self._handlers:
                handler(event)
        # A gap left by a rolled-back transaction never fills: stop asking for it.
        self._gaps = {i: t for i, t in self._gaps.items() if noticed - t < GAP_PATIENCE_SECONDS}
        return len(rows)

    async def prune(self) -> None:
        cutoff = self._clock.now() - KEEP_FOR
        async with self._db.transaction() as session:
            await session.execute(
                delete(CredentialEvent).where(CredentialEvent.created_at < cutoff)
            )

    async def poll(self) -> None:
        """One round of the background loop: deliver new events, now and then prune."""
        await self.poll_once()
        self._polls += 1
        if self._polls % PRUNE_EVERY_POLLS == 0:
            await self.prune()
