"""EventBus protocol and the invalidation events it carries."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class CredentialChanged:
    """A token or account key was revoked, edited, rotated or disabled."""

    token_hash: str


@dataclass(frozen=True, slots=True)
class AccountChanged:
    """An account was suspended or unsuspended: all of its credentials change."""

    account_id: int


Event = CredentialChanged | AccountChanged
Handler = Callable[[Event], Awaitable[None] | None]


class EventBus(Protocol):
    async def publish(self, event: Event) -> None:
        """Deliver to every subscriber; returns once local subscribers have run."""
        ...

    def subscribe(self, handler: Handler) -> None: ...

    async def start(self) -> None: ...

    async def close(self) -> None: ...
