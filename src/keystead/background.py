"""Work an instance repeats on an interval, stopped between rounds, not inside one.

Cancelling a round in the middle of a database transaction is not safe: on SQLite a
cancelled statement can leave its connection holding the write lock until garbage
collection, so the next writer (the final usage flush at shutdown) waits out the busy
timeout and fails; and a round cut off mid-flush or mid-send loses or repeats work.
So `stop` asks every loop to finish the round it is in and waits for that, and only
cancels a round that overstays the grace period.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import structlog

logger = structlog.get_logger("keystead.background")

STOP_GRACE_SECONDS = 10.0

Round = Callable[[], Awaitable[object]]


class Background:
    def __init__(self, grace_seconds: float = STOP_GRACE_SECONDS) -> None:
        self._grace = grace_seconds
        self._stopping = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    def every(self, interval: float, work: Round, name: str) -> None:
        """Run `work` every `interval` seconds until `stop`. A failed round is logged as
        `<name> failed` and the loop goes on: it must outlive a database or SMTP hiccup."""
        self._tasks.append(asyncio.create_task(self._repeat(interval, work, name), name=name))

    async def _repeat(
        self, interval: float, work: Callable[[], Awaitable[object]], name: str
    ) -> None:
        while not await self._stopped_within(interval):
            try:
                await work()
            except Exception as error:
                logger.warning(f"{name} failed", error_type=type(error).__name__)

    async def _stopped_within(self, seconds: float) -> bool:
        try:
            await asyncio.wait_for(self._stopping.wait(), seconds)
        except TimeoutError:
            return False
        return True

    async def stop(self) -> None:
        """Let each loop finish its round; cancel what is still running after the grace."""
        self._stopping.set()
        if not self._tasks:
            return
        _, overdue = await asyncio.wait(self._tasks, timeout=self._grace)
        for task in overdue:
            logger.warning("background round cancelled at shutdown", task=task.get_name())
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
