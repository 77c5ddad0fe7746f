"""What a shared limiter does while its store is unreachable: the operator's choice.

`closed` (the default) refuses with 503 in the envelope, so an outage never
lifts the limits; `open` admits without counting, so an outage never stops the
API. Either way the service recovers by itself when the store is back.
"""

from __future__ import annotations

from keystead.limiter.base import Decision, Limiter
from keystead.limiter.redis import LimiterUnavailable


class FailurePolicy:
    def __init__(self, inner: Limiter, fail_open: bool) -> None:
        self._inner = inner
        self._fail_open = fail_open
        self.limit = inner.limit
        self.window = inner.window

    def _admitted(self) -> Decision:
        # Nothing is counted while the store is away: the window is as good as empty.
        return Decision(True, self.limit, self.limit, 0, 0, self.window)

    async def hit(self, key: str) -> Decision:
        try:
            return await self._inner.hit(key)
        except LimiterUnavailable:
            if self._fail_open:
                return self._admitted()
            raise

    async def peek(self, key: str) -> Decision:
        try:
            return await self._inner.peek(key)
        except LimiterUnavailable:
            if self._fail_open:
                return self._admitted()
            raise

    async def reset(self, key: str) -> None:
        await self._inner.reset(key)
