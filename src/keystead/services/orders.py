"""Orders: filtered, paged listings (newest first) and one order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from keystead.errors import NotFound
from keystead.services.bots import owned_bot
from keystead.services.paging import PAGE_SIZE, offset, window
from keystead.store.db import Database
from keystead.store.trading import Bot, Order


@dataclass(frozen=True, slots=True)
class OrderDetails:
    order: Order
    bot: Bot


class OrderService:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def for_account(
        self,
        account_id: int,
        *,
        bot_number: str | None = None,
        status: str | None = None,
        from_date: date | None = None,
        to_date: date | None = None,
        page: int = 1,
    ) -> list[OrderDetails]:
        """Orders submitted in the window, newest first, 100 a page."""
        span = window(from_date, to_date)
        statement = (
            select(Order, Bot)
            .join(Bot, Bot.id == Order.bot_id)
            .where(Order.account_id == account_id)
        )
        async with self._db.read() as session:
            if bot_number:
                bot = await owned_bot(session, account_id, bot_number)
                statement = statement.where(Order.bot_id == bot.id)
            if status:
                statement = statement.where(Order.status == status.strip().upper())
            if span.start:
                statement = statement.where(Order.submitted_at >= span.start)
            if span.end:
                statement = statement.where(Order.submitted_at < span.end)
            statement = (
                statement.order_by(Order.submitted_at.desc(), Order.id.desc())
                .offset(offset(page))
                .limit(PAGE_SIZE)
            )
            rows = (await session.execute(statement)).all()
        return [OrderDetails(order, bot) for order, bot in rows]

    async def get(self, account_id: int, number: str) -> OrderDetails:
        statement = (
            select(Order, Bot)
            .join(Bot, Bot.id == Order.bot_id)
            .where(Order.number == number.upper(), Order.account_id == account_id)
        )
        async with self._db.read() as session:
            row = (await session.execute(statement)).first()
        if row is None:
            raise NotFound("Order")
        return OrderDetails(row[0], row[1])
