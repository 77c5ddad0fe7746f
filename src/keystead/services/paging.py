"""Filters and pages shared by the position and order listings: 100 a page, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from keystead.errors import InvalidInput

PAGE_SIZE = 100


@dataclass(frozen=True, slots=True)
class Window:
    """An inclusive date range in UTC; either end may be open."""

    start: datetime | None
    end: datetime | None


def window(from_date: date | None, to_date: date | None) -> Window:
    if from_date and to_date and from_date > to_date:
        raise InvalidInput("from_date", "must not be after to_date")
    start = datetime.combine(from_date, time.min, UTC) if from_date else None
    end = datetime.combine(to_date + timedelta(days=1), time.min, UTC) if to_date else None
    return Window(start, end)


def offset(page: int) -> int:
    if page < 1:
        raise InvalidInput("page", "must be 1 or more")
    return (page - 1) * PAGE_SIZE
