"""Write-behind of `last_used_at`: noted in memory per request, written in batches."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import structlog
from sqlalchemy import update

from keystead.clock import Clock
from keystead.store.db import Database
from keystead.store.models import ApiToken

logger = structlog.get_logger("keystead.jobs.last_used")


class LastUsedRecorder:
    def __init__(self, db: Database, clock: Clock, interval_seconds: float) -> None:
        self._db = db
        self._clock = clock
        self._interval = interval_seconds
        self._pending: dict[str, float] = {}
        """Credential id → POSIX time of its last use; a datetime only when written."""
        self._lock = asyncio.Lock()

    def touch(self, credential_id: str) -> None:
        self._pending[credential_id] = self._clock.timestamp()

    async def flush(self) -> int:
        """Write what is pending in one statement batch; returns how many were written."""
        async with self._lock:
            if not self._pending:
                return 0
            batch, self._pending = self._pending, {}
            rows = [
                {"id": cid, "last_used_at": datetime.fromtimestamp(when, UTC)}
                for cid, when in batch.items()
            ]
            try:
                async with self._db.transaction() as session:
                    await session.execute(update(ApiToken), rows)
            except Exception:
                # Keep the batch for the next round; newer uses win over older ones.
                for cid, when in batch.items():
                    self._pending.setdefault(cid, when)
                raise
            return len(rows)

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                await self.flush()
            except Exception as error:  # the loop must outlive a database hiccup
                logger.warning("last_used flush failed", error_type=type(error).__name__)
