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

The models live in `types`, `bots`, `positions` and `reports`; every name is
exported here.
"""

from keystead.trading.wire.bots import (
    Adjustment,
    BaseBrokerConnection,
    BaseVariable,
    BasicBot,
    BotResponse,
    BotVariable,
    BrokerConnectionResponse,
    Condition,
    EntryCondition,
    ExitCondition,
    Notification,
    VariableResponse,
)
from keystead.trading.wire.positions import (
    Fill,
    Leg,
    OrderResponse,
    PositionLeg,
    PositionResponse,
    Submission,
)
from keystead.trading.wire.reports import (
    BasicReportDetail,
    BotReportDetail,
    ReportResponse,
    ResultByDay,
    ResultByTimeframe,
    ResultByYear,
    Results,
)
from keystead.trading.wire.types import (
    ALL_DAYS,
    NUMBER_PATTERN,
    WEEKDAYS,
    BotStatus,
    ClockTime,
    Comparison,
    DaysOfWeek,
    Instruction,
    Int,
    Moment,
    Money,
    Month,
    Number,
    OptionType,
    OrderStatus,
    Percent,
    PositionStatus,
    PutStrikeType,
    Speed,
    StrikeType,
    TimeOfDay,
    VariableSource,
    WidthBy,
    WireModel,
    days_of_week_text,
    time_of_day_text,
)

__all__ = [
    "ALL_DAYS",
    "NUMBER_PATTERN",
    "WEEKDAYS",
    "Adjustment",
    "BaseBrokerConnection",
    "BaseVariable",
    "BasicBot",
    "BasicReportDetail",
    "BotReportDetail",
    "BotResponse",
    "BotStatus",
    "BotVariable",
    "BrokerConnectionResponse",
    "ClockTime",
    "Comparison",
    "Condition",
    "DaysOfWeek",
    "EntryCondition",
    "ExitCondition",
    "Fill",
    "Instruction",
    "Int",
    "Leg",
    "Moment",
    "Money",
    "Month",
    "Notification",
    "Number",
    "OptionType",
    "OrderResponse",
    "OrderStatus",
    "Percent",
    "PositionLeg",
    "PositionResponse",
    "PositionStatus",
    "PutStrikeType",
    "ReportResponse",
    "ResultByDay",
    "ResultByTimeframe",
    "ResultByYear",
    "Results",
    "Speed",
    "StrikeType",
    "Submission",
    "TimeOfDay",
    "VariableResponse",
    "VariableSource",
    "WidthBy",
    "WireModel",
    "days_of_week_text",
    "time_of_day_text",
]
