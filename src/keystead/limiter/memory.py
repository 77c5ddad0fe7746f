"""In-process moving window (the embedded default), on the `limits` library."""

from __future__ import annotations

import math
import time

from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from keystead.limiter.base import Decision


class MemoryLimiter:
    def __init__(self, rate: str, namespace: str) -> None:
        self._item = parse(rate)
        self._namespace = namespace
        self._storage = MemoryStorage()
        self._strategy = MovingWindowRateLimiter(self._storage)
        self.limit = self._item.amount

    async def hit(self, key: str) -> Decision:
        allowed = self._strategy.hit(self._item, self._namespace, key)
        return self._decision(key, allowed)

    async def peek(self, key: str) -> Decision:
        return self._decision(key, self._strategy.test(self._item, self._namespace, key))

    async def reset(self, key: str) -> None:
        self._strategy.clear(self._item, self._namespace, key)

    def _decision(self, key: str, allowed: bool) -> Decision:
        reset_at, remaining = self._strategy.get_window_stats(self._item, self._namespace, key)
        retry_after = 0 if allowed else max(1, math.ceil(reset_at - time.time()))
        return Decision(allowed, self.limit, max(0, remaining), retry_after)
