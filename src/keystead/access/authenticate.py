"""[2] Bearer credential → Principal: parse (no I/O), cache, then one indexed read.

Unknown, expired, revoked and suspended all take the same path and the same
answer (401 `Not authenticated`). So does a rolled token's old secret once its
grace period is over, and a token used from outside its IP allowlist; that last
refusal is also written to the owner's audit log, since it means the secret is
somewhere it should not be. Failures are counted per client address; an address
over the limit gets 429 before any lookup, even with a valid token, so tokens
cannot be guessed at speed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

import structlog
from sqlalchemy import or_, select

from keystead import allowlist
from keystead.access import tokens
from keystead.access.cache import CredentialCache
from keystead.access.expiry import expiration_value
from keystead.access.principal import Principal
from keystead.audit import Actor, AuditAction, AuditService, CredentialRef, Entry
from keystead.clock import Clock
from keystead.errors import NotAuthenticated, TooManyAttempts
from keystead.limiter import Limiter
from keystead.store.db import Database
from keystead.store.models import Account, ApiToken

logger = structlog.get_logger("keystead.access")

_BLOCKLIST_PRUNE_AT = 10_000
_BLOCKED_READ_EVERY = 1
"""Seconds between two storage reads for a blocked address: about the rate the
failure limit itself allows (60 a minute)."""


def _always_read() -> bool:
    return True


_LOOKUP = select(
    ApiToken.id,
    ApiToken.permissions,
    ApiToken.preview,
    ApiToken.expires_at,
    ApiToken.revoked_at,
    ApiToken.token_hash,
    ApiToken.previous_preview,
    ApiToken.previous_expires_at,
    ApiToken.allowed_ips,
    Account.id,
    Account.number,
    Account.suspended_at,
).join(Account, Account.id == ApiToken.account_id)


class AddressNotAllowed(NotAuthenticated):
    """A valid credential used from outside its allowlist: 401 like any other refusal,
    but the guard knows whose it was (for the owner's usage figures)."""

    def __init__(self, principal: Principal) -> None:
        super().__init__()
        self.principal = principal


def _effective_expiry(expires_at: datetime | None, grace_ends: datetime | None) -> float | None:
    moments = [moment.timestamp() for moment in (expires_at, grace_ends) if moment is not None]
    return min(moments) if moments else None


def bearer_value(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip() or None


class Authenticator:
    def __init__(
        self,
        db: Database,
        secret: bytes,
        prefix: str,
        cache: CredentialCache,
        failure_limiter: Limiter,
        clock: Clock,
        audit: AuditService,
    ) -> None:
        self._db = db
        self._keyed_hash = tokens.KeyedHasher(secret)
        self._prefix = prefix
        self._token_length = tokens.token_length(prefix)
        self._cache = cache
        self._failures = failure_limiter
        self._clock = clock
        self._audit = audit
        self._blocked_until: dict[str, float] = {}
        self._blocked_reads: dict[str, float] = {}
        """When each blocked address last had a credential read from storage."""

    async def authenticate(self, authorization: str | None, client: str) -> Principal:
        # Blocking follows the limiter's wall clock; expiry follows the domain clock.
        wall = time.time()
        blocked_for = self._blocked_for(client, wall)
        principal = await self._resolve(
            bearer_value(authorization), self._clock.timestamp(), self._reads(client, wall)
        )
        if principal is None:
            if blocked_for:
                raise TooManyAttempts(blocked_for)
            await self._record_failure(client, wall)
            raise NotAuthenticated
        if principal.allowed_networks and not allowlist.allows(principal.allowed_networks, client):
            await self._refuse_address(principal, client, wall)
        return principal

    async def resolve(self, value: str) -> Principal | None:
        """The live credential `value` is, if any: what `authenticate` would admit,
        without counting a failure against anyone or checking where it is used from
        (token introspection asks on behalf of a client it does not name)."""
        return await self._resolve(value, self._clock.timestamp())

    async def _refuse_address(self, principal: Principal, client: str, wall: float) -> None:
        entry = Entry(
            AuditAction.TOKEN_ADDRESS_REFUSED,
            principal.account_id,
            CredentialRef(principal.credential_id, principal.preview),
            {"reason": "the client address is not in the token's allowlist"},
        )
        try:
            await self._audit.record(entry, Actor.anyone(client))
        except Exception as error:  # the refusal stands even if it cannot be written down
            logger.warning("audit write failed", error_type=type(error).__name__)
        await self._record_failure(client, wall)
        raise AddressNotAllowed(principal)

    async def _resolve(
        self, candidate: str | None, now: float, may_read: Callable[[], bool] = lambda: True
    ) -> Principal | None:
        if candidate is None or len(candidate) != self._token_length:
            return None
        token_hash = self._keyed_hash(candidate)
        # Only well-formed tokens are ever cached, and a keyed hash names one token:
        # a hit needs no format check. A miss is parsed (checksum included) before
        # it may cost a storage read.
        principal = self._cache.get(token_hash)
        if principal is None:
            if tokens.parse(candidate, self._prefix) is None:
                return None
            if not may_read():
                raise TooManyAttempts(_BLOCKED_READ_EVERY)
            generation = self._cache.generation
            principal = await self._load(token_hash)
            if principal is None:
                return None
            self._cache.fill(token_hash, principal, generation)
        if principal.expires_at is not None and principal.expires_at <= now:
            return None
        return principal

    async def _load(self, token_hash: str) -> Principal | None:
        async with self._db.read() as session:
            # The current secret, or a rolled token's old one (its own unique index).
            matches = or_(ApiToken.token_hash == token_hash, ApiToken.previous_hash == token_hash)
            row = (await session.execute(_LOOKUP.where(matches))).first()
        if row is None:
            return None
        (
            credential_id,
            permissions,
            preview,
            expires_at,
            revoked_at,
            current_hash,
            previous_preview,
            previous_expires_at,
            allowed_ips,
            account_id,
            account_number,
            suspended_at,
        ) = row
        if revoked_at is not None or suspended_at is not None:
            return None
        rolled = current_hash != token_hash
        if rolled:
            # The old secret works until its grace period ends, never past the token's expiry.
            preview = previous_preview or preview
            effective = _effective_expiry(expires_at, previous_expires_at)
        else:
            effective = _effective_expiry(expires_at, None)
        return Principal(
            account_id=account_id,
            account_number=account_number,
            credential_id=credential_id,
            preview=preview,
            permissions=frozenset(permissions),
            expires_at=effective,
            expiration=expiration_value(effective) if effective is not None else b"",
            allowed_networks=allowlist.networks(allowed_ips),
            rolled=rolled,
        )

    def _blocked_for(self, client: str, now: float) -> int:
        """Whole seconds the address stays blocked; 0 if it is not."""
        until = self._blocked_until.get(client)
        if until is None:
            return 0
        if until > now:
            return int(until - now) + 1
        del self._blocked_until[client]
        self._blocked_reads.pop(client, None)
        return 0

    def _reads(self, client: str, now: float) -> Callable[[], bool]:
        """Whether a credential the cache does not hold may be read from storage.

        A blocked address still uses the credentials this instance holds, and its
        others are read at most once a second: the block bounds the guessing and
        the storage reads one address causes, never a valid token (issue 21)."""
        if client not in self._blocked_until:
            return _always_read

        def paced() -> bool:
            last = self._blocked_reads.get(client)
            if last is not None and now - last < _BLOCKED_READ_EVERY:
                return False
            if len(self._blocked_reads) >= _BLOCKLIST_PRUNE_AT:
                self._blocked_reads.clear()
            self._blocked_reads[client] = now
            return True

        return paced

    async def _record_failure(self, client: str, now: float) -> None:
        decision = await self._failures.hit(client)
        if decision.allowed:
            return
        if len(self._blocked_until) >= _BLOCKLIST_PRUNE_AT:
            self._blocked_until = {k: v for k, v in self._blocked_until.items() if v > now}
        self._blocked_until[client] = now + decision.retry_after
        raise TooManyAttempts(decision.retry_after)
