"""The bounded in-process cache from keyed hash to Principal.

Invalidation events drop entries; a TTL is only the safety net. A fill that
raced with an invalidation must not bring a revoked credential back, so every
invalidation bumps a generation and a fill started under an older generation
is discarded.

Each entry lives between half the TTL and the whole of it, at random: credentials
cached in one burst (a restart under traffic) would otherwise all go stale in the
same instant, and every request of that moment would read storage at once.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable

from keystead.access.principal import Principal
from keystead.events.base import AccountChanged, CredentialChanged, Event

_SPREAD = 0.5


class CredentialCache:
    def __init__(
        self,
        max_entries: int,
        ttl_seconds: float,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._max_entries = max_entries
        self._ttl = ttl_seconds
        self._monotonic = monotonic
        self._entries: dict[str, tuple[Principal, float]] = {}
        self._by_account: dict[int, set[str]] = {}
        self.generation = 0

    def set_ttl(self, ttl_seconds: float) -> None:
        """Shorten (or restore) the safety-net TTL, e.g. while the bus cannot be heard."""
        self._ttl = ttl_seconds
        # Entries filled under a longer TTL must not outlive the new one.
        limit = self._monotonic() + ttl_seconds
        self._entries = {
            key: (principal, min(stale_at, limit))
            for key, (principal, stale_at) in self._entries.items()
        }

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, token_hash: str) -> Principal | None:
        entry = self._entries.get(token_hash)
        if entry is None:
            return None
        principal, stale_at = entry
        if self._monotonic() >= stale_at:
            self._forget(token_hash)
            return None
        return principal

    def fill(self, token_hash: str, principal: Principal, generation: int) -> None:
        """Store a principal read from storage, unless an invalidation happened since."""
        if generation != self.generation or self._max_entries <= 0:
            return
        if token_hash not in self._entries and len(self._entries) >= self._max_entries:
            # Evict the oldest fill; dicts keep insertion order.
            self._forget(next(iter(self._entries)))
        lifetime = self._ttl * (1 - _SPREAD * random.random())  # noqa: S311 - not a secret
        self._entries[token_hash] = (principal, self._monotonic() + lifetime)
        self._by_account.setdefault(principal.account_id, set()).add(token_hash)

    def invalidate(self, event: Event) -> None:
        self.generation += 1
        if isinstance(event, CredentialChanged):
            self._forget(event.token_hash)
        elif isinstance(event, AccountChanged):
            for token_hash in self._by_account.pop(event.account_id, set()):
                self._entries.pop(token_hash, None)

    def clear(self) -> None:
        self.generation += 1
        self._entries.clear()
        self._by_account.clear()

    def _forget(self, token_hash: str) -> None:
        entry = self._entries.pop(token_hash, None)
        if entry is None:
            return
        hashes = self._by_account.get(entry[0].account_id)
        if hashes is not None:
            hashes.discard(token_hash)
            if not hashes:
                del self._by_account[entry[0].account_id]
