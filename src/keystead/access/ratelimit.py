"""[4] The per-account limit: ask the Limiter, answer 429 with Retry-After when refused.

Every answer to a known credential says where its account stands, three ways:
GitHub's `X-RateLimit-Limit`, `-Remaining` and `-Reset` (epoch seconds), and the
IETF draft's `RateLimit-Policy` and `RateLimit` (draft-ietf-httpapi-ratelimit-headers,
structured fields: `"account";q=30;w=60` and `"account";r=29;t=42`). The window
moves: the reset is when the oldest request counted leaves it and one more fits,
the moment `Retry-After` names on a 429.
"""

from __future__ import annotations

import math

from keystead.access.principal import Principal
from keystead.errors import TooManyAttempts
from keystead.limiter import Decision, Limiter

POLICY = '"account"'
"""The one quota policy: per account, all its credentials together."""


def rate_headers(decision: Decision, now: float) -> list[tuple[bytes, bytes]]:
    limit, remaining, reset = decision.limit, decision.remaining, decision.reset_after
    return [
        (b"x-ratelimit-limit", b"%d" % limit),
        (b"x-ratelimit-remaining", b"%d" % remaining),
        # From the exact moment, not `int(now) + reset`: that differs by a second
        # between two answers a moment apart on either side of a second's turn.
        (b"x-ratelimit-reset", b"%d" % math.ceil(now + decision.reset_in)),
        (b"ratelimit-policy", f"{POLICY};q={limit};w={decision.window}".encode()),
        (b"ratelimit", f"{POLICY};r={remaining};t={reset}".encode()),
    ]


async def admit(limiter: Limiter, principal: Principal) -> Decision:
    """Count the request against its account; raise TooManyAttempts if the window is full."""
    decision = await limiter.hit(principal.rate_key)
    if not decision.allowed:
        raise RateLimited(decision)
    return decision


class RateLimited(TooManyAttempts):
    def __init__(self, decision: Decision) -> None:
        super().__init__(decision.retry_after)
        self.decision = decision
