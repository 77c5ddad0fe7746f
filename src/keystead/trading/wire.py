"""The Whispertrades v1 objects the `/v1` API answers with: one pydantic model each.

The single source of every wire shape (the contract's WHISPERTRADES_V1.md, field for
field, in its order): the views derive their output from these models' fields, the
paper engine and the performance figures build through them, the importer validates
files with them, and every `/v1` route declares them as its response model, which is
what `/openapi.json` documents. Responses are not validated again on the way out; the
tests hold every view's output to these models.

Two values arrive from clients as text and leave as text, whatever older versions
stored: `days_of_week` (`All`, or days joined by `, `) and an adjustment's
`time_of_day` (`HH:MM` or `HH:MM to HH:MM`). The objects older versions stored for
them are still accepted and turned into the text.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema, WithJsonSchema

NUMBER_PATTERN = "^[0-9A-Z]{10}$"
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
ALL_DAYS = "All"
_DAY_NAMES = {day.lower(): day for day in (ALL_DAYS, *WEEKDAYS)}
_CLOCK = re.compile(r"(?P<hour>[0-9]{1,2}):(?P<minute>[0-9]{2})(?::(?P<second>[0-9]{2}))?")
_RANGE = re.compile(r"\s+to\s+", re.IGNORECASE)


def days_of_week_text(value: object) -> object:
    """`All`, or weekdays joined by `, ` in week order, from any case and spacing.

    Also takes the object older versions stored, `{"days_of_week": "..."}`. Anything
    that is not text is handed on for the `str` type to refuse."""
    if isinstance(value, dict) and set(value) == {"days_of_week"}:
        value = value["days_of_week"]
    if not isinstance(value, str):
        return value
    days = set()
    for part in value.split(","):
        day = _DAY_NAMES.get(part.strip().lower())
        if day is None:
            raise ValueError(
                f"{part.strip()!r} is not a day; use All, or days from Monday to Friday "
                "joined by ', ' (e.g. 'Monday, Wednesday, Friday')"
            )
        days.add(day)
    if ALL_DAYS in days:
        if len(days) > 1:
            raise ValueError("All stands alone; leave out the other days")
        return ALL_DAYS
    return ", ".join(day for day in WEEKDAYS if day in days)


def _clock_time(text: object) -> dt.time:
    match = _CLOCK.fullmatch(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"{text!r} is not a time of day; use HH:MM, e.g. 15:30")
    hour, minute = int(match["hour"]), int(match["minute"])
    if hour > 23 or minute > 59:
        raise ValueError(f"{text!r} is not a time of day; hours run 00-23 and minutes 00-59")
    if int(match["second"] or 0):
        raise ValueError(f"{text!r} has seconds; times of day are whole minutes, HH:MM")
    return dt.time(hour, minute)


def time_of_day_text(value: object) -> object:
    """`HH:MM`, or `HH:MM to HH:MM` with the end after the start.

    Also takes the object older versions stored, `{"start_time": "15:30:00",
    "end_time": "15:55:00" or null}`."""
    if (
        isinstance(value, dict)
        and "start_time" in value
        and set(value)
        <= {
            "start_time",
            "end_time",
        }
    ):
        parts = [value["start_time"]]
        if value.get("end_time") is not None:
            parts.append(value["end_time"])
    elif isinstance(value, str):
        parts = _RANGE.split(value.strip())
    else:
        return value
    if len(parts) > 2:
        raise ValueError("a time of day is HH:MM or HH:MM to HH:MM")
    times = [_clock_time(part) for part in parts]
    if len(times) == 2 and times[1] <= times[0]:
        raise ValueError("the end of a time range must be after its start")
    return " to ".join(f"{moment:%H:%M}" for moment in times)


Int = Annotated[int, Field(ge=-(2**31), le=2**31 - 1)]
"""Counts, quantities, days and minutes: what an INTEGER column of either store holds."""
Number = Annotated[
    str,
    Field(
        pattern=NUMBER_PATTERN,
        description="10 uppercase letters and digits.",
        examples=["BYZ8UNMX8M"],
    ),
]
Moment = Annotated[
    AwareDatetime, Field(description="ISO 8601, UTC.", examples=["2026-03-13T14:45:00Z"])
]
DaysOfWeek = Annotated[
    str,
    BeforeValidator(days_of_week_text),
    Field(
        description="`All`, or days from Monday to Friday joined by `, `.",
        examples=["Monday, Wednesday, Friday"],
    ),
]
TimeOfDay = Annotated[
    str,
    BeforeValidator(time_of_day_text),
    Field(description="`HH:MM` or `HH:MM to HH:MM`.", examples=["15:30 to 15:55"]),
]
ClockTime = Annotated[
    dt.time,
    # `format: time` would ask for a zone ("09:45:00Z"); clients send and read none.
    WithJsonSchema(
        {
            "type": "string",
            "pattern": "^[0-2][0-9]:[0-5][0-9](:[0-5][0-9])?$",
            "description": "A time of day, HH:MM:SS.",
            "examples": ["09:45:00"],
        }
    ),
]
Money = Annotated[str, Field(description="A decimal amount as text.", examples=["0.50"])]
Percent = Annotated[str, Field(description="A percentage as text.", examples=["50"])]
BotStatus = Literal["Enabled", "Disabled", "Disable on Close"]
PositionStatus = Literal["OPEN", "CLOSED"]
OrderStatus = Literal["WORKING", "FILLED", "CANCELED", "EXPIRED", "REJECTED"]
OptionType = Literal["CALL", "PUT"]
Instruction = Literal["SELL_TO_OPEN", "BUY_TO_OPEN", "BUY_TO_CLOSE", "SELL_TO_CLOSE"]
Speed = Literal["Patient", "Normal", "Aggressive"]
StrikeType = Literal["Delta", "Premium"]
PutStrikeType = Literal["Delta", "Premium", "% OTM"]
WidthBy = Literal["Points", "Percent"]
Comparison = Literal["Contains", "Equal To", "Not Equal To", "Less Than", "Greater Than"]
Month = Literal[
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
VariableSource = Literal[
    "Free Text",
    "Bot Open Position Count",
    "Bot Positions Entered Today Count",
    "Bot Positions Exited Today Count",
    "Bot Current Position Delta",
    "Bot Current Position ITM %",
    "Bot Current Position MID Price",
    "Bot Current Position Minutes in Trade",
    "Bot Current Position Days in Trade",
    "Bot Current Position Minutes to Expiration",
    "Bot Current Position DTE",
    "Bot Current Position Profit $",
    "Bot Current Position Profit %",
    "Bot Last Closed Position Today Profit $",
    "Bot Profit Realized Today $",
]


class WireModel(BaseModel):
    """Exactly the documented keys; numbers are finite."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


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


class PositionLeg(WireModel):
    status: PositionStatus
    type: OptionType
    action: Instruction
    instrument: str = Field(examples=["SPX260313P05600000"])
    expiration_date: dt.date
    days_to_expiration: Int
    days_to_expiration_at_exit: Int | None
    strike_price: float
    quantity: Int
    quantity_open: Int
    entered_at: Moment
    exited_at: Moment | None
    entry_bid: float
    entry_ask: float
    entry_price: float
    exit_bid: float | None
    exit_ask: float | None
    exit_price: float | None
    current_bid: float | None
    current_mid: float | None
    current_ask: float | None
    current_profit: float | None
    current_delta: float | None
    profit_dollars: float | None
    delta_at_entry: float
    delta_at_exit: float | None
    iv_at_entry: float
    iv_at_exit: float | None
    held_to_expiration: bool | None
    assigned: bool | None
    exercised: bool | None


class PositionResponse(WireModel):
    number: Number
    status: PositionStatus
    bot: BasicBot
    broker_connection: BaseBrokerConnection
    is_paper: bool
    tags: str
    symbol: str
    type: str
    entered_at: Moment
    exited_at: Moment | None
    entry_bid: float
    entry_ask: float
    entry_price: float
    exit_bid: float | None
    exit_ask: float | None
    exit_price: float | None
    broker_fee: float | None
    current_bid: float | None
    current_mid: float | None
    current_ask: float | None
    current_profit: float | None
    current_delta: float | None
    entry_value: float
    exit_value: float | None
    max_risk: float
    profit_dollars: float | None
    starting_balance: float
    ending_balance: float | None
    underlying_at_entry: float
    underlying_at_exit: float | None
    vix_at_entry: float
    vix_at_exit: float | None
    legs: list[PositionLeg]


class BasicReportDetail(WireModel):
    total_trades: Int | None
    winning_trades: Int | None
    losing_trades: Int | None
    win_percent: float | None


class BotReportDetail(BasicBot, BasicReportDetail):
    average_entry_price: float
    average_exit_price: float
    average_profit_price: float
    average_gain: float
    average_win: float
    average_loss: float
    premium_collected: float
    premium_retained: float
    premium_retained_percent: float
    total_profit: float


class ResultByDay(WireModel):
    date: dt.date
    current_drawdown_dollars: float
    current_drawdown_percent: float
    day_return_percent: float
    profit: float
    total_return_percent: float
    underlying_current_drawdown_days: Int
    underlying_current_drawdown_percent: float
    underlying_day_return_percent: float
    underlying_total_return_percent: float


class ResultByTimeframe(BasicReportDetail):
    date: dt.date = Field(description="The first trading day of the period.")
    starting_net_liquidation_value: float
    ending_net_liquidation_value: float
    broker_fees: float
    total_return_dollars: float
    total_return_percent: float
    max_drawdown_dollars: float
    max_drawdown_percent: float
    underlying_max_drawdown_percent: float
    underlying_total_return_percent: float


class ResultByYear(ResultByTimeframe):
    months: dict[Month, ResultByTimeframe]


class Results(BasicReportDetail):
    """A report's figures; a listing leaves out the daily `days`."""

    starting_net_liquidation_value: float
    ending_net_liquidation_value: float
    average_gain: float | None
    average_win: float | None
    average_loss: float | None
    broker_fees: float | None
    premium_collected: float | None
    premium_retained: float | None
    premium_retained_percent: float | None
    total_return_dollars: float
    total_return_percent: float
    max_drawdown_dollars: float
    max_drawdown_percent: float
    max_drawdown_days: Int
    cagr: float
    sharpe: float
    sortino: float
    mar: float
    annualized_volatility: float
    correlation: float
    beta: float
    underlying_total_return_percent: float
    underlying_max_drawdown_percent: float
    underlying_max_drawdown_days: Int
    underlying_cagr: float
    underlying_sharpe: float
    underlying_sortino: float
    underlying_mar: float
    underlying_annualized_volatility: float
    bots: list[BotReportDetail] | SkipJsonSchema[None] = None
    years: dict[int, ResultByYear] | SkipJsonSchema[None] = None
    days: list[ResultByDay] | SkipJsonSchema[None] = None


class ReportResponse(WireModel):
    number: Number
    name: str
    status: Literal["Complete", "Running", "Draft"]
    completed_at: Moment | None
    start_date: dt.date
    end_date: dt.date
    run_until_latest_date: bool
    is_public: bool
    symbol: str
    nlv_source: Literal[
        "Actual NLV", "Percent of NLV", "Fixed Balance", "Specific Starting Balance"
    ]
    nlv_amount: float | None
    bot_statuses: list[Literal["Enabled", "Disabled"]]
    brokers: list[BaseBrokerConnection] | None
    bots: list[BasicBot | None]
    bot_tags: list[str | None]
    bot_position_tags: list[str | None]
    results: Results


class Leg(WireModel):
    number: Int
    type: OptionType
    instrument: str = Field(examples=["SPX260313P05600000"])
    expiration_date: Moment
    strike_price: float
    instruction: Instruction
    quantity: Int
    bid: float
    mid: float
    ask: float


class Submission(WireModel):
    quantity: Int | None
    price: float
    bid: float | None
    mid: float | None
    ask: float | None
    submitted_at: Moment


class Fill(WireModel):
    leg_number: Int
    quantity: Int
    price: float
    filled_at: Moment
    bid: float
    mid: float
    ask: float


class OrderResponse(WireModel):
    number: Number
    broker_order_number: str
    status: OrderStatus
    type: Literal["OPENING", "CLOSING"]
    duration: Literal["GTC", "DAY"]
    bot: BasicBot
    is_paper: bool
    symbol: str
    original_quantity: Int
    current_quantity: Int
    filled_quantity: Int
    order_price: float
    fill_price: float | None
    broker_fee: float | None
    submitted_at: Moment
    filled_at: Moment | None
    canceled_at: Moment | None
    legs: list[Leg]
    submissions: list[Submission | None]
    fills: list[Fill | None]
