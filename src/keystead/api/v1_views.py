"""The `/v1` objects in the Whispertrades v1 shapes (WHISPERTRADES_V1.md), field for field.

Plain functions from rows to JSON-ready dicts: the hot routes hand these to the
envelope directly, without re-validating our own output.
"""

from __future__ import annotations

from typing import Any

from keystead.clock import isoformat
from keystead.services.bots import ENABLED, BotDetails
from keystead.services.orders import OrderDetails
from keystead.services.positions import PositionDetails
from keystead.services.variables import FREE_TEXT, VariableDetails
from keystead.store.trading import Bot, BrokerConnection, Variable

Json = dict[str, Any]


def basic_bot(bot: Bot) -> Json:
    return {"name": bot.name, "number": bot.number}


def base_broker(broker: BrokerConnection) -> Json:
    return {"name": broker.name, "number": broker.number, "account_number": broker.account_number}


def broker_connection(broker: BrokerConnection) -> Json:
    return {
        **base_broker(broker),
        "broker": broker.broker,
        "status": broker.status,
        "net_liquidation_value": float(broker.net_liquidation_value),
        "expires_at": isoformat(broker.expires_at),
    }


def bot_variable(variable: Variable, condition: str | None = None) -> Json:
    shown: Json = {
        "number": variable.number,
        "name": variable.name,
        "value": variable.value,
        "free_text_value": variable.free_text_value,
        "last_updated_at": isoformat(variable.last_updated_at),
        "bot_value_to_set": variable.bot_value_to_set or FREE_TEXT,
    }
    if condition is not None:
        shown["condition"] = condition
    return shown


def _with_variables(condition: Json, variables: dict[str, Variable]) -> Json:
    """A stored condition, its variable references replaced by the variables themselves."""
    shown = []
    for reference in condition.get("variables", []):
        variable = variables.get(reference["number"])
        if variable is not None:
            shown.append(bot_variable(variable, reference.get("condition")))
    return {**condition, "variables": shown}


def bot(details: BotDetails, include_details: bool = True) -> Json:
    row = details.bot
    shown: Json = {
        **basic_bot(row),
        "broker_connection": base_broker(details.broker),
        "is_paper": row.is_paper,
        "status": row.status,
        "can_enable": row.status != ENABLED,
        "can_disable": row.status == ENABLED,
        "symbol": row.symbol,
        "type": row.type,
        "notes": row.notes,
        "last_active_at": isoformat(row.last_active_at),
        "disabled_at": isoformat(row.disabled_at),
    }
    if include_details:
        variables = details.variables
        shown["entry_condition"] = _with_variables(row.entry_condition, variables)
        shown["exit_condition"] = _with_variables(row.exit_condition, variables)
        shown["adjustments"] = [_with_variables(item, variables) for item in row.adjustments]
        shown["notifications"] = list(row.notifications)
        shown["variables"] = [
            bot_variable(variable)
            for variable in sorted(variables.values(), key=lambda v: (v.name, v.number))
            if variable.bot_id == row.id
        ]
    return shown


def position(details: PositionDetails) -> Json:
    row = details.position
    return {
        "number": row.number,
        "status": row.status,
        "bot": basic_bot(details.bot),
        "broker_connection": base_broker(details.broker),
        "is_paper": details.bot.is_paper,
        "tags": row.tags,
        "symbol": row.symbol,
        "type": row.type,
        "entered_at": isoformat(row.entered_at),
        "exited_at": isoformat(row.exited_at),
        "entry_bid": row.entry_bid,
        "entry_ask": row.entry_ask,
        "entry_price": row.entry_price,
        "exit_bid": row.exit_bid,
        "exit_ask": row.exit_ask,
        "exit_price": row.exit_price,
        "broker_fee": row.broker_fee,
        "current_bid": None,
        "current_mid": None,
        "current_ask": None,
        "current_profit": None,
        "current_delta": None,
        "entry_value": row.entry_value,
        "exit_value": row.exit_value,
        "max_risk": row.max_risk,
        "profit_dollars": row.profit_dollars,
        "starting_balance": row.starting_balance,
        "ending_balance": row.ending_balance,
        "underlying_at_entry": row.underlying_at_entry,
        "underlying_at_exit": row.underlying_at_exit,
        "vix_at_entry": row.vix_at_entry,
        "vix_at_exit": row.vix_at_exit,
        "legs": list(row.legs),
    }


def order(details: OrderDetails) -> Json:
    row = details.order
    return {
        "number": row.number,
        "broker_order_number": row.broker_order_number,
        "status": row.status,
        "type": row.type,
        "duration": row.duration,
        "bot": basic_bot(details.bot),
        "is_paper": row.is_paper,
        "symbol": row.symbol,
        "original_quantity": row.original_quantity,
        "current_quantity": row.current_quantity,
        "filled_quantity": row.filled_quantity,
        "order_price": row.order_price,
        "fill_price": row.fill_price,
        "broker_fee": row.broker_fee,
        "submitted_at": isoformat(row.submitted_at),
        "filled_at": isoformat(row.filled_at),
        "canceled_at": isoformat(row.canceled_at),
        "legs": list(row.legs),
        "submissions": list(row.submissions),
        "fills": list(row.fills),
    }


def variable(details: VariableDetails) -> Json:
    row = details.variable
    return {
        "number": row.number,
        "name": row.name,
        "value": row.value,
        "free_text_value": row.free_text_value,
        "last_updated_at": isoformat(row.last_updated_at),
        "bot": details.bot_number,
        "conditions": list(row.conditions),
    }
