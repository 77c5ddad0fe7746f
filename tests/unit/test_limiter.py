"""The in-process moving window: exact count, rejected requests not counted, Retry-After."""

from __future__ import annotations

import time

import pytest

from keystead.limiter import memory
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


async def test_the_window_moves_one_admitted_request_at_a_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: now[0])  # the clock `memory` reads
    limiter = MemoryLimiter("3/minute", "test")
    for offset in (0.0, 10.0, 20.0):
        now[0] = 1000.0 + offset
        assert (await limiter.hit("a")).allowed
    now[0] = 1059.5
    refused = await limiter.hit("a")
    assert (refused.allowed, refused.retry_after) == (False, 1)
    now[0] = 1060.0  # the first request leaves the window: exactly one more fits
    assert (await limiter.hit("a")).allowed
    assert not (await limiter.hit("a")).allowed
    now[0] = 1070.0
    assert (await limiter.hit("a")).remaining == 0


async def test_emptied_windows_are_swept(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [0.0]
    monkeypatch.setattr(time, "monotonic", lambda: now[0])  # the clock `memory` reads
    monkeypatch.setattr(memory, "_SWEEP_EVERY", 3)
    limiter = MemoryLimiter("5/minute", "test")
    await limiter.hit("old")
    now[0] = 120.0
    for _ in range(3):
        await limiter.hit("new")
    assert "old" not in limiter._windows
    assert (await limiter.peek("old")).remaining == 5
