"""Request limits, enforced before anything parses the request.

Header bytes (request line included), body bytes and JSON nesting are capped;
an oversized request is refused in the envelope without its body being read
past the limit. A deeply nested JSON body is refused here because the parser
would otherwise recurse once per level. Values no store can hold (`values.py`:
NUL, lone surrogates, non-finite numbers, integers beyond 64 bits) are refused here
too, in the path, the query, a JSON body or a form, whoever the route is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from keystead.edge.values import Problem, json_problem, pairs_problem, path_problem
from keystead.envelope import JSONResponse, failure
from keystead.errors import describe_invalid

_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"')
_BRACKETS = re.compile(rb"[\[\]{}]")
_OPENING = frozenset(b"[{")


@dataclass(frozen=True, slots=True)
class RequestLimitPolicy:
    max_header_bytes: int = 16_384
    max_body_bytes: int = 65_536
    max_json_depth: int = 32


def json_too_deep(body: bytes, limit: int) -> bool:
    """Whether a JSON text nests arrays and objects more than `limit` levels deep."""
    if body.lstrip()[:1] not in (b"{", b"["):
        return False
    depth = 0
    # Brackets inside strings are text, not structure: strings are cut out first.
    for match in _BRACKETS.finditer(_STRINGS.sub(b"", body)):
        if match.group()[0] in _OPENING:
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def _invalid(path: str, problem: Problem) -> JSONResponse:
    field, reason = problem
    details = [{"field": field, "message": reason}]
    return failure(path, 422, describe_invalid(details), {"errors": details})


def _is_form(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"content-type":
            media_type: bytes = value.split(b";", 1)[0].strip().lower()
            return media_type == b"application/x-www-form-urlencoded"
    return False


def _header_bytes(scope: Scope) -> int:
    request_line = len(scope.get("raw_path") or b"") + len(scope.get("query_string") or b"")
    return request_line + sum(len(name) + len(value) + 4 for name, value in scope["headers"])


def _declared_length(scope: Scope) -> tuple[bool, int | None]:
    """(whether a body follows, its declared length if any); -1 for a malformed length."""
    has_body = False
    length = None
    for name, value in scope["headers"]:
        if name == b"content-length":
            has_body = True
            length = int(value) if value.isdigit() else -1
        elif name == b"transfer-encoding":
            has_body = True
    return has_body and length != 0, length


class RequestLimits:
    def __init__(self, app: ASGIApp, policy: RequestLimitPolicy) -> None:
        self.app = app
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = self.policy
        path = scope["path"]
        if _header_bytes(scope) > policy.max_header_bytes:
            message = f"Request headers too large: at most {policy.max_header_bytes} bytes"
            await failure(path, 431, message)(scope, receive, send)
            return
        problem = path_problem(path) or pairs_problem(scope.get("query_string") or b"", "query")
        if problem:
            await _invalid(path, problem)(scope, receive, send)
            return
        has_body, length = _declared_length(scope)
        if not has_body:
            await self.app(scope, receive, send)
            return
        if length == -1:
            await failure(path, 400, "Content-Length is not a number")(scope, receive, send)
            return
        too_large = f"Request body too large: at most {policy.max_body_bytes} bytes"
        if length is not None and length > policy.max_body_bytes:
            await failure(path, 413, too_large)(scope, receive, send)
            return
        body = await _read_body(receive, policy.max_body_bytes)
        if body is None:
            await failure(path, 413, too_large)(scope, receive, send)
            return
        if json_too_deep(body, policy.max_json_depth):
            depth = ("body", f"nests deeper than {policy.max_json_depth} levels")
            await _invalid(path, depth)(scope, receive, send)
            return
        problem = pairs_problem(body, "body") if _is_form(scope) else json_problem(body)
        if problem:
            await _invalid(path, problem)(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """The whole body, or None once it passes `limit` (the rest is never read)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks)  # the client went away; the app will see that too
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    delivered = False

    async def replayed() -> Message:
        nonlocal delivered
        if delivered:
            return await receive()
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replayed
