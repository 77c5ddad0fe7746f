"""What the position and order listings share: filters by bot, status and date,
100 a page, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar

from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute

from keystead.errors import InvalidInput

PAGE_SIZE = 100

Statement = TypeVar("Statement", bound=Select[*tuple[Any, ...]])


@dataclass(frozen=True, slots=True)
class Listing:
    """A listing request as clients send it; the date range is inclusive."""

    bot_number: str | None = None
    status: str | None = None
    from_date: date | None = None
    to_date: date | None = None
    page: int = 1


@dataclass(frozen=True, slots=True)
class Columns:
    """Where a listed table keeps its bot, status, time and tie-breaking id."""

    bot: InstrumentedAttribute[int]
    status: InstrumentedAttribute[str]
    time: InstrumentedAttribute[datetime]
    id: InstrumentedAttribute[int]


def page_of(
    statement: Statement,
    columns: Columns,
    listing: Listing,
    *,
    bot_id: int | None,
    status: str | None,
) -> Statement:
    """Narrow `statement` to one page of the listing, newest first."""
    if listing.from_date and listing.to_date and listing.from_date > listing.to_date:
        raise InvalidInput("from_date", "must not be after to_date")
    if listing.page < 1:
        raise InvalidInput("page", "must be 1 or more")
    if bot_id is not None:
        statement = statement.where(columns.bot == bot_id)
    if status is not None:
        statement = statement.where(columns.status == status)
    if listing.from_date:
        statement = statement.where(
            columns.time >= datetime.combine(listing.from_date, time.min, UTC)
        )
    if listing.to_date:
        end = datetime.combine(listing.to_date + timedelta(days=1), time.min, UTC)
        statement = statement.where(columns.time < end)
    return (
        statement.order_by(columns.time.desc(), columns.id.desc())
        .offset((listing.page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    )


def status_filter(
    status: str | None, allowed: tuple[str, ...], aliases: dict[str, str]
) -> str | None:
    """The status as stored, from what a client sent (any case; known aliases)."""
    if status is None or not status.strip():
        return None
    upper = status.strip().upper()
    upper = aliases.get(upper, upper)
    if upper not in allowed:
        raise InvalidInput("status", f"must be one of {', '.join(allowed)}")
    return upper
