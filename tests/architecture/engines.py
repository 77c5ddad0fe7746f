"""A live execution engine an operator names in KEYSTEAD_EXECUTION_ENGINE: it fills
every order at a fixed price and remembers what it was asked."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from keystead.errors import Conflict
from keystead.trading.engine import Opened
from keystead.trading.paper import PaperBackend
from keystead.trading.tables import Bot, Order, Position


class RecordingEngine:
    # Built by keystead from the setting, so the test reads what it did here.
    opened: ClassVar[list[str]] = []

    def __init__(self) -> None:
        self._paper = PaperBackend()

    async def open_position(self, bot: Bot, balance: float, at: datetime) -> Opened:
        RecordingEngine.opened.append(bot.number)
        return await self._paper.open_position(bot, balance, at)

    async def close_position(self, position: Position, bot: Bot, at: datetime) -> Order:
        raise Conflict("Market closed for this engine")


NOT_AN_ENGINE = object()
