"""The envelope check: every answer keystead gives is one of its two JSON envelopes
(CONTRACT.md section 1), whatever the status code; under `/v1` its `data` is a list or
an object, as Whispertrades clients parse it."""

from __future__ import annotations

import json
from typing import Any

import schemathesis
from schemathesis import APIOperation, Case, CheckContext, Response

ACCOUNT_KEY_PREFIX = "/user/"
PLATFORM_KEYS = {"success", "message", "data"}
ACCOUNT_KEY_KEYS = {"error", "result"}


def _media_type(response: Response) -> str:
    values = response.headers.get("content-type") or [""]
    return values[0].split(";", 1)[0].strip().lower()


def _platform(body: dict[str, Any], status: int, guarded: bool) -> None:
    assert set(body) == PLATFORM_KEYS, f"keys are {sorted(body)}, expected {sorted(PLATFORM_KEYS)}"
    assert isinstance(body["success"], bool), "`success` is not a bool"
    assert body["success"] is (status < 400), f"`success` is {body['success']} on a {status}"
    message = body["message"]
    assert isinstance(message, str), "`message` is not a string"
    assert message.strip(), "`message` is empty"
    if guarded:  # Whispertrades clients read `data` as a list or an object, never null
        assert isinstance(body["data"], list | dict), f"`data` is {body['data']!r} under /v1"


def _account_key(body: dict[str, Any], status: int) -> None:
    assert set(body) == ACCOUNT_KEY_KEYS, (
        f"keys are {sorted(body)}, expected {sorted(ACCOUNT_KEY_KEYS)}"
    )
    errors = body["error"]
    assert isinstance(errors, list), "`error` is not a list"
    assert all(isinstance(item, str) and item for item in errors), "`error` holds a non-string"
    if status < 400:
        assert errors == [], f"`error` is not empty on a {status}"
    else:
        assert errors, f"`error` is empty on a {status}"
        assert body["result"] is None, f"`result` is not null on a {status}"


def _jwk_set(body: dict[str, Any]) -> None:
    assert set(body) == {"keys"}, f"a JWK Set holds `keys` only, not {sorted(body)}"
    assert all(key.get("kty") == "OKP" and "d" not in key for key in body["keys"])


def _introspection(body: dict[str, Any]) -> None:
    assert isinstance(body.get("active"), bool), "RFC 7662: `active` is a boolean"
    if not body["active"]:
        assert body == {"active": False}, "an inactive answer says nothing more"


def _oauth_error(body: dict[str, Any]) -> None:
    assert body.get("error") == "invalid_request", "RFC 6749 error object"


# Answers in a standard's own shape rather than the envelope (README, "Endpoints").
_STANDARD_SHAPES = {
    ("/.well-known/jwks.json", 200): _jwk_set,
    ("/oauth/introspect", 200): _introspection,
    ("/oauth/introspect", 400): _oauth_error,
}


@schemathesis.check
def keystead_envelope(
    ctx: CheckContext, response: Response, case: Case[APIOperation[Any, Any, Any, Any]]
) -> bool | None:
    """Platform envelope everywhere but `/user/`, account-key envelope there."""
    media_type = _media_type(response)
    assert media_type == "application/json", f"Content-Type is {media_type!r}, not JSON"
    try:
        body = json.loads(response.content)
    except ValueError as error:
        raise AssertionError(f"body is not JSON ({error})") from None
    assert isinstance(body, dict), f"body is a {type(body).__name__}, not an object"
    standard = _STANDARD_SHAPES.get((case.operation.path, response.status_code))
    if standard is not None:
        standard(body)
    elif case.operation.path.startswith(ACCOUNT_KEY_PREFIX):
        _account_key(body, response.status_code)
    else:
        _platform(body, response.status_code, case.operation.path.startswith("/v1"))
    return None
