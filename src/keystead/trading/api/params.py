"""Query parameters the `/v1` routes share, parsed the way existing clients send them."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field

from keystead.api.bounds import Day, Page, within
from keystead.errors import InvalidInput
from keystead.trading.services import market
from keystead.trading.services.bots import STATUSES
from keystead.trading.services.paging import Listing

_TRUE = frozenset({"true", "1", "yes"})
_FALSE = frozenset({"false", "0", "no", ""})

IncludeDetails = Annotated[
    str | None,
    Query(
        description="Include entry and exit conditions, adjustments, notifications and "
        "variables: `true`, `True` or `1`."
    ),
]
_STATUS_HELP = (
    "Bot statuses to list: Enabled, Disabled, Disable on Close. Repeat the parameter, "
    "separate them with commas, or both; `statuses` and `statuses[]` are the same filter."
)
Statuses = Annotated[list[str] | None, Query(description=_STATUS_HELP)]
StatusesBracketed = Annotated[list[str] | None, Query(alias="statuses[]", description=_STATUS_HELP)]
_STATUS_NAMES = {status.lower(): status for status in STATUSES}

MARKET_DAYS = within(market.BASE_DAY, "the days keystead has market data for")
MarketDay = Annotated[date, MARKET_DAYS]
"""A date figures are computed for: performance history and reports."""


def bot_statuses(sent: dict[str, list[str] | None]) -> list[str] | None:
    """The statuses to filter bots by, from every spelling clients send (`statuses`,
    `statuses[]`, repeated or comma-separated, any case); None means no filter."""
    wanted: list[str] = []
    for parameter, values in sent.items():
        for value in values or ():
            for part in value.split(","):
                if not part.strip():
                    continue
                status = _STATUS_NAMES.get(part.strip().lower())
                if status is None:
                    raise InvalidInput(
                        parameter, f"unknown status {part.strip()!r}; use {', '.join(STATUSES)}"
                    )
                if status not in wanted:
                    wanted.append(status)
    return wanted or None


FromDate = Annotated[MarketDay | None, Query(description="YYYY-MM-DD, inclusive.")]
ToDate = Annotated[MarketDay | None, Query(description="YYYY-MM-DD, inclusive.")]


class ListingQuery(BaseModel):
    """The filters of the position and order listings, as query parameters (frozen: one
    parsed query string may answer many requests, access/dispatch.py)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    bot: str | None = Field(default=None, max_length=32, description="A bot's number.")
    status: str | None = Field(
        default=None, max_length=32, description="OPEN/CLOSED, or an order status."
    )
    from_date: Day | None = Field(default=None, description="YYYY-MM-DD, inclusive.")
    to_date: Day | None = Field(default=None, description="YYYY-MM-DD, inclusive.")
    page: Page = 1

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
