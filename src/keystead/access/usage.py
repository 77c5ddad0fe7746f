"""Write-behind of per-request facts: each credential's last use and, unless turned
off, its usage by hour (status classes and client addresses).

The access path only updates dictionaries in memory; `flush` writes them in one
transaction every few seconds. Counts are added to the stored row (an upsert), so
any number of instances together store exactly the requests they answered. A
failed flush keeps its batch for the next one: nothing is counted twice or lost.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from keystead.clock import Clock
from keystead.store.db import Database
from keystead.store.models import ApiToken, TokenUsage, TokenUsageClient

HOUR = 3600
COUNTED = ("requests", "ok", "client_errors", "rate_limited", "server_errors")

# Status → the slots it adds to: total and its class (a 3xx is in the total only).
_SLOTS: dict[int, tuple[int, ...]] = {}


def slots(status: int) -> tuple[int, ...]:
    found = _SLOTS.get(status)
    if found is None:
        if 200 <= status < 300:
            found = (0, 1)
        elif status == 429:
            found = (0, 3)
        elif 400 <= status < 500:
            found = (0, 2)
        elif status >= 500:
            found = (0, 4)
        else:
            found = (0,)
        _SLOTS[status] = found
    return found


@dataclass(slots=True)
class HourUsage:
    account_id: int
    counts: list[int] = field(default_factory=lambda: [0, 0, 0, 0, 0])
    clients: set[str] = field(default_factory=set)

    def merge(self, other: HourUsage) -> None:
        self.counts = [a + b for a, b in zip(self.counts, other.counts, strict=True)]
        self.clients |= other.clients


class UsageRecorder:
    def __init__(
        self, db: Database, clock: Clock, interval_seconds: float, *, analytics: bool = True
    ) -> None:
        self._db = db
        self._clock = clock
        self.interval = interval_seconds
        self._analytics = analytics
        self._last_used: dict[str, float] = {}
        """Credential id → POSIX time of its last use; a datetime only when written."""
        self._hours: dict[tuple[str, int], HourUsage] = {}
        """(credential id, hours since the epoch) → what this instance counted."""
        self._lock = asyncio.Lock()

    def record(self, credential_id: str, account_id: int, status: int, client: str) -> None:
        """Note one answered request. Memory only: this runs on the access path."""
        now = self._clock.timestamp()
        self._last_used[credential_id] = now
        if not self._analytics:
            return
        key = (credential_id, int(now // HOUR))
        usage = self._hours.get(key)
        if usage is None:
            usage = self._hours[key] = HourUsage(account_id)
        counts = usage.counts
        for slot in slots(status):
            counts[slot] += 1
        usage.clients.add(client)

    async def flush(self) -> int:
        """Write what is pending in one transaction; returns how many rows it touched."""
        async with self._lock:
            if not self._last_used and not self._hours:
                return 0
            last_used, self._last_used = self._last_used, {}
            hours, self._hours = self._hours, {}
            try:
                async with self._db.transaction() as session:
                    written = await self._write(session, last_used, hours)
            except BaseException:  # a cancelled flush keeps its batch for the last one too
                self._restore(last_used, hours)
                raise
            return written

    def _restore(
        self, last_used: dict[str, float], hours: dict[tuple[str, int], HourUsage]
    ) -> None:
        # Uses noted since the failed batch are newer and win; counts add up.
        for credential_id, when in last_used.items():
            self._last_used.setdefault(credential_id, when)
        for key, usage in hours.items():
            pending = self._hours.get(key)
            if pending is None:
                self._hours[key] = usage
            else:
                pending.merge(usage)

    async def _write(
        self,
        session: AsyncSession,
        last_used: dict[str, float],
        hours: dict[tuple[str, int], HourUsage],
    ) -> int:
        if last_used:
            rows = [
                {"id": cid, "last_used_at": datetime.fromtimestamp(when, UTC)}
                for cid, when in last_used.items()
            ]
            await session.execute(update(ApiToken), rows)
        if not hours:
            return len(last_used)
        insert = sqlite.insert if self._db.is_sqlite else postgresql.insert
        counts: list[dict[str, Any]] = []
        clients: list[dict[str, Any]] = []
        for (credential_id, hour), usage in hours.items():
            start = datetime.fromtimestamp(hour * HOUR, UTC)
            ids = {"credential_id": credential_id, "hour_start": start}
            counted = dict(zip(COUNTED, usage.counts, strict=True))
            counts.append({**ids, "account_id": usage.account_id, **counted})
            # Cut to the column's width here, not on the request path; addresses fit.
            clients.extend(
                {**ids, "client": client, "account_id": usage.account_id}
                for client in {client[:64] for client in usage.clients}
            )
        adding = insert(TokenUsage)
        await session.execute(
            adding.on_conflict_do_update(
                index_elements=["credential_id", "hour_start"],
                set_={name: getattr(TokenUsage, name) + adding.excluded[name] for name in COUNTED},
            ),
            counts,
        )
        await session.execute(insert(TokenUsageClient).on_conflict_do_nothing(), clients)
        return len(last_used) + len(counts) + len(clients)
