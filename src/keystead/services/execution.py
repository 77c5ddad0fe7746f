"""The execution backend interface: where the operator's trading engine plugs in.

keystead ships one implementation, the simulated paper backend
(`services/paper.py`), used by paper bots and the demo. A live bot with no
backend configured answers 409 `No execution backend configured`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from keystead.errors import Conflict
from keystead.store.trading import Bot, Order, Position


@dataclass(frozen=True, slots=True)
class Opened:
    position: Position
    order: Order


class ExecutionBackend(Protocol):
    async def open_position(self, bot: Bot, balance: float, at: datetime) -> Opened:
        """Open a position for `bot` now; returns the new, not yet stored, rows."""
        ...

    async def close_position(self, position: Position, bot: Bot, at: datetime) -> Order:
        """Close `position` (updating it in place); returns the closing order."""
        ...


class NoExecutionBackend:
    """Stands in for a live trading engine that the operator has not configured."""

    async def open_position(self, bot: Bot, balance: float, at: datetime) -> Opened:
        raise Conflict("No execution backend configured")

    async def close_position(self, position: Position, bot: Bot, at: datetime) -> Order:
        raise Conflict("No execution backend configured")
