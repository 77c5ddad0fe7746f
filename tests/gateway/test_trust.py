"""The upstream's side: `keystead serve-trading` trusts a request only through an
assertion that verifies against the gateway's JWK Set, for that very request, once."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from keystead.access.principal import Principal
from keystead.clock import FixedClock
from keystead.config import Settings
from keystead.gateway.keys import ActiveKey, b64url
from keystead.gateway.verification import AssertionRefused, AssertionVerifier, JwksKeys
from keystead.runtime import Runtime
from keystead.trading import api as trading_api
from keystead.trading.service import create_trading_service, gateway_issuer
from tests.backends import Backend
from tests.factories import make_account, make_token
from tests.gateway.jwks import tampered

SERVICE = "http://trading.internal:9000"
ISSUER = "http://127.0.0.1:8000"
JWKS = "http://testserver/.well-known/jwks.json"


@pytest.fixture
def settings(backend: Backend) -> Settings:
    return backend.settings(upstream_audience=SERVICE)


async def principal_of(runtime: Runtime, permissions: list[str]) -> Principal:
    account = await make_account(runtime)
    token = await make_token(runtime, account.id, permissions)
    return await runtime.authenticator.authenticate(f"Bearer {token}", "203.0.113.7")


def jwk_set_of(app: FastAPI) -> Callable[[], Awaitable[Any]]:
    """The gateway's JWK Set, read from the app in process."""

    async def fetch() -> Any:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport) as client:
            answer = await client.get(JWKS)
            answer.raise_for_status()
            return answer.json()

    return fetch


def verifier(app: FastAPI, clock: FixedClock, audience: str = SERVICE) -> AssertionVerifier:
    return AssertionVerifier(JwksKeys(jwk_set_of(app), clock), ISSUER, audience, clock)


async def test_each_check_of_the_assertion(
    app: FastAPI, runtime: Runtime, clock: FixedClock
) -> None:
    principal = await principal_of(runtime, ["bots:read"])
    url = f"{SERVICE}/v1/bots?page=2"
    now = int(clock.timestamp())
    check = verifier(app, clock)

    async def refused(assertion: str, method: str = "GET", at: str = url) -> str:
        with pytest.raises(AssertionRefused) as raised:
            await check.verify(assertion, method, at)
        return str(raised.value)

    good = await runtime.assertions.mint(principal, "GET", url, now)
    caller = await check.verify(good, "GET", url)
    assert (caller.account_number, caller.credential_id) == (
        principal.account_number,
        principal.credential_id,
    )
    assert caller.permissions == {"bots:read"}
    assert await refused(good) == "replayed jti"
    fresh = await runtime.assertions.mint(principal, "GET", url, now)
    assert await refused(tampered(fresh, sub="0000000000")) == "bad signature"
    assert await refused(fresh, method="POST") == "claim(s) refused: htm"
    assert await refused(fresh, at=f"{SERVICE}/v1/bots?page=3") == "claim(s) refused: htu"
    with pytest.raises(AssertionRefused, match="aud"):
        await verifier(app, clock, "http://elsewhere:9000").verify(fresh, "GET", url)
    unsigned = fresh.rsplit(".", 1)[0].replace(fresh.split(".")[0], "eyJhbGciOiJub25lIn0") + "."
    assert await refused(unsigned) == "not EdDSA with a kid"
    assert await refused("not-a-jwt") == "not a compact JWS"
    clock.advance(timedelta(seconds=60))
    assert await refused(fresh) == "claim(s) refused: exp"
    # Refusals leave the jti unspent: the genuine request, in time, is still served.
    clock.advance(timedelta(seconds=-60))
    assert (await check.verify(fresh, "GET", url)).account_number == principal.account_number


async def test_a_rotated_key_is_fetched_when_first_met(
    app: FastAPI, runtime: Runtime, clock: FixedClock
) -> None:
    principal = await principal_of(runtime, ["bots:read"])
    url = f"{SERVICE}/v1/bots"
    check = verifier(app, clock)
    before = await runtime.assertions.mint(principal, "GET", url, int(clock.timestamp()))
    await check.verify(before, "GET", url)
    await runtime.signing_keys.rotate()
    clock.advance(timedelta(seconds=31))  # the gateway's cached current key expires
    after = await runtime.assertions.mint(principal, "GET", url, int(clock.timestamp()))
    assert after.split(".")[0] != before.split(".")[0]
    assert (await check.verify(after, "GET", url)).account_number == principal.account_number


@pytest.fixture
async def service(
    app: FastAPI, backend: Backend, clock: FixedClock, tmp_path: Path, migrated_template: Path
) -> AsyncIterator[httpx.AsyncClient]:
    """serve-trading's app on a database of its own, trusting the gateway `app`."""
    own = tmp_path / "trading.db"
    shutil.copyfile(migrated_template, own)
    settings = Backend("sqlite", f"sqlite+aiosqlite:///{own}", None, own).settings(
        upstream_audience=SERVICE, gateway_jwks_url=JWKS, gateway_issuer=ISSUER
    )
    trading = create_trading_service(settings, trading_api, clock, fetch_keys=jwk_set_of(app))
    async with trading.router.lifespan_context(trading):
        transport = httpx.ASGITransport(app=trading)
        async with httpx.AsyncClient(transport=transport, base_url=SERVICE) as client:
            yield client


async def test_serve_trading_serves_only_what_the_gateway_signed(
    service: httpx.AsyncClient, runtime: Runtime, clock: FixedClock
) -> None:
    principal = await principal_of(runtime, ["bots:read"])
    now = int(clock.timestamp())
    signed = await runtime.assertions.mint(principal, "GET", f"{SERVICE}/v1/bots", now)
    served = await service.get("/v1/bots", headers={"Keystead-Assertion": signed})
    assert served.status_code == 200, served.text
    assert served.json() == {"success": True, "message": "Bots retrieved", "data": []}
    replayed = await service.get("/v1/bots", headers={"Keystead-Assertion": signed})
    assert replayed.json() == {"success": False, "message": "Not authenticated", "data": []}
    assert (await service.get("/v1/bots")).status_code == 401
    enable = f"{SERVICE}/v1/bots/ABCDEFGHIJ/enable"
    beyond = await runtime.assertions.mint(principal, "PUT", enable, now)
    forbidden = await service.put(enable, headers={"Keystead-Assertion": beyond})
    assert (forbidden.status_code, forbidden.json()["message"]) == (
        403,
        "Invalid token permissions",
    )
    assert (await service.get("/healthz")).status_code == 200


def test_the_issuer_is_the_url_the_jwk_set_sits_under() -> None:
    assert gateway_issuer("https://api.example.com/.well-known/jwks.json") == (
        "https://api.example.com"
    )
    with pytest.raises(Exception, match=r"must end with /\.well-known/jwks\.json"):
        gateway_issuer("https://api.example.com/keys")


def signed(key: ActiveKey, claims: dict[str, object]) -> str:
    """An assertion signed by hand: claims keystead itself would never write."""

    def segment(value: object) -> str:
        return b64url(json.dumps(value).encode())

    header = segment({"alg": "EdDSA", "typ": "JWT", "kid": key.kid})
    body = f"{header}.{segment(claims)}"
    return f"{body}.{b64url(key.private_key.sign(body.encode()))}"


async def test_time_claims_must_be_what_keystead_writes(
    app: FastAPI, runtime: Runtime, clock: FixedClock
) -> None:
    principal = await principal_of(runtime, ["bots:read"])
    url = f"{SERVICE}/v1/bots"
    now = int(clock.timestamp())
    key = await runtime.signing_keys.current()
    base = runtime.assertions.claims(principal, "GET", url, now)
    check = verifier(app, clock)
    for odd in (
        {"iat": True},
        {"exp": 2**70},
        {"exp": float(now + 30)},
        {"exp": now + 3600},  # longer-lived than any assertion keystead signs
    ):
        with pytest.raises(AssertionRefused, match="claim"):
            await check.verify(signed(key, {**base, **odd}), "GET", url)
    assert (await check.verify(signed(key, base), "GET", url)).account_number


async def test_a_key_the_gateway_withdrew_is_trusted_no_longer(
    app: FastAPI, runtime: Runtime, clock: FixedClock
) -> None:
    principal = await principal_of(runtime, ["bots:read"])
    url = f"{SERVICE}/v1/bots"
    check = verifier(app, clock)
    leaked = await runtime.signing_keys.current()

    def minted_with_leaked_key() -> str:
        now = int(clock.timestamp())
        return signed(leaked, runtime.assertions.claims(principal, "GET", url, now))

    await check.verify(minted_with_leaked_key(), "GET", url)
    await runtime.signing_keys.rotate()
    clock.advance(timedelta(minutes=3))  # retired, then unpublished
    with pytest.raises(AssertionRefused, match="unknown kid"):
        await check.verify(minted_with_leaked_key(), "GET", url)


async def test_a_flood_of_made_up_kids_costs_the_gateway_one_fetch(
    app: FastAPI, runtime: Runtime, clock: FixedClock
) -> None:
    fetches = 0
    fetch = jwk_set_of(app)

    async def counted() -> Any:
        nonlocal fetches
        fetches += 1
        return await fetch()

    check = AssertionVerifier(JwksKeys(counted, clock), ISSUER, SERVICE, clock)
    principal = await principal_of(runtime, ["bots:read"])
    key = await runtime.signing_keys.current()
    claims = runtime.assertions.claims(principal, "GET", SERVICE, int(clock.timestamp()))
    forged = [signed(ActiveKey(f"made-up-{n}", key.private_key), claims) for n in range(50)]
    outcomes = await asyncio.gather(
        *(check.verify(one, "GET", SERVICE) for one in forged), return_exceptions=True
    )
    assert all(isinstance(outcome, AssertionRefused) for outcome in outcomes)
    assert fetches == 1
