"""Structured logs (one JSON line per request, secrets redacted) and Prometheus metrics."""

from __future__ import annotations

import itertools
import logging
import re
import secrets
import sys
import time
from collections.abc import MutableMapping
from contextvars import ContextVar
from typing import Any

import orjson
import structlog
from fastapi.telemetry import TelemetryConfig
from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Anything shaped like a token (`<prefix>_<38 base62>`), a signature or a bearer value.
_SECRET_PATTERNS = re.compile(
    r"\b[A-Za-z0-9]{1,16}_[0-9A-Za-z]{38}\b|0x[0-9a-fA-F]{130}\b|(?i:bearer)\s+\S+"
)
_SECRET_KEYS = frozenset(
    {"password", "token", "authorization", "cookie", "signature", "secret", "api_key", "apikey"}
)
REDACTED = "[redacted]"


def redact_value(value: Any) -> Any:
    if isinstance(value, str):
        return _SECRET_PATTERNS.sub(REDACTED, value)
    return value


def redact(_logger: Any, _name: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key, value in event.items():
        event[key] = REDACTED if key.lower() in _SECRET_KEYS else redact_value(value)
    return event


def _dumps(obj: Any, **_: Any) -> str:
    return orjson.dumps(obj, default=str).decode()


class RedactingFormatter(logging.Formatter):
    """For the standard-library loggers (uvicorn's tracebacks included): the same redaction."""

    def format(self, record: logging.LogRecord) -> str:
        return str(redact_value(super().format(record)))


def server_log_config(level: str) -> dict[str, Any]:
    """uvicorn's logging, every line passed through the redacting formatter."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "redacting": {
                "()": RedactingFormatter,
                "format": "%(asctime)s %(levelname)s %(name)s: %(message)s",
            }
        },
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "redacting",
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {
            "uvicorn": {"handlers": ["stderr"], "level": level.upper(), "propagate": False},
            "uvicorn.error": {"level": level.upper()},
        },
        "root": {"handlers": ["stderr"], "level": "WARNING"},
    }


class _StderrLogger:
    """Writes to whatever `sys.stderr` is at the time (test runners swap it)."""

    def msg(self, message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    debug = info = warning = warn = error = critical = exception = fatal = log = msg


def _stderr_logger(*_args: Any) -> _StderrLogger:
    return _StderrLogger()


def configure_logging(level: str = "INFO") -> None:
    numeric = logging.getLevelName(level.upper())
    if not isinstance(numeric, int):
        numeric = logging.INFO
    structlog.configure(
        processors=[
            _with_request_id,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            redact,
            structlog.processors.JSONRenderer(serializer=_dumps),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=_stderr_logger,
        cache_logger_on_first_use=True,
    )


FRAMEWORK_TELEMETRY_OFF: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}
"""FastAPI's own OpenTelemetry, off: keystead logs and counts every request itself, and
FastAPI would look for a configured provider on every request."""


class Metrics:
    """Per-app registry, so several apps in one process (tests) do not collide."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "keystead_requests_total",
            "HTTP requests by method and status",
            ["method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "keystead_request_seconds",
            "HTTP request latency",
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0),
            registry=self.registry,
        )


REQUEST_ID = "request_id"
"""Where the request's id waits in `scope["state"]` for whoever forwards it."""
_CURRENT_ID: ContextVar[str | None] = ContextVar("keystead_request_id", default=None)
# Ids name requests, they guard nothing: a random prefix per process and a counter
# are unique and cost no system call (uuid4 reads the kernel's random source).
_ID_PREFIX = secrets.token_hex(8)
_ID_COUNTER = itertools.count()


def new_request_id() -> str:
    return f"{_ID_PREFIX}{next(_ID_COUNTER) & 0xFFFFFFFFFFFFFFFF:016x}"


def _with_request_id(_logger: Any, _method: str, event: MutableMapping[str, Any]) -> Any:
    """Every log line written while a request is served names it (one ContextVar:
    structlog's own context costs a copy of the whole context on every line)."""
    request_id = _CURRENT_ID.get()
    if request_id is not None:
        event.setdefault("request_id", request_id)
    return event


_PLAIN_ID = re.compile(rb"[A-Za-z0-9._:-]{1,128}")


def request_id_of(scope: Scope) -> str:
    """The id of this request: set once by `RequestLog`; else the client's plain
    `X-Request-Id`; else a new one."""
    known: str | None = scope.get("state", {}).get(REQUEST_ID)
    if known is not None:
        return known
    for name, value in scope["headers"]:
        if name == b"x-request-id" and _PLAIN_ID.fullmatch(value):
            return bytes(value).decode("ascii")
    return new_request_id()


class RequestLog:
    """Outermost ASGI middleware: one log line and the metrics for every request.

    It logs method, path (never the query string), status, duration, client and,
    for guarded requests, the account number and credential preview only.

    Every answer carries an `X-Request-Id`, and every log line written while the
    request is served names it: the client's own when it sent a plain token of at
    most 128 characters (a proxy's trace id), otherwise a new one.
    """

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics
        self.logger = structlog.get_logger("keystead.request")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        request_id = request_id_of(scope)
        scope.setdefault("state", {})[REQUEST_ID] = request_id
        header = (b"x-request-id", request_id.encode())
        token = _CURRENT_ID.set(request_id)

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            elapsed = time.perf_counter() - started
            self.metrics.requests.labels(scope["method"], str(status)).inc()
            self.metrics.latency.observe(elapsed)
            principal = scope.get("state", {}).get("principal")
            self.logger.info(
                "request",
                method=scope["method"],
                path=scope["path"],
                status=status,
                ms=round(elapsed * 1000, 2),
                client=scope["client"][0] if scope.get("client") else None,
                account=principal.account_number if principal else None,
                credential=principal.preview if principal else None,
            )
            _CURRENT_ID.reset(token)
