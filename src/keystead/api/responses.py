"""The failures each group of operations documents, in its envelope: what a client
must be ready for. Every status keystead can answer with is listed here, so the
schema is a complete map of the answers (the fuzz tests hold it to that)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class FailureEnvelope(BaseModel):
    success: Literal[False]
    message: str
    data: Any = Field(
        default=None,
        description='`null`, or what to fix: a 422\'s `{"errors": [{"field", "message"}]}`. '
        "Under `/v1` an empty list instead of `null`, as Whispertrades clients expect.",
    )


class AccountKeyFailureEnvelope(BaseModel):
    error: list[str]
    result: None


_DESCRIPTIONS = {
    400: "Malformed request: a body that is not valid JSON, or a Content-Length that is "
    "not a number",
    401: "No valid credential or session: missing, unknown, expired or revoked",
    403: "Refused: the credential lacks the permission, the API terms are not accepted, "
    "or the CSRF header is missing",
    404: "Not found, or owned by another account",
    409: "Conflicts with the current state (the message says what to do)",
    413: "Request body too large",
    415: "A body of another type than JSON (`Content-Type`): send `application/json`",
    422: "Invalid input: `data.errors` lists each field and what to fix",
    429: "Too many attempts; `Retry-After` says when to try again",
    431: "Request headers too large",
    500: "Server error (no details are given)",
    503: "Storage or rate limiting unavailable; `Retry-After` says when to try again",
}

EDGE = (400, 413, 415, 422, 431, 500, 503)
"""What any request can meet before it reaches an operation: limits and outages."""


# By reference, not `"model": …`: FastAPI would build a validator per route and
# status for a model it never validates against (twice the cost of create_app).
FAILURE_SCHEMAS = {
    model.__name__: model.model_json_schema()
    for model in (FailureEnvelope, AccountKeyFailureEnvelope)
}


def failures(*statuses: int, account_key: bool = False) -> dict[int | str, dict[str, Any]]:
    name = (AccountKeyFailureEnvelope if account_key else FailureEnvelope).__name__
    content = {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}
    return {
        status: {"description": _DESCRIPTIONS[status], "content": content}
        for status in sorted({*EDGE, *statuses})
    }
