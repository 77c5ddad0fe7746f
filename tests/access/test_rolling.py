"""Rolling a token: a new secret with the same identity, the old one working for the
chosen grace period and not a moment longer, on one instance and on two."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI

from keystead.app import create_app
from keystead.audit import Actor
from keystead.clock import FixedClock
from keystead.config import Settings
from keystead.runtime import Runtime
from keystead.services.leaks import Sighting
from tests.factories import User, bearer, sign_up

NOT_AUTHENTICATED = {"success": False, "message": "Not authenticated", "data": []}


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


async def _status(client: httpx.AsyncClient, secret: str) -> int:
    return (await client.get("/v1/account", headers=bearer(secret))).status_code


async def _roll(user: User, token_id: str, grace: str | None) -> httpx.Response:
    body = None if grace is None else {"grace_period": grace}
    return await user.request("POST", f"/account/api-tokens/{token_id}/roll", json=body)


async def test_roll_with_an_hour_of_grace_then_only_the_new_secret_works(
    client: httpx.AsyncClient, clock: FixedClock
) -> None:
    user = await sign_up(client)
    created = await user.create_token(["account:read"], name="deploy bot")
    old = created["token"]
    assert await _status(client, old) == 200  # cached on this instance before the roll
    rolled_at = clock.now()

    response = await _roll(user, created["id"], "1h")
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["success"] is True
    assert body["message"] == "Token rolled"
    rolled = body["data"]
    new = rolled["token"]
    assert new != old
    for same in ("id", "name", "permissions", "expires_at", "created_at", "allowed_ips"):
        assert rolled[same] == created[same], same
    assert rolled["preview"] == f"kst_...{new[-4:]}"
    assert rolled["previous_secret"]["preview"] == created["preview"]
    assert parse_time(rolled["previous_secret"]["expires_at"]) == rolled_at + timedelta(hours=1)

    old_answer = await client.get("/v1/account", headers=bearer(old))
    assert old_answer.status_code == 200
    # The old secret says when it stops, and warns that it was rolled.
    assert parse_time(old_answer.headers["keystead-token-expiration"]) == rolled_at + timedelta(
        hours=1
    )
    assert "rolled" in old_answer.headers["keystead-token-warning"]
    new_answer = await client.get("/v1/account", headers=bearer(new))
    assert new_answer.status_code == 200
    assert new_answer.headers["keystead-token-expiration"] == created["expires_at"]
    assert "keystead-token-warning" not in new_answer.headers

    clock.advance(timedelta(minutes=59, seconds=59))
    assert await _status(client, old) == 200
    clock.advance(timedelta(seconds=1))  # exactly the end of the grace period
    refused = await client.get("/v1/account", headers=bearer(old))
    assert refused.status_code == 401
    assert refused.json() == NOT_AUTHENTICATED
    assert await _status(client, new) == 200

    listed = (await user.request("GET", "/account/api-tokens")).json()["data"]
    assert [(t["id"], t["previous_secret"]) for t in listed] == [(created["id"], None)]


async def test_roll_without_grace_stops_the_old_secret_at_once(
    client: httpx.AsyncClient,
) -> None:
    user = await sign_up(client)
    created = await user.create_token(["account:read"])
    assert await _status(client, created["token"]) == 200
    response = await _roll(user, created["id"], None)  # no body: the default, none
    assert response.status_code == 200
    assert await _status(client, created["token"]) == 401
    assert await _status(client, response.json()["data"]["token"]) == 200


@pytest.mark.parametrize(("grace", "hours"), [("24h", 24), ("7d", 168)])
async def test_each_grace_period_is_honoured_to_the_second(
    client: httpx.AsyncClient, clock: FixedClock, grace: str, hours: int
) -> None:
    user = await sign_up(client)
    created = await user.create_token(["account:read"])
    await _roll(user, created["id"], grace)
    clock.advance(timedelta(hours=hours) - timedelta(seconds=1))
    assert await _status(client, created["token"]) == 200
    clock.advance(timedelta(seconds=1))
    assert await _status(client, created["token"]) == 401


async def test_a_second_roll_stops_the_first_secret_at_once(
    client: httpx.AsyncClient,
) -> None:
    user = await sign_up(client)
    created = await user.create_token(["account:read"])
    first = created["token"]
    second = (await _roll(user, created["id"], "7d")).json()["data"]["token"]
    assert await _status(client, first) == 200
    third = (await _roll(user, created["id"], "1h")).json()["data"]["token"]
    assert await _status(client, first) == 401
    assert await _status(client, second) == 200
    assert await _status(client, third) == 200


async def test_revoking_during_the_grace_period_stops_both_secrets(
    client: httpx.AsyncClient,
) -> None:
    user = await sign_up(client)
    created = await user.create_token(["account:read"])
    new = (await _roll(user, created["id"], "24h")).json()["data"]["token"]
    assert await _status(client, created["token"]) == 200
    assert (await user.request("DELETE", f"/account/api-tokens/{created['id']}")).status_code == 200
    assert await _status(client, created["token"]) == 401
    assert await _status(client, new) == 401


async def test_permission_edits_apply_to_the_old_secret_too(client: httpx.AsyncClient) -> None:
    user = await sign_up(client)
    created = await user.create_token(["account:read", "bots:read"])
    await _roll(user, created["id"], "24h")
    assert (await client.get("/v1/bots", headers=bearer(created["token"]))).status_code == 200
    edit = {"permissions": ["account:read"]}
    await user.request("PATCH", f"/account/api-tokens/{created['id']}", json=edit)
    refused = await client.get("/v1/bots", headers=bearer(created["token"]))
    assert refused.status_code == 403


async def test_a_reported_old_secret_stops_and_the_new_one_keeps_working(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    user = await sign_up(client)
    created = await user.create_token(["account:read"])
    new = (await _roll(user, created["id"], "7d")).json()["data"]["token"]
    assert await _status(client, created["token"]) == 200
    stopped = await runtime.leaks.report([Sighting(created["token"])], Actor.scanner(None))
    assert stopped == 1
    assert await _status(client, created["token"]) == 401
    assert await _status(client, new) == 200
    # A second report of the same, now dead, secret changes nothing.
    assert await runtime.leaks.report([Sighting(created["token"])], Actor.scanner(None)) == 0


async def test_rolling_is_audited_without_secrets(
    client: httpx.AsyncClient,
) -> None:
    user = await sign_up(client)
    created = await user.create_token(["account:read"])
    new = (await _roll(user, created["id"], "1h")).json()["data"]
    [entry] = [
        event
        for event in (await user.request("GET", "/account/audit")).json()["data"]
        if event["action"] == "token.rolled"
    ]
    assert entry["actor"] == "owner"
    assert entry["credential"] == {"id": created["id"], "preview": new["preview"]}
    assert entry["details"]["grace_period"] == "1h"
    assert entry["details"]["previous_preview"] == created["preview"]
    assert created["token"] not in str(entry)
    assert new["token"] not in str(entry)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"grace_period": "2h"}, "grace_period"),
        ({"grace_period": 3600}, "grace_period"),
        ({"grace": "1h"}, "grace"),
    ],
)
async def test_a_grace_period_outside_the_choices_is_422(
    client: httpx.AsyncClient, body: dict[str, object], field: str
) -> None:
    user = await sign_up(client)
    created = await user.create_token(["account:read"])
    response = await user.request("POST", f"/account/api-tokens/{created['id']}/roll", json=body)
    assert response.status_code == 422
    assert field in response.json()["message"]
    assert await _status(client, created["token"]) == 200  # nothing changed


async def test_revoked_expired_foreign_and_unaccepted_tokens_are_not_rolled(
    client: httpx.AsyncClient, clock: FixedClock, runtime: Runtime
) -> None:
    user = await sign_up(client)
    revoked = await user.create_token(["account:read"])
    await user.request("DELETE", f"/account/api-tokens/{revoked['id']}")
    response = await _roll(user, revoked["id"], "1h")
    assert response.status_code == 409
    assert response.json()["message"] == "Token is revoked; create a new one instead"

    expiring = await user.create_token(
        ["account:read"], expires_at=(clock.now() + timedelta(days=1)).isoformat()
    )
    clock.advance(timedelta(days=2))
    response = await _roll(user, expiring["id"], "1h")
    assert response.status_code == 409
    assert response.json()["message"] == "Token has expired; extend it before rolling it"

    other = await sign_up(client)
    response = await _roll(other, expiring["id"], "1h")
    assert response.status_code == 404
    assert response.json()["message"] == "Token not found"

    mine = await user.create_token(["account:read"])
    await runtime.terms.publish("Version two of the terms.", by=Actor.operator())
    response = await _roll(user, mine["id"], "1h")
    assert response.status_code == 403
    assert response.json()["message"] == "API terms not accepted"
    assert await _status(client, mine["token"]) == 200


# --- two instances ---------------------------------------------------------------


@pytest.fixture
async def second_app(settings: Settings, clock: FixedClock) -> AsyncIterator[FastAPI]:
    """Another keystead instance on the same storage (and Redis): its own cache,
    limiter client, event subscription and journal poller. Both read the test clock,
    which a served process could not."""
    application = create_app(settings, clock=clock)
    async with application.router.lifespan_context(application):
        yield application


async def test_roll_with_an_hour_of_grace_holds_on_two_instances(
    client: httpx.AsyncClient, second_app: FastAPI, clock: FixedClock
) -> None:
    transport = httpx.ASGITransport(app=second_app, client=("203.0.113.8", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as b:
        user = await sign_up(client)
        created = await user.create_token(["account:read"])
        old = created["token"]
        assert await _status(b, old) == 200  # B caches the old secret before the roll
        new = (await _roll(user, created["id"], "1h")).json()["data"]["token"]
        await asyncio.sleep(0.6)  # B hears of it: pub/sub, or the journal it polls every 0.25 s
        for instance in (client, b):
            assert await _status(instance, old) == 200
            assert await _status(instance, new) == 200
        clock.advance(timedelta(hours=1, seconds=1))
        for instance in (client, b):
            assert await _status(instance, old) == 401
            assert await _status(instance, new) == 200
