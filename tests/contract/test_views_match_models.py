"""Every `/v1` view answers with its Whispertrades model, for generated objects.

Objects are generated from the models themselves (`strategies`), turned into rows the
way `keystead bots import` does, and shown by the views the routes use. The bytes the
envelope would send must validate strictly against the model (and against the model
built from the contract's tables), and say back what went in.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any, get_args

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from keystead.envelope import JSONResponse
from keystead.trading import wire
from keystead.trading.api import views
from keystead.trading.services.bot_settings import (
    AdjustmentSettings,
    EntryConditionSettings,
    ExitConditionSettings,
)
from keystead.trading.services.bots import BotDetails
from keystead.trading.services.importer import (
    BotRecord,
    BrokerConnectionRecord,
    OrderRecord,
    PositionRecord,
    bot_row,
    broker_row,
    order_row,
    position_row,
)
from keystead.trading.services.orders import OrderDetails
from keystead.trading.services.positions import PositionDetails
from keystead.trading.services.reports import ReportDetails
from keystead.trading.services.variables import VariableDetails
from keystead.trading.tables import Bot, BrokerConnection, Report, Variable
from tests.contract import strategies as gen
from tests.contract.whispertrades import validate_json

ACCOUNT = 7
NOW = datetime(2026, 12, 4, 12, tzinfo=UTC)
EXAMPLES = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
names = gen.texts.filter(lambda text: len(text.strip()) > 0 and len(text) <= 16)


def sent(view_output: Any) -> bytes:
    """The bytes the envelope sends for this `data`."""
    return bytes(JSONResponse(view_output).body)


def shown_as(model: type[BaseModel], view_output: Any) -> BaseModel:
    body = sent(view_output)
    validate_json(model.__name__, body)  # the contract's tables
    return model.model_validate_json(body, strict=True)  # keystead's own model


def read(model: type[BaseModel], generated: dict[str, Any]) -> BaseModel:
    return model.model_validate_json(json.dumps(generated), strict=True)


def same(shown: BaseModel, given: BaseModel, *, leaving_out: Collection[str] = ()) -> None:
    assert shown.model_dump(exclude=set(leaving_out)) == given.model_dump(exclude=set(leaving_out))


def a_broker(number: str = "BROKER0001") -> BrokerConnection:
    return BrokerConnection(
        id=1,
        number=number,
        account_id=ACCOUNT,
        name=None,
        account_number="5WT12345",
        broker="Tradier",
        status="Active",
        net_liquidation_value=10_000.0,
        expires_at=None,
    )


def a_bot(broker: BrokerConnection) -> Bot:
    return Bot(
        id=3,
        number="BOT0000001",
        account_id=ACCOUNT,
        broker_connection_id=broker.id,
        name="SPX put spread",
        is_paper=True,
        status="Enabled",
        symbol="SPX",
        type="Put Credit Spread",
        notes=None,
        tags="",
        last_active_at=None,
        disabled_at=None,
        entry_condition={},
        exit_condition={},
        adjustments=[],
        notifications=[],
        created_at=NOW,
    )


@EXAMPLES
@given(gen.for_model(wire.BrokerConnectionResponse))
def test_broker_connections(generated: dict[str, Any]) -> None:
    record = BrokerConnectionRecord.model_validate_json(json.dumps(generated), strict=True)
    row = broker_row(ACCOUNT, record)
    shown = shown_as(wire.BrokerConnectionResponse, views.broker_connection(row))
    same(shown, read(wire.BrokerConnectionResponse, generated))
    shown_as(wire.BaseBrokerConnection, views.base_broker(row))


def settings_without_variables(model: type[BaseModel]) -> st.SearchStrategy[dict[str, Any]]:
    # Conditions name variables by number; these name none (variables are shown from rows).
    return gen.for_model(model, variables=st.just([]))


bots = gen.for_model(
    wire.BotResponse,
    always={"entry_condition", "exit_condition", "adjustments", "notifications"},
    name=names,
    symbol=names,
    type=names,
    broker_connection=st.just({"name": None, "number": "BROKER0001", "account_number": "1"}),
    entry_condition=settings_without_variables(EntryConditionSettings),
    exit_condition=settings_without_variables(ExitConditionSettings),
    adjustments=st.lists(settings_without_variables(AdjustmentSettings), max_size=2),
    notifications=st.lists(gen.for_model(wire.Notification), max_size=2),
    variables=st.just([]),
)


@EXAMPLES
@given(bots)
def test_bots_with_and_without_their_settings(generated: dict[str, Any]) -> None:
    record = BotRecord.model_validate_json(json.dumps(generated), strict=True)
    broker = a_broker()
    row = bot_row(ACCOUNT, record, {broker.number: broker}, {}, "bots[0]", NOW)
    row.id = 3
    details = BotDetails(row, broker, {})
    shown = shown_as(wire.BotResponse, views.bot(details))
    expected = read(wire.BotResponse, {**generated, "symbol": generated["symbol"].upper()})
    derived = {"broker_connection", "can_enable", "can_disable", "variables"}
    same(shown, expected, leaving_out=derived)
    assert getattr(shown, "can_enable") is (generated["status"] != "Enabled")  # noqa: B009
    plain = json.loads(sent(views.bot(details, include_details=False)))
    assert not {"entry_condition", "exit_condition", "adjustments"} & set(plain)
    shown_as(wire.BotResponse, plain)


def consistent(position: dict[str, Any]) -> dict[str, Any]:
    """A position as the importer takes it: a closed one has its exit and profit."""
    if position["status"] == "OPEN":
        return {**position, "exited_at": None}
    exited = position.get("exited_at") or position["entered_at"]
    return {
        **position,
        "exited_at": max(exited, position["entered_at"]),
        "profit_dollars": position.get("profit_dollars") or 0.0,
    }


positions = gen.for_model(
    wire.PositionResponse,
    bot=st.just({"name": "SPX put spread", "number": "BOT0000001"}),
    broker_connection=st.just({"name": None, "number": "BROKER0001", "account_number": "1"}),
    legs=st.lists(gen.for_model(wire.PositionLeg), min_size=1, max_size=3),
).map(consistent)


@EXAMPLES
@given(positions)
def test_positions(generated: dict[str, Any]) -> None:
    record = PositionRecord.model_validate_json(json.dumps(generated), strict=True)
    broker = a_broker()
    bot = a_bot(broker)
    row = position_row(ACCOUNT, record, {bot.number: bot}, "positions[0]")
    shown = shown_as(wire.PositionResponse, views.position(PositionDetails(row, bot, broker)))
    quotes = {"current_bid", "current_mid", "current_ask", "current_profit", "current_delta"}
    derived = {"bot", "broker_connection", "is_paper", *quotes}
    same(shown, read(wire.PositionResponse, generated), leaving_out=derived)
    assert all(getattr(shown, quote) is None for quote in quotes)
    assert getattr(shown, "is_paper") is bot.is_paper  # noqa: B009


orders = gen.for_model(
    wire.OrderResponse,
    bot=st.just({"name": "SPX put spread", "number": "BOT0000001"}),
    legs=st.lists(gen.for_model(wire.Leg), min_size=1, max_size=3),
    submissions=st.lists(gen.for_model(wire.Submission), max_size=2),
    fills=st.lists(gen.for_model(wire.Fill), max_size=2),
)


@EXAMPLES
@given(orders)
def test_orders(generated: dict[str, Any]) -> None:
    record = OrderRecord.model_validate_json(json.dumps(generated), strict=True)
    bot = a_bot(a_broker())
    row = order_row(ACCOUNT, record, {bot.number: bot}, "orders[0]")
    shown = shown_as(wire.OrderResponse, views.order(OrderDetails(row, bot)))
    same(shown, read(wire.OrderResponse, generated), leaving_out={"bot"})


@EXAMPLES
@given(gen.for_model(wire.VariableResponse), st.none() | st.sampled_from(get_args(wire.Comparison)))
def test_variables_alone_and_as_bots_show_them(
    generated: dict[str, Any], condition: str | None
) -> None:
    given_variable = read(wire.VariableResponse, generated)
    fields = given_variable.model_dump(exclude={"bot"})
    row = Variable(id=5, account_id=ACCOUNT, bot_id=None, bot_value_to_set=None, **fields)
    bot_number = generated["bot"]
    shown = shown_as(wire.VariableResponse, views.variable(VariableDetails(row, bot_number)))
    same(shown, given_variable)
    in_condition = shown_as(wire.BotVariable, views.bot_variable(row, condition))
    assert getattr(in_condition, "condition") == condition  # noqa: B009
    assert getattr(in_condition, "bot_value_to_set") == "Free Text"  # noqa: B009


@EXAMPLES
@given(gen.for_model(wire.ReportResponse, brokers=st.just([]), bots=st.just([])))
def test_reports(generated: dict[str, Any]) -> None:
    given_report = read(wire.ReportResponse, generated)
    fields = given_report.model_dump(exclude={"brokers", "bots", "results"})
    row = Report(id=9, account_id=ACCOUNT, bot_numbers=[], created_at=NOW, **fields)
    broker = a_broker()
    bot = a_bot(broker)
    results = given_report.results.model_dump(exclude_unset=True)  # type: ignore[attr-defined]
    details = ReportDetails(row, [bot], [broker], results)
    shown = shown_as(wire.ReportResponse, views.report(details))
    same(shown, given_report, leaving_out={"brokers", "bots"})
    assert orjson.loads(sent(views.report(details)))["bots"] == [
        {"name": bot.name, "number": bot.number}
    ]


WIRE_MODELS = [
    model
    for model in vars(wire).values()
    if isinstance(model, type) and issubclass(model, wire.WireModel) and model is not wire.WireModel
]


@EXAMPLES
@given(st.data())
def test_every_object_is_generated_whole_and_valid(data: st.DataObject) -> None:
    """A field added to a model is generated with no change here: there is no list to keep."""
    model = data.draw(st.sampled_from(WIRE_MODELS))
    generated = data.draw(gen.for_model(model))
    required = {name for name, info in model.model_fields.items() if info.is_required()}
    assert required <= set(generated) <= set(model.model_fields)
    read(model, generated)
