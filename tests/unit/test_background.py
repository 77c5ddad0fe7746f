"""Background loops: a failed round does not end the loop; stopping waits for the
round in progress and cancels only one that overstays the grace period."""

from __future__ import annotations

import asyncio
import time

from keystead.background import Background


async def test_a_failed_round_is_followed_by_the_next() -> None:
    rounds: list[int] = []
    third = asyncio.Event()

    async def flaky() -> None:
        rounds.append(len(rounds))
        if len(rounds) == 1:
            raise OSError("storage away")
        if len(rounds) == 3:
            third.set()

    background = Background()
    background.every(0.01, flaky, "flaky round")
    await asyncio.wait_for(third.wait(), timeout=5)
    await background.stop()
    assert rounds[:3] == [0, 1, 2]


async def test_stop_waits_for_the_round_in_progress() -> None:
    started, finished = asyncio.Event(), asyncio.Event()

    async def slow() -> None:
        started.set()
        await asyncio.sleep(0.2)
        finished.set()

    background = Background(grace_seconds=5)
    background.every(0.01, slow, "slow round")
    await asyncio.wait_for(started.wait(), timeout=5)
    await background.stop()
    assert finished.is_set()


async def test_a_round_that_overstays_the_grace_is_cancelled() -> None:
    started = asyncio.Event()
    cancelled = False

    async def stuck() -> None:
        nonlocal cancelled
        started.set()
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            cancelled = True
            raise

    background = Background(grace_seconds=0.1)
    background.every(0.01, stuck, "stuck round")
    await asyncio.wait_for(started.wait(), timeout=5)
    begun = time.monotonic()
    await background.stop()
    assert cancelled
    assert time.monotonic() - begun < 5


async def test_stopping_between_rounds_does_not_wait_for_the_interval() -> None:
    rounds: list[None] = []

    async def count() -> None:
        rounds.append(None)

    background = Background()
    background.every(3600, count, "hourly round")
    begun = time.monotonic()
    await background.stop()
    assert time.monotonic() - begun < 5
    assert rounds == []
