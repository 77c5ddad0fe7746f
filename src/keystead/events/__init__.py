"""The invalidation bus: credential and account changes reach every cache."""

from __future__ import annotations

from collections.abc import Callable

from keystead.config import Settings
from keystead.events.base import EventBus
from keystead.events.local import LocalEventBus

__all__ = ["EventBus", "open_bus"]


def open_bus(settings: Settings, on_health: Callable[[bool], None] = lambda _: None) -> EventBus:
    """In process unless Redis is configured; then Redis pub/sub across instances."""
    if settings.redis_url:
        from keystead.events.redis import RedisEventBus

        return RedisEventBus(
            settings.redis_url, f"{settings.redis_prefix}:invalidations", on_health
        )
    return LocalEventBus()
