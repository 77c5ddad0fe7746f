"""Values at the edges of their types, mixed into generated requests.

schemathesis draws values that fit the schema's types, and rarely the ones that break
a store or a number type: the largest integers, non-finite numbers, far dates, NUL and
other control characters, look-alike and mixed-script text. About half the cases get
one such value in place of one generated value (a query parameter, a path parameter,
or any field of a JSON body, however deep). The rest of the case stays valid, so the
value reaches as far into the handler as it can.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st
from schemathesis import HookContext
from schemathesis.schemas import BaseSchema
from schemathesis.transport import SerializationContext
from schemathesis.transport.asgi import ASGI_TRANSPORT
from schemathesis.transport.serialization import Binary, serialize_json

EDGE_VALUES: list[Any] = [
    2**63 - 1,
    2**63,
    -(2**63) - 1,
    10**20,
    2**31,
    -1,
    0,
    1e308,
    -1e308,
    5e-324,
    float("nan"),
    float("inf"),
    float("-inf"),
    "9223372036854775808",
    "1e400",
    "NaN",
    "9999-12-31",
    "0001-01-01",
    "1969-12-31T23:59:59Z",
    "9999-12-31T23:59:59+14:00",
    "\x00",
    "a\x00b",
    "\x01\x08\x0b\x1b\x7f",
    "\u202eevil",
    "\ufeff",
    "ｄｅｍｏ@ｋｅｙｓｔｅａｄ.ｄｅｖ",
    "аdmin",
    "𝕜𝕖𝕪",
    "",
    " ",
]

Path = tuple[str | int, ...]


def _leaves(value: Any, path: Path = ()) -> list[Path]:
    """Every place in `value` a scalar sits (dict values and list items, at any depth)."""
    if isinstance(value, dict):
        return [leaf for key, item in value.items() for leaf in _leaves(item, (*path, key))]
    if isinstance(value, list):
        return [leaf for index, item in enumerate(value) for leaf in _leaves(item, (*path, index))]
    return [path] if path else []


def _replaced(value: Any, path: Path, new: Any) -> Any:
    if not path:
        return new
    head, *rest = path
    if isinstance(value, dict):
        return {**value, head: _replaced(value[head], tuple(rest), new)}
    copy = list(value)
    assert isinstance(head, int)
    copy[head] = _replaced(copy[head], tuple(rest), new)
    return copy


class _Edit:
    """Puts the edge value `pick` names at the place it names, or leaves the value as it
    is. A class with a short repr: Hypothesis prints strategies, and the generated value
    they would otherwise hold can be hundreds of kilobytes."""

    def __init__(self, generated: Any, places: list[Path]) -> None:
        self.generated = generated
        self.places = places

    def __call__(self, pick: tuple[bool, int, Any]) -> Any:
        edged, place, value = pick
        if not edged:
            return self.generated
        return _replaced(self.generated, self.places[place], value)

    def __repr__(self) -> str:
        return f"an edge value at one of {len(self.places)} places"


def with_an_edge(generated: Any, values: list[Any]) -> st.SearchStrategy[Any]:
    places = _leaves(generated)
    picks = st.tuples(
        st.booleans(),
        st.integers(0, max(0, len(places) - 1)),
        st.sampled_from(values),
    )
    if not places:
        picks = picks.filter(lambda pick: not pick[0])
    return picks.map(_Edit(generated, places))


# An empty path segment is another path (`/tokens//extend` is `/tokens/extend`), not
# an edge value of the parameter.
PATH_VALUES = [value for value in EDGE_VALUES if value != ""]


def edge_path_parameters(_context: HookContext, generated: Any) -> st.SearchStrategy[Any]:
    return with_an_edge(generated, PATH_VALUES)


def edge_values(_context: HookContext, generated: Any) -> st.SearchStrategy[Any]:
    return with_an_edge(generated, EDGE_VALUES)


def _json_with_non_finite_numbers(context: SerializationContext, value: Any) -> dict[str, Any]:
    """JSON bodies as text, `NaN` and `Infinity` included: the client's own encoder refuses
    them (they are not JSON), so they would never reach the server otherwise. The body
    is sent as raw bytes; the media type stays the operation's."""
    if isinstance(value, Binary | bytes) or value is None:
        return serialize_json(value)
    return {"data": json.dumps(value, allow_nan=True).encode()}


def register(schema: BaseSchema) -> None:
    schema.hooks.register_hook_with_name(edge_path_parameters, "flatmap_path_parameters")
    schema.hooks.register_hook_with_name(edge_values, "flatmap_query")
    schema.hooks.register_hook_with_name(edge_values, "flatmap_body")
    ASGI_TRANSPORT.serializer("application/json")(_json_with_non_finite_numbers)
