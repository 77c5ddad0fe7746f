"""The error tree. Each class carries its HTTP status and the contract's exact message.

    KeysteadError
    ├── NotAuthenticated        401 "Not authenticated"
    ├── Unauthorized            401 "Unauthorized"            (/user/*, wallet session)
    ├── InvalidCredentials      401 "Invalid email or password"
    ├── WalletSignInFailed      401 "Wallet sign-in failed: <reason>"
    ├── InvalidPermissions      403 "Invalid token permissions"
    ├── TermsNotAccepted        403 "API terms not accepted"
    ├── CsrfRejected            403 "CSRF token missing or invalid"
    ├── NotFound                404 "<Thing> not found"
    ├── Conflict                409 (message given)
    ├── InvalidInput            422 (message given, field details in data)
    ├── TooManyAttempts         429 "Too Many Attempts."      (+ Retry-After)
    │   └── RegenerationCooldown 429 "Error generating API key, regenen timeout: 1h"
    ├── UnsupportedTransferCoding 501 (proxy mode: a body neither chunked nor of a length)
    ├── UpstreamUnavailable     502 "Upstream unavailable"    (proxy mode)
    ├── UpstreamTimedOut        504 "Upstream timed out"      (proxy mode)
    └── ServiceUnavailable      503 (message given)
        └── LimiterUnavailable  503 "Rate limiting is unavailable; try again shortly"

Services raise only these; `envelope.py` is the one place that turns them into
responses. `ConfigurationError` is for operators at start-up, never a response.
"""

from __future__ import annotations

from typing import Any, ClassVar


class ConfigurationError(Exception):
    """Settings that keystead cannot start with."""


class KeysteadError(Exception):
    status: ClassVar[int] = 500
    default_message: ClassVar[str] = "Server error"

    def __init__(self, message: str | None = None, *, data: Any = None) -> None:
        self.message = message or self.default_message
        self.data = data
        super().__init__(self.message)


class NotAuthenticated(KeysteadError):
    status = 401
    default_message = "Not authenticated"


class Unauthorized(KeysteadError):
    status = 401
    default_message = "Unauthorized"


class InvalidCredentials(KeysteadError):
    status = 401
    default_message = "Invalid email or password"


class InvalidPermissions(KeysteadError):
    status = 403
    default_message = "Invalid token permissions"


class TermsNotAccepted(KeysteadError):
    status = 403
    default_message = "API terms not accepted"


class CsrfRejected(KeysteadError):
    status = 403
    default_message = "CSRF token missing or invalid"


class NotFound(KeysteadError):
    status = 404
    default_message = "Not found"

    def __init__(self, thing: str) -> None:
        super().__init__(f"{thing} not found")


class Conflict(KeysteadError):
    status = 409
    default_message = "Conflict"


class InvalidInput(KeysteadError):
    """Bad input, with the same message shape and `data.errors` as request validation."""

    status = 422
    default_message = "Invalid input"

    def __init__(self, field: str, reason: str) -> None:
        details = [{"field": field, "message": reason}]
        super().__init__(describe_invalid(details), data={"errors": details})


def describe_invalid(details: list[dict[str, str]]) -> str:
    """`Invalid input: field: reason; …` — one wording for every 422."""
    shown = "; ".join(f"{item['field']}: {item['message']}" for item in details[:3])
    more = f" (and {len(details) - 3} more)" if len(details) > 3 else ""
    return f"Invalid input: {shown}{more}"


class TooManyAttempts(KeysteadError):
    status = 429
    default_message = "Too Many Attempts."

    def __init__(self, retry_after: int) -> None:
        super().__init__()
        self.retry_after = max(1, retry_after)


class RegenerationCooldown(TooManyAttempts):
    """The account API key was generated less than an hour ago."""

    default_message = "Error generating API key, regenen timeout: 1h"


class WalletSignInFailed(KeysteadError):
    status = 401
    default_message = "Wallet sign-in failed"

    def __init__(self, reason: str) -> None:
        super().__init__(f"Wallet sign-in failed: {reason}")
        self.reason = reason


class UnsupportedTransferCoding(KeysteadError):
    """A request body in a transfer coding other than chunked (proxy mode)."""

    status = 501
    default_message = "Transfer coding not supported: send the body chunked or with a length"


class UpstreamUnavailable(KeysteadError):
    """The upstream refused or dropped the connection before it answered."""

    status = 502
    default_message = "Upstream unavailable"


class UpstreamTimedOut(KeysteadError):
    """The upstream did not answer within `KEYSTEAD_UPSTREAM_TIMEOUT_SECONDS`."""

    status = 504
    default_message = "Upstream timed out"


class ServiceUnavailable(KeysteadError):
    status = 503
    default_message = "Service unavailable"
