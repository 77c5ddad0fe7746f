"""Positions: filtered, paged listings (newest first), one position, and closing one."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from keystead.clock import Clock
from keystead.errors import Conflict, NotFound
from keystead.store.db import Database
from keystead.trading.engine import Backends
from keystead.trading.services.bots import close_one, owned_bot_id, settle_after_close
from keystead.trading.services.paging import Columns, Listing, page_of, status_filter
from keystead.trading.tables import Bot, BrokerConnection, Position

OPEN = "OPEN"
CLOSED = "CLOSED"


@dataclass(frozen=True, slots=True)
class PositionDetails:
    position: Position
    bot: Bot
    broker: BrokerConnection


COLUMNS = Columns(Position.bot_id, Position.status, Position.entered_at, Position.id)


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

    async def for_account(self, account_id: int, listing: Listing) -> list[PositionDetails]:
        """Positions entered in the window, newest first, 100 a page."""
        status = status_filter(listing.status, (OPEN, CLOSED), {"CLOSE": CLOSED})
        async with self._db.read() as session:
            bot_id = await owned_bot_id(session, account_id, listing.bot_number)
            statement = page_of(
                select(Position).where(Position.account_id == account_id),
                COLUMNS,
                listing,
                bot_id=bot_id,
                status=status,
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
            position = await self._owned(session, account_id, number, for_update=True)
            if position.status != OPEN:
                raise Conflict("Position is already closed")
            bot = await session.get(Bot, position.bot_id)
            assert bot is not None
            await close_one(session, self._backends.for_bot(bot), position, bot, now)
            await settle_after_close(session, bot, now)
            [details] = await _details(session, [position])
        return details

    async def _owned(
        self, session: AsyncSession, account_id: int, number: str, *, for_update: bool = False
    ) -> Position:
        statement = select(Position).where(
            Position.number == number.upper(), Position.account_id == account_id
        )
        if for_update:
            # Two closes of one position must not both see it open (PostgreSQL).
            statement = statement.with_for_update()
        position = (await session.execute(statement)).scalar_one_or_none()
        if position is None:
            raise NotFound("Position")
        return position
