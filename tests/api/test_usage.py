"""Usage figures: exact counts per hour and day by status class, distinct client
addresses, last use; per token and per account; batched, never lost, kept 90 days."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, text

from keystead.access.sessions import SESSION_COOKIE
from keystead.app import create_app
from keystead.clock import FixedClock
from keystead.config import Settings
from keystead.runtime import Runtime
from keystead.store.db import Database
from keystead.store.models import TokenUsage
from tests.access.test_allowlist import client_at
from tests.factories import PASSWORD, User, bearer, sign_up


async def _usage(user: User, path: str, **params: int) -> dict[str, Any]:
    response = await user.request("GET", path, params=params)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


async def sign_in_again(user: User) -> User:
    login = await user.client.post("/auth/login", json={"email": user.email, "password": PASSWORD})
    assert login.status_code == 200, login.text
    session_id = login.cookies[SESSION_COOKIE]
    user.client.cookies.clear()
    return replace(user, csrf_token=login.json()["data"]["csrf_token"], session_id=session_id)


def _counts(bucket: dict[str, Any]) -> tuple[int, int, int, int, int, int]:
    return (
        bucket["requests"],
        bucket["2xx"],
        bucket["4xx"],
        bucket["429"],
        bucket["5xx"],
        bucket["client_addresses"],
    )


async def test_counts_by_class_and_address_are_exact(
    app: FastAPI, client: httpx.AsyncClient, clock: FixedClock
) -> None:
    clock.set(datetime(2026, 11, 20, 10, 30, tzinfo=UTC))
    user = await sign_up(client)
    token = await user.create_token(["account:read", "bots:read"])
    other = await user.create_token(["account:read"], name="other")
    headers = bearer(token["token"])
    async with client_at(app, "198.51.100.1") as a, client_at(app, "2001:db8::5") as b:
        for _ in range(5):
            assert (await a.get("/v1/account", headers=headers)).status_code == 200
        for _ in range(3):
            assert (await b.get("/v1/bots/NOPE", headers=headers)).status_code == 404
        assert (await a.get("/v1/bots/orders", headers=bearer(other["token"]))).status_code == 403
        clock.advance(timedelta(hours=1))  # 11:30: the next hourly bucket
        for _ in range(22):
            assert (await a.get("/v1/account", headers=headers)).status_code == 200
        statuses = [(await b.get("/v1/account", headers=headers)).status_code for _ in range(4)]
        # The account's 30 a minute: the 404s count (admitted), the 403 does not.
        assert statuses == [429] * 4
    usage = await _usage(user, f"/account/api-tokens/{token['id']}/usage", hours=3, days=2)
    assert usage["token_id"] == token["id"]
    assert usage["last_used_at"] == "2026-11-20T11:30:00Z"
    assert [bucket["start"] for bucket in usage["hourly"]] == [
        "2026-11-20T09:00:00Z",
        "2026-11-20T10:00:00Z",
        "2026-11-20T11:00:00Z",
    ]
    assert [_counts(bucket) for bucket in usage["hourly"]] == [
        (0, 0, 0, 0, 0, 0),
        (8, 5, 3, 0, 0, 2),
        (26, 22, 0, 4, 0, 2),
    ]
    assert [bucket["start"] for bucket in usage["daily"]] == [
        "2026-11-19T00:00:00Z",
        "2026-11-20T00:00:00Z",
    ]
    assert [_counts(bucket) for bucket in usage["daily"]] == [
        (0, 0, 0, 0, 0, 0),
        (34, 27, 3, 4, 0, 2),
    ]
    assert _counts(usage["totals"]) == (34, 27, 3, 4, 0, 2)

    account = await _usage(user, "/account/usage", hours=2, days=1)
    assert account["token_id"] is None
    assert _counts(account["totals"]) == (35, 27, 4, 4, 0, 2)
    assert account["last_used_at"] == "2026-11-20T11:30:00Z"


async def test_usage_of_another_accounts_token_is_404(client: httpx.AsyncClient) -> None:
    owner = await sign_up(client)
    token = await owner.create_token(["account:read"])
    stranger = await sign_up(client)
    response = await stranger.request("GET", f"/account/api-tokens/{token['id']}/usage")
    assert response.status_code == 404
    assert response.json() == {"success": False, "message": "Token not found", "data": None}


@pytest.mark.parametrize(
    ("params", "field"),
    [({"hours": 0}, "hours"), ({"hours": 169}, "hours"), ({"days": 91}, "days")],
)
async def test_windows_outside_the_kept_figures_are_422(
    client: httpx.AsyncClient, params: dict[str, int], field: str
) -> None:
    user = await sign_up(client)
    response = await user.request("GET", "/account/usage", params=params)
    assert response.status_code == 422
    assert field in response.json()["message"]


async def test_a_failed_write_loses_nothing_and_counts_nothing_twice(
    app: FastAPI, client: httpx.AsyncClient, runtime: Runtime
) -> None:
    user = await sign_up(client)
    token = await user.create_token(["account:read"])
    for _ in range(3):
        await client.get("/v1/account", headers=bearer(token["token"]))
    await runtime.usage.flush()
    for _ in range(4):
        await client.get("/v1/account", headers=bearer(token["token"]))
    # Storage refuses the next write (the table is briefly away), then comes back.
    async with runtime.db.transaction() as session:
        await session.execute(text("ALTER TABLE token_usage RENAME TO token_usage_away"))
    with pytest.raises(Exception, match="token_usage"):
        await runtime.usage.flush()
    await client.get("/v1/account", headers=bearer(token["token"]))
    async with runtime.db.transaction() as session:
        await session.execute(text("ALTER TABLE token_usage_away RENAME TO token_usage"))
    usage = await _usage(user, f"/account/api-tokens/{token['id']}/usage")
    assert usage["totals"]["requests"] == 8
    assert usage["totals"]["2xx"] == 8


async def test_shutdown_lets_a_flush_in_progress_finish_and_writes_every_count(
    settings: Settings, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = create_app(settings, clock=clock)
    runtime: Runtime = app.state.runtime
    recorder = runtime.usage
    inside, release = asyncio.Event(), asyncio.Event()
    write = recorder._write

    async def write_when_released(*batch: Any) -> int:
        inside.set()
        await release.wait()
        return await write(*batch)

    # The background flush is held inside its transaction while the app shuts down.
    monkeypatch.setattr(recorder, "_write", write_when_released)
    async with app.router.lifespan_context(app), client_at(app, "203.0.113.7") as client:
        user = await sign_up(client)
        token = await user.create_token(["account:read"])
        for _ in range(3):
            assert (await client.get("/v1/account", headers=bearer(token["token"]))).is_success
        await asyncio.wait_for(inside.wait(), timeout=5)
        for _ in range(2):  # noted while that flush is in progress
            assert (await client.get("/v1/account", headers=bearer(token["token"]))).is_success
        asyncio.get_running_loop().call_later(0.2, release.set)
    stored = Database(settings.database_url)
    try:
        async with stored.read() as session:
            total = await session.scalar(select(func.sum(TokenUsage.requests)))
    finally:
        await stored.dispose()
    assert total == 5


async def test_figures_are_kept_for_90_days_then_pruned(
    client: httpx.AsyncClient, clock: FixedClock, runtime: Runtime
) -> None:
    user = await sign_up(client)
    token = await user.create_token(["account:read"])
    await client.get("/v1/account", headers=bearer(token["token"]))
    await runtime.usage.flush()
    clock.advance(timedelta(days=89))
    await runtime.jobs.run_once()
    user = await sign_in_again(user)  # sessions last 14 days
    usage = await _usage(user, f"/account/api-tokens/{token['id']}/usage", days=90)
    assert usage["totals"]["requests"] == 1
    clock.advance(timedelta(days=1, hours=1))
    report = await runtime.jobs.run_once()
    assert report.usage_rows_pruned == 2  # the hour's counts and its one client address
    user = await sign_in_again(user)
    usage = await _usage(user, f"/account/api-tokens/{token['id']}/usage", days=90)
    assert usage["totals"]["requests"] == 0
    assert usage["last_used_at"] is not None  # the token's last use is not a usage figure
