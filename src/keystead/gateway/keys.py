"""The Ed25519 keys that sign assertions. One key signs at a time; `rotate` adds a
new one, and the keys before it stay published until every assertion they may have
signed has expired, so an upstream never meets a `kid` it cannot find.

The private halves are sealed under the server secret (AES-GCM, a purpose of their
own); a `kid` is the key's RFC 7638 thumbprint.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import structlog
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)
from sqlalchemy import or_, select, update

from keystead.access.sealing import Sealer, SealError
from keystead.clock import Clock
from keystead.store.db import Database
from keystead.store.models import SigningKey

logger = structlog.get_logger("keystead.gateway")

SEALING_PURPOSE = b"keystead signing keys v1"
ASSERTION_LIFETIME = timedelta(seconds=60)
REFRESH = timedelta(seconds=30)
"""How long an instance signs with the key it last read: after a rotation made
elsewhere, it may still sign with the old key for this long."""
CLOCK_SKEW = timedelta(seconds=30)
PUBLISHED_AFTER_RETIREMENT = REFRESH + ASSERTION_LIFETIME + CLOCK_SKEW


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def public_jwk(x: str) -> dict[str, str]:
    return {"kty": "OKP", "crv": "Ed25519", "x": x}


def thumbprint(x: str) -> str:
    """RFC 7638: SHA-256 over the required members in lexicographic order."""
    canonical = json.dumps(public_jwk(x), sort_keys=True, separators=(",", ":"))
    return b64url(hashlib.sha256(canonical.encode()).digest())


@dataclass(frozen=True, slots=True)
class ActiveKey:
    kid: str
    private_key: Ed25519PrivateKey


class SigningKeys:
    def __init__(self, db: Database, clock: Clock, server_secret: bytes) -> None:
        self._db = db
        self._clock = clock
        self._sealer = Sealer(server_secret, SEALING_PURPOSE)
        self._current: ActiveKey | None = None
        self._read_at = 0.0

    async def current(self) -> ActiveKey:
        """The key to sign with now; the first one is made on first use."""
        if self._current is not None and time.monotonic() - self._read_at < REFRESH.seconds:
            return self._current
        async with self._db.read() as session:
            row = await session.scalar(
                select(SigningKey)
                .where(SigningKey.retired_at.is_(None))
                .order_by(SigningKey.created_at.desc(), SigningKey.kid)
                .limit(1)
            )
        if row is None:
            row = await self._add(retire_others=False)
        try:
            sealed = self._sealer.unseal(row.sealed_private_key, row.kid)
        except SealError:
            # Sealed under a server secret this instance no longer has: that key can never
            # sign again, so a new one takes over (as `keystead keys rotate` would).
            logger.warning("signing key sealed under another server secret; rotating")
            row = await self._add(retire_others=True)
            sealed = self._sealer.unseal(row.sealed_private_key, row.kid)
        key = Ed25519PrivateKey.from_private_bytes(base64.b64decode(sealed))
        self._current, self._read_at = ActiveKey(row.kid, key), time.monotonic()
        return self._current

    async def rotate(self) -> str:
        """A new key signs from now on; the old ones stay published for a while."""
        row = await self._add(retire_others=True)
        self._current = None
        return row.kid

    async def published(self) -> list[dict[str, Any]]:
        """The JWK Set's keys: the signing key and those retired too recently to drop."""
        cutoff = self._clock.now() - PUBLISHED_AFTER_RETIREMENT
        async with self._db.read() as session:
            rows = await session.scalars(
                select(SigningKey)
                .where(or_(SigningKey.retired_at.is_(None), SigningKey.retired_at > cutoff))
                .order_by(SigningKey.created_at.desc(), SigningKey.kid)
            )
            return [
                {**public_jwk(row.public_key), "kid": row.kid, "use": "sig", "alg": "EdDSA"}
                for row in rows
            ]

    async def _add(self, *, retire_others: bool) -> SigningKey:
        private = Ed25519PrivateKey.generate()
        raw = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        x = b64url(private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))
        kid = thumbprint(x)
        now = self._clock.now()
        row = SigningKey(
            kid=kid,
            sealed_private_key=self._sealer.seal(base64.b64encode(raw).decode(), kid),
            public_key=x,
            created_at=now,
            retired_at=None,
        )
        async with self._db.transaction() as session:
            if retire_others:
                await session.execute(
                    update(SigningKey).where(SigningKey.retired_at.is_(None)).values(retired_at=now)
                )
            session.add(row)
        return row
