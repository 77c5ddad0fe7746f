"""[4] The per-account limit: ask the Limiter, answer 429 with Retry-After when refused."""

from __future__ import annotations

from keystead.access.principal import Principal
from keystead.errors import TooManyAttempts
from keystead.limiter import Decision, Limiter


def rate_headers(decision: Decision) -> list[tuple[bytes, bytes]]:
    return [
        (b"x-ratelimit-limit", str(decision.limit).encode()),
        (b"x-ratelimit-remaining", str(decision.remaining).encode()),
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
