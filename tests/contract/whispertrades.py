"""Strict pydantic models of the Whispertrades v1 objects, built from WHISPERTRADES_V1.md.

Each ``### Name`` table of the copied spec becomes one model with exactly the table's fields.
Models forbid undocumented keys and validate strictly, the way the JSON arrives on the wire:
``validate`` re-encodes an already-decoded payload and runs pydantic's strict JSON mode, which
takes ISO 8601 strings for date/datetime/time, whole numbers for float, and string object keys
for ``dict[int, X]``, but rejects ``"true"`` for bool, ``1.5`` or ``"1"`` for int, and values
outside a Literal.

Fields whose required cell is ``no (default D)`` get default ``D``. Defaults are not validated,
so an absent key passes while an explicit ``null`` fails unless the type is ``Optional``; read
``model_fields_set`` to tell an absent key from one that was sent.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, create_model

SPEC_PATH = Path(__file__).with_name("WHISPERTRADES_V1.md")

_HEADING = re.compile(r"### (?P<name>\w+)(?: \(extends (?P<bases>\w+(?:, \w+)*)\))?")
_ROW = re.compile(r"\| `(?P<field>\w+)` \| `(?P<type>[^`]+)` \| (?P<required>[^|]+?) \|")
_NOT_REQUIRED = re.compile(r"no \(default (?P<default>.+)\)")
_TABLE_HEADER = re.compile(r"\| field \| type \| required \||\|(?:-+\|)+")

_SCALARS: dict[str, Any] = {
    "str": str,
    "int": int,
    "float": float,
    "bool": bool,
    "date": date,
    "datetime": datetime,
    "time": time,
    "list": list[Any],
    "dict": dict[str, Any],
}

_CONFIG = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: str
    required: bool
    default: Any = None


@dataclass(frozen=True)
class ObjectSpec:
    name: str
    bases: tuple[str, ...]
    fields: tuple[FieldSpec, ...]


def _field_spec(row: re.Match[str]) -> FieldSpec:
    required = row["required"]
    if required == "yes":
        return FieldSpec(row["field"], row["type"], required=True)
    not_required = _NOT_REQUIRED.fullmatch(required)
    if not_required is None:
        raise ValueError(f"unknown required cell {required!r} for field {row['field']!r}")
    default = ast.literal_eval(not_required["default"])
    return FieldSpec(row["field"], row["type"], required=False, default=default)


def parse_spec(text: str) -> dict[str, ObjectSpec]:
    """Every ``###`` section's field table, in file order; malformed rows raise ValueError."""
    sections: dict[str, tuple[tuple[str, ...], list[FieldSpec]]] = {}
    current: list[FieldSpec] | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line.startswith("### "):
            heading = _HEADING.fullmatch(line)
            if heading is None or heading["name"] in sections:
                raise ValueError(f"line {number}: bad or repeated heading {line!r}")
            bases = tuple(heading["bases"].split(", ")) if heading["bases"] else ()
            current = []
            sections[heading["name"]] = (bases, current)
        elif line.startswith("#"):
            current = None
        elif current is not None and line.startswith("|") and not _TABLE_HEADER.fullmatch(line):
            row = _ROW.fullmatch(line)
            if row is None:
                raise ValueError(f"line {number}: unparsable field row {line!r}")
            if any(existing.name == row["field"] for existing in current):
                raise ValueError(f"line {number}: repeated field {row['field']!r}")
            current.append(_field_spec(row))
    for name, (_, fields) in sections.items():
        if not fields:
            raise ValueError(f"object {name!r} has no fields")
    return {
        name: ObjectSpec(name, bases, tuple(fields)) for name, (bases, fields) in sections.items()
    }


def _annotation(node: ast.expr, resolve: Callable[[str], type[BaseModel]]) -> Any:
    """Turn a parsed annotation into a real type; other object names go through ``resolve``."""
    if isinstance(node, ast.Name):
        return _SCALARS[node.id] if node.id in _SCALARS else resolve(node.id)
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
        generic = node.value.id
        nodes = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        if generic == "Literal":
            return Literal.__getitem__(tuple(ast.literal_eval(arg) for arg in nodes))
        args = tuple(_annotation(arg, resolve) for arg in nodes)
        if generic == "Optional" and len(args) == 1:
            return Optional[args[0]]  # noqa: UP045 - built at runtime from the spec's spelling
        if generic == "Union" and args:
            return Union.__getitem__(args)
        if generic == "list" and len(args) == 1:
            return list[args[0]]  # type: ignore[valid-type]
        if generic == "dict" and len(args) == 2:
            return dict[args[0], args[1]]  # type: ignore[valid-type]
    raise ValueError(f"unsupported annotation {ast.unparse(node)!r}")


def build_models(specs: dict[str, ObjectSpec]) -> dict[str, type[BaseModel]]:
    """One strict model per object, each built after the objects its fields refer to."""
    models: dict[str, type[BaseModel]] = {}
    in_progress: set[str] = set()

    def build(name: str) -> type[BaseModel]:
        if name in models:
            return models[name]
        if name not in specs:
            raise ValueError(f"unknown object type {name!r}")
        if name in in_progress:
            raise ValueError(f"object {name!r} refers to itself")
        in_progress.add(name)
        fields: dict[str, Any] = {}
        for spec in specs[name].fields:
            annotation = _annotation(ast.parse(spec.type, mode="eval").body, build)
            fields[spec.name] = (annotation, ... if spec.required else spec.default)
        models[name] = create_model(name, __config__=_CONFIG, __module__=__name__, **fields)
        in_progress.discard(name)
        return models[name]

    return {name: build(name) for name in specs}


SPECS: dict[str, ObjectSpec] = parse_spec(SPEC_PATH.read_text(encoding="utf-8"))
MODELS: dict[str, type[BaseModel]] = build_models(SPECS)


def validate(name: str, payload: Any) -> BaseModel:
    """Validate an already JSON-decoded value (e.g. ``response.json()``) as object ``name``."""
    return validate_json(name, json.dumps(payload))


def validate_json(name: str, raw: str | bytes) -> BaseModel:
    """Validate raw JSON text (e.g. ``response.content``) as object ``name``."""
    return MODELS[name].model_validate_json(raw, strict=True)


def field_names(name: str) -> set[str]:
    """The documented field names of object ``name``."""
    return set(MODELS[name].model_fields)
