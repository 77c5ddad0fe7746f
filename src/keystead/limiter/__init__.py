"""Rate-limit windows behind one method: `hit(key) -> Decision`."""

from __future__ import annotations

from keystead.config import Settings
from keystead.limiter.base import Decision, Limiter
from keystead.limiter.memory import MemoryLimiter

__all__ = ["Decision", "Limiter", "open_limiter"]


def open_limiter(settings: Settings, rate: str, namespace: str) -> Limiter:
    """A moving-window limiter for `rate` (e.g. `30/minute`): in process by default,
    shared through Redis when KEYSTEAD_REDIS_URL is set (imported only then)."""
    if settings.redis_url:
        from keystead.limiter.policy import FailurePolicy
        from keystead.limiter.redis import RedisLimiter

        limiter = RedisLimiter(settings.redis_url, rate, namespace, settings.redis_prefix)
        return FailurePolicy(limiter, fail_open=settings.redis_failure_policy == "open")
    return MemoryLimiter(rate, namespace)
