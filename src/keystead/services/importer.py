"""`keystead bots import`: broker connections, bots, positions and orders from a JSON
file in the shapes the `/v1` API returns, validated record by record.

A bad record is reported with its place in the file (`positions[12].legs[0].strike_price`)
and nothing is written: the whole file goes in one transaction or not at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

import orjson
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, model_validator
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from keystead.access import tokens
from keystead.clock import Clock
from keystead.errors import InvalidInput
from keystead.services.bot_settings import Adjustment, EntryCondition, ExitCondition, Notification
from keystead.store.db import Database
from keystead.store.trading import Bot, BrokerConnection, Order, Position, Variable

Number = Field(default=None, pattern="^[0-9A-Z]{10}$")


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class Reference(BaseModel):
    """Another object named by its number (its other fields, as the API shows them, are ignored)."""

    model_config = ConfigDict(extra="ignore", strict=True)

    number: str


class PositionLegRecord(Record):
    status: Literal["OPEN", "CLOSED"]
    type: Literal["CALL", "PUT"]
    action: Literal["SELL_TO_OPEN", "BUY_TO_OPEN", "BUY_TO_CLOSE", "SELL_TO_CLOSE"]
    instrument: str
    expiration_date: date
    days_to_expiration: int
    days_to_expiration_at_exit: int | None = None
    strike_price: float
    quantity: int
    quantity_open: int
    entered_at: AwareDatetime
    exited_at: AwareDatetime | None = None
    entry_bid: float
    entry_ask: float
    entry_price: float
    exit_bid: float | None = None
    exit_ask: float | None = None
    exit_price: float | None = None
    current_bid: float | None = None
    current_mid: float | None = None
    current_ask: float | None = None
    current_profit: float | None = None
    current_delta: float | None = None
    profit_dollars: float | None = None
    delta_at_entry: float
    delta_at_exit: float | None = None
    iv_at_entry: float
    iv_at_exit: float | None = None
    held_to_expiration: bool | None = None
    assigned: bool | None = None
    exercised: bool | None = None


class LegRecord(Record):
    number: int
    type: Literal["CALL", "PUT"]
    instrument: str
    expiration_date: AwareDatetime
    strike_price: float
    instruction: Literal["SELL_TO_OPEN", "BUY_TO_OPEN", "BUY_TO_CLOSE", "SELL_TO_CLOSE"]
    quantity: int
    bid: float
    mid: float
    ask: float


class SubmissionRecord(Record):
    quantity: int | None
    price: float
    bid: float | None
    mid: float | None
    ask: float | None
    submitted_at: AwareDatetime


class FillRecord(Record):
    leg_number: int
    quantity: int
    price: float
    filled_at: AwareDatetime
    bid: float
    mid: float
    ask: float


class PositionRecord(Record):
    status: Literal["OPEN", "CLOSED"]
    is_paper: bool
    tags: str
    symbol: str
    type: str
    entered_at: AwareDatetime
    exited_at: AwareDatetime | None = None
    entry_bid: float
    entry_ask: float
    entry_price: float
    exit_bid: float | None = None
    exit_ask: float | None = None
    exit_price: float | None = None
    broker_fee: float | None = None
    current_bid: float | None = None
    current_mid: float | None = None
    current_ask: float | None = None
    current_profit: float | None = None
    current_delta: float | None = None
    entry_value: float
    exit_value: float | None = None
    max_risk: float
    profit_dollars: float | None = None
    starting_balance: float
    ending_balance: float | None = None
    underlying_at_entry: float
    underlying_at_exit: float | None = None
    vix_at_entry: float
    vix_at_exit: float | None = None


class OrderRecord(Record):
    broker_order_number: str
    status: Literal["WORKING", "FILLED", "CANCELED", "EXPIRED", "REJECTED"]
    type: Literal["OPENING", "CLOSING"]
    duration: Literal["GTC", "DAY"]
    is_paper: bool
    symbol: str
    original_quantity: int
    current_quantity: int
    filled_quantity: int
    order_price: float
    fill_price: float | None = None
    broker_fee: float | None = None
    submitted_at: AwareDatetime
    filled_at: AwareDatetime | None = None
    canceled_at: AwareDatetime | None = None


class BrokerConnectionRecord(Record):
    number: str | None = Number
    name: str | None = None
    account_number: str
    broker: str
    status: Literal["Active", "Inactive"]
    net_liquidation_value: float
    expires_at: AwareDatetime | None = None


class BotRecord(Record):
    number: str | None = Number
    name: str = Field(min_length=1, max_length=100)
    broker_connection: Reference
    is_paper: bool
    status: Literal["Enabled", "Disabled", "Disable on Close"]
    symbol: str = Field(min_length=1, max_length=16)
    type: str = Field(min_length=1, max_length=50)
    notes: str | None = None
    tags: str = ""
    last_active_at: AwareDatetime | None = None
    disabled_at: AwareDatetime | None = None
    entry_condition: EntryCondition
    exit_condition: ExitCondition
    adjustments: list[Adjustment] = []
    notifications: list[Notification] = []
    # Shown by the API, derived or owned elsewhere: accepted so its output imports as is.
    can_enable: bool | None = None
    can_disable: bool | None = None
    variables: list[Any] = []


class PositionRecordWithRefs(PositionRecord):
    number: str | None = Number
    bot: Reference
    broker_connection: Reference | None = None  # the bot's; accepted and ignored
    legs: list[PositionLegRecord] = Field(min_length=1)

    @model_validator(mode="after")
    def _closed_positions_are_complete(self) -> PositionRecordWithRefs:
        if self.status == "CLOSED" and (self.exited_at is None or self.profit_dollars is None):
            raise ValueError("a CLOSED position needs exited_at and profit_dollars")
        if self.status == "OPEN" and self.exited_at is not None:
            raise ValueError("an OPEN position has no exited_at")
        if self.exited_at is not None and self.exited_at < self.entered_at:
            raise ValueError("exited_at is before entered_at")
        return self


class OrderRecordWithRefs(OrderRecord):
    number: str | None = Number
    bot: Reference
    legs: list[LegRecord] = Field(min_length=1)
    submissions: list[SubmissionRecord] = []
    fills: list[FillRecord] = []


class ImportFile(Record):
    broker_connections: list[BrokerConnectionRecord] = []
    bots: list[BotRecord] = []
    positions: list[PositionRecordWithRefs] = []
    orders: list[OrderRecordWithRefs] = []


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


def _jsonable(model: BaseModel) -> Any:
    return orjson.loads(orjson.dumps(model.model_dump(mode="json")))


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
                broker = BrokerConnection(
                    number=record.number or tokens.new_id(),
                    account_id=account_id,
                    name=record.name,
                    account_number=record.account_number,
                    broker=record.broker,
                    status=record.status,
                    net_liquidation_value=record.net_liquidation_value,
                    expires_at=record.expires_at,
                )
                session.add(broker)
                brokers[broker.number] = broker
                progress(1)
            await session.flush()
            variables = await self._known(session, Variable, account_id)
            bots = await self._known(session, Bot, account_id)
            for index, bot_record in enumerate(data.bots):
                bot = self._bot(account_id, bot_record, brokers, variables, f"bots[{index}]")
                session.add(bot)
                bots[bot.number] = bot
                progress(1)
            await session.flush()
            for index, position_record in enumerate(data.positions):
                session.add(
                    self._position(account_id, position_record, bots, f"positions[{index}]")
                )
                progress(1)
            for index, order_record in enumerate(data.orders):
                session.add(self._order(account_id, order_record, bots, f"orders[{index}]"))
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

    def _bot(
        self,
        account_id: int,
        record: BotRecord,
        brokers: dict[str, BrokerConnection],
        variables: dict[str, Variable],
        place: str,
    ) -> Bot:
        broker = brokers.get(record.broker_connection.number)
        if broker is None:
            raise InvalidInput(
                f"{place}.broker_connection",
                f"{record.broker_connection.number} is not a broker "
                "connection of this account or of the file",
            )
        for part, condition in (
            ("entry_condition", record.entry_condition),
            ("exit_condition", record.exit_condition),
        ):
            for position, reference in enumerate(condition.variables):
                if reference.number not in variables:
                    raise InvalidInput(
                        f"{place}.{part}.variables[{position}]",
                        f"variable {reference.number} is not a variable of this account",
                    )
        return Bot(
            number=record.number or tokens.new_id(),
            account_id=account_id,
            broker_connection_id=broker.id,
            name=record.name,
            is_paper=record.is_paper,
            status=record.status,
            symbol=record.symbol.upper(),
            type=record.type,
            notes=record.notes,
            tags=record.tags,
            last_active_at=record.last_active_at,
            disabled_at=record.disabled_at,
            entry_condition=_jsonable(record.entry_condition),
            exit_condition=_jsonable(record.exit_condition),
            adjustments=[_jsonable(item) for item in record.adjustments],
            notifications=[_jsonable(item) for item in record.notifications],
            created_at=self._clock.now(),
        )

    def _owner(self, bots: dict[str, Bot], reference: Reference, place: str) -> Bot:
        bot = bots.get(reference.number)
        if bot is None:
            raise InvalidInput(
                f"{place}.bot", f"{reference.number} is not a bot of this account or of the file"
            )
        return bot

    def _position(
        self, account_id: int, record: PositionRecordWithRefs, bots: dict[str, Bot], place: str
    ) -> Position:
        bot = self._owner(bots, record.bot, place)
        # Live quotes and the paper flag come from the bot and the market, not the file.
        derived = {"current_bid", "current_mid", "current_ask", "current_profit", "current_delta"}
        fields = record.model_dump(
            exclude={"number", "bot", "broker_connection", "legs", "is_paper", *derived}
        )
        return Position(
            number=record.number or tokens.new_id(),
            account_id=account_id,
            bot_id=bot.id,
            legs=[_jsonable(leg) for leg in record.legs],
            **fields,
        )

    def _order(
        self, account_id: int, record: OrderRecordWithRefs, bots: dict[str, Bot], place: str
    ) -> Order:
        bot = self._owner(bots, record.bot, place)
        fields = record.model_dump(exclude={"number", "bot", "legs", "submissions", "fills"})
        return Order(
            number=record.number or tokens.new_id(),
            account_id=account_id,
            bot_id=bot.id,
            position_id=None,
            legs=[_jsonable(leg) for leg in record.legs],
            submissions=[_jsonable(item) for item in record.submissions],
            fills=[_jsonable(item) for item in record.fills],
            **fields,
        )
