"""`/openapi.json` is a document a client generator can use, and `/docs` a page a person
can: every guarded operation typed, its permission and credential said, its headers listed."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from openapi_spec_validator import validate as validate_openapi

from keystead.access.authorize import PermissionTable
from tests.catalogue import CATALOGUE

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)

LABELS = {info.id: info.label for info in CATALOGUE}
METHODS = {"get", "put", "post", "patch", "delete"}


async def document(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def resolve(schema: dict[str, Any], doc: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def is_typed(schema: dict[str, Any], doc: dict[str, Any]) -> bool:
    """Says what the value is: an object with fields, a list of typed items, a scalar."""
    schema = resolve(schema, doc)
    if "anyOf" in schema:
        return all(is_typed(branch, doc) for branch in schema["anyOf"])
    if schema.get("type") == "array":
        return is_typed(schema.get("items", {}), doc)
    if schema.get("type") == "object":
        return bool(schema.get("properties")) or isinstance(
            schema.get("additionalProperties"), dict
        )
    return "type" in schema or "enum" in schema or "const" in schema


def guarded_operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, operations in doc["paths"].items()
        if path.startswith("/v1")
        for method, operation in operations.items()
        if method in METHODS
    ]


async def test_the_document_is_valid_openapi(client: httpx.AsyncClient) -> None:
    doc = await document(client)
    validate_openapi(doc)
    assert doc["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "A keystead API token (`kst_…`) or the account API key.",
    }


async def test_every_guarded_operation_is_typed_and_says_its_permission(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    doc = await document(client)
    table: PermissionTable = app.state.permissions
    expected = {
        (route.path, method.lower()): str(permission)
        for route, permission in table
        for method in route.methods or ()
        if route.path in doc["paths"]
    }
    operations = guarded_operations(doc)
    assert len(operations) == len(expected) >= 28
    for path, method, operation in operations:
        where = f"{method.upper()} {path}"
        permission = expected[(path, method)]
        assert operation["x-keystead-permission"] == permission, where
        assert f"`{permission}` permission ({LABELS[permission]})" in operation["description"]
        assert operation["security"] == [{"bearerAuth": []}], where
        successes = {status: r for status, r in operation["responses"].items() if status[0] == "2"}
        assert len(successes) == 1, where
        [success] = successes.values()
        envelope = resolve(success["content"]["application/json"]["schema"], doc)
        assert envelope["required"] == ["success", "message", "data"], where
        assert is_typed(envelope["properties"]["data"], doc), f"{where}: untyped data"
        headers = success["headers"]
        for name in (
            "X-RateLimit-Limit",
            "X-RateLimit-Remaining",
            "X-RateLimit-Reset",
            "RateLimit-Policy",
            "RateLimit",
            "X-Request-Id",
        ):
            assert headers[name]["required"] is True, (where, name)
        for name in ("Keystead-Token-Expiration", "Keystead-Token-Warning"):
            assert headers[name] == {"$ref": f"#/components/headers/{name}"}, where
        refused = operation["responses"]["429"]["headers"]
        assert refused["Retry-After"]["required"] is True, where
        # A 401 has no account to count against: its challenge and its id, no figures.
        unknown = operation["responses"]["401"]["headers"]
        assert set(unknown) == {"X-Request-Id", "WWW-Authenticate"}, where
        assert unknown["WWW-Authenticate"]["required"] is True, where
        assert "WWW-Authenticate" in operation["responses"]["403"]["headers"], where


async def test_objects_are_documented_field_by_field(client: httpx.AsyncClient) -> None:
    doc = await document(client)
    schemas = doc["components"]["schemas"]
    adjustment = schemas["Adjustment"]
    assert adjustment["properties"]["time_of_day"]["type"] == "string"
    assert adjustment["properties"]["time_of_day"]["examples"] == ["15:30 to 15:55"]
    assert adjustment["properties"]["days_of_week"]["type"] == "string"
    assert adjustment["additionalProperties"] is False
    assert "AdjustmentTime" not in schemas
    assert "DaysOfWeek" not in schemas
    bot = schemas["BotResponse"]
    # Settings come only with include_details: left out, never null.
    assert "entry_condition" not in bot["required"]
    assert bot["properties"]["entry_condition"]["$ref"] == "#/components/schemas/EntryCondition"
    entry = schemas["EntryCondition"]["properties"]
    assert {"type": "null"} in entry["days_of_week"]["anyOf"]
    assert entry["earliest_time_of_day"]["anyOf"][0]["examples"] == ["09:45:00"]
    statuses = {p["name"]: p for p in doc["paths"]["/v1/bots"]["get"]["parameters"]}
    assert {"statuses", "statuses[]", "include_details"} <= set(statuses)
    for name in ("X-RateLimit-Limit", "Retry-After", "Keystead-Token-Warning"):
        assert doc["components"]["headers"][name]["description"]


async def test_the_docs_page_shows_fields_examples_and_permissions(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/docs")
    assert response.status_code == 200
    page = response.text
    # An object with its fields, their types and meanings, and an example.
    adjustment = page[page.index('id="schema-Adjustment"') :]
    adjustment = adjustment[: adjustment.index('<div class="schema"')]
    assert "<td><code>time_of_day</code></td><td>string</td><td>yes</td>" in adjustment
    assert "<code>HH:MM</code> or <code>HH:MM to HH:MM</code>" in adjustment
    assert "<details><summary>Example</summary>" in adjustment
    assert "&quot;time_of_day&quot;: &quot;15:30 to 15:55&quot;" in adjustment
    # An operation with its permission, parameters and an example answer.
    assert re.search(
        r"<code>/v1/bots/positions</code>.*?Needs the <code>positions:read</code> permission"
        r" \(Read Positions\)",
        page,
        re.S,
    )
    assert "<td><code>statuses[]</code></td><td>query</td>" in page
    assert 'list of <a href="#schema-PositionResponse">PositionResponse</a>' in page
    assert "<code>X-RateLimit-Remaining</code>" in page
