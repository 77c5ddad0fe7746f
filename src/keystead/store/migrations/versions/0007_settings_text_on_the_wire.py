"""Bots' `days_of_week` and adjustments' `time_of_day` stored as the text clients read.

Earlier versions stored `{"days_of_week": "All"}` and `{"start_time": "15:30:00",
"end_time": "15:55:00"}`; clients parse `"All"` and `"15:30 to 15:55"`. Stored values
are rewritten in the canonical text; a value the current rules refuse (a day name
nobody checked before) keeps its text as it was, and a modify of the bot then asks for a
valid one. The downgrade writes the objects back.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 23:00:00
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

bots = sa.table(
    "bots",
    sa.column("id", sa.Integer),
    sa.column("entry_condition", sa.JSON),
    sa.column("adjustments", sa.JSON),
)

Convert = Callable[[Any], Any]

# The text rules as this revision applied them, frozen here: a migration must give the
# same result whenever it runs, whatever the wire rules of later versions become.
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
ALL_DAYS = "All"
_DAY_NAMES = {day.lower(): day for day in (ALL_DAYS, *WEEKDAYS)}
_CLOCK = re.compile(r"(?P<hour>[0-9]{1,2}):(?P<minute>[0-9]{2})(?::(?P<second>[0-9]{2}))?")
_RANGE = re.compile(r"\s+to\s+", re.IGNORECASE)


def days_of_week_text(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"days_of_week"}:
        value = value["days_of_week"]
    if not isinstance(value, str):
        return value
    days = set()
    for part in value.split(","):
        day = _DAY_NAMES.get(part.strip().lower())
        if day is None:
            raise ValueError(part)
        days.add(day)
    if ALL_DAYS in days:
        if len(days) > 1:
            raise ValueError(value)
        return ALL_DAYS
    return ", ".join(day for day in WEEKDAYS if day in days)


def _clock_time(text: Any) -> dt.time:
    match = _CLOCK.fullmatch(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise ValueError(text)
    hour, minute = int(match["hour"]), int(match["minute"])
    if hour > 23 or minute > 59 or int(match["second"] or 0):
        raise ValueError(text)
    return dt.time(hour, minute)


def time_of_day_text(value: Any) -> Any:
    if (
        isinstance(value, dict)
        and "start_time" in value
        and set(value) <= {"start_time", "end_time"}
    ):
        parts = [value["start_time"]]
        if value.get("end_time") is not None:
            parts.append(value["end_time"])
    elif isinstance(value, str):
        parts = _RANGE.split(value.strip())
    else:
        return value
    if len(parts) > 2:
        raise ValueError(value)
    times = [_clock_time(part) for part in parts]
    if len(times) == 2 and times[1] <= times[0]:
        raise ValueError(value)
    return " to ".join(f"{moment:%H:%M}" for moment in times)


def _as_text(value: Any, canonical: Convert, inner: Convert) -> Any:
    try:
        return canonical(value)
    except ValueError:
        return inner(value)


def _days_text(value: Any) -> Any:
    def inner(old: Any) -> Any:
        return old.get("days_of_week", old) if isinstance(old, dict) else old

    return _as_text(value, days_of_week_text, inner)


def _time_text(value: Any) -> Any:
    def inner(old: Any) -> Any:
        if not isinstance(old, dict):
            return old
        parts = [str(old.get("start_time", ""))[:5], str(old.get("end_time") or "")[:5]]
        return " to ".join(part for part in parts if part)

    return _as_text(value, time_of_day_text, inner)


def _days_object(value: Any) -> Any:
    return {"days_of_week": value} if isinstance(value, str) else value


def _time_object(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    start, _, end = value.partition(" to ")
    return {"start_time": f"{start}:00", "end_time": f"{end}:00" if end else None}


def _rewrite(days: Convert, time_of_day: Convert) -> None:
    connection = op.get_bind()
    rows = connection.execute(sa.select(bots.c.id, bots.c.entry_condition, bots.c.adjustments))
    for bot_id, entry, adjustments in rows.all():
        new_entry = dict(entry)
        if new_entry.get("days_of_week") is not None:
            new_entry["days_of_week"] = days(new_entry["days_of_week"])
        new_adjustments = [
            {
                **item,
                "days_of_week": days(item.get("days_of_week")),
                "time_of_day": time_of_day(item.get("time_of_day")),
            }
            for item in adjustments
        ]
        if (new_entry, new_adjustments) != (entry, adjustments):
            connection.execute(
                bots.update()
                .where(bots.c.id == bot_id)
                .values(entry_condition=new_entry, adjustments=new_adjustments)
            )


def upgrade() -> None:
    _rewrite(_days_text, _time_text)


def downgrade() -> None:
    _rewrite(_days_object, _time_object)
