"""Query parameters the `/v1` routes share, parsed the way existing clients send them."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field

from keystead.errors import InvalidInput
from keystead.services.paging import Listing

_TRUE = frozenset({"true", "1", "yes"})
_FALSE = frozenset({"false", "0", "no", ""})

IncludeDetails = Annotated[
    str | None,
    Query(
        description="Include entry and exit conditions, adjustments, notifications and "
        "variables: `true`, `True` or `1`."
    ),
]
FromDate = Annotated[date | None, Query(description="YYYY-MM-DD, inclusive.")]
ToDate = Annotated[date | None, Query(description="YYYY-MM-DD, inclusive.")]


class ListingQuery(BaseModel):
    """The filters of the position and order listings, as query parameters."""

    model_config = ConfigDict(extra="forbid")

    bot: str | None = Field(default=None, max_length=32, description="A bot's number.")
    status: str | None = Field(
        default=None, max_length=32, description="OPEN/CLOSED, or an order status."
    )
    from_date: date | None = Field(default=None, description="YYYY-MM-DD, inclusive.")
    to_date: date | None = Field(default=None, description="YYYY-MM-DD, inclusive.")
    page: int = Field(default=1, ge=1, description="Page number; 100 items a page.")

    def listing(self, bot_number: str | None = None) -> Listing:
        return Listing(
            bot_number=bot_number or self.bot,
            status=self.status,
            from_date=self.from_date,
            to_date=self.to_date,
            page=self.page,
        )


Filters = Annotated[ListingQuery, Query()]


def flag(value: str | None, name: str) -> bool:
    if value is None:
        return False
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise InvalidInput(name, "must be true or false (true, True or 1)")
