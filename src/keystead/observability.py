"""Structured logs (secrets redacted), request ids and Prometheus metrics; the request
log line itself is written by the outermost middleware (edge/front.py)."""

from __future__ import annotations

import bisect
import itertools
import logging
import re
import secrets
import sys
from collections.abc import Iterator, MutableMapping
from contextvars import ContextVar
from typing import Any

import orjson
import structlog
from fastapi.telemetry import TelemetryConfig
from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.types import Scope

# Anything shaped like a token (`<prefix>_<38 base62>`), a signature or a bearer value.
_SECRET_PATTERNS = re.compile(
    r"\b[A-Za-z0-9]{1,16}_[0-9A-Za-z]{38}\b|0x[0-9a-fA-F]{130}\b|(?i:bearer)\s+\S+"
)
_SECRET_KEYS = frozenset(
    {"password", "token", "authorization", "cookie", "signature", "secret", "api_key", "apikey"}
)
REDACTED = "[redacted]"


def redact_value(value: Any) -> Any:
    if isinstance(value, str) and _may_hold_secret(value):
        return _SECRET_PATTERNS.sub(REDACTED, value)
    return value


def _may_hold_secret(text: str) -> bool:
    """False when none of the patterns can match: each needs `_`, `0x` or `bearer`.
    Most text (a request's path, say) has none, and these tests cost a fraction of the
    expression's search, which steps through every character."""
    return "_" in text or "0x" in text or "bearer" in text.lower()


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


_logs_requests = True


def logs_requests() -> bool:
    """Whether the request log is on: the level configured is INFO or lower."""
    return _logs_requests


def configure_logging(level: str = "INFO") -> None:
    global _logs_requests
    numeric = logging.getLevelName(level.upper())
    if not isinstance(numeric, int):
        numeric = logging.INFO
    _logs_requests = numeric <= logging.INFO
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


LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0)


class Metrics:
    """Requests by method and status, and their latency: plain counters, noted on the
    event loop, read by the registry only when scraped. Per app, so several apps in one
    process (tests) do not collide."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._requests: dict[tuple[str, int], int] = {}
        self._latency = [0] * (len(LATENCY_BUCKETS) + 1)  # the last: above every bucket
        self._latency_sum = 0.0
        self.registry.register(_Collector(self))

    def observe(self, method: str, status: int, seconds: float) -> None:
        key = (method, status)
        self._requests[key] = self._requests.get(key, 0) + 1
        self._latency[bisect.bisect_left(LATENCY_BUCKETS, seconds)] += 1
        self._latency_sum += seconds

    def requests(self) -> list[tuple[tuple[str, int], int]]:
        return list(self._requests.items())

    def latency(self) -> tuple[list[tuple[str, float]], float]:
        """Cumulative bucket counts (`le`, `+Inf` last) and the sum of seconds."""
        counts = list(self._latency)
        cumulative = list(itertools.accumulate(counts))
        bounds = [*(repr(bound) for bound in LATENCY_BUCKETS), "+Inf"]
        return list(zip(bounds, map(float, cumulative), strict=True)), self._latency_sum


class _Collector(Collector):
    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics

    def collect(self) -> Iterator[Metric]:
        requests = CounterMetricFamily(
            "keystead_requests", "HTTP requests by method and status", labels=["method", "status"]
        )
        for (method, status), count in self._metrics.requests():
            requests.add_metric([method, str(status)], count)
        yield requests
        buckets, total = self._metrics.latency()
        latency = HistogramMetricFamily("keystead_request_seconds", "HTTP request latency")
        latency.add_metric([], buckets, total)
        yield latency


REQUEST_ID = "request_id"
"""Where the request's id waits in `scope["state"]` for whoever forwards it."""
CURRENT_REQUEST_ID: ContextVar[str | None] = ContextVar("keystead_request_id", default=None)
# Ids name requests, they guard nothing: a random prefix per process and a counter
# are unique and cost no system call (uuid4 reads the kernel's random source).
_ID_PREFIX = secrets.token_hex(8)
_ID_COUNTER = itertools.count()


def new_request_id() -> str:
    return f"{_ID_PREFIX}{next(_ID_COUNTER) & 0xFFFFFFFFFFFFFFFF:016x}"


def _with_request_id(_logger: Any, _method: str, event: MutableMapping[str, Any]) -> Any:
    """Every log line written while a request is served names it (one ContextVar:
    structlog's own context costs a copy of the whole context on every line)."""
    request_id = CURRENT_REQUEST_ID.get()
    if request_id is not None:
        event.setdefault("request_id", request_id)
    return event


_PLAIN_ID = re.compile(rb"[A-Za-z0-9._:-]{1,128}")


def request_id_of(scope: Scope) -> str:
    """The id of this request: set once by `edge.front.Front`; else the client's plain
    `X-Request-Id`; else a new one."""
    known: str | None = scope.get("state", {}).get(REQUEST_ID)
    if known is not None:
        return known
    for name, value in scope["headers"]:
        if name == b"x-request-id" and _PLAIN_ID.fullmatch(value):
            return bytes(value).decode("ascii")
    return new_request_id()
