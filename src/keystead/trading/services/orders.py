"""Orders: filtered, paged listings (newest first) and one order."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from sqlalchemy import Select, bindparam, select

from keystead.errors import NotFound
from keystead.store.db import Database
from keystead.trading.services.bots import owned_bot_id
from keystead.trading.services.paging import (
    Columns,
    Listing,
    PageShape,
    page_query,
    page_shape,
    page_values,
    status_filter,
)
from keystead.trading.tables import Bot, Order

STATUSES = ("WORKING", "FILLED", "CANCELED", "EXPIRED", "REJECTED")
COLUMNS = Columns(Order.bot_id, Order.status, Order.submitted_at, Order.id)


@dataclass(frozen=True, slots=True)
class OrderDetails:
    order: Order
    bot: Bot


@functools.cache
def _page(shape: PageShape) -> Select[Order, Bot]:
    orders = select(Order, Bot).join(Bot, Bot.id == Order.bot_id)
    return page_query(orders.where(Order.account_id == bindparam("account_id")), COLUMNS, shape)


class OrderService:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def for_account(self, account_id: int, listing: Listing) -> list[OrderDetails]:
        """Orders submitted in the window, newest first, 100 a page."""
        status = status_filter(listing.status, STATUSES, {})
        async with self._db.read() as session:
            bot_id = await owned_bot_id(session, account_id, listing.bot_number)
            statement = _page(page_shape(listing, bot_id=bot_id, status=status))
            values = page_values(listing, bot_id=bot_id, status=status)
            rows = (await session.execute(statement, {**values, "account_id": account_id})).all()
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
