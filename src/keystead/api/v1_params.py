"""Query parameters the `/v1` routes share, parsed the way existing clients send them."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Query

from keystead.errors import InvalidInput

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
Page = Annotated[int, Query(ge=1, description="Page number; 100 items a page.")]


def flag(value: str | None, name: str) -> bool:
    if value is None:
        return False
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise InvalidInput(name, "must be true or false (true, True or 1)")
