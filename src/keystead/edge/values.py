"""Values no store or number type can hold, found before anything parses the request.

- Text with a NUL character: PostgreSQL cannot store one and SQLite would keep it, so
  the same request must be refused alike on both.
- Text that is not Unicode (a lone surrogate, `"\\ud800"` in JSON): no store can encode it.
- JSON numbers that are not finite (`NaN`, `Infinity`, `1e400`), or integers beyond
  64 bits: no column, no JSON encoder and no arithmetic here takes them.

Each is a 422 naming the field (`entry_condition.days_of_week`, a query parameter,
`path`), in the envelope. Narrower bounds (a page number, a date) are the models' own.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl

LARGEST_INTEGER = 2**63 - 1
SMALLEST_INTEGER = -(2**63)
NUL = "\x00"

Problem = tuple[str, str]
"""(field, what to fix)"""


class _Refused:
    """A JSON number no field may hold, kept in place so its field can be named."""

    def __init__(self, reason: str) -> None:
        self.reason = reason


def _constant(text: str) -> _Refused:
    return _Refused(f"must be a finite number, not {text}")


def _float(text: str) -> float | _Refused:
    value = float(text)
    return value if math.isfinite(value) else _Refused("must be a finite number")


def _integer(text: str) -> int | _Refused:
    value = int(text)
    if SMALLEST_INTEGER <= value <= LARGEST_INTEGER:
        return value
    return _Refused(f"must be an integer from {SMALLEST_INTEGER} to {LARGEST_INTEGER}")


def text_problem(text: str) -> str | None:
    """What is wrong with a piece of text, if anything."""
    if NUL in text:
        return "must not contain the NUL character (\\u0000)"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "is not valid Unicode text (it holds a lone surrogate)"
    return None


def _child(place: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{place}[{key}]"
    return f"{place}.{key}" if place else key


def _walk(value: Any, place: str) -> Problem | None:
    if isinstance(value, _Refused):
        return place or "body", value.reason
    if isinstance(value, str):
        reason = text_problem(value)
        return (place or "body", reason) if reason else None
    items: Iterable[tuple[str | int, Any]]
    if isinstance(value, dict):
        for key in value:
            reason = text_problem(key)
            if reason:
                return _child(place, key.replace(NUL, "\\u0000")), f"(a key) {reason}"
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        found = _walk(item, _child(place, key))
        if found:
            return found
    return None


def json_problem(body: bytes) -> Problem | None:
    """The first value of a JSON body that no field may hold; None for anything else
    (a body that is not JSON is left for the route to refuse)."""
    try:
        value = json.loads(body, parse_constant=_constant, parse_float=_float, parse_int=_integer)
    except (ValueError, RecursionError):
        return None
    return _walk(value, "")


def pairs_problem(encoded: bytes, whole: str) -> Problem | None:
    """The first bad name or value of `a=1&b=2` text (a query string, a form body).

    Percent-decoding replaces what is not UTF-8, so only a NUL (`%00`, or a raw byte in
    a form body) can be wrong here; text without one is passed without being parsed
    (every request has a query string to look at)."""
    if b"%00" not in encoded and b"\x00" not in encoded:
        return None
    for name, value in parse_qsl(encoded.decode("latin-1"), keep_blank_values=True):
        for text in (name, value):
            reason = text_problem(text)
            if reason:
                return (name.replace(NUL, "\\u0000") or whole), reason
    return None


def path_problem(path: str) -> Problem | None:
    reason = text_problem(path)
    return ("path", reason) if reason else None
