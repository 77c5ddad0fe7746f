"""[6] The two envelopes, and the one table from error to response.

Platform envelope (everything but `/user/`): `{"success", "message", "data"}`.
Account-key envelope (`/user/`): `{"error": [...], "result": ...}`.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

import orjson
import structlog
from fastapi import FastAPI, Request, params
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from keystead.errors import KeysteadError, TooManyAttempts, describe_invalid
from keystead.paths import ACCOUNT_KEY_PREFIX, is_guarded

SERVER_ERROR_MESSAGE = "Server error"
STORAGE_UNAVAILABLE = "Storage is unavailable; try again shortly"

logger = structlog.get_logger("keystead.errors")

_HTTP_MESSAGES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Route not found",
    405: "Method not allowed",
    413: "Request body too large",
    415: "Unsupported media type",
}


def to_json(content: Any) -> bytes:
    """Every JSON answer's bytes: orjson, keys that are not strings written as strings."""
    return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS)


class JSONResponse(Response):
    """JSON rendered by orjson; our own output is not re-validated on the way out."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return to_json(content)


def ok(
    data: Any,
    message: str,
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse({"success": True, "message": message, "data": data}, status, headers)


_SLOT = "\x00"


@functools.cache
def _around_data(message: str) -> tuple[bytes, bytes]:
    """What `ok` sends before and after `data`, for data serialised already."""
    whole = to_json({"success": True, "message": message, "data": _SLOT})
    before, after = whole.split(to_json(_SLOT))
    return before, after


def ok_serialised(pieces: list[bytes], message: str) -> Response:
    """`ok(data, message)` for data serialised already: `pieces` are its JSON, in order
    (a list's brackets and commas included). The same bytes, without serialising again
    what has not changed. A few large pieces (a page kept whole) are sent as they are,
    not copied into one (copying 200 KiB costs more than sending three messages);
    anything else is joined first."""
    before, after = _around_data(message)
    parts = [before, *pieces, after]
    if len(parts) <= _PARTS_AT_MOST and sum(map(len, pieces)) >= _PARTS_FROM_BYTES:
        return PartsResponse(parts)
    return Response(b"".join(parts), media_type="application/json")


_PARTS_AT_MOST = 4
_PARTS_FROM_BYTES = 32_768


class PartsResponse(Response):
    """A JSON answer sent in the parts it is in, one body message each, under one
    `Content-Length`: a large body kept whole is not copied again to be sent."""

    def __init__(self, parts: list[bytes]) -> None:
        self.parts = parts
        length = str(sum(len(part) for part in parts))
        super().__init__(b"", media_type="application/json", headers={"content-length": length})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        )
        last = len(self.parts) - 1
        for index, part in enumerate(self.parts):
            await send({"type": "http.response.body", "body": part, "more_body": index < last})


NO_STORE = {"Cache-Control": "no-store"}
"""For answers that carry a secret: no cache on the way may keep them."""


def account_key_ok(result: Any) -> JSONResponse:
    return JSONResponse({"error": [], "result": result}, headers=NO_STORE)


def failure_body(path: str, message: str, data: Any = None) -> dict[str, Any]:
    if path.startswith(ACCOUNT_KEY_PREFIX) or path == ACCOUNT_KEY_PREFIX.rstrip("/"):
        return {"error": [message], "result": None}
    if data is None and is_guarded(path):
        # Whispertrades clients read `data` as a list or an object and refuse null, so
        # a refusal would surface as their parse error instead of the message they map
        # (`Not authenticated`, `Invalid token permissions`) to their own exceptions.
        data = []
    return {"success": False, "message": message, "data": data}


def failure(
    path: str,
    status: int,
    message: str,
    data: Any = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse(failure_body(path, message, data), status, headers)


def response_for_error(path: str, error: KeysteadError) -> JSONResponse:
    headers = None
    if isinstance(error, TooManyAttempts):
        headers = {"Retry-After": str(error.retry_after)}
    return failure(path, error.status, error.message, error.data, headers)


def _field_name(location: Sequence[Any]) -> str:
    parts = [str(part) for part in location]
    if parts and parts[0] in {"body", "query", "path", "header", "cookie"} and len(parts) > 1:
        parts = parts[1:]
    return ".".join(parts) or "body"


def validation_details(errors: Sequence[Any]) -> list[dict[str, str]]:
    """Field and reason only: the offending input is never echoed (it may be a password)."""
    details = []
    for error in errors:
        message = str(error.get("msg", "is invalid"))
        if error.get("type") == "json_invalid":
            details.append({"field": "body", "message": "Body is not valid JSON"})
            continue
        details.append({"field": _field_name(error.get("loc", ())), "message": message})
    return details


async def _keystead_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, KeysteadError)
    return response_for_error(request.url.path, error)


async def http_error(request: Request, error: Exception) -> Response:
    """The envelope for a refusal of the framework's own (no route, wrong method…)."""
    assert isinstance(error, StarletteHTTPException)
    message = _HTTP_MESSAGES.get(error.status_code)
    if message is None:
        message = error.detail if isinstance(error.detail, str) else "Request failed"
    return failure(request.url.path, error.status_code, message, headers=error.headers)


NOT_JSON = "Bad request: the body is not valid JSON"
NOT_JSON_TYPE = "Unsupported media type: send the body as application/json"


def _sends_other_than_json(request: Request) -> bool:
    """A body, in a type other than JSON, to a route that reads a JSON body."""
    body_field = getattr(request.scope.get("route"), "body_field", None)
    if body_field is None or isinstance(body_field.field_info, params.Form):
        return False
    headers = request.headers
    if headers.get("content-length", "0") == "0" and "transfer-encoding" not in headers:
        return False
    media_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
    return not (media_type == "application/json" or media_type.endswith("+json"))


async def _validation_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    path = request.url.path
    errors = error.errors()
    # What the client sent is not JSON at all: nothing was validated, so no 422.
    if any(item.get("type") == "json_invalid" for item in errors):
        details = [{"field": "body", "message": "Body is not valid JSON"}]
        return failure(path, 400, NOT_JSON, {"errors": details})
    if _sends_other_than_json(request):
        return failure(path, 415, NOT_JSON_TYPE)
    details = validation_details(errors)
    message = describe_invalid(details)
    if request.url.path.startswith(ACCOUNT_KEY_PREFIX):
        return JSONResponse({"error": [message], "result": None}, 422)
    return failure(request.url.path, 422, message, {"errors": details})


def is_storage_outage(error: DBAPIError) -> bool:
    """A database that is down, restarting or dropped the connection (not a bad query)."""
    if error.connection_invalidated or isinstance(error, OperationalError | InterfaceError):
        return True
    return type(error.orig).__name__ in _OUTAGE_DRIVER_ERRORS


# asyncpg's names for a server that is shutting down, starting or gone.
_OUTAGE_DRIVER_ERRORS = frozenset(
    {
        "CannotConnectNowError",
        "AdminShutdownError",
        "ConnectionDoesNotExistError",
        "ConnectionFailureError",
        "InterfaceError",
    }
)


def storage_unavailable(path: str) -> JSONResponse:
    # The database is restarting or unreachable: a retryable answer, not a bug.
    logger.warning("storage unavailable", path=path)
    return failure(path, 503, STORAGE_UNAVAILABLE, headers={"Retry-After": "5"})


async def _database_error(request: Request, error: Exception) -> Response:
    if isinstance(error, DBAPIError) and is_storage_outage(error):
        return storage_unavailable(request.url.path)
    return await _server_error(request, error)


async def _connection_error(request: Request, error: Exception) -> Response:
    return storage_unavailable(request.url.path)


async def _server_error(request: Request, error: Exception) -> Response:
    # Logged by type only: the message of an unexpected error may quote a secret.
    logger.error("unhandled error", path=request.url.path, error_type=type(error).__name__)
    # Starlette answers an unhandled error outside every middleware, so this answer
    # carries its security headers itself.
    headers: dict[str, str] = request.app.state.error_headers
    return failure(request.url.path, 500, SERVER_ERROR_MESSAGE, headers=headers)


def install_error_handlers(app: FastAPI, server_error_headers: Mapping[str, str]) -> None:
    """Every error answered in its envelope; `server_error_headers` go on the 500, which
    Starlette sends from outside every middleware."""
    app.state.error_headers = dict(server_error_headers)
    app.add_exception_handler(KeysteadError, _keystead_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(ConnectionError, _connection_error)
    app.add_exception_handler(Exception, _server_error)
