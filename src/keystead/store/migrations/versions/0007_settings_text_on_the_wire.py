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

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from alembic import op

from keystead.whispertrades import days_of_week_text, time_of_day_text

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
