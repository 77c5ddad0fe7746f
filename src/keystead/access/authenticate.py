"""[2] Bearer credential → Principal: parse (no I/O), cache, then one indexed read.

Unknown, expired, revoked and suspended all take the same path and the same
answer (401 `Not authenticated`). Failures are counted per client address; an
address over the limit gets 429 before any lookup, even with a valid token, so
tokens cannot be guessed at speed.
"""

from __future__ import annotations

import time

from sqlalchemy import select

from keystead.access import tokens
from keystead.access.cache import CredentialCache
from keystead.access.principal import Principal
from keystead.clock import Clock
from keystead.errors import NotAuthenticated, TooManyAttempts
from keystead.limiter import Limiter
from keystead.store.db import Database
from keystead.store.models import Account, ApiToken

_BLOCKLIST_PRUNE_AT = 10_000

_LOOKUP = select(
    ApiToken.id,
    ApiToken.permissions,
    ApiToken.preview,
    ApiToken.expires_at,
    ApiToken.revoked_at,
    Account.id,
    Account.number,
    Account.suspended_at,
).join(Account, Account.id == ApiToken.account_id)


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
    ) -> None:
        self._db = db
        self._keyed_hash = tokens.KeyedHasher(secret)
        self._prefix = prefix
        self._token_length = tokens.token_length(prefix)
        self._cache = cache
        self._failures = failure_limiter
        self._clock = clock
        self._blocked_until: dict[str, float] = {}

    async def authenticate(self, authorization: str | None, client: str) -> Principal:
        # Blocking follows the limiter's wall clock; expiry follows the domain clock.
        wall = time.time()
        self._refuse_if_blocked(client, wall)
        principal = await self._resolve(bearer_value(authorization), self._clock.timestamp())
        if principal is None:
            await self._record_failure(client, wall)
            raise NotAuthenticated
        return principal

    async def _resolve(self, candidate: str | None, now: float) -> Principal | None:
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
            row = (await session.execute(_LOOKUP.where(ApiToken.token_hash == token_hash))).first()
        if row is None:
            return None
        (
            credential_id,
            permissions,
            preview,
            expires_at,
            revoked_at,
            account_id,
            account_number,
            suspended_at,
        ) = row
        if revoked_at is not None or suspended_at is not None:
            return None
        return Principal(
            account_id=account_id,
            account_number=account_number,
            credential_id=credential_id,
            preview=preview,
            permissions=frozenset(permissions),
            expires_at=expires_at.timestamp() if expires_at is not None else None,
        )

    def _refuse_if_blocked(self, client: str, now: float) -> None:
        until = self._blocked_until.get(client)
        if until is None:
            return
        if until > now:
            raise TooManyAttempts(int(until - now) + 1)
        del self._blocked_until[client]

    async def _record_failure(self, client: str, now: float) -> None:
        decision = await self._failures.hit(client)
        if decision.allowed:
            return
        if len(self._blocked_until) >= _BLOCKLIST_PRUNE_AT:
            self._blocked_until = {k: v for k, v in self._blocked_until.items() if v > now}
        self._blocked_until[client] = now + decision.retry_after
        raise TooManyAttempts(decision.retry_after)
