"""[1] The outermost middleware: every answer's request id and security headers, and every
request's metrics and log line, in one pass.

One layer instead of two (each layer wraps `send` once more for every message), and
a log line cheap enough to leave on at INFO: its fields go straight into one JSON
object, without structlog's per-line processor chain, and the lines of one turn of
the event loop are written together, just after it (`RequestLines`). Metrics are
plain counters that the registry reads when scraped (`observability.Metrics`).

The log names method, path (never the query string; secrets in it redacted),
status, duration, client and, for a guarded request, the account number and the
credential's preview only. Every answer carries an `X-Request-Id`, and every line
logged while the request is served names it: the client's own when it sent a plain
token of at most 128 characters (a proxy's trace id), otherwise a new one.

Security headers: a response that sets one itself keeps its own value (pages carry
a Content-Security-Policy that lets them load keystead's script and stylesheet);
every other answer gets the strictest policy (`edge/headers.py`).
"""

from __future__ import annotations

import asyncio
import sys
import time
from datetime import UTC, datetime

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from keystead.clock import isoformat
from keystead.observability import (
    CURRENT_REQUEST_ID,
    REQUEST_ID,
    Metrics,
    logs_requests,
    redact_value,
    request_id_of,
)


class RequestLines:
    """Request log lines, written to stderr in batches: the lines of one turn of the
    event loop in one write, just after that turn. `flush` writes what waits at once
    (at shutdown, say)."""

    def __init__(self) -> None:
        self._waiting: list[bytes] = []

    def add(self, line: bytes) -> None:
        if not self._waiting:
            try:
                asyncio.get_running_loop().call_soon(self.flush)
            except RuntimeError:  # no loop running: nothing would flush it later
                self._waiting.append(line)
                self.flush()
                return
        self._waiting.append(line)

    def flush(self) -> None:
        if not self._waiting:
            return
        data = b"\n".join(self._waiting) + b"\n"
        self._waiting.clear()
        stream = sys.stderr  # whatever it is now: test runners swap it
        binary = getattr(stream, "buffer", None)
        if binary is None:  # a text-only stand-in
            stream.write(data.decode())
            stream.flush()
            return
        # The lines are UTF-8 already: not decoded only to be encoded again. What was
        # written to the text layer before goes out first.
        stream.flush()
        binary.write(data)
        binary.flush()


REQUEST_LINES = RequestLines()
"""The process's request log (one stderr)."""


class Front:
    def __init__(
        self,
        app: ASGIApp,
        metrics: Metrics,
        headers: list[tuple[bytes, bytes]],
        lines: RequestLines = REQUEST_LINES,
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.headers = headers
        self.names = frozenset(name for name, _value in headers)
        self.lines = lines

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        request_id = request_id_of(scope)
        scope.setdefault("state", {})[REQUEST_ID] = request_id
        marked = (b"x-request-id", request_id.encode())
        defaults, names = self.headers, self.names
        token = CURRENT_REQUEST_ID.set(request_id)

        async def send_marked(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", ()))
                if any(bytes(name).lower() in names for name, _value in headers):
                    present = {bytes(name).lower() for name, _value in headers}
                    headers += [item for item in defaults if item[0] not in present]
                else:
                    headers += defaults
                headers.append(marked)
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_marked)
        finally:
            elapsed = time.perf_counter() - started
            self.metrics.observe(scope["method"], status, elapsed)
            if logs_requests():
                self.lines.add(_line(scope, status, elapsed, request_id))
            CURRENT_REQUEST_ID.reset(token)


def _line(scope: Scope, status: int, elapsed: float, request_id: str) -> bytes:
    principal = scope["state"].get("principal")
    client = scope.get("client")
    return orjson.dumps(
        {
            "method": scope["method"],
            "path": redact_value(scope["path"]),
            "status": status,
            "ms": round(elapsed * 1000, 2),
            "client": client[0] if client else None,
            "account": principal.account_number if principal else None,
            "credential": principal.preview if principal else None,
            "event": "request",
            "request_id": request_id,
            "level": "info",
            "timestamp": isoformat(datetime.now(UTC)),
        }
    )
