"""The execution engine: where the operator's trading engine plugs in.

An engine opens and closes positions for bots; keystead stores what it returns. It
is any object with the two coroutines of `ExecutionBackend` below. keystead ships
one, the simulated paper engine (`trading/paper.py`), on which paper bots and the
demo always trade. Live bots trade on the engine named by
`KEYSTEAD_EXECUTION_ENGINE`, as `module:attribute`, where the attribute is a class
or a factory called with no arguments, once per process:

    KEYSTEAD_EXECUTION_ENGINE=my_broker.keystead:LiveEngine

Unset, a live bot answers 409 `No execution backend configured` (CONTRACT §5).
An engine raises `keystead.errors.Conflict` with a message for the client when the
market refuses; anything else it raises is a 500.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from keystead.errors import ConfigurationError, Conflict
from keystead.trading.tables import Bot, Order, Position


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


@dataclass(frozen=True, slots=True)
class Backends:
    """Paper bots trade on `paper`; live bots on the operator's `live` engine."""

    paper: ExecutionBackend
    live: ExecutionBackend

    def for_bot(self, bot: Bot) -> ExecutionBackend:
        return self.paper if bot.is_paper else self.live


def live_engine(path: str | None) -> ExecutionBackend:
    """The engine `module:attribute` names; none configured when `path` is None."""
    if path is None:
        return NoExecutionBackend()
    module_name, _, attribute = path.partition(":")
    if not module_name or not attribute:
        raise ConfigurationError(f"KEYSTEAD_EXECUTION_ENGINE={path!r} must name `module:attribute`")
    try:
        factory = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as error:
        raise ConfigurationError(
            f"KEYSTEAD_EXECUTION_ENGINE: cannot load {path!r} ({error})"
        ) from error
    engine = factory()
    missing = [
        name
        for name in ("open_position", "close_position")
        if not callable(getattr(engine, name, None))
    ]
    if missing:
        raise ConfigurationError(
            f"KEYSTEAD_EXECUTION_ENGINE: {path!r} has no {' or '.join(missing)}"
        )
    result: ExecutionBackend = engine
    return result
