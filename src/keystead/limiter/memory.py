"""In-process moving window (the embedded default).

The window of a key is the deque of the times it admitted requests in the last
period: exact (never one more than the limit in any window) and a few
microseconds per hit. `limits`' MemoryStorage gives the same answer with locks,
an expiry timer and a second call for the window's state, which cost more than
everything else on the access path together; its rate syntax is still used.
"""

from __future__ import annotations

import math
import time
from collections import deque

from limits import parse

from keystead.limiter.base import Decision

_SWEEP_EVERY = 10_000
"""Hits between sweeps of keys whose window has emptied (bounded memory)."""


class MemoryLimiter:
    def __init__(self, rate: str, namespace: str) -> None:
        # Each limiter owns its windows, so `namespace` (which keeps shared Redis
        # keys apart) has nothing to separate here.
        item = parse(rate)
        self.limit = item.amount
        self._period = float(item.get_expiry())
        self.window = int(item.get_expiry())
        self._windows: dict[str, deque[float]] = {}
        self._hits_since_sweep = 0

    def _window(self, key: str, now: float) -> deque[float]:
        window = self._windows.get(key)
        if window is None:
            return deque()
        horizon = now - self._period
        while window and window[0] <= horizon:
            window.popleft()
        return window

    async def hit(self, key: str) -> Decision:
        now = time.monotonic()
        self._hits_since_sweep += 1
        if self._hits_since_sweep >= _SWEEP_EVERY:
            self._sweep(now)
        window = self._window(key, now)
        if len(window) < self.limit:
            window.append(now)
            self._windows[key] = window
            return self._admitted(window, now)
        return self._refused(window, now)

    async def peek(self, key: str) -> Decision:
        now = time.monotonic()
        window = self._window(key, now)
        if len(window) < self.limit:
            return self._admitted(window, now)
        return self._refused(window, now)

    async def reset(self, key: str) -> None:
        self._windows.pop(key, None)

    def _admitted(self, window: deque[float], now: float) -> Decision:
        exact = max(0.0, window[0] + self._period - now) if window else 0.0
        remaining = self.limit - len(window)
        return Decision(True, self.limit, remaining, 0, math.ceil(exact), self.window, exact)

    def _refused(self, window: deque[float], now: float) -> Decision:
        # The oldest admitted request leaves the window first; then one more fits.
        exact = max(0.0, window[0] + self._period - now)
        wait = max(1, math.ceil(exact))
        return Decision(False, self.limit, 0, wait, wait, self.window, exact)

    def _sweep(self, now: float) -> None:
        self._hits_since_sweep = 0
        horizon = now - self._period
        stale = [
            key for key, window in self._windows.items() if not window or window[-1] <= horizon
        ]
        for key in stale:
            del self._windows[key]
