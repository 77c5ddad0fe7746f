"""The invalidation bus: credential and account changes reach every cache."""

from __future__ import annotations

from keystead.config import Settings
from keystead.errors import REDIS_NOT_YET, ConfigurationError
from keystead.events.base import EventBus
from keystead.events.local import LocalEventBus

__all__ = ["EventBus", "open_bus"]


def open_bus(settings: Settings) -> EventBus:
    """In process unless Redis is configured (the Redis bus arrives with scale-out)."""
    if settings.redis_url:
        raise ConfigurationError(REDIS_NOT_YET)
    return LocalEventBus()
