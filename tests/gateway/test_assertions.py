"""Keystead-Assertion and its keys: verified by an independent JWT library (PyJWT)
against the published JWK Set; a rotated key keeps verifying until its assertions
have expired; anything changed, aimed elsewhere or expired is refused."""

from __future__ import annotations

import base64
import hashlib
import json
import time
from datetime import timedelta
from typing import Any

import httpx
import jwt
import pytest
from sqlalchemy import select

from keystead.access.permissions import PermissionCatalogue
from keystead.access.principal import Principal
from keystead.clock import FixedClock
from keystead.gateway.assertions import Assertions
from keystead.gateway.keys import PUBLISHED_AFTER_RETIREMENT, SigningKeys
from keystead.runtime import Runtime
from keystead.store.models import SigningKey
from tests.catalogue import CATALOGUE

ISSUER = "https://keystead.example"
AUDIENCE = "http://10.0.0.5:9000"
PRINCIPAL = Principal(
    account_id=7,
    account_number="ACCOUNT007",
    credential_id="TOKEN00001",
    preview="kst_…abcd",
    permissions=frozenset({"bots:read", "account:read"}),
    expires_at=None,
)


def assertions(runtime: Runtime, catalogue: PermissionCatalogue = CATALOGUE) -> Assertions:
    return Assertions(runtime.signing_keys, catalogue, ISSUER, AUDIENCE)


async def jwk_set(client: httpx.AsyncClient) -> jwt.PyJWKSet:
    answer = await client.get("/.well-known/jwks.json")
    assert answer.status_code == 200
    return jwt.PyJWKSet.from_dict(answer.json())


def verify(token: str, keys: jwt.PyJWKSet, audience: str = AUDIENCE) -> dict[str, Any]:
    kid = jwt.get_unverified_header(token)["kid"]
    claims: dict[str, Any] = jwt.decode(
        token,
        keys[kid].key,
        algorithms=["EdDSA"],
        audience=audience,
        issuer=ISSUER,
        options={"require": ["exp", "iat", "iss", "aud", "sub", "jti"]},
    )
    return claims


async def test_an_assertion_verifies_against_the_published_keys(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    now = int(time.time())
    token = await assertions(runtime).mint(PRINCIPAL, "GET", f"{AUDIENCE}/v1/bots", now)
    header = jwt.get_unverified_header(token)
    assert (header["alg"], header["typ"]) == ("EdDSA", "JWT")
    claims = verify(token, await jwk_set(client))
    assert claims == {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "ACCOUNT007",
        "cred": "TOKEN00001",
        "scope": "account:read bots:read",
        "htm": "GET",
        "htu": f"{AUDIENCE}/v1/bots",
        "iat": now,
        "exp": now + 60,
        "jti": claims["jti"],
    }
    again = verify(
        await assertions(runtime).mint(PRINCIPAL, "GET", "/", now), await jwk_set(client)
    )
    assert again["jti"] != claims["jti"]  # each one is single-use for the upstream


async def test_the_jwk_set_names_each_key_by_its_thumbprint(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    answer = await client.get("/.well-known/jwks.json")
    assert answer.headers["cache-control"] == "public, max-age=15"
    [key] = answer.json()["keys"]
    assert {k: key[k] for k in ("kty", "crv", "use", "alg")} == {
        "kty": "OKP",
        "crv": "Ed25519",
        "use": "sig",
        "alg": "EdDSA",
    }
    # RFC 7638: SHA-256 over the required members, in order, without spaces.
    members = json.dumps({"crv": "Ed25519", "kty": "OKP", "x": key["x"]}, separators=(",", ":"))
    digest = hashlib.sha256(members.encode()).digest()
    assert key["kid"] == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    assert "d" not in key  # never the private half


async def test_a_changed_claim_another_audience_or_an_expired_one_is_refused(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    keys = await jwk_set(client)
    token = await assertions(runtime).mint(PRINCIPAL, "POST", "/v1/bots/X/open", int(time.time()))
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["sub"] = "SOMEONEELS"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(jwt.InvalidSignatureError):
        verify(f"{header}.{forged}.{signature}", keys)
    with pytest.raises(jwt.InvalidAudienceError):
        verify(token, keys, audience="http://another.example")
    expired = await assertions(runtime).mint(PRINCIPAL, "GET", "/", int(time.time()) - 61)
    with pytest.raises(jwt.ExpiredSignatureError):
        verify(expired, keys)


async def test_a_rotated_key_verifies_until_its_assertions_have_expired(
    client: httpx.AsyncClient, runtime: Runtime, clock: FixedClock
) -> None:
    before = await assertions(runtime).mint(PRINCIPAL, "GET", "/", int(time.time()))
    old_kid = jwt.get_unverified_header(before)["kid"]
    new_kid = await runtime.signing_keys.rotate()
    after = await assertions(runtime).mint(PRINCIPAL, "GET", "/", int(time.time()))
    assert jwt.get_unverified_header(after)["kid"] == new_kid != old_kid
    keys = await jwk_set(client)
    assert verify(before, keys)["sub"] == verify(after, keys)["sub"] == "ACCOUNT007"

    clock.advance(PUBLISHED_AFTER_RETIREMENT - timedelta(seconds=1))
    assert old_kid in {key.key_id for key in await jwk_set(client)}
    clock.advance(timedelta(seconds=2))
    assert [key.key_id for key in await jwk_set(client)] == [new_kid]


async def test_private_keys_are_sealed_under_the_server_secret(runtime: Runtime) -> None:
    await runtime.signing_keys.current()
    async with runtime.db.read() as session:
        [row] = (await session.scalars(select(SigningKey))).all()
    assert row.public_key not in row.sealed_private_key
    # A fresh reader (another instance) opens it with the same server secret only.
    colleague = SigningKeys(runtime.db, runtime.clock, runtime.settings.secret_bytes)
    assert (await colleague.current()).kid == row.kid
    # After the server secret changed, the key it sealed can never sign again: a new
    # one takes over at once instead of every signature failing until `keys rotate`.
    changed = SigningKeys(runtime.db, runtime.clock, b"another server secret entirely!!")
    replacement = await changed.current()
    assert replacement.kid != row.kid
    async with runtime.db.read() as session:
        rows = {key.kid: key for key in (await session.scalars(select(SigningKey))).all()}
    assert rows[row.kid].retired_at is not None
    assert rows[replacement.kid].retired_at is None
