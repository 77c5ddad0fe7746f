"""The in-process moving window: exact count, rejected requests not counted, Retry-After."""

from __future__ import annotations

from keystead.limiter.memory import MemoryLimiter


async def test_admits_exactly_the_limit_then_refuses_with_retry_after() -> None:
    limiter = MemoryLimiter("30/minute", "test")
    decisions = [await limiter.hit("account-1") for _ in range(30)]
    assert all(d.allowed for d in decisions)
    assert [d.remaining for d in decisions] == list(range(29, -1, -1))
    refused = await limiter.hit("account-1")
    assert not refused.allowed
    assert refused.remaining == 0
    assert 59 <= refused.retry_after <= 60


async def test_refused_requests_do_not_count_and_keys_are_separate() -> None:
    limiter = MemoryLimiter("2/minute", "test")
    assert (await limiter.hit("a")).allowed
    assert (await limiter.hit("a")).allowed
    for _ in range(5):
        assert not (await limiter.hit("a")).allowed
    assert (await limiter.peek("a")).remaining == 0
    assert (await limiter.hit("b")).allowed


async def test_peek_counts_nothing() -> None:
    limiter = MemoryLimiter("1/minute", "test")
    for _ in range(3):
        assert (await limiter.peek("a")).allowed
    assert (await limiter.hit("a")).allowed
