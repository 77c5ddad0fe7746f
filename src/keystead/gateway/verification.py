"""The upstream's side of `Keystead-Assertion`: verify it against the gateway's JWK Set.

An assertion is trusted only if all of these hold: EdDSA over a key the JWK Set
publishes (fetched again when an unknown `kid` arrives, so a rotation needs no
restart), the gateway as `iss`, this service as `aud`, not expired, minted for this
very method and URL (`htm`, `htu`), and a `jti` not seen before (kept until the
assertion would expire anyway, so the memory it takes is bounded by the traffic of
one minute). The replay memory is per process.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

import httpx
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from keystead.clock import Clock

JWKS_SUFFIX = "/.well-known/jwks.json"
_REFETCH_AFTER = 2.0
"""Seconds between two fetches of the JWK Set for unknown `kid`s: a flood of made-up
ones costs the gateway one request every two seconds, not one each."""
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
    """The gateway's public keys by `kid`, from its JWK Set."""

    def __init__(self, url: str, client: httpx.AsyncClient, clock: Clock) -> None:
        self._url = url
        self._client = client
        self._clock = clock
        self._keys: dict[str, Ed25519PublicKey] = {}
        self._fetched_at: float | None = None

    async def key(self, kid: str) -> Ed25519PublicKey | None:
        known = self._keys.get(kid)
        if known is not None:
            return known
        now = self._clock.timestamp()
        if self._fetched_at is None or now - self._fetched_at >= _REFETCH_AFTER:
            await self._fetch()
            self._fetched_at = now
        return self._keys.get(kid)

    async def _fetch(self) -> None:
        try:
            answer = await self._client.get(self._url)
            answer.raise_for_status()
            document = answer.json()
        except (httpx.HTTPError, ValueError) as error:
            if not self._keys:
                raise GatewayKeysUnavailable(f"{self._url}: {type(error).__name__}") from error
            return  # keep verifying with the keys already known
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
        self._keys = keys


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
        if header.get("alg") != "EdDSA" or not isinstance(header.get("kid"), str):
            raise AssertionRefused("not EdDSA with a kid")
        key = await self._keys.key(header["kid"])
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
        exp, iat = claims.get("exp"), claims.get("iat")
        checks = {
            "iss": claims.get("iss") == self._issuer,
            "aud": self._audience in audiences,
            "exp": isinstance(exp, int | float) and not isinstance(exp, bool) and now < exp,
            "iat": isinstance(iat, int | float) and iat <= now + _CLOCK_SKEW,
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
        self._remember(claims["jti"], float(claims["exp"]), now)
        return Caller(claims["sub"], claims["cred"], frozenset(claims["scope"].split()))

    def _remember(self, jti: str, expires: float, now: float) -> None:
        if now >= self._next_sweep:
            self._seen = {seen: until for seen, until in self._seen.items() if until > now}
            self._next_sweep = now + 10
        if jti in self._seen:
            raise AssertionRefused("replayed jti")
        self._seen[jti] = expires
