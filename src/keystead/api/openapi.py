"""`/openapi.json`: FastAPI's document, completed with what the routes cannot say.

The access path is one ASGI middleware, not FastAPI dependencies, so FastAPI does not
know that `/v1` takes a bearer token, which permission each operation needs, or the
headers the guard adds. They are written in here from the permission table compiled at
start-up (the same table the guard reads), once, when the document is first asked for.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

from keystead.access.authorize import PermissionTable
from keystead.access.permissions import PermissionCatalogue
from keystead.api.responses import FAILURE_SCHEMAS

BEARER_SCHEME = "bearerAuth"
PERMISSION_KEY = "x-keystead-permission"
PERMISSION_SCHEMA = "Permission"

HEADERS: dict[str, dict[str, Any]] = {
    "X-RateLimit-Limit": {
        "description": "Requests the account may make in a rolling minute, all of its "
        "credentials together (30 by default).",
        "schema": {"type": "integer", "minimum": 1, "examples": [30]},
    },
    "X-RateLimit-Remaining": {
        "description": "Requests the account has left in the current window.",
        "schema": {"type": "integer", "minimum": 0, "examples": [29]},
    },
    "X-RateLimit-Reset": {
        "description": "When the oldest request counted leaves the rolling window and one "
        "more fits, in epoch seconds.",
        "schema": {"type": "integer", "minimum": 0, "examples": [1796512862]},
    },
    "RateLimit-Policy": {
        "description": "The account's quota in draft-ietf-httpapi-ratelimit-headers' "
        "structured-field syntax: requests (`q`) per window of `w` seconds.",
        "schema": {"type": "string", "examples": ['"account";q=30;w=60']},
    },
    "RateLimit": {
        "description": "What is left of the quota (`r`) and the seconds until the oldest "
        "request counted leaves the window (`t`), in the draft's syntax.",
        "schema": {"type": "string", "examples": ['"account";r=29;t=42']},
    },
    "WWW-Authenticate": {
        "description": 'RFC 6750\'s challenge: `Bearer realm="keystead"` on a 401 (with '
        '`error="invalid_token"` when a token was sent); on a 403, '
        '`error="insufficient_scope"` and the `scope` the route needs.',
        "schema": {"type": "string", "examples": ['Bearer realm="keystead"']},
    },
    "X-Request-Id": {
        "description": "The request's id, in every answer and every log line of the "
        "request: the client's own when it sent a plain one, otherwise a new one.",
        "schema": {"type": "string", "examples": ["0f3c6a2d9e8b47c1a5d2e7f9b3c4a6d8"]},
    },
    "Retry-After": {
        "description": "Whole seconds until a request would be admitted.",
        "schema": {"type": "integer", "minimum": 1, "examples": [12]},
    },
    "Keystead-Token-Expiration": {
        "description": "When the credential stops working (ISO 8601 UTC): its expiry, or "
        "the end of a rolled secret's grace period. Absent for credentials that never "
        "expire (account API keys).",
        "schema": {"type": "string", "format": "date-time", "examples": ["2027-12-04T10:00:00Z"]},
    },
    "Keystead-Token-Warning": {
        "description": "Sent in the last 7 days before the credential stops working: "
        "when, and what to do.",
        "schema": {
            "type": "string",
            "examples": [
                "This token expires at 2027-12-04T10:00:00Z (in 6 days); "
                "extend it or create a new one"
            ],
        },
    },
}
_RATE = (
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-RateLimit-Reset",
    "RateLimit-Policy",
    "RateLimit",
)
_EXPIRY = ("Keystead-Token-Expiration", "Keystead-Token-Warning")


def _headers_for(status: str) -> dict[str, dict[str, Any]]:
    """The headers a guarded answer with this status carries, by reference.

    Every answer has its request id. Refusals before the account is known (401, and the
    edge's 400, 413, 431) carry no figures, a 401 its challenge; every answer counted
    against the account carries its rate-limit figures; every answer to a known
    credential its expiry signals."""
    if status in {"400", "413", "431", "500"}:
        names: tuple[str, ...] = ()
    elif status == "401":
        names = ("WWW-Authenticate",)
    elif status == "503":
        names = ("Retry-After",)
    elif status == "429":
        names = (*_RATE, "Retry-After", *_EXPIRY)
    elif status == "403":
        names = ("WWW-Authenticate", *_RATE, *_EXPIRY)
    else:
        names = (*_RATE, *_EXPIRY)
    # Sure to be there: the id, the figures on an admitted answer, when to retry on a
    # 429, and the challenge on a 401.
    always = {"X-Request-Id"}
    if status.startswith("2") or status == "429":
        always |= {*_RATE, "Retry-After"}
    if status == "401":
        always.add("WWW-Authenticate")
    return {name: _header(name, required=name in always) for name in ("X-Request-Id", *names)}


def _header(name: str, *, required: bool) -> dict[str, Any]:
    # A reference may not carry `required` beside it, so required headers are written out.
    if required:
        return {**HEADERS[name], "required": True}
    return {"$ref": f"#/components/headers/{name}"}


def _describe(operation: dict[str, Any], permission: str, label: str) -> None:
    needs = f"Needs the `{permission}` permission ({label})."
    described = operation.get("description", "").strip()
    operation["description"] = f"{described}\n\n{needs}" if described else needs
    operation[PERMISSION_KEY] = str(permission)
    operation["security"] = [{BEARER_SCHEME: []}]
    for status, response in operation.get("responses", {}).items():
        headers = _headers_for(status)
        if headers:
            response["headers"] = headers


def complete(
    document: dict[str, Any], permissions: PermissionTable, catalogue: PermissionCatalogue
) -> dict[str, Any]:
    """Add the failure envelopes, the permission ids, the bearer scheme, and each `/v1`
    operation's permission, security and headers to FastAPI's document."""
    components = document.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas.update(FAILURE_SCHEMAS)
    # The ids come from the catalogue assembled at start-up, so the request models
    # refer to this component rather than carry an enum of their own.
    schemas[PERMISSION_SCHEMA] = {
        "enum": list(catalogue.ids),
        "title": PERMISSION_SCHEMA,
        "type": "string",
    }
    components.setdefault("headers", {}).update(HEADERS)
    components.setdefault("securitySchemes", {})[BEARER_SCHEME] = {
        "type": "http",
        "scheme": "bearer",
        "description": "A keystead API token (`kst_…`) or the account API key.",
    }
    paths = document.get("paths", {})
    for route, permission in permissions:
        operations = paths.get(route.path)
        if operations is None:  # not in the schema (a collection's trailing-slash twin)
            continue
        for method in route.methods or ():
            operation = operations.get(method.lower())
            if operation is not None:
                _describe(operation, permission, catalogue.label(permission))
    return document


def install(
    app: FastAPI, permissions: Callable[[], PermissionTable], catalogue: PermissionCatalogue
) -> None:
    """Serve the completed document from `app.openapi()`, built on first use."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = complete(build(), permissions(), catalogue)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
