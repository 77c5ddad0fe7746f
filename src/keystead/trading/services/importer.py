"""`keystead bots import`: broker connections, bots, positions and orders from a JSON
file in the shapes the `/v1` API returns, validated record by record.

A bad record is reported with its place in the file (`positions[12].legs[0].strike_price`)
and nothing is written: the whole file goes in one transaction or not at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from keystead.access import tokens
from keystead.clock import Clock
from keystead.errors import InvalidInput
from keystead.store.db import Database
from keystead.trading.services.bot_settings import (
    AdjustmentSettings,
    EntryConditionSettings,
    ExitConditionSettings,
)
from keystead.trading.services.bots import MAX_NAME_LENGTH, MAX_NOTES_LENGTH
from keystead.trading.tables import Bot, BrokerConnection, Order, Position, Variable
from keystead.trading.wire import (
    BotResponse,
    BrokerConnectionResponse,
    Fill,
    Leg,
    Notification,
    Number,
    OrderResponse,
    PositionLeg,
    PositionResponse,
    Submission,
)

NEW_NUMBER: Any = Field(
    default=None,
    description="Left out: the object gets a new number.",
)


class Record(BaseModel):
    """An object of the file, in the shape the API answers with. Keys whose value may be
    null may also be left out, as in a file written by hand."""

    model_config = ConfigDict(extra="forbid", strict=True)

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        # The wire models require every key; here a key that may be null may be left out.
        super().__pydantic_init_subclass__(**kwargs)
        nullable = [
            info
            for info in cls.model_fields.values()
            if info.is_required() and type(None) in get_args(info.annotation)
        ]
        for info in nullable:  # the subclass's own copies: the wire model is unchanged
            info.default = None
        if nullable:
            cls.model_rebuild(force=True)


class Reference(BaseModel):
    """Another object named by its number (its other fields, as the API shows them, are ignored)."""

    model_config = ConfigDict(extra="ignore", strict=True)

    number: str


# Each record is its wire model with a few keys changed, each for the reason given;
# the `type: ignore`s are those narrowings (mypy would have the types unchanged).
class BrokerConnectionRecord(Record, BrokerConnectionResponse):
    number: Number | None = NEW_NUMBER  # type: ignore[assignment]


class BotRecord(Record, BotResponse):
    number: Number | None = NEW_NUMBER  # type: ignore[assignment]
    name: str = Field(min_length=1, max_length=MAX_NAME_LENGTH)
    broker_connection: Reference  # type: ignore[assignment]
    symbol: str = Field(min_length=1, max_length=16)
    type: str = Field(min_length=1, max_length=50)
    notes: str | None = Field(default=None, max_length=MAX_NOTES_LENGTH)
    tags: str = Field(default="", max_length=200, description="keystead's own: reports filter by")
    # Settings are required here, with variables named by number.
    entry_condition: EntryConditionSettings
    exit_condition: ExitConditionSettings
    adjustments: list[AdjustmentSettings] = []  # type: ignore[assignment]
    notifications: list[Notification] = []  # type: ignore[assignment]
    # Shown by the API, derived or owned elsewhere: accepted so its output imports as is.
    can_enable: bool | None = None  # type: ignore[assignment]
    can_disable: bool | None = None  # type: ignore[assignment]
    variables: list[Any] = []


class PositionLegRecord(Record, PositionLeg):
    pass


class PositionRecord(Record, PositionResponse):
    number: Number | None = NEW_NUMBER  # type: ignore[assignment]
    bot: Reference  # type: ignore[assignment]
    broker_connection: Reference | None = None  # type: ignore[assignment]  # the bot's; ignored
    legs: list[PositionLegRecord] = Field(min_length=1)  # type: ignore[assignment]

    @model_validator(mode="after")
    def _closed_positions_are_complete(self) -> PositionRecord:
        if self.status == "CLOSED" and (self.exited_at is None or self.profit_dollars is None):
            raise ValueError("a CLOSED position needs exited_at and profit_dollars")
        if self.status == "OPEN" and self.exited_at is not None:
            raise ValueError("an OPEN position has no exited_at")
        if self.exited_at is not None and self.exited_at < self.entered_at:
            raise ValueError("exited_at is before entered_at")
        return self


class SubmissionRecord(Record, Submission):
    pass


class OrderRecord(Record, OrderResponse):
    number: Number | None = NEW_NUMBER  # type: ignore[assignment]
    bot: Reference  # type: ignore[assignment]
    legs: list[Leg] = Field(min_length=1)
    submissions: list[SubmissionRecord] = []  # type: ignore[assignment]
    fills: list[Fill] = []  # type: ignore[assignment]


class ImportFile(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    broker_connections: list[BrokerConnectionRecord] = []
    bots: list[BotRecord] = []
    positions: list[PositionRecord] = []
    orders: list[OrderRecord] = []


@dataclass(frozen=True, slots=True)
class ImportSummary:
    broker_connections: int
    bots: int
    positions: int
    orders: int


def _place(location: tuple[Any, ...]) -> str:
    place = ""
    for part in location:
        place += f"[{part}]" if isinstance(part, int) else (f".{part}" if place else str(part))
    return place or "file"


def parse(raw: bytes) -> ImportFile:
    """Validate the whole file; the first bad record raises InvalidInput naming its place."""
    try:
        return ImportFile.model_validate_json(raw, strict=True)
    except ValidationError as error:
        first = error.errors()[0]
        raise InvalidInput(_place(tuple(first["loc"])), first["msg"]) from error


class Importer:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def run(
        self, account_id: int, data: ImportFile, progress: Callable[[int], None] = lambda _: None
    ) -> ImportSummary:
        """Write everything in one transaction; `progress(n)` after each record."""
        async with self._db.transaction() as session:
            await self._refuse_taken_numbers(session, data)
            brokers = await self._known(session, BrokerConnection, account_id)
            for record in data.broker_connections:
                broker = broker_row(account_id, record)
                session.add(broker)
                brokers[broker.number] = broker
                progress(1)
            await session.flush()
            variables = await self._known(session, Variable, account_id)
            bots = await self._known(session, Bot, account_id)
            for index, bot_record in enumerate(data.bots):
                place = f"bots[{index}]"
                bot = bot_row(account_id, bot_record, brokers, variables, place, self._clock.now())
                session.add(bot)
                bots[bot.number] = bot
                progress(1)
            await session.flush()
            for index, position_record in enumerate(data.positions):
                session.add(position_row(account_id, position_record, bots, f"positions[{index}]"))
                progress(1)
            for index, order_record in enumerate(data.orders):
                session.add(order_row(account_id, order_record, bots, f"orders[{index}]"))
                progress(1)
        return ImportSummary(
            len(data.broker_connections), len(data.bots), len(data.positions), len(data.orders)
        )

    async def _known(self, session: AsyncSession, model: Any, account_id: int) -> dict[str, Any]:
        rows = await session.execute(select(model).where(model.account_id == account_id))
        return {row.number: row for row in rows.scalars()}

    async def _refuse_taken_numbers(self, session: AsyncSession, data: ImportFile) -> None:
        groups: list[tuple[str, Any, list[Any]]] = [
            ("broker_connections", BrokerConnection, data.broker_connections),
            ("bots", Bot, data.bots),
            ("positions", Position, data.positions),
            ("orders", Order, data.orders),
        ]
        for name, model, records in groups:
            numbers = [record.number for record in records if record.number]
            seen: set[str] = set()
            for index, record in enumerate(records):
                if record.number and record.number in seen:
                    raise InvalidInput(f"{name}[{index}].number", "appears twice in the file")
                if record.number:
                    seen.add(record.number)
            taken = set(
                (
                    await session.execute(select(model.number).where(model.number.in_(numbers)))
                ).scalars()
            )
            for index, record in enumerate(records):
                if record.number in taken:
                    raise InvalidInput(f"{name}[{index}].number", f"{record.number} already exists")


# Rows from records: every column named as the record's field is copied; the others
# (references, derived values, JSON columns) are named here.


def broker_row(account_id: int, record: BrokerConnectionRecord) -> BrokerConnection:
    return BrokerConnection(
        number=record.number or tokens.new_id(),
        account_id=account_id,
        **record.model_dump(exclude={"number"}),
    )


def _variables_are_known(record: BotRecord, variables: dict[str, Variable], place: str) -> None:
    conditions: list[
        tuple[str, EntryConditionSettings | ExitConditionSettings | AdjustmentSettings]
    ] = [
        ("entry_condition", record.entry_condition),
        ("exit_condition", record.exit_condition),
        *((f"adjustments[{index}]", item) for index, item in enumerate(record.adjustments)),
    ]
    for part, condition in conditions:
        for position, reference in enumerate(condition.variables):
            if reference.number not in variables:
                raise InvalidInput(
                    f"{place}.{part}.variables[{position}]",
                    f"variable {reference.number} is not a variable of this account",
                )


def bot_row(
    account_id: int,
    record: BotRecord,
    brokers: dict[str, BrokerConnection],
    variables: dict[str, Variable],
    place: str,
    now: datetime,
) -> Bot:
    broker = brokers.get(record.broker_connection.number)
    if broker is None:
        raise InvalidInput(
            f"{place}.broker_connection",
            f"{record.broker_connection.number} is not a broker "
            "connection of this account or of the file",
        )
    _variables_are_known(record, variables, place)
    settings = {"entry_condition", "exit_condition", "adjustments", "notifications"}
    shown_only = {"can_enable", "can_disable", "variables"}
    fields = record.model_dump(
        exclude={"number", "broker_connection", "symbol", *settings, *shown_only}
    )
    return Bot(
        number=record.number or tokens.new_id(),
        account_id=account_id,
        broker_connection_id=broker.id,
        symbol=record.symbol.upper(),
        entry_condition=record.entry_condition.model_dump(mode="json"),
        exit_condition=record.exit_condition.model_dump(mode="json"),
        adjustments=[item.model_dump(mode="json") for item in record.adjustments],
        notifications=[item.model_dump(mode="json") for item in record.notifications],
        created_at=now,
        **fields,
    )


def _owner(bots: dict[str, Bot], reference: Reference, place: str) -> Bot:
    bot = bots.get(reference.number)
    if bot is None:
        raise InvalidInput(
            f"{place}.bot", f"{reference.number} is not a bot of this account or of the file"
        )
    return bot


def position_row(
    account_id: int, record: PositionRecord, bots: dict[str, Bot], place: str
) -> Position:
    bot = _owner(bots, record.bot, place)
    # Live quotes and the paper flag come from the bot and the market, not the file.
    derived = {"current_bid", "current_mid", "current_ask", "current_profit", "current_delta"}
    fields = record.model_dump(
        exclude={"number", "bot", "broker_connection", "legs", "is_paper", *derived}
    )
    return Position(
        number=record.number or tokens.new_id(),
        account_id=account_id,
        bot_id=bot.id,
        legs=[leg.model_dump(mode="json") for leg in record.legs],
        **fields,
    )


def order_row(account_id: int, record: OrderRecord, bots: dict[str, Bot], place: str) -> Order:
    bot = _owner(bots, record.bot, place)
    fields = record.model_dump(exclude={"number", "bot", "legs", "submissions", "fills"})
    return Order(
        number=record.number or tokens.new_id(),
        account_id=account_id,
        bot_id=bot.id,
        position_id=None,
        legs=[leg.model_dump(mode="json") for leg in record.legs],
        submissions=[item.model_dump(mode="json") for item in record.submissions],
        fills=[item.model_dump(mode="json") for item in record.fills],
        **fields,
    )
