"""What the position and order listings share: filters by bot, status and date,
100 a page, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar

from sqlalchemy import JSON, Select, bindparam, func, select
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


@dataclass(frozen=True, slots=True)
class PageShape:
    """Which filters a page query has: one statement, compiled once, per shape."""

    bot: bool
    status: bool
    since: bool
    until: bool


def page_shape(listing: Listing, *, bot_id: int | None, status: str | None) -> PageShape:
    return PageShape(
        bot_id is not None, status is not None, bool(listing.from_date), bool(listing.to_date)
    )


def page_query(statement: Statement, columns: Columns, shape: PageShape) -> Statement:
    """`statement` narrowed to a page, every value a bound parameter: `bot_id`,
    `status`, `since`, `until` (as the shape has them), `offset` and `limit`."""
    if shape.bot:
        statement = statement.where(columns.bot == bindparam("bot_id"))
    if shape.status:
        statement = statement.where(columns.status == bindparam("status"))
    if shape.since:
        statement = statement.where(columns.time >= bindparam("since"))
    if shape.until:
        statement = statement.where(columns.time < bindparam("until"))
    return (
        statement.order_by(columns.time.desc(), columns.id.desc())
        .offset(bindparam("offset"))
        .limit(bindparam("limit"))
    )


def page_lists(
    statement: Select[*tuple[Any, ...]], columns: Columns, shape: PageShape, dialect: str
) -> Select[*tuple[Any, ...]]:
    """One row holding the page of `statement` (with `page_query`'s bound values): each
    column it selects as one list, in the page's order, under the column's name (none
    on PostgreSQL when the page is empty). A driver hands over a row at a time, and a
    page of 100 rows costs a hundred steps (on SQLite, and a hand-over of the
    interpreter's lock for every row and every column); one row of lists costs one."""
    listed = [str(column.key) for column in statement.selected_columns]
    ordered = statement.add_columns(columns.time) if dialect == "postgresql" else statement
    page = page_query(ordered, columns, shape).subquery()
    if dialect == "postgresql":
        order = (page.c[columns.time.key].desc(), page.c[columns.id.key].desc())
        return select(
            *(func.array_agg(page.c[key]).aggregate_order_by(*order).label(key) for key in listed)
        )
    # SQLite before 3.44 has no ORDER BY inside an aggregate. A subquery with a LIMIT is
    # never merged into an aggregate around it: it runs as a co-routine handing the
    # aggregate its rows in its own order (the listing tests hold the order to it).
    return select(*(func.json_group_array(page.c[key], type_=JSON).label(key) for key in listed))


def page_values(listing: Listing, *, bot_id: int | None, status: str | None) -> dict[str, Any]:
    """The bound values of `page_query` for this listing; 422 for a listing no page has."""
    _check(listing)
    values: dict[str, Any] = {"offset": (listing.page - 1) * PAGE_SIZE, "limit": PAGE_SIZE}
    if bot_id is not None:
        values["bot_id"] = bot_id
    if status is not None:
        values["status"] = status
    if listing.from_date:
        values["since"] = datetime.combine(listing.from_date, time.min, UTC)
    if listing.to_date:
        values["until"] = datetime.combine(listing.to_date + timedelta(days=1), time.min, UTC)
    return values


def _check(listing: Listing) -> None:
    if listing.from_date and listing.to_date and listing.from_date > listing.to_date:
        raise InvalidInput("from_date", "must not be after to_date")
    if listing.page < 1:
        raise InvalidInput("page", "must be 1 or more")


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
