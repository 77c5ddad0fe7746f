"""Bots: list, get, modify, enable, disable (with Disable on Close), and the
bot-level position actions that go through an execution backend."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, get_args

from sqlalchemy import Select, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from keystead.clock import Clock
from keystead.errors import Conflict, InvalidInput, NotFound
from keystead.store.db import Database
from keystead.store.hot_reads import MadeOnce, Row
from keystead.trading.engine import Backends, ExecutionBackend
from keystead.trading.services.bot_settings import (
    EntryConditionSettings,
    ExitConditionSettings,
    VariableReference,
    validated,
)
from keystead.trading.tables import Bot, BrokerConnection, Position, Variable
from keystead.trading.wire import BotStatus

ENABLED = "Enabled"
DISABLED = "Disabled"
DISABLE_ON_CLOSE = "Disable on Close"
STATUSES: tuple[str, ...] = get_args(BotStatus)
MAX_NAME_LENGTH = 100
MAX_NOTES_LENGTH = 5000


@dataclass(frozen=True, slots=True)
class BrokerShown:
    """What a bot shows of its broker connection."""

    name: str | None
    number: str
    account_number: str


BROKER_SHOWN = (
    BrokerConnection.name.label("broker_name"),
    BrokerConnection.number.label("broker_number"),
    BrokerConnection.account_number.label("broker_account_number"),
)
"""The columns of `BrokerShown`, read with a bot's own: select them joined by
`WITH_BROKER`, and `broker_shown` makes one of the row."""
WITH_BROKER = BrokerConnection.id == Bot.broker_connection_id


def broker_shown(row: Row) -> BrokerShown:
    return BrokerShown(row.broker_name, row.broker_number, row.broker_account_number)


@dataclass(frozen=True, slots=True)
class BotDetails:
    """A bot with what its wire shape needs: its broker connection and variables (rows
    of the ORM after a change; on a read, hot-read rows of the same columns, the bot's
    with its broker connection's shown values)."""

    bot: Bot | Row
    broker: BrokerConnection | BrokerShown
    variables: dict[str, Variable | Row] = field(default_factory=dict)


# What the bot reads of every call read, compiled once and read without a session; an
# account has few bots, broker connections and variables, so filters apply to the rows.
_SETTINGS = frozenset({"entry_condition", "exit_condition", "adjustments", "notifications"})
"""A bot's settings: read only for `include_details`."""


def _bot_reads(with_settings: bool) -> tuple[Select[Any], Select[Any]]:
    columns = [
        column for column in Bot.__table__.columns if with_settings or column.key not in _SETTINGS
    ]
    # What a bot shows of its broker connection comes in the same read.
    joined = select(*columns, *BROKER_SHOWN).join(BrokerConnection, WITH_BROKER)
    listed = joined.where(Bot.account_id == bindparam("account_id")).order_by(Bot.name, Bot.number)
    one = joined.where(Bot.account_id == bindparam("account_id"), Bot.number == bindparam("number"))
    return listed, one


_BOT_READS = {True: _bot_reads(True), False: _bot_reads(False)}
_VARIABLES = select(*Variable.__table__.columns).where(
    Variable.account_id == bindparam("account_id")
)


@dataclass(frozen=True, slots=True)
class BotChanges:
    name: str | None = None
    notes: str | None = None
    entry_condition: dict[str, Any] | None = None
    exit_condition: dict[str, Any] | None = None


async def owned_bot(
    session: AsyncSession, account_id: int, number: str, *, for_update: bool = False
) -> Bot:
    """The account's bot; `for_update` locks its row (PostgreSQL) for a change."""
    statement = select(Bot).where(Bot.number == number.upper(), Bot.account_id == account_id)
    if for_update:
        statement = statement.with_for_update()
    bot = (await session.execute(statement)).scalar_one_or_none()
    if bot is None:
        raise NotFound("Bot")
    return bot


async def owned_bot_id(session: AsyncSession, account_id: int, number: str | None) -> int | None:
    """The id of the account's bot with that number (None for no filter); 404 otherwise."""
    return (await owned_bot(session, account_id, number)).id if number else None


async def open_position_count(session: AsyncSession, bot_id: int) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(Position)
        .where(Position.bot_id == bot_id, Position.status == "OPEN")
    )
    return int(count or 0)


async def settle_after_close(session: AsyncSession, bot: Bot, now: datetime) -> None:
    """Disable on Close: when the bot's last open position has closed, it is Disabled."""
    bot.last_active_at = now
    if bot.status == DISABLE_ON_CLOSE and await open_position_count(session, bot.id) == 0:
        bot.status = DISABLED
        bot.disabled_at = now


def _condition_variable_numbers(bot: Bot | Row) -> set[str]:
    numbers: set[str] = set()
    for condition in (bot.entry_condition, bot.exit_condition, *bot.adjustments):
        numbers.update(item["number"] for item in condition.get("variables", []))
    return numbers


async def load_details(
    session: AsyncSession, bots: list[Bot], with_variables: bool
) -> list[BotDetails]:
    brokers = {
        broker.id: broker
        for broker in (
            await session.execute(
                select(BrokerConnection).where(
                    BrokerConnection.id.in_({bot.broker_connection_id for bot in bots})
                )
            )
        ).scalars()
    }
    variables: dict[str, Variable] = {}
    if with_variables and bots:
        wanted = set().union(*(_condition_variable_numbers(bot) for bot in bots))
        account_ids = {bot.account_id for bot in bots}
        rows = await session.execute(
            select(Variable).where(
                Variable.account_id.in_(account_ids),
                (Variable.bot_id.in_([bot.id for bot in bots])) | (Variable.number.in_(wanted)),
            )
        )
        variables = {variable.number: variable for variable in rows.scalars()}
    return [BotDetails(bot, brokers[bot.broker_connection_id], dict(variables)) for bot in bots]


async def own_variables(
    session: AsyncSession, account_id: int, references: list[VariableReference], place: str
) -> None:
    """Conditions may only test the account's own variables."""
    numbers = [reference.number for reference in references]
    owned = set(
        (
            await session.execute(
                select(Variable.number).where(
                    Variable.account_id == account_id, Variable.number.in_(numbers)
                )
            )
        ).scalars()
    )
    for index, number in enumerate(numbers):
        if number not in owned:
            raise InvalidInput(f"{place}.variables[{index}]", f"variable {number} not found")


def clean_text(value: str, field_name: str, limit: int, *, allow_empty: bool) -> str:
    value = value.strip()
    if not value and not allow_empty:
        raise InvalidInput(field_name, "must not be empty")
    if len(value) > limit:
        raise InvalidInput(field_name, f"must be at most {limit} characters")
    return value


class BotService:
    def __init__(self, db: Database, clock: Clock, backends: Backends) -> None:
        self._db = db
        self._clock = clock
        self._backends = backends
        self._broker = MadeOnce(broker_shown)

    async def for_account(
        self, account_id: int, statuses: list[str] | None, include_details: bool
    ) -> list[BotDetails]:
        """The account's bots by name; without `include_details` their rows carry no
        settings and no variables are read (show them with `include_details=False`)."""
        bots = await self._db.hot.all(_BOT_READS[include_details][0], account_id=account_id)
        if statuses:
            bots = [bot for bot in bots if bot.status in statuses]
        return await self._read_details(account_id, bots, include_details)

    async def get(self, account_id: int, number: str, include_details: bool) -> BotDetails:
        bot = await self._db.hot.one(
            _BOT_READS[include_details][1], account_id=account_id, number=number.upper()
        )
        if bot is None:
            raise NotFound("Bot")
        [details] = await self._read_details(account_id, [bot], include_details)
        return details

    async def _read_details(
        self, account_id: int, bots: list[Row], with_variables: bool
    ) -> list[BotDetails]:
        """`load_details` for reads, without a session: the bots' rows carry what they
        show of their broker connections; the variables are the same rows."""
        hot = self._db.hot
        variables: dict[str, Variable | Row] = {}
        if with_variables and bots:
            wanted = set().union(*(_condition_variable_numbers(bot) for bot in bots))
            bot_ids = {bot.id for bot in bots}
            variables = {
                variable.number: variable
                for variable in await hot.all(_VARIABLES, account_id=account_id)
                if variable.bot_id in bot_ids or variable.number in wanted
            }
        return [BotDetails(bot, self._broker(bot), variables) for bot in bots]

    async def enable(self, account_id: int, number: str) -> BotDetails:
        async with self._db.transaction() as session:
            bot = await owned_bot(session, account_id, number, for_update=True)
            bot.status = ENABLED
            bot.disabled_at = None
            [details] = await load_details(session, [bot], True)
        return details

    async def disable(self, account_id: int, number: str) -> BotDetails:
        """Disabled at once, or Disable on Close while positions are still open."""
        now = self._clock.now()
        async with self._db.transaction() as session:
            bot = await owned_bot(session, account_id, number, for_update=True)
            if await open_position_count(session, bot.id):
                bot.status = DISABLE_ON_CLOSE
            elif bot.status != DISABLED:
                bot.status = DISABLED
                bot.disabled_at = now
            [details] = await load_details(session, [bot], True)
        return details

    async def modify(self, account_id: int, number: str, changes: BotChanges) -> BotDetails:
        """Rename, annotate or change settings; settings are merged, then validated whole."""
        async with self._db.transaction() as session:
            bot = await owned_bot(session, account_id, number, for_update=True)
            if changes.name is not None:
                bot.name = clean_text(changes.name, "name", MAX_NAME_LENGTH, allow_empty=False)
            if changes.notes is not None:
                bot.notes = clean_text(changes.notes, "notes", MAX_NOTES_LENGTH, allow_empty=True)
            if changes.entry_condition is not None:
                merged = {**bot.entry_condition, **changes.entry_condition}
                entry = validated(EntryConditionSettings, merged, "entry_condition")
                await own_variables(session, account_id, entry.variables, "entry_condition")
                bot.entry_condition = entry.model_dump(mode="json")
            if changes.exit_condition is not None:
                merged = {**bot.exit_condition, **changes.exit_condition}
                exit_ = validated(ExitConditionSettings, merged, "exit_condition")
                await own_variables(session, account_id, exit_.variables, "exit_condition")
                bot.exit_condition = exit_.model_dump(mode="json")
            [details] = await load_details(session, [bot], True)
        return details

    async def open_position(self, account_id: int, number: str) -> tuple[Position, BotDetails]:
        """Open a position now through the bot's execution backend."""
        now = self._clock.now()
        async with self._db.transaction() as session:
            bot = await owned_bot(session, account_id, number, for_update=True)
            if bot.status != ENABLED:
                raise Conflict(f"Bot is {bot.status}; enable it before opening a position")
            broker = await session.get(BrokerConnection, bot.broker_connection_id)
            assert broker is not None
            opened = await self._backends.for_bot(bot).open_position(
                bot, broker.net_liquidation_value, now
            )
            session.add(opened.position)
            await session.flush()
            opened.order.position_id = opened.position.id
            session.add(opened.order)
            bot.last_active_at = now
            [details] = await load_details(session, [bot], False)
        return opened.position, details

    async def close_positions(self, account_id: int, number: str) -> BotDetails:
        """Close every open position of the bot through its execution backend."""
        now = self._clock.now()
        async with self._db.transaction() as session:
            bot = await owned_bot(session, account_id, number, for_update=True)
            positions = (
                await session.execute(
                    select(Position)
                    .where(Position.bot_id == bot.id, Position.status == "OPEN")
                    .with_for_update()
                )
            ).scalars()
            for position in positions:
                await close_one(session, self._backends.for_bot(bot), position, bot, now)
            await settle_after_close(session, bot, now)
            [details] = await load_details(session, [bot], True)
        return details


async def close_one(
    session: AsyncSession,
    backend: ExecutionBackend,
    position: Position,
    bot: Bot,
    now: datetime,
) -> None:
    """Close one position, store its closing order, credit the broker balance."""
    order = await backend.close_position(position, bot, now)
    order.position_id = position.id
    session.add(order)
    if position.profit_dollars is not None:
        # Credited in SQL, so concurrent closes on one broker add up instead of overwriting.
        await session.execute(
            update(BrokerConnection)
            .where(BrokerConnection.id == bot.broker_connection_id)
            .values(
                net_liquidation_value=BrokerConnection.net_liquidation_value
                + position.profit_dollars
            )
        )
