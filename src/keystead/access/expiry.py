"""Expiry signals on every `/v1` answer to an expiring credential.

`Keystead-Token-Expiration` says when the credential stops working (ISO 8601 UTC):
its expiry, or the end of its grace period if it is a rolled token's old secret.
`Keystead-Token-Warning` is added when less than WARNING_WINDOW remains, so a
client can log it long before the first 401.
"""

from __future__ import annotations

from datetime import UTC, datetime

from keystead.access.principal import Principal
from keystead.clock import isoformat

WARNING_WINDOW_SECONDS = 7 * 24 * 3600
EXPIRATION_HEADER = b"keystead-token-expiration"
WARNING_HEADER = b"keystead-token-warning"


def expiration_value(expires_at: float) -> bytes:
    """The header value, computed once when the principal is loaded."""
    moment = isoformat(datetime.fromtimestamp(expires_at, UTC))
    assert moment is not None
    return moment.encode("ascii")


def _remaining(seconds: float) -> str:
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = int(seconds // size)
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return "less than a minute"


def warning(principal: Principal, now: float) -> str:
    assert principal.expires_at is not None
    left = _remaining(principal.expires_at - now)
    at = principal.expiration.decode("ascii")
    if principal.rolled:
        return f"This secret was rolled and stops working at {at} (in {left}); use the new secret"
    return f"This token expires at {at} (in {left}); extend it or create a new one"


def expiry_headers(principal: Principal, now: float) -> list[tuple[bytes, bytes]]:
    if principal.expires_at is None:
        return []
    headers = [(EXPIRATION_HEADER, principal.expiration)]
    if principal.expires_at - now < WARNING_WINDOW_SECONDS:
        headers.append((WARNING_HEADER, warning(principal, now).encode("ascii")))
    return headers
