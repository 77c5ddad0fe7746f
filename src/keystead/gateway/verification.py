"""The upstream's side of `Keystead-Assertion`: verify it against the gateway's JWK Set.

An assertion is trusted only if all of these hold: EdDSA over a key the JWK Set
publishes (fetched again when an unknown `kid` arrives, so a rotation needs no
restart), the gateway as `iss`, this service as `aud`, not expired, minted for this
very method and URL (`htm`, `htu`), and a `jti` not seen before (kept until the
assertion would expire anyway, so the memory it takes is bounded by the traffic of
one minute). The replay memory is per process.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from keystead.clock import Clock
from keystead.gateway.keys import ASSERTION_LIFETIME

ASSERTION_SECONDS = int(ASSERTION_LIFETIME.total_seconds())

JWKS_SUFFIX = "/.well-known/jwks.json"
_REFETCH_AFTER = 2.0
"""Seconds between two fetches of the JWK Set: a flood of made-up `kid`s costs the
gateway one request every two seconds, not one each."""
_REFRESH_EVERY = 60.0
"""A key the gateway no longer publishes is trusted at most this long after."""
_CLOCK_SKEW = 5
"""Seconds an `iat` may lie in the future (clocks of two hosts differ a little)."""
_MAX_ASSERTION_BYTES = 8192


class AssertionRefused(Exception):
    """Why an assertion is not trusted: for the log, never for the caller."""


class GatewayKeysUnavailable(Exception):
    """The gateway's JWK Set could not be fetched: nothing can be verified."""


@dataclass(frozen=True, slots=True)
class Caller:
    account_number: str
    credential_id: str
    permissions: frozenset[str]


def _decoded(segment: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError) as error:
        raise AssertionRefused("malformed base64url") from error


def _object(segment: str) -> dict[str, Any]:
    try:
        value = json.loads(_decoded(segment))
    except (UnicodeDecodeError, ValueError) as error:
        raise AssertionRefused("malformed JSON") from error
    if not isinstance(value, dict):
        raise AssertionRefused("not a JSON object")
    return value


class JwksKeys:
    """The gateway's public keys by `kid`, from its JWK Set: fetched again when an
    unknown `kid` arrives and at least every minute, so a key the gateway stopped
    publishing stops being trusted, and never by two requests at once."""

    def __init__(self, fetch: Callable[[], Awaitable[Any]], clock: Clock) -> None:
        self._fetch = fetch
        self._clock = clock
        self._keys: dict[str, Ed25519PublicKey] = {}
        self._fresh_at: float | None = None
        self._tried_at: float | None = None
        self._lock = asyncio.Lock()

    async def key(self, kid: str) -> Ed25519PublicKey | None:
        known = self._keys.get(kid)
        now = self._clock.timestamp()
        if known is None or self._fresh_at is None or now - self._fresh_at >= _REFRESH_EVERY:
            await self._refresh()
            known = self._keys.get(kid)
        return known

    async def _refresh(self) -> None:
        async with self._lock:
            now = self._clock.timestamp()
            if self._tried_at is not None and now - self._tried_at < _REFETCH_AFTER:
                return  # asked a moment ago (perhaps by the request queued before this one)
            self._tried_at = now
            try:
                document = await self._fetch()
            except Exception as error:
                if not self._keys:
                    raise GatewayKeysUnavailable(type(error).__name__) from error
                return  # keep verifying with the keys already known
            self._keys = _public_keys(document)
            self._fresh_at = now


def _public_keys(document: Any) -> dict[str, Ed25519PublicKey]:
    keys = {}
    for entry in document.get("keys", []) if isinstance(document, dict) else []:
        if (
            isinstance(entry, dict)
            and entry.get("kty") == "OKP"
            and entry.get("crv") == "Ed25519"
            and isinstance(entry.get("kid"), str)
            and isinstance(entry.get("x"), str)
        ):
            try:
                keys[entry["kid"]] = Ed25519PublicKey.from_public_bytes(_decoded(entry["x"]))
            except (AssertionRefused, ValueError):
                continue
    return keys


def _whole(value: Any) -> bool:
    """A time claim as keystead writes it: whole seconds, in a sane range."""
    return type(value) is int and 0 < value < 2**40


class AssertionVerifier:
    def __init__(self, keys: JwksKeys, issuer: str, audience: str, clock: Clock) -> None:
        self._keys = keys
        self._issuer = issuer
        self._audience = audience
        self._clock = clock
        self._seen: dict[str, float] = {}
        self._next_sweep = 0.0

    async def verify(self, assertion: str | None, method: str, url: str) -> Caller:
        if not assertion or len(assertion) > _MAX_ASSERTION_BYTES:
            raise AssertionRefused("no assertion")
        parts = assertion.split(".")
        if len(parts) != 3:
            raise AssertionRefused("not a compact JWS")
        header, claims = _object(parts[0]), _object(parts[1])
        kid = header.get("kid")
        if header.get("alg") != "EdDSA" or not isinstance(kid, str) or not 0 < len(kid) <= 128:
            raise AssertionRefused("not EdDSA with a kid")
        if "crit" in header:
            raise AssertionRefused("critical header extensions")
        key = await self._keys.key(kid)
        if key is None:
            raise AssertionRefused("unknown kid")
        try:
            key.verify(_decoded(parts[2]), f"{parts[0]}.{parts[1]}".encode())
        except InvalidSignature as error:
            raise AssertionRefused("bad signature") from error
        return self._accepted(claims, method, url)

    def _accepted(self, claims: dict[str, Any], method: str, url: str) -> Caller:
        now = self._clock.timestamp()
        audience = claims.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        exp: Any = claims.get("exp")
        iat: Any = claims.get("iat")
        times = _whole(exp) and _whole(iat)
        checks = {
            "iss": claims.get("iss") == self._issuer,
            "aud": self._audience in audiences,
            "exp": times and now < exp and exp - iat <= ASSERTION_SECONDS,
            "iat": times and iat <= now + _CLOCK_SKEW,
            "htm": claims.get("htm") == method,
            "htu": claims.get("htu") == url,
            "sub": isinstance(claims.get("sub"), str) and bool(claims["sub"]),
            "cred": isinstance(claims.get("cred"), str),
            "scope": isinstance(claims.get("scope"), str),
            "jti": isinstance(claims.get("jti"), str) and 0 < len(claims["jti"]) <= 128,
        }
        failed = [name for name, passed in checks.items() if not passed]
        if failed:
            raise AssertionRefused(f"claim(s) refused: {', '.join(failed)}")
        self._remember(claims["jti"], float(exp), now)
        return Caller(claims["sub"], claims["cred"], frozenset(claims["scope"].split()))

    def _remember(self, jti: str, expires: float, now: float) -> None:
        if now >= self._next_sweep:
            self._seen = {seen: until for seen, until in self._seen.items() if until > now}
            self._next_sweep = now + 10
        if jti in self._seen:
            raise AssertionRefused("replayed jti")
        self._seen[jti] = expires
