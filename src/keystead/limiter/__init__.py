"""Rate-limit windows behind one method: `hit(key) -> Decision`."""

from __future__ import annotations

from keystead.config import Settings
from keystead.errors import REDIS_NOT_YET, ConfigurationError
from keystead.limiter.base import Decision, Limiter
from keystead.limiter.memory import MemoryLimiter

__all__ = ["Decision", "Limiter", "open_limiter"]


def open_limiter(settings: Settings, rate: str, namespace: str) -> Limiter:
    """A moving-window limiter for `rate` (e.g. `30/minute`), in process by default."""
    if settings.redis_url:
        raise ConfigurationError(REDIS_NOT_YET)
    return MemoryLimiter(rate, namespace)
