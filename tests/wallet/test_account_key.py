"""The account API key: retrieve, generate once per hour (atomically), disable, and
its effect on /v1 on the very next request."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
from fastapi import FastAPI

from keystead.access import tokens
from keystead.app import create_app
from keystead.clock import FixedClock
from keystead.config import Settings
from keystead.runtime import Runtime
from tests.dump import dump_tables
from tests.wallet.conftest import wallet_sign_in

COOLDOWN = {"error": ["Error generating API key, regenen timeout: 1h"], "result": None}
NOT_AUTHENTICATED = {"success": False, "message": "Not authenticated", "data": []}


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def test_generate_retrieve_and_use_the_key(client: httpx.AsyncClient) -> None:
    user = await wallet_sign_in(client)
    generated = await user.user_api("PUT", "/generate")
    assert generated.status_code == 200
    key = generated.json()["result"]["apiKey"]
    assert generated.json()["error"] == []
    assert tokens.parse(key, "kst") is not None
    assert generated.headers["Cache-Control"] == "no-store"
    assert (await user.user_api("GET")).json() == {"error": [], "result": {"apiKey": key}}
    used = await client.get("/v1/account", headers=bearer(key))
    assert used.status_code == 200
    assert used.headers["X-RateLimit-Limit"] == "30"
    bots = await client.get("/v1/bots", headers=bearer(key))
    assert bots.status_code == 200  # every permission by default


async def test_one_generation_per_hour(client: httpx.AsyncClient, clock: FixedClock) -> None:
    user = await wallet_sign_in(client)
    first = (await user.user_api("PUT", "/generate")).json()["result"]["apiKey"]
    clock.advance(timedelta(minutes=59))
    refused = await user.user_api("PUT", "/generate")
    assert refused.status_code == 429
    assert refused.json() == COOLDOWN
    assert 1 <= int(refused.headers["Retry-After"]) <= 61
    assert (await user.user_api("GET")).json()["result"]["apiKey"] == first
    clock.advance(timedelta(minutes=1))
    second = await user.user_api("PUT", "/generate")
    assert second.status_code == 200
    assert second.json()["result"]["apiKey"] != first


async def test_twenty_simultaneous_generations_exactly_one_succeeds(
    client: httpx.AsyncClient,
) -> None:
    user = await wallet_sign_in(client)
    responses = await asyncio.gather(*(user.user_api("PUT", "/generate") for _ in range(20)))
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] + [429] * 19
    winner = next(r for r in responses if r.status_code == 200).json()["result"]["apiKey"]
    assert (await user.user_api("GET")).json()["result"]["apiKey"] == winner
    for response in responses:
        if response.status_code == 429:
            assert response.json() == COOLDOWN


async def test_a_restart_does_not_reset_the_cooldown(
    client: httpx.AsyncClient, settings: Settings, clock: FixedClock
) -> None:
    user = await wallet_sign_in(client)
    assert (await user.user_api("PUT", "/generate")).status_code == 200
    restarted: FastAPI = create_app(settings, clock=clock)
    async with restarted.router.lifespan_context(restarted):
        transport = httpx.ASGITransport(app=restarted)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as fresh:
            again = await fresh.put("/user/api/generate", headers=user.headers)
    assert again.status_code == 429
    assert again.json() == COOLDOWN


async def test_the_previous_key_fails_on_the_very_next_request(
    client: httpx.AsyncClient, clock: FixedClock
) -> None:
    user = await wallet_sign_in(client)
    old = (await user.user_api("PUT", "/generate")).json()["result"]["apiKey"]
    assert (await client.get("/v1/account", headers=bearer(old))).status_code == 200  # cached
    clock.advance(timedelta(hours=1))
    new = (await user.user_api("PUT", "/generate")).json()["result"]["apiKey"]
    after = await client.get("/v1/account", headers=bearer(old))
    assert after.status_code == 401
    assert after.json() == NOT_AUTHENTICATED
    assert (await client.get("/v1/account", headers=bearer(new))).status_code == 200

    disabled = await user.user_api("PUT", "/disable")
    assert disabled.json() == {"error": [], "result": "Disabled"}
    assert (await client.get("/v1/account", headers=bearer(new))).json() == NOT_AUTHENTICATED
    assert (await user.user_api("GET")).json() == {"error": [], "result": {"apiKey": None}}
    # Disabling does not reset the cooldown.
    assert (await user.user_api("PUT", "/generate")).status_code == 429


async def test_the_key_shares_the_accounts_rate_limit(client: httpx.AsyncClient) -> None:
    user = await wallet_sign_in(client)
    key = (await user.user_api("PUT", "/generate")).json()["result"]["apiKey"]
    for _ in range(30):
        assert (await client.get("/v1/account", headers=bearer(key))).status_code == 200
    refused = await client.get("/v1/account", headers=bearer(key))
    assert refused.status_code == 429


async def test_the_database_holds_no_plaintext_key_or_signature(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    user = await wallet_sign_in(client)
    key = (await user.user_api("PUT", "/generate")).json()["result"]["apiKey"]
    await client.get("/v1/account", headers=bearer(key))
    await runtime.usage.flush()
    dump = await dump_tables(runtime)
    assert "account_key" in dump  # the key's row is there, sealed
    assert "wallet" in dump  # and so is the session's
    for secret in (key, key[4:], user.signature, user.signature[2:], user.signature.lower()):
        assert secret not in dump
