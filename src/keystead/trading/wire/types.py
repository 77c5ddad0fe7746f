"""Values the Whispertrades objects share: numbers, moments, days and times of day
(with the text rules clients rely on), and the literal sets of statuses and kinds."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic.json_schema import WithJsonSchema

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
