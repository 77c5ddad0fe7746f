"""Rows → the `/v1` objects, their shapes derived from `keystead.trading.wire`.

Each view takes every field of its model from the row attribute of the same name,
except the fields it is given (related objects, derived values), so no field list
is written twice. The hot routes hand these dicts to the envelope directly; our own
output is not validated again on the way out (the tests hold it to the models).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from operator import attrgetter
from typing import Any, get_args

from pydantic import AwareDatetime, BaseModel

from keystead.clock import isoformat
from keystead.store.hot_reads import Row
from keystead.trading.services.bots import ENABLED, BotDetails
from keystead.trading.services.orders import OrderDetails
from keystead.trading.services.positions import PositionDetails
from keystead.trading.services.reports import ReportDetails
from keystead.trading.services.variables import FREE_TEXT, VariableDetails
from keystead.trading.tables import Position, Variable
from keystead.trading.wire import (
    BaseBrokerConnection,
    BasicBot,
    BotResponse,
    BotVariable,
    BrokerConnectionResponse,
    OrderResponse,
    PositionResponse,
    ReportResponse,
    VariableResponse,
)

Json = dict[str, Any]


def _is_moment(annotation: Any) -> bool:
    """Whether a field holds a moment, through `| None` and `Annotated`."""
    if annotation is AwareDatetime or (
        isinstance(annotation, type) and issubclass(annotation, datetime)
    ):
        return True
    return any(_is_moment(argument) for argument in get_args(annotation))


class View:
    """`model`'s shape from a row: each field read from the row, or given by the caller.

    Given fields the model requires are passed on every call; the others are left out
    when not passed (a bot's settings without `include_details`). Times are sent as
    ISO 8601 UTC with a `Z`. The keys come in the model's order."""

    def __init__(
        self, model: type[BaseModel], given: Iterable[str] = (), constant: Json | None = None
    ) -> None:
        fields = model.model_fields
        self.model = model
        self.constant = constant or {}
        supplied = set(given) | set(self.constant)
        unknown = supplied - set(fields)
        if unknown:
            raise ValueError(f"{model.__name__} has no field {sorted(unknown)}")
        self._order = tuple(fields)
        read = [name for name in fields if name not in supplied]
        # One C-level call reads every row field; attrgetter of one name is not a tuple.
        getter = attrgetter(*read)
        self._read: Callable[[object], tuple[Any, ...]] = (
            getter if len(read) > 1 else lambda row: (getter(row),)
        )
        self._row_fields = tuple(read)
        self._moments = tuple(name for name in read if _is_moment(fields[name].annotation))
        self._optional = tuple(name for name in given if not fields[name].is_required())

    def __call__(self, row: object, /, **given: Any) -> Json:
        # No checks of `given` here: the tests hold every view's output to its model,
        # which refuses a missing field and an unknown one.
        shown: Json = dict.fromkeys(self._order)
        shown.update(zip(self._row_fields, self._read(row), strict=True))
        for name in self._moments:
            shown[name] = isoformat(shown[name])
        if self.constant:
            shown.update(self.constant)
        shown.update(given)
        for name in self._optional:
            if name not in given:
                del shown[name]
        return shown


basic_bot = View(BasicBot)
base_broker = View(BaseBrokerConnection)
broker_connection = View(BrokerConnectionResponse)
_bot_variable = View(BotVariable, given={"condition", "bot_value_to_set"})
_bot = View(
    BotResponse,
    given={
        "broker_connection",
        "can_enable",
        "can_disable",
        "entry_condition",
        "exit_condition",
        "adjustments",
        "notifications",
        "variables",
    },
)
_position = View(
    PositionResponse,
    given={"bot", "broker_connection", "is_paper"},
    # Live quotes come from a market feed; positions as stored have none.
    constant=dict.fromkeys(
        ("current_bid", "current_mid", "current_ask", "current_profit", "current_delta")
    ),
)
_order = View(OrderResponse, given={"bot"})
_variable = View(VariableResponse, given={"bot"})
_report = View(ReportResponse, given={"brokers", "bots", "results"})


def bot_variable(variable: Variable | Row, condition: str | None = None) -> Json:
    """A variable as a bot shows it; inside a condition, with the comparison it is tested by."""
    tested = {} if condition is None else {"condition": condition}
    return _bot_variable(
        variable, bot_value_to_set=variable.bot_value_to_set or FREE_TEXT, **tested
    )


def _with_variables(condition: Json, variables: dict[str, Variable | Row]) -> Json:
    """A stored condition, its variable references replaced by the variables themselves."""
    shown = []
    for reference in condition.get("variables", []):
        variable = variables.get(reference["number"])
        if variable is not None:
            shown.append(bot_variable(variable, reference.get("condition")))
    return {**condition, "variables": shown}


def _settings(details: BotDetails) -> Json:
    row, variables = details.bot, details.variables
    return {
        "entry_condition": _with_variables(row.entry_condition, variables),
        "exit_condition": _with_variables(row.exit_condition, variables),
        "adjustments": [_with_variables(item, variables) for item in row.adjustments],
        "notifications": row.notifications,
        "variables": [
            bot_variable(variable)
            for variable in sorted(variables.values(), key=lambda v: (v.name, v.number))
            if variable.bot_id == row.id
        ],
    }


def bot(details: BotDetails, include_details: bool = True) -> Json:
    row = details.bot
    return _bot(
        row,
        broker_connection=base_broker(details.broker),
        can_enable=row.status != ENABLED,
        can_disable=row.status == ENABLED,
        **(_settings(details) if include_details else {}),
    )


def position(details: PositionDetails) -> Json:
    return position_held_by(
        details.position,
        bot=basic_bot(details.bot),
        broker_connection=base_broker(details.broker),
        is_paper=details.bot.is_paper,
    )


def position_held_by(row: Position, *, bot: Any, broker_connection: Any, is_paper: Any) -> Json:
    """A position with what it shows of the bot holding it given: a closed position is
    kept serialised with stand-ins there, and its owner's current values put in."""
    return _position(row, bot=bot, broker_connection=broker_connection, is_paper=is_paper)


def order(details: OrderDetails) -> Json:
    return _order(details.order, bot=basic_bot(details.bot))


def variable(details: VariableDetails) -> Json:
    return _variable(details.variable, bot=details.bot_number)


def report(details: ReportDetails) -> Json:
    return _report(
        details.report,
        brokers=[base_broker(broker) for broker in details.brokers],
        bots=[basic_bot(item) for item in details.bots],
        results=details.results,
    )
