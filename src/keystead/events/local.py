"""In-process delivery, done before `publish` returns (so before the writer responds)."""

from __future__ import annotations

import inspect

from keystead.events.base import Event, Handler


class LocalEventBus:
    def __init__(self) -> None:
        self._handlers: list[Handler] = []

    def subscribe(self, handler: Handler) -> None:
        self._handlers.append(handler)

    async def publish(self, event: Event) -> None:
        for handler in self._handlers:
            outcome = handler(event)
            if inspect.isawaitable(outcome):
                await outcome

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None
