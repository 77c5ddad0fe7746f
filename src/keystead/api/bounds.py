"""The ranges request values are taken in, so no store, clock or loop overflows.

Anything wider than these is a 422 naming the field: a page past the millionth, an
entry id past what an INTEGER key holds, a date outside 1970-2099.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import AfterValidator, Field

LARGEST_ROW_ID = 2**31 - 1
"""An INTEGER primary key on PostgreSQL."""
MAX_PAGE = 1_000_000
FIRST_DAY = date(1970, 1, 1)
LAST_DAY = date(2099, 12, 31)


def within(first: date, why: str) -> AfterValidator:
    """Dates from `first` to the last listed day; `why` says what the range is."""

    def check(day: date) -> date:
        if not first <= day <= LAST_DAY:
            raise ValueError(f"must be from {first} to {LAST_DAY} ({why})")
        return day

    return AfterValidator(check)


LISTED_DAYS = within(FIRST_DAY, "the days keystead lists by")
Day = Annotated[date, LISTED_DAYS]
"""A date a listing is filtered by."""
Page = Annotated[int, Field(ge=1, le=MAX_PAGE, description="Page number; 100 items a page.")]
