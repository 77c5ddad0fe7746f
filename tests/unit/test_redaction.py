"""Log redaction: token-, signature- and bearer-shaped strings never reach a log line."""

from __future__ import annotations

import logging
import sys

from hypothesis import given
from hypothesis import strategies as st

from keystead.access import tokens
from keystead.observability import (
    _SECRET_PATTERNS,
    REDACTED,
    RedactingFormatter,
    redact,
    redact_value,
)


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


def test_text_is_redacted_exactly_as_the_patterns_say() -> None:
    """Text is searched only when it may hold a secret: whatever the patterns would
    redact is still redacted, in any case of `bearer`, anywhere in the text."""
    plain = tokens.mint("kst")
    texts = [
        "/v1/bots/positions",
        f"/v1/bots/{plain}",
        f"token={plain}&x=1",
        "0x" + "Ab" * 65,
        "authorization: BEARER abc",
        "Authorization: bEaReR\tabc.def",
        "ＢＥＡＲＥＲ abc",  # fullwidth: not the scheme
        "bearer",
        "under_score but short",
        "",
    ]
    for text in texts:
        assert redact_value(text) == _SECRET_PATTERNS.sub(REDACTED, text), text
    assert redact_value("/v1/bots/positions") == "/v1/bots/positions"
    assert plain not in redact_value(f"/v1/bots/{plain}")
    assert "abc" not in redact_value("authorization: BEARER abc")


_PIECES = st.sampled_from(
    [
        tokens.mint("kst"),
        "_",
        "kst_",
        "A" * 38,
        "0x",
        "0X",
        "ab" * 65,
        "bEaReR",
        "BEARER",
        " ",
        "\t",
        "/",
        "\u017f",  # long s: folds to s, not to any letter of "bearer"
        "\u212a",  # Kelvin sign
        "\uff42",  # fullwidth b
    ]
)


@given(st.lists(_PIECES, max_size=8).map("".join))
def test_no_text_escapes_redaction_that_the_patterns_would_catch(text: str) -> None:
    assert redact_value(text) == _SECRET_PATTERNS.sub(REDACTED, text)
