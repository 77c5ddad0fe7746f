"""A bot's settings: entry and exit conditions, adjustments and notifications.

Field for field the shapes of the Whispertrades v1 API (WHISPERTRADES_V1.md), so
settings read from the API can be sent back unchanged. Variables inside
conditions are stored as references (number and comparison) and shown with the
variable's current value.
"""

from __future__ import annotations

from datetime import time
from typing import Any, Literal, TypeVar

import orjson
from pydantic import BaseModel, ConfigDict, ValidationError

from keystead.errors import InvalidInput

VariableComparison = Literal["Contains", "Equal To", "Not Equal To", "Less Than", "Greater Than"]

Model = TypeVar("Model", bound=BaseModel)


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class VariableCondition(Settings):
    """A variable a condition tests: which one, and how it is compared. The other
    fields the API shows with it (name, value, …) are the variable's own and ignored."""

    model_config = ConfigDict(extra="ignore", strict=True)

    number: str
    condition: VariableComparison | None = None


class DaysOfWeek(Settings):
    days_of_week: str


class AdjustmentTime(Settings):
    start_time: time
    end_time: time | None


class EntryCondition(Settings):
    frequency: Literal["Sequential", "Daily", "Weekly"]
    allocation_type: Literal["Leverage Amount", "Contract Quantity", "Percent of Portfolio"]
    contract_quantity: int | None
    percent_of_portfolio: float | None
    leverage_amount: float | None
    long_call_ratio_quantity: int | None
    short_call_ratio_quantity: int | None
    long_put_ratio_quantity: int | None
    short_put_ratio_quantity: int | None
    entry_speed: Literal["Patient", "Normal", "Aggressive"]
    maximum_concurrent_positions: int | None
    maximum_entries_per_day: int
    earliest_time_of_day: time | None
    latest_time_of_day: time | None
    day_of_week: Literal["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"] | None
    days_of_week: DaysOfWeek | None
    minutes_between_positions: int
    minimum_starting_premium: str | None
    maximum_starting_premium: str | None
    minimum_days_to_expiration: int
    target_days_to_expiration: int
    maximum_days_to_expiration: int
    minimum_iv: float | None
    maximum_iv: float | None
    minimum_vix: float | None
    maximum_vix: float | None
    minimum_underlying_percent_move_from_open: str | None
    maximum_underlying_percent_move_from_open: str | None
    minimum_underlying_percent_move_from_close: str | None
    maximum_underlying_percent_move_from_close: str | None
    same_day_re_entry: Literal["Profit", "Loss"] | None
    avoid_fomc: str | None
    move_strike_selection_with_conflict: bool
    variables: list[VariableCondition]
    call_short_strike_type: Literal["Delta", "Premium"] | None
    call_short_strike_minimum_delta: float | None
    call_short_strike_target_delta: float | None
    call_short_strike_maximum_delta: float | None
    call_short_strike_minimum_premium: str | None
    call_short_strike_target_premium: str | None
    call_short_strike_maximum_premium: str | None
    call_short_strike_percent_otm_minimum: str | None
    call_short_strike_target_percent_otm: str | None
    call_short_strike_percent_otm_maximum: str | None
    call_long_strike_type: Literal["Delta", "Premium"] | None
    call_long_strike_minimum_delta: float | None
    call_long_strike_target_delta: float | None
    call_long_strike_maximum_delta: float | None
    call_long_strike_minimum_premium: str | None
    call_long_strike_target_premium: str | None
    call_long_strike_maximum_premium: str | None
    call_long_strike_percent_otm_minimum: str | None
    call_long_strike_target_percent_otm: str | None
    call_long_strike_percent_otm_maximum: str | None
    call_spread_minimum_width_points: float | None
    call_spread_target_width_points: float | None
    call_spread_maximum_width_points: float | None
    call_spread_minimum_width_percent: str | None
    call_spread_target_width_percent: str | None
    call_spread_maximum_width_percent: str | None
    call_spread_strike_target_delta: float | None
    call_spread_strike_target_premium: str | None
    restrict_call_spread_width_by: Literal["Points", "Percent"] | None
    call_spread_smart_width: bool
    put_short_strike_type: Literal["Delta", "Premium", "% OTM"] | None
    put_short_strike_minimum_delta: float | None
    put_short_strike_target_delta: float | None
    put_short_strike_maximum_delta: float | None
    put_short_strike_minimum_premium: str | None
    put_short_strike_target_premium: str | None
    put_short_strike_maximum_premium: str | None
    put_short_strike_percent_otm_minimum: str | None
    put_short_strike_target_percent_otm: str | None
    put_short_strike_percent_otm_maximum: str | None
    put_long_strike_type: Literal["Delta", "Premium", "% OTM"] | None
    put_long_strike_minimum_delta: float | None
    put_long_strike_target_delta: float | None
    put_long_strike_maximum_delta: float | None
    put_long_strike_minimum_premium: str | None
    put_long_strike_target_premium: str | None
    put_long_strike_maximum_premium: str | None
    put_long_strike_percent_otm_minimum: str | None
    put_long_strike_target_percent_otm: str | None
    put_long_strike_percent_otm_maximum: str | None
    put_spread_minimum_width_points: float | None
    put_spread_target_width_points: float | None
    put_spread_maximum_width_points: float | None
    put_spread_minimum_width_percent: str | None
    put_spread_target_width_percent: str | None
    put_spread_maximum_width_percent: str | None
    put_spread_strike_target_delta: float | None
    put_spread_strike_target_premium: str | None
    restrict_put_spread_width_by: Literal["Points", "Percent"] | None
    put_spread_smart_width: bool


class ExitCondition(Settings):
    exit_speed: Literal["Super Patient", "Patient", "Normal", "Aggressive", "Super Aggressive"]
    profit_premium_value: str | None
    profit_target_percent: str | None
    stop_loss_percent: str | None
    loss_premium_value: str | None
    itm_percent_stop: str | None
    otm_percent_stop: str | None
    delta_stop: float | None
    monitored_stop_sensitivity: Literal["Patient", "Normal", "Aggressive"]
    trail_profit_percent_trigger: str | None
    trail_profit_percent_amount: str | None
    trail_profit_premium_trigger: str | None
    trail_profit_premium_amount: str | None
    variables: list[VariableCondition]
    close_short_strike_only: bool
    sell_abandoned_long_strike: bool
    trailing_stop_sensitivity: Literal["Patient", "Normal", "Aggressive"]


class Adjustment(Settings):
    number: str
    status: str
    type: str
    days_of_week: DaysOfWeek
    days_to_expiration: int
    time_of_day: AdjustmentTime
    minimum_position_delta: str | None
    maximum_position_delta: str | None
    minimum_position_profit_percent: str | None
    maximum_position_profit_percent: str | None
    minimum_position_otm_percent: str | None
    maximum_position_otm_percent: str | None
    minimum_iv: float | None
    maximum_iv: float | None
    minimum_vix: float | None
    maximum_vix: float | None
    minimum_underlying_percent_move_from_open: str | None
    maximum_underlying_percent_move_from_open: str | None
    minimum_underlying_percent_move_from_close: str | None
    maximum_underlying_percent_move_from_close: str | None
    variables: list[VariableCondition]


class Notification(Settings):
    number: str
    event: Literal[
        "Order Placed",
        "Order Filled",
        "Order Canceled",
        "Position % In-the-Money",
        "Position % Loss",
        "Position % Profit",
        "Position Days to Expiration",
        "Position Delta (Loss)",
        "Position Expired",
    ]
    type: Literal["Email"]


def validated(model: type[Model], payload: Any, where: str) -> Model:
    """Validate JSON-shaped settings strictly (no "true" for true, no "5" for 5)."""
    try:
        return model.model_validate_json(orjson.dumps(payload), strict=True)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in (where, *first["loc"]))
        raise InvalidInput(field, first["msg"]) from error
