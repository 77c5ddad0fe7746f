"""Positions: filtered, paged listings (newest first), one position, and closing one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from keystead.clock import Clock
from keystead.errors import Conflict, NotFound
from keystead.services.bots import Backends, close_one, owned_bot, settle_after_close
from keystead.services.paging import PAGE_SIZE, offset, window
from keystead.store.db import Database
from keystead.store.trading import Bot, BrokerConnection, Position

OPEN = "OPEN"
CLOSED = "CLOSED"


@dataclass(frozen=True, slots=True)
class PositionDetails:
    position: Position
    bot: Bot
    broker: BrokerConnection


def normalise_status(status: str | None) -> str | None:
    """`CLOSE` is accepted for `CLOSED`, as clients send both."""
    if status is None:
        return None
    upper = status.strip().upper()
    return CLOSED if upper == "CLOSE" else upper


async def _details(session: AsyncSession, positions: list[Position]) -> list[PositionDetails]:
    bot_ids = {position.bot_id for position in positions}
    bots = {
        bot.id: bot
        for bot in (await session.execute(select(Bot).where(Bot.id.in_(bot_ids)))).scalars()
    }
    broker_ids = {bot.broker_connection_id for bot in bots.values()}
    brokers = {
        broker.id: broker
        for broker in (
            await session.execute(
                select(BrokerConnection).where(BrokerConnection.id.in_(broker_ids))
            )
        ).scalars()
    }
    return [
        PositionDetails(p, bots[p.bot_id], brokers[bots[p.bot_id].broker_connection_id])
        for p in positions
    ]


class PositionService:
    def __init__(self, db: Database, clock: Clock, backends: Backends) -> None:
        self._db = db
        self._clock = clock
        self._backends = backends

    async def for_account(
        self,
        account_id: int,
        *,
        bot_number: str | None = None,
        status: str | None = None,
        from_date: date | None = None,
        to_date: date | None = None,
        page: int = 1,
    ) -> list[PositionDetails]:
        """Positions entered in the window, newest first, 100 a page."""
        span = window(from_date, to_date)
        statement = select(Position).where(Position.account_id == account_id)
        async with self._db.read() as session:
            if bot_number:
                bot = await owned_bot(session, account_id, bot_number)
                statement = statement.where(Position.bot_id == bot.id)
            if status := normalise_status(status):
                statement = statement.where(Position.status == status)
            if span.start:
                statement = statement.where(Position.entered_at >= span.start)
            if span.end:
                statement = statement.where(Position.entered_at < span.end)
            statement = (
                statement.order_by(Position.entered_at.desc(), Position.id.desc())
                .offset(offset(page))
                .limit(PAGE_SIZE)
            )
            positions = list((await session.execute(statement)).scalars())
            return await _details(session, positions)

    async def get(self, account_id: int, number: str) -> PositionDetails:
        async with self._db.read() as session:
            position = await self._owned(session, account_id, number)
            [details] = await _details(session, [position])
        return details

    async def close(self, account_id: int, number: str) -> PositionDetails:
        """Close one position through its bot's execution backend."""
        now = self._clock.now()
        async with self._db.transaction() as session:
            position = await self._owned(session, account_id, number)
            if position.status != OPEN:
                raise Conflict("Position is already closed")
            bot = await session.get(Bot, position.bot_id)
            assert bot is not None
            await close_one(session, self._backends.for_bot(bot), position, bot, now)
            await settle_after_close(session, bot, now)
            [details] = await _details(session, [position])
        return details

    async def _owned(self, session: AsyncSession, account_id: int, number: str) -> Position:
        position = (
            await session.execute(
                select(Position).where(
                    Position.number == number.upper(), Position.account_id == account_id
                )
            )
        ).scalar_one_or_none()
        if position is None:
            raise NotFound("Position")
        return position
