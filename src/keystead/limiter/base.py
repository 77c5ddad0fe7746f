"""The Limiter protocol and its answer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    retry_after: int
    """Whole seconds until a request would be admitted; 0 when allowed."""
    reset_after: int
    """Whole seconds until the oldest request counted leaves the window (and one
    more fits); 0 when the window is empty. The same moment as `retry_after` when
    refused."""
    window: int
    """The window's length in seconds."""
    reset_in: float = 0.0
    """`reset_after` before rounding up: the epoch second of the reset is computed from
    it, so two answers a moment apart name the same second."""


class Limiter(Protocol):
    limit: int
    window: int
    """Seconds."""

    async def hit(self, key: str) -> Decision:
        """Count one request against `key` if the window admits it; rejected ones don't count."""
        ...

    async def peek(self, key: str) -> Decision:
        """The window as it stands, without counting anything."""
        ...

    async def reset(self, key: str) -> None: ...
