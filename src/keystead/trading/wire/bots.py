"""Broker connections, variables, and bots with their entry and exit conditions,
adjustments and notifications."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic.json_schema import SkipJsonSchema

from keystead.trading.wire.types import (
    BotStatus,
    ClockTime,
    Comparison,
    DaysOfWeek,
    Int,
    Moment,
    Money,
    Number,
    Percent,
    PutStrikeType,
    Speed,
    StrikeType,
    TimeOfDay,
    VariableSource,
    WidthBy,
    WireModel,
)


class BaseBrokerConnection(WireModel):
    name: str | None = Field(examples=["Main brokerage"])
    number: Number
    account_number: str = Field(
        description="The account's number at the broker.", examples=["5WT12345"]
    )


class BrokerConnectionResponse(BaseBrokerConnection):
    broker: str = Field(examples=["Tradier"])
    status: Literal["Active", "Inactive"]
    net_liquidation_value: float
    expires_at: Moment | None


class BasicBot(WireModel):
    name: str = Field(examples=["SPX 0DTE Put Spread"])
    number: Number


class BaseVariable(WireModel):
    number: Number
    name: str
    value: str | None
    free_text_value: str | None = None
    last_updated_at: Moment | None = None


class BotVariable(BaseVariable):
    """A variable as a bot shows it; inside a condition, with the comparison it is tested by."""

    condition: Comparison | SkipJsonSchema[None] = None
    bot_value_to_set: VariableSource | None = None


class Condition(WireModel):
    condition: str
    value: str


class VariableResponse(BaseVariable):
    bot: Number | None = Field(description="The number of the bot it belongs to, if any.")
    conditions: list[Condition | None]


class EntryCondition(WireModel):
    frequency: Literal["Sequential", "Daily", "Weekly"]
    allocation_type: Literal["Leverage Amount", "Contract Quantity", "Percent of Portfolio"]
    contract_quantity: Int | None
    percent_of_portfolio: float | None
    leverage_amount: float | None
    long_call_ratio_quantity: Int | None
    short_call_ratio_quantity: Int | None
    long_put_ratio_quantity: Int | None
    short_put_ratio_quantity: Int | None
    entry_speed: Speed
    maximum_concurrent_positions: Int | None
    maximum_entries_per_day: Int
    earliest_time_of_day: ClockTime | None
    latest_time_of_day: ClockTime | None
    day_of_week: Literal["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"] | None
    days_of_week: DaysOfWeek | None
    minutes_between_positions: Int
    minimum_starting_premium: Money | None
    maximum_starting_premium: Money | None
    minimum_days_to_expiration: Int
    target_days_to_expiration: Int
    maximum_days_to_expiration: Int
    minimum_iv: float | None
    maximum_iv: float | None
    minimum_vix: float | None
    maximum_vix: float | None
    minimum_underlying_percent_move_from_open: Percent | None
    maximum_underlying_percent_move_from_open: Percent | None
    minimum_underlying_percent_move_from_close: Percent | None
    maximum_underlying_percent_move_from_close: Percent | None
    same_day_re_entry: Literal["Profit", "Loss"] | None
    avoid_fomc: str | None
    move_strike_selection_with_conflict: bool
    variables: list[BotVariable | None]
    call_short_strike_type: StrikeType | None
    call_short_strike_minimum_delta: float | None
    call_short_strike_target_delta: float | None
    call_short_strike_maximum_delta: float | None
    call_short_strike_minimum_premium: Money | None
    call_short_strike_target_premium: Money | None
    call_short_strike_maximum_premium: Money | None
    call_short_strike_percent_otm_minimum: Percent | None
    call_short_strike_target_percent_otm: Percent | None
    call_short_strike_percent_otm_maximum: Percent | None
    call_long_strike_type: StrikeType | None
    call_long_strike_minimum_delta: float | None
    call_long_strike_target_delta: float | None
    call_long_strike_maximum_delta: float | None
    call_long_strike_minimum_premium: Money | None
    call_long_strike_target_premium: Money | None
    call_long_strike_maximum_premium: Money | None
    call_long_strike_percent_otm_minimum: Percent | None
    call_long_strike_target_percent_otm: Percent | None
    call_long_strike_percent_otm_maximum: Percent | None
    call_spread_minimum_width_points: float | None
    call_spread_target_width_points: float | None
    call_spread_maximum_width_points: float | None
    call_spread_minimum_width_percent: Percent | None
    call_spread_target_width_percent: Percent | None
    call_spread_maximum_width_percent: Percent | None
    call_spread_strike_target_delta: float | None
    call_spread_strike_target_premium: Money | None
    restrict_call_spread_width_by: WidthBy | None
    call_spread_smart_width: bool
    put_short_strike_type: PutStrikeType | None
    put_short_strike_minimum_delta: float | None
    put_short_strike_target_delta: float | None
    put_short_strike_maximum_delta: float | None
    put_short_strike_minimum_premium: Money | None
    put_short_strike_target_premium: Money | None
    put_short_strike_maximum_premium: Money | None
    put_short_strike_percent_otm_minimum: Percent | None
    put_short_strike_target_percent_otm: Percent | None
    put_short_strike_percent_otm_maximum: Percent | None
    put_long_strike_type: PutStrikeType | None
    put_long_strike_minimum_delta: float | None
    put_long_strike_target_delta: float | None
    put_long_strike_maximum_delta: float | None
    put_long_strike_minimum_premium: Money | None
    put_long_strike_target_premium: Money | None
    put_long_strike_maximum_premium: Money | None
    put_long_strike_percent_otm_minimum: Percent | None
    put_long_strike_target_percent_otm: Percent | None
    put_long_strike_percent_otm_maximum: Percent | None
    put_spread_minimum_width_points: float | None
    put_spread_target_width_points: float | None
    put_spread_maximum_width_points: float | None
    put_spread_minimum_width_percent: Percent | None
    put_spread_target_width_percent: Percent | None
    put_spread_maximum_width_percent: Percent | None
    put_spread_strike_target_delta: float | None
    put_spread_strike_target_premium: Money | None
    restrict_put_spread_width_by: WidthBy | None
    put_spread_smart_width: bool


class ExitCondition(WireModel):
    exit_speed: Literal["Super Patient", "Patient", "Normal", "Aggressive", "Super Aggressive"]
    profit_premium_value: Money | None
    profit_target_percent: Percent | None
    stop_loss_percent: Percent | None
    loss_premium_value: Money | None
    itm_percent_stop: Percent | None
    otm_percent_stop: Percent | None
    delta_stop: float | None
    monitored_stop_sensitivity: Speed
    trail_profit_percent_trigger: Percent | None
    trail_profit_percent_amount: Percent | None
    trail_profit_premium_trigger: Money | None
    trail_profit_premium_amount: Money | None
    variables: list[BotVariable | None]
    close_short_strike_only: bool
    sell_abandoned_long_strike: bool
    trailing_stop_sensitivity: Speed


class Adjustment(WireModel):
    number: Number
    status: str = Field(examples=["Enabled"])
    type: str = Field(examples=["Close Position"])
    days_of_week: DaysOfWeek
    days_to_expiration: Int
    time_of_day: TimeOfDay
    minimum_position_delta: str | None
    maximum_position_delta: str | None
    minimum_position_profit_percent: Percent | None
    maximum_position_profit_percent: Percent | None
    minimum_position_otm_percent: Percent | None
    maximum_position_otm_percent: Percent | None
    minimum_iv: float | None
    maximum_iv: float | None
    minimum_vix: float | None
    maximum_vix: float | None
    minimum_underlying_percent_move_from_open: Percent | None
    maximum_underlying_percent_move_from_open: Percent | None
    minimum_underlying_percent_move_from_close: Percent | None
    maximum_underlying_percent_move_from_close: Percent | None
    variables: list[BotVariable | None]


class Notification(WireModel):
    number: Number
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


class BotResponse(BasicBot):
    """A bot; the settings (`entry_condition` … `variables`) only with `include_details`."""

    broker_connection: BaseBrokerConnection
    is_paper: bool
    status: BotStatus
    can_enable: bool
    can_disable: bool
    symbol: str = Field(examples=["SPX"])
    type: str = Field(examples=["Put Credit Spread"])
    notes: str | None
    last_active_at: Moment | None
    disabled_at: Moment | None
    entry_condition: EntryCondition | SkipJsonSchema[None] = None
    exit_condition: ExitCondition | SkipJsonSchema[None] = None
    adjustments: list[Adjustment | None] | SkipJsonSchema[None] = None
    notifications: list[Notification | None] | SkipJsonSchema[None] = None
    variables: list[BotVariable | None] | SkipJsonSchema[None] = None
