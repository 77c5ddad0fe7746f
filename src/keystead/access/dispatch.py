"""[5] `/v1` endpoints called directly, once the guard has admitted the request.

FastAPI's per-request machinery (the router walking every included router, exit
stacks, `solve_dependencies` with its cookie, header and background-task steps) is
most of what a `/v1` request costs outside its own data work. The guard has already
matched the route to find its permission, so it calls the endpoint itself: path,
query and body are read by FastAPI's own functions for each (the same parsing, the
same validation errors), the endpoint is awaited, and its errors are answered by the
app's own exception handlers. FastAPI still builds the OpenAPI document from these
routes and serves every other route. An endpoint this cannot call exactly as FastAPI
would (sub-dependencies, header or cookie parameters, a form, a return value to
serialise) is left to FastAPI.
"""

from __future__ import annotations

import email.message
import inspect
import json
import typing
from collections.abc import Awaitable, Callable, Mapping
from datetime import date, datetime
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import request_body_to_args, request_params_to_args
from fastapi.exceptions import RequestValidationError
from fastapi.routing import RouteContext
from pydantic import BaseModel
from pydantic_core import PydanticUndefined
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

DirectEndpoint = Callable[[Scope, Receive, Send], Awaitable[None]]
ExceptionHandler = Callable[[Request, Exception], Awaitable[Response]]

_UNDEFINED = PydanticUndefined
"""No body sent: FastAPI's own marker, which body validation tells apart from `null`."""


def direct_endpoint(route: RouteContext) -> DirectEndpoint | None:
    """The route's endpoint as an ASGI app without FastAPI's request handler, or None
    if the route needs something only that handler does."""
    dependant: Dependant | None = getattr(route, "dependant", None)
    endpoint = route.endpoint
    if dependant is None or endpoint is None or not _callable_directly(dependant, endpoint):
        return None
    call: Callable[..., Awaitable[Response]] = endpoint
    path_fields, query_fields, body_fields = (
        dependant.path_params,
        dependant.query_params,
        dependant.body_params,
    )
    embed_body = bool(getattr(route, "_embed_body_fields", False))
    request_name = dependant.request_param_name
    path_parsed, query_parsed = Parsed(), Parsed()

    async def answer(scope: Scope, receive: Receive, send: Send) -> None:
        scope["route"] = route  # the 415 check reads the route's body field
        scope["endpoint"] = call
        request = Request(scope, receive)
        try:
            values: dict[str, Any] = {}
            errors: list[Any] = []
            body: Any = _UNDEFINED
            if path_fields:
                params = scope["path_params"]
                key = tuple(params.values())
                found, wrong = path_parsed.get(key) or path_parsed.keep(
                    key, request_params_to_args(path_fields, params)
                )
                values.update(found)
                errors += wrong
            if query_fields:
                key = scope["query_string"]
                found, wrong = query_parsed.get(key) or query_parsed.keep(
                    key, request_params_to_args(query_fields, request.query_params)
                )
                values.update(found)
                errors += wrong
            if body_fields:
                body = await _json_body(request)
                found, wrong = await request_body_to_args(
                    body_fields=body_fields, received_body=body, embed_body_fields=embed_body
                )
                values.update(found)
                errors += wrong
            if errors:
                raise RequestValidationError(errors, body=None if body is _UNDEFINED else body)
            if request_name:
                values[request_name] = request
            response = await call(**values)
            if not isinstance(response, Response):
                raise TypeError(f"{route.path} returned {type(response).__name__}, no Response")
        except Exception as error:
            handler = _handler_for(scope["app"].exception_handlers, error)
            if handler is None:
                raise  # the server-error handler answers it, outside every middleware
            response = await handler(request, error)
        await response(scope, receive, send)

    return answer


Parsing = tuple[dict[str, Any], list[Any]]

_IMMUTABLE = (str, int, float, bool, bytes, date, datetime, type(None))


class Parsed:
    """What FastAPI made of a route's parameters, by the text they came in: clients
    send the same few query strings and paths again and again, and FastAPI's parsing
    looks at every parameter's annotation each time. Only answers without errors
    whose values cannot be changed are kept (a list or a model could be, by whoever
    receives it), and only so many."""

    LIMIT = 1024

    def __init__(self) -> None:
        self._kept: dict[Any, Parsing] = {}

    def get(self, key: Any) -> Parsing | None:
        found = self._kept.get(key)
        return None if found is None else (dict(found[0]), [])

    def keep(self, key: Any, parsing: Parsing) -> Parsing:
        values, errors = parsing
        if not errors and all(_unchangeable(value) for value in values.values()):
            if len(self._kept) >= self.LIMIT:
                self._kept.clear()
            self._kept[key] = (dict(values), [])
        return parsing


def _unchangeable(value: Any) -> bool:
    if isinstance(value, _IMMUTABLE):
        return True
    return (
        isinstance(value, BaseModel)
        and bool(value.model_config.get("frozen"))
        and all(_unchangeable(item) for item in value.__dict__.values())
    )


def _callable_directly(dependant: Dependant, endpoint: Callable[..., Any]) -> bool:
    if not inspect.iscoroutinefunction(endpoint):
        return False
    if (
        dependant.dependencies
        or dependant.header_params
        or dependant.cookie_params
        or dependant.http_connection_param_name
        or dependant.websocket_param_name
        or dependant.background_tasks_param_name
        or dependant.response_param_name
        or dependant.security_scopes_param_name
    ):
        return False
    returned = typing.get_type_hints(endpoint).get("return")
    return isinstance(returned, type) and issubclass(returned, Response)


async def _json_body(request: Request) -> Any:
    """The body as FastAPI reads it for a JSON body parameter: parsed when it is sent
    as JSON, raw bytes otherwise (which fail validation, answered 415), none if empty."""
    raw = await request.body()
    if not raw:
        return _UNDEFINED
    content_type = request.headers.get("content-type")
    if content_type:
        message = email.message.Message()
        message["content-type"] = content_type
        subtype = message.get_content_subtype()
        if message.get_content_maintype() == "application" and (
            subtype == "json" or subtype.endswith("+json")
        ):
            try:
                return json.loads(raw)
            except json.JSONDecodeError as error:
                problem = {
                    "type": "json_invalid",
                    "loc": ("body", error.pos),
                    "msg": "JSON decode error",
                    "input": {},
                    "ctx": {"error": error.msg},
                }
                raise RequestValidationError([problem], body=error.doc) from error
            except ValueError as error:  # not UTF-8, say: what FastAPI answers
                raise HTTPException(400, "There was an error parsing the body") from error
    return raw


def _handler_for(
    handlers: Mapping[Any, ExceptionHandler], error: Exception
) -> ExceptionHandler | None:
    """The handler Starlette's exception middleware would pick: by status for an HTTP
    error, then by the error's class and its bases; the catch-all is not one of them."""
    if isinstance(error, HTTPException) and error.status_code in handlers:
        return handlers[error.status_code]
    for kind in type(error).__mro__:
        if kind is Exception:
            return None
        if kind in handlers:
            return handlers[kind]
    return None
