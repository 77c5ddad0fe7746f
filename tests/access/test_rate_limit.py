"""30 admitted requests per account per minute, across all of its tokens; then 429."""

from __future__ import annotations

import time

import httpx
import pytest

from keystead.access import tokens
from keystead.access.principal import Principal
from keystead.runtime import Runtime
from tests.factories import bearer, sign_up

TOO_MANY = {"success": False, "message": "Too Many Attempts.", "data": []}


async def test_thirty_across_two_tokens_then_429_and_other_account_unaffected(
    client: httpx.AsyncClient,
) -> None:
    alice = await sign_up(client)
    bob = await sign_up(client)
    first = (await alice.create_token(["account:read"], name="first"))["token"]
    second = (await alice.create_token(["account:read"], name="second"))["token"]
    bobs = (await bob.create_token(["account:read"]))["token"]

    started = time.monotonic()
    remaining = []
    for index in range(30):
        token = first if index % 2 == 0 else second
        response = await client.get("/v1/account", headers=bearer(token))
        assert response.status_code == 200, index
        assert response.headers["X-RateLimit-Limit"] == "30"
        remaining.append(int(response.headers["X-RateLimit-Remaining"]))
    assert remaining == list(range(29, -1, -1))

    for token in (first, second):
        refused = await client.get("/v1/account", headers=bearer(token))
        assert refused.status_code == 429
        assert refused.json() == TOO_MANY
        assert refused.headers["X-RateLimit-Remaining"] == "0"
        retry_after = int(refused.headers["Retry-After"])
        elapsed = time.monotonic() - started
        # The first admitted request leaves the window 60 s after it was made.
        assert 60 - elapsed - 1 <= retry_after <= 60

    other = await client.get("/v1/account", headers=bearer(bobs))
    assert other.status_code == 200
    assert other.headers["X-RateLimit-Remaining"] == "29"


async def test_failed_authentications_are_limited_per_address(
    client: httpx.AsyncClient,
) -> None:
    user = await sign_up(client)
    valid = (await user.create_token(["account:read"]))["token"]
    for _ in range(60):
        response = await client.get("/v1/account", headers=bearer(tokens.mint("kst")))
        assert response.status_code == 401
    refused = await client.get("/v1/account", headers=bearer(tokens.mint("kst")))
    assert refused.status_code == 429
    assert refused.json() == TOO_MANY
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    # Over the limit, the address still uses a valid token (a neighbour behind the
    # same NAT): the block bounds guessing and storage reads, which it is neither.
    assert (await client.get("/v1/account", headers=bearer(valid))).status_code == 200
    # Guesses stay refused, and cost at most one storage read a second.
    for _ in range(20):
        guess = await client.get("/v1/account", headers=bearer(tokens.mint("kst")))
        assert guess.status_code == 429
        assert guess.json() == TOO_MANY
    assert (await client.get("/v1/account", headers=bearer(valid))).status_code == 200


async def test_a_blocked_address_costs_at_most_a_storage_read_a_second(
    client: httpx.AsyncClient, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    authenticator = runtime.authenticator
    reads = 0
    load = authenticator._load

    async def counted(token_hash: str) -> Principal | None:
        nonlocal reads
        reads += 1
        return await load(token_hash)

    monkeypatch.setattr(authenticator, "_load", counted)
    for _ in range(61):
        await client.get("/v1/account", headers=bearer(tokens.mint("kst")))
    reads = 0
    started = time.monotonic()
    for _ in range(30):
        guess = await client.get("/v1/account", headers=bearer(tokens.mint("kst")))
        assert guess.status_code == 429
    seconds = time.monotonic() - started
    assert reads <= int(seconds) + 1
