"""Positions: filtered, paged listings (newest first), one position, and closing one."""

from __future__ import annotations

import functools
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from keystead.clock import Clock
from keystead.errors import Conflict, NotFound
from keystead.store.db import Database
from keystead.store.hot_reads import MadeOnce, Row
from keystead.trading.engine import Backends
from keystead.trading.services.bots import (
    BROKER_SHOWN,
    WITH_BROKER,
    BrokerShown,
    broker_shown,
    close_one,
    settle_after_close,
)
from keystead.trading.services.paging import (
    Columns,
    Listing,
    PageShape,
    page_lists,
    page_shape,
    page_values,
    status_filter,
)
from keystead.trading.tables import Bot, BrokerConnection, Position

OPEN = "OPEN"
CLOSED = "CLOSED"


@dataclass(frozen=True, slots=True)
class BotShown:
    """What a position shows of the bot holding it."""

    id: int
    name: str
    number: str
    is_paper: bool


@dataclass(frozen=True, slots=True)
class PositionDetails:
    position: Position
    bot: Bot | BotShown | Row
    broker: BrokerConnection | BrokerShown | Row


@dataclass(frozen=True, slots=True)
class Owner:
    """A bot with its broker connection: what a position shows of who holds it."""

    bot: Bot | BotShown | Row
    broker: BrokerConnection | BrokerShown | Row
    source: Row | None = None
    """The hot-read row both were read from: the same object while they are unchanged."""


@dataclass(frozen=True, slots=True)
class PositionPage:
    """One page of a listing: its positions' ids in order (nothing may change the
    list: another request's page may hold the very same); the rows of those the
    caller did not already hold; and the owners of all the account's bots."""

    ids: list[int]
    loaded: dict[int, PositionDetails]
    owners: dict[int, Owner]
    """By bot id."""

    def details(self) -> list[PositionDetails]:
        return [self.loaded[position_id] for position_id in self.ids]


COLUMNS = Columns(Position.bot_id, Position.status, Position.entered_at, Position.id)

# A listing's reads, on every call: compiled once, read without a session.
_OWNED_BOT = select(Bot.id).where(
    Bot.number == bindparam("number"), Bot.account_id == bindparam("account_id")
)
_OWNERS = (
    select(Bot.id, Bot.name, Bot.number, Bot.is_paper, *BROKER_SHOWN)
    .join(BrokerConnection, WITH_BROKER)
    .where(Bot.account_id == bindparam("account_id"))
)


@functools.cache
def _page_lists(shape: PageShape, dialect: str) -> Select[*tuple[Any, ...]]:
    # The ids alone: on SQLite, unfiltered by bot or status, the index on the account
    # and entry time holds them, so no row of the table is visited.
    return page_lists(
        select(Position.id).where(Position.account_id == bindparam("account_id")),
        COLUMNS,
        shape,
        dialect,
    )


def _owner_of(row: Row) -> Owner:
    return Owner(BotShown(row.id, row.name, row.number, bool(row.is_paper)), broker_shown(row), row)


async def _owners_of(session: AsyncSession, bot_ids: set[int]) -> dict[int, Owner]:
    """The bots and their broker connections, in one query."""
    if not bot_ids:
        return {}
    rows = await session.execute(
        select(Bot, BrokerConnection).join(BrokerConnection, WITH_BROKER).where(Bot.id.in_(bot_ids))
    )
    return {bot.id: Owner(bot, broker) for bot, broker in rows}


async def _details(session: AsyncSession, positions: list[Position]) -> list[PositionDetails]:
    owners = await _owners_of(session, {position.bot_id for position in positions})
    return [PositionDetails(p, owners[p.bot_id].bot, owners[p.bot_id].broker) for p in positions]


class PositionService:
    def __init__(self, db: Database, clock: Clock, backends: Backends) -> None:
        self._db = db
        self._clock = clock
        self._backends = backends
        self._owner = MadeOnce(_owner_of)

    async def for_account(self, account_id: int, listing: Listing) -> list[PositionDetails]:
        """Positions entered in the window, newest first, 100 a page."""
        return (await self.page(account_id, listing)).details()

    async def page(
        self, account_id: int, listing: Listing, held: Collection[int] = frozenset()
    ) -> PositionPage:
        """One page of the account's positions, newest first; `held` holds the ids of
        closed positions the caller keeps already (a closed position never changes):
        their rows are not read again. It is looked up, not walked."""
        status = status_filter(listing.status, (OPEN, CLOSED), {"CLOSE": CLOSED})
        hot = self._db.hot
        bot_id = None
        if listing.bot_number:
            bot = await hot.one(
                _OWNED_BOT, number=listing.bot_number.upper(), account_id=account_id
            )
            if bot is None:
                raise NotFound("Bot")
            bot_id = bot.id
        shape = page_shape(listing, bot_id=bot_id, status=status)
        values = page_values(listing, bot_id=bot_id, status=status)
        statement = _page_lists(shape, self._db.engine.dialect.name)
        listed = await hot.one(statement, account_id=account_id, **values)
        ids: list[int] = (listed and listed.id) or []
        # Most pages are all held: one look-up each says so, without building a set.
        wanted = () if all(map(held.__contains__, ids)) else set(ids).difference(held)
        rows: list[Position] = []
        if wanted:  # each closed position once per process; open ones every time
            async with self._db.read() as session:
                unheld = select(Position).where(Position.id.in_(wanted))
                rows = list((await session.execute(unheld)).scalars())
        owners = await self._owners(account_id) if ids else {}
        loaded = {
            row.id: PositionDetails(row, owners[row.bot_id].bot, owners[row.bot_id].broker)
            for row in rows
        }
        return PositionPage(ids, loaded, owners)

    async def _owners(self, account_id: int) -> dict[int, Owner]:
        """The account's bots with their broker connections, by bot id: all of them, as
        one indexed read, rather than finding which ones a page shows first."""
        rows = await self._db.hot.all(_OWNERS, account_id=account_id)
        return {row.id: self._owner(row) for row in rows}

    async def complete(self, page: PositionPage, missing: Iterable[int]) -> PositionPage:
        """The page with the rows of `missing` read too: positions the caller held when
        the page was read and has let go of since."""
        async with self._db.read() as session:
            rows = await session.execute(select(Position).where(Position.id.in_(missing)))
            details = await _details(session, list(rows.scalars()))
        loaded = {**page.loaded, **{item.position.id: item for item in details}}
        owners = {**page.owners, **{item.bot.id: Owner(item.bot, item.broker) for item in details}}
        return PositionPage(page.ids, loaded, owners)

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
