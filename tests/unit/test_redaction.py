"""Log redaction: token-, signature- and bearer-shaped strings never reach a log line."""

from __future__ import annotations

import logging
import sys

from keystead.access import tokens
from keystead.observability import REDACTED, RedactingFormatter, redact


def test_structured_events_are_redacted() -> None:
    plain = tokens.mint("kst")
    signature = "0x" + "ab" * 65
    event = redact(
        None,
        "info",
        {
            "path": f"/v1/{plain}",
            "note": f"sig {signature}",
            "header": "Bearer abc.def",
            "password": "hunter2-hunter2",
            "status": 200,
        },
    )
    assert plain not in str(event)
    assert signature not in str(event)
    assert "abc.def" not in str(event)
    assert event["password"] == REDACTED
    assert event["status"] == 200


def test_tracebacks_from_standard_logging_are_redacted() -> None:
    plain = tokens.mint("kst")
    formatter = RedactingFormatter("%(message)s")
    try:
        raise RuntimeError(f"lookup failed for {plain}")
    except RuntimeError:
        record = logging.LogRecord("uvicorn.error", logging.ERROR, __file__, 1, "boom", (), None)
        record.exc_info = sys.exc_info()
    line = formatter.format(record)
    assert "lookup failed for" in line
    assert plain not in line
