"""A bot's settings as clients send them and as they are stored: the Whispertrades
entry and exit conditions and adjustments (`keystead.trading.wire`), with the
variables they test kept as references (number and comparison) and shown, when
read, with the variable's current value.
"""

from __future__ import annotations

from typing import Any, TypeVar

import orjson
from pydantic import BaseModel, ConfigDict, ValidationError

from keystead.errors import InvalidInput
from keystead.trading.wire import Adjustment, Comparison, EntryCondition, ExitCondition

Model = TypeVar("Model", bound=BaseModel)


class VariableReference(BaseModel):
    """A variable a condition tests: which one, and how it is compared. The other
    fields the API shows with it (name, value, …) are the variable's own and ignored,
    so settings read from the API can be sent back unchanged."""

    model_config = ConfigDict(extra="ignore")

    number: str
    condition: Comparison | None = None


# The overrides narrow what a condition holds from the variables shown to the
# references stored; the rest of each shape is the wire model's.
class EntryConditionSettings(EntryCondition):
    variables: list[VariableReference]  # type: ignore[assignment]


class ExitConditionSettings(ExitCondition):
    variables: list[VariableReference]  # type: ignore[assignment]


class AdjustmentSettings(Adjustment):
    variables: list[VariableReference]  # type: ignore[assignment]


def validated(model: type[Model], payload: Any, where: str) -> Model:
    """Validate JSON-shaped settings strictly (no "true" for true, no "5" for 5)."""
    try:
        return model.model_validate_json(orjson.dumps(payload), strict=True)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in (where, *first["loc"]))
        raise InvalidInput(field, first["msg"]) from error
