"""Expiry signals: every /v1 answer to an expiring token says when it expires, and
warns in its last 7 days; refusals to a known token carry them too."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx

from keystead.access.expiry import expiry_headers
from keystead.access.principal import Principal
from keystead.clock import FixedClock
from tests.factories import bearer, sign_up


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


async def test_every_answer_carries_the_expiry_and_no_warning_far_from_it(
    client: httpx.AsyncClient, clock: FixedClock
) -> None:
    user = await sign_up(client)
    token = await user.create_token(["account:read"])
    for path, status in [("/v1/account", 200), ("/v1/bots", 403), ("/v1/bots/NOPE", 403)]:
        response = await client.get(path, headers=bearer(token["token"]))
        assert response.status_code == status, path
        assert response.headers["keystead-token-expiration"] == token["expires_at"]
        assert parse_time(token["expires_at"]) == clock.now() + timedelta(days=365)
        assert "keystead-token-warning" not in response.headers


async def test_the_warning_starts_seven_days_before_expiry(
    client: httpx.AsyncClient, clock: FixedClock
) -> None:
    user = await sign_up(client)
    expires_at = clock.now() + timedelta(days=30)
    token = await user.create_token(["account:read"], expires_at=expires_at.isoformat())
    clock.set(expires_at - timedelta(days=7))
    response = await client.get("/v1/account", headers=bearer(token["token"]))
    assert "keystead-token-warning" not in response.headers
    clock.advance(timedelta(seconds=1))
    response = await client.get("/v1/account", headers=bearer(token["token"]))
    assert response.headers["keystead-token-warning"] == (
        f"This token expires at {token['expires_at']} (in 6 days); extend it or create a new one"
    )
    clock.set(expires_at - timedelta(hours=5, minutes=30))
    response = await client.get("/v1/account", headers=bearer(token["token"]))
    assert "(in 5 hours)" in response.headers["keystead-token-warning"]
    clock.set(expires_at - timedelta(seconds=30))
    response = await client.get("/v1/account", headers=bearer(token["token"]))
    assert "(in less than a minute)" in response.headers["keystead-token-warning"]


async def test_a_rate_limited_answer_carries_the_signals_too(
    client: httpx.AsyncClient, clock: FixedClock
) -> None:
    user = await sign_up(client)
    expires_at = clock.now() + timedelta(days=3)
    token = await user.create_token(["account:read"], expires_at=expires_at.isoformat())
    for _ in range(30):
        await client.get("/v1/account", headers=bearer(token["token"]))
    refused = await client.get("/v1/account", headers=bearer(token["token"]))
    assert refused.status_code == 429
    assert refused.headers["keystead-token-expiration"] == token["expires_at"]
    assert "(in 3 days)" in refused.headers["keystead-token-warning"]


async def test_answers_without_a_known_token_carry_no_signals(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/account")
    assert response.status_code == 401
    assert "keystead-token-expiration" not in response.headers


def test_a_credential_that_never_expires_gets_no_signal() -> None:
    forever = Principal(1, "A", "ID", "kst_...abcd", frozenset(), None)
    assert expiry_headers(forever, 0.0) == []
