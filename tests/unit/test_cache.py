"""The credential cache: invalidation wins every race against a fill."""

from __future__ import annotations

from keystead.access.cache import CredentialCache
from keystead.access.principal import Principal
from keystead.events.base import AccountChanged, CredentialChanged


def principal(account_id: int = 1, credential_id: str = "TOKEN00001") -> Principal:
    return Principal(
        account_id=account_id,
        account_number="ACCOUNT001",
        credential_id=credential_id,
        preview="kst_...abcd",
        permissions=frozenset({"account:read"}),
        expires_at=None,
    )


def test_fill_after_a_concurrent_invalidation_is_discarded() -> None:
    cache = CredentialCache(10, 60)
    generation = cache.generation  # a reader starts its storage read here
    cache.invalidate(CredentialChanged("hash-a"))  # the credential is revoked meanwhile
    cache.fill("hash-a", principal(), generation)  # the stale read arrives
    assert cache.get("hash-a") is None


def test_credential_and_account_invalidation_drop_entries() -> None:
    cache = CredentialCache(10, 60)
    cache.fill("hash-a", principal(1, "A"), cache.generation)
    cache.fill("hash-b", principal(1, "B"), cache.generation)
    cache.fill("hash-c", principal(2, "C"), cache.generation)
    cache.invalidate(CredentialChanged("hash-a"))
    assert cache.get("hash-a") is None
    assert cache.get("hash-b") is not None
    cache.invalidate(AccountChanged(1))
    assert cache.get("hash-b") is None
    assert cache.get("hash-c") is not None


def test_entries_go_stale_after_the_ttl() -> None:
    now = [100.0]
    cache = CredentialCache(10, 5, monotonic=lambda: now[0])
    cache.fill("hash-a", principal(), cache.generation)
    now[0] += 2.4  # every entry lives at least half the TTL
    assert cache.get("hash-a") is not None
    now[0] += 2.7
    assert cache.get("hash-a") is None


def test_entries_filled_together_go_stale_apart() -> None:
    now = [100.0]
    cache = CredentialCache(1000, 60, monotonic=lambda: now[0])
    for index in range(1000):
        cache.fill(f"hash-{index}", principal(), cache.generation)
    now[0] += 45
    alive = sum(cache.get(f"hash-{index}") is not None for index in range(1000))
    # Spread evenly over the second half of the TTL: about half are left at 3/4.
    assert 350 < alive < 650


def test_cache_is_bounded() -> None:
    cache = CredentialCache(3, 60)
    for index in range(10):
        cache.fill(f"hash-{index}", principal(index, str(index)), cache.generation)
    assert len(cache) == 3
    assert cache.get("hash-9") is not None
    assert cache.get("hash-0") is None
