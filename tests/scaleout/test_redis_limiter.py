"""The shared moving window on a real Redis: exact under concurrency across instances,
batched without mixing answers up, recovering when Redis forgets its script, and
never waiting on a Redis that does not answer."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest
import redis

from keystead.limiter.redis import RedisLimiter
from keystead.limiter.resp import RedisConnectionError, RespConnection
from tests.backends import REDIS_URL, require_services


@pytest.fixture
def prefix() -> str:
    require_services()
    return f"keystead-test-{uuid.uuid4().hex[:8]}"


async def test_two_instances_admit_exactly_the_limit_together(prefix: str) -> None:
    a = RedisLimiter(REDIS_URL, "30/minute", "rate", prefix)
    b = RedisLimiter(REDIS_URL, "30/minute", "rate", prefix)
    decisions = await asyncio.gather(*(lim.hit("account-1") for lim in [a, b] * 40))
    admitted = [d for d in decisions if d.allowed]
    assert len(admitted) == 30
    # Each admission saw the window as it stood: remaining counts down without repeats.
    assert sorted(d.remaining for d in admitted) == list(range(30))
    refused = [d for d in decisions if not d.allowed]
    assert all(d.remaining == 0 and 59 <= d.retry_after <= 60 for d in refused)
    assert (await a.peek("account-1")).remaining == 0
    assert (await b.hit("account-2")).allowed


async def test_an_instance_whose_clock_lags_never_asks_for_more_than_a_window(
    prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ahead = RedisLimiter(REDIS_URL, "2/minute", "rate", prefix)
    behind = RedisLimiter(REDIS_URL, "2/minute", "rate", prefix)
    await ahead.hit("skewed")
    await ahead.hit("skewed")
    real_time = time.time
    monkeypatch.setattr("keystead.limiter.redis.time.time", lambda: real_time() - 0.5)
    refused = await behind.hit("skewed")
    assert not refused.allowed
    assert refused.retry_after == 60


async def test_a_batch_answers_each_key_with_its_own_window(prefix: str) -> None:
    limiter = RedisLimiter(REDIS_URL, "2/minute", "rate", prefix)
    await limiter.hit("full")
    await limiter.hit("full")
    decisions = await asyncio.gather(
        limiter.hit("full"), limiter.hit("empty"), limiter.peek("full"), limiter.peek("empty")
    )
    assert [d.allowed for d in decisions] == [False, True, False, True]
    assert [d.remaining for d in decisions] == [0, 1, 0, 1]


async def test_a_huge_limit_still_counts_exactly(prefix: str) -> None:
    # Benchmarks raise the limit; the window must neither scan nor lose count.
    limiter = RedisLimiter(REDIS_URL, "1000000000/minute", "rate", prefix)
    decisions = await asyncio.gather(*(limiter.hit("account") for _ in range(500)))
    assert sorted(d.remaining for d in decisions) == list(range(1_000_000_000 - 500, 1_000_000_000))


@pytest.mark.exclusive  # every client of this Redis forgets the script (tests/parallel.py)
async def test_a_redis_that_forgot_the_script_is_taught_it_again(prefix: str) -> None:
    limiter = RedisLimiter(REDIS_URL, "5/minute", "rate", prefix)
    assert (await limiter.hit("account")).remaining == 4
    redis.Redis.from_url(REDIS_URL).script_flush()
    assert (await limiter.hit("account")).remaining == 3


async def test_reset_empties_the_window(prefix: str) -> None:
    limiter = RedisLimiter(REDIS_URL, "1/minute", "rate", prefix)
    assert (await limiter.hit("account")).allowed
    assert not (await limiter.hit("account")).allowed
    await limiter.reset("account")
    assert (await limiter.hit("account")).allowed


@pytest.mark.exclusive  # the pause holds every client of this Redis (tests/parallel.py)
async def test_a_redis_that_does_not_answer_in_time_fails_every_waiter_then_recovers(
    prefix: str,
) -> None:
    connection = RespConnection(REDIS_URL, timeout=0.2)
    await connection.execute("SET", f"{prefix}:before", "1")
    admin = redis.Redis.from_url(REDIS_URL)
    admin.client_pause(1500)  # ms: every client's commands wait
    try:
        started = time.monotonic()
        replies = await asyncio.gather(
            connection.execute("GET", f"{prefix}:before"),
            connection.execute("PING"),
            return_exceptions=True,
        )
        waited = time.monotonic() - started
    finally:
        admin.client_unpause()
    assert all(isinstance(reply, RedisConnectionError) for reply in replies)
    assert "did not answer in time" in str(replies[0])
    assert 0.15 <= waited < 1.0
    # A fresh socket: the late replies of the old one can never reach a new caller.
    assert await connection.execute("GET", f"{prefix}:before") == b"1"
    assert await connection.execute("PING") == b"PONG"
