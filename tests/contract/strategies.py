"""Hypothesis strategies for any `keystead.trading.wire` model, read from its fields.

Values are JSON-ready (what a file or a client sends): times as ISO 8601 text with a
zone, dates as `YYYY-MM-DD`, numbers finite. Each field's type decides its values, so
a field added to a model is generated without touching this file.
"""

from __future__ import annotations

import types
from collections.abc import Collection
from datetime import UTC, date, datetime, time
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from hypothesis import strategies as st
from pydantic import AwareDatetime, BaseModel
from pydantic.fields import FieldInfo
from pydantic.json_schema import SkipJsonSchema

from keystead.trading.wire import NUMBER_PATTERN, WEEKDAYS, days_of_week_text, time_of_day_text

# Wide enough to cover far dates, inside what both stores keep.
FIRST_DAY = date(1970, 1, 1)
LAST_DAY = date(2099, 12, 31)
LARGEST_INT = 2**31 - 1  # for integers whose type names no range (a year, as a key)

texts = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=0, max_size=24)
numbers = st.from_regex(NUMBER_PATTERN, fullmatch=True)
floats = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12)
moments = st.datetimes(
    min_value=datetime(1970, 1, 1),
    max_value=datetime(2099, 12, 31),
    timezones=st.just(UTC),
).map(lambda moment: moment.replace(microsecond=0).isoformat().replace("+00:00", "Z"))
dates = st.dates(min_value=FIRST_DAY, max_value=LAST_DAY).map(date.isoformat)
clock_times = st.times().map(lambda moment: moment.replace(microsecond=0).isoformat())
days_of_week = st.one_of(
    st.just("All"),
    st.sets(st.sampled_from(WEEKDAYS), min_size=1).map(
        lambda days: ", ".join(day for day in WEEKDAYS if day in days)
    ),
)
minutes = st.integers(0, 24 * 60 - 1)


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


times_of_day = st.one_of(
    minutes.map(_clock),
    st.sets(minutes, min_size=2, max_size=2).map(
        lambda pair: " to ".join(_clock(minute) for minute in sorted(pair))
    ),
)


def _skipped(annotation: Any) -> bool:
    if get_origin(annotation) is not Annotated:
        return False
    # `SkipJsonSchema[X]` is `Annotated[X, SkipJsonSchema()]` at run time; pydantic shows type
    # checkers only that `Annotated` alias, never the marker class tested for here.
    markers = get_args(annotation)[1:]
    return any(isinstance(item, SkipJsonSchema) for item in markers)  # type: ignore[misc]


def _special(metadata: list[Any]) -> st.SearchStrategy[Any] | None:
    """The text types whose values follow a rule the type alone does not say."""
    for item in metadata:
        function = getattr(item, "func", None)
        if function is days_of_week_text:
            return days_of_week
        if function is time_of_day_text:
            return times_of_day
        if getattr(item, "pattern", None) == NUMBER_PATTERN:
            return numbers
        for constraint in getattr(item, "metadata", ()):
            if getattr(constraint, "pattern", None) == NUMBER_PATTERN:
                return numbers
    return None


def for_type(annotation: Any, metadata: list[Any] | None = None) -> st.SearchStrategy[Any]:
    special = _special(metadata or [])
    if special is not None:
        return special
    origin = get_origin(annotation)
    if origin is Annotated:
        inner, *more = get_args(annotation)
        return for_type(inner, list(more))
    if origin in (Union, types.UnionType):
        # A None hidden from the schema is a default, never sent: leave the key out instead.
        shown = [argument for argument in get_args(annotation) if not _skipped(argument)]
        return st.one_of(*(for_type(argument) for argument in shown))
    if origin is Literal:
        return st.sampled_from(get_args(annotation))
    if origin is list:
        return st.lists(for_type(get_args(annotation)[0]), max_size=3)
    if origin is dict:
        key, value = get_args(annotation)
        keys = for_type(key).map(str)
        return st.dictionaries(keys, for_type(value), max_size=3)
    return _scalar(annotation, metadata or [])


def _bound(metadata: list[Any], name: str, default: int) -> int:
    """A `ge` or `le` the type declares (directly or inside a `Field`), else `default`."""
    constraints = [*metadata, *(c for item in metadata for c in getattr(item, "metadata", ()))]
    return next((getattr(c, name) for c in constraints if hasattr(c, name)), default)


def _scalar(annotation: Any, metadata: list[Any]) -> st.SearchStrategy[Any]:
    if annotation is type(None):
        return st.none()
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return for_model(annotation)
    if annotation is AwareDatetime or annotation is datetime:
        return moments
    if annotation is bool:
        return st.booleans()
    if annotation is int:
        return st.integers(
            _bound(metadata, "ge", -LARGEST_INT), _bound(metadata, "le", LARGEST_INT)
        )
    if annotation is float:
        return floats
    if annotation is str:
        return texts
    if annotation is date:
        return dates
    if annotation is time:
        return clock_times
    raise TypeError(f"no strategy for {annotation!r}")


def for_field(info: FieldInfo) -> st.SearchStrategy[Any]:
    return for_type(info.annotation, list(info.metadata))


def for_model(
    model: type[BaseModel],
    always: Collection[str] = (),
    **overrides: st.SearchStrategy[Any],
) -> st.SearchStrategy[dict[str, Any]]:
    """Every field of `model`: the required ones (and those named in `always`) every
    time, the others sometimes."""
    fields = model.model_fields
    present = {name for name, info in fields.items() if info.is_required()} | set(always)
    chosen = {name: overrides.get(name, for_field(info)) for name, info in fields.items()}
    return st.fixed_dictionaries(
        {name: chosen[name] for name in fields if name in present},
        optional={name: chosen[name] for name in fields if name not in present},
    )
