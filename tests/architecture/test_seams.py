"""The seams an operator uses without editing keystead: their own API in the trading
API's place (KEYSTEAD_GUARDED_API, or create_app(api=…)), and a live execution engine
behind the trading API (KEYSTEAD_EXECUTION_ENGINE)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from fastapi import FastAPI
from typer.testing import CliRunner

from keystead.app import create_app
from keystead.cli import app as cli
from keystead.clock import FixedClock
from keystead.config import Settings
from keystead.errors import ConfigurationError, InvalidInput
from keystead.guarded_api import GuardedApi
from keystead.runtime import Runtime, build_runtime
from tests.architecture import widgets
from tests.architecture.engines import RecordingEngine
from tests.backends import Backend
from tests.factories import bearer, make_account, make_bot, make_token


@asynccontextmanager
async def serving(
    settings: Settings, clock: FixedClock, api: GuardedApi | None = None
) -> AsyncIterator[tuple[Runtime, httpx.AsyncClient]]:
    app: FastAPI = create_app(settings, clock=clock, api=api)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield app.state.runtime, client


async def test_an_operators_own_api_takes_the_trading_apis_place(
    settings: Settings, clock: FixedClock
) -> None:
    async with serving(settings, clock, widgets.api) as (runtime, client):
        account = await make_account(runtime)
        reader = bearer(await make_token(runtime, account.id, [widgets.WIDGETS_READ]))
        other = bearer(await make_token(runtime, account.id, ["account:read"]))

        answer = await client.get("/v1/widgets", headers=reader)
        assert answer.status_code == 200, answer.text
        assert answer.json()["data"] == [{"owner": account.number}]
        refused = await client.get("/v1/widgets", headers=other)
        assert (refused.status_code, refused.json()["message"]) == (
            403,
            "Invalid token permissions",
        )
        # The trading API is not mounted: its paths are unknown routes, its ids unknown.
        assert (await client.get("/v1/bots", headers=reader)).status_code == 404
        assert (await client.get("/v1/account", headers=other)).status_code == 200
        with pytest.raises(InvalidInput, match=r"unknown permission\(s\): bots:read"):
            await make_token(runtime, account.id, ["bots:read"])

        document = (await client.get("/openapi.json")).json()
        assert document["components"]["schemas"]["Permission"]["enum"] == [
            "account:read",
            "widgets:read",
        ]
        operation = document["paths"]["/v1/widgets"]["get"]
        assert operation["x-keystead-permission"] == "widgets:read"
        assert "/v1/bots" not in document["paths"]


async def test_the_guarded_api_is_named_by_a_setting(backend: Backend, clock: FixedClock) -> None:
    settings = backend.settings(guarded_api="tests.architecture.widgets:api")
    async with serving(settings, clock) as (runtime, client):
        assert runtime.api is widgets.api
        assert [info.id for info in runtime.permissions] == ["account:read", "widgets:read"]
        account = await make_account(runtime)
        token = bearer(await make_token(runtime, account.id, [widgets.WIDGETS_READ]))
        assert (await client.get("/v1/widgets", headers=token)).status_code == 200


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("tests.architecture.widgets", "must name `module:attribute`"),
        ("tests.architecture.nowhere:api", "cannot import 'tests.architecture.nowhere'"),
        ("tests.architecture.engines:NOT_AN_ENGINE", "is not a keystead GuardedApi"),
    ],
)
def test_a_guarded_api_that_cannot_load_stops_start_up_saying_why(
    backend: Backend, value: str, reason: str
) -> None:
    with pytest.raises(ConfigurationError, match="KEYSTEAD_GUARDED_API") as refused:
        build_runtime(backend.settings(guarded_api=value))
    assert reason in str(refused.value)


async def test_a_live_engine_is_chosen_by_a_setting(
    settings: Settings, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KEYSTEAD_EXECUTION_ENGINE", "tests.architecture.engines:RecordingEngine")
    RecordingEngine.opened.clear()
    async with serving(settings, clock) as (runtime, client):
        account = await make_account(runtime)
        token = bearer(await make_token(runtime, account.id))
        live = await make_bot(runtime, account.id, is_paper=False)

        opened = await client.post(f"/v1/bots/{live.number}/open", headers=token)
        assert opened.status_code == 200, opened.text
        assert RecordingEngine.opened == [live.number]
        closed = await client.put(f"/v1/bots/{live.number}/close", headers=token)
        assert (closed.status_code, closed.json()["message"]) == (
            409,
            "Market closed for this engine",
        )


async def test_without_an_engine_a_live_bot_answers_409(
    settings: Settings, clock: FixedClock
) -> None:
    async with serving(settings, clock) as (runtime, client):
        account = await make_account(runtime)
        token = bearer(await make_token(runtime, account.id))
        live = await make_bot(runtime, account.id, is_paper=False)
        paper = await make_bot(runtime, account.id)

        refused = await client.post(f"/v1/bots/{live.number}/open", headers=token)
        assert (refused.status_code, refused.json()["message"]) == (
            409,
            "No execution backend configured",
        )
        assert (await client.post(f"/v1/bots/{paper.number}/open", headers=token)).is_success


@pytest.mark.parametrize(
    "value",
    ["tests.architecture.engines", "tests.architecture.engines:Missing", "builtins:object"],
)
def test_an_engine_that_cannot_load_stops_start_up_saying_why(
    backend: Backend, value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KEYSTEAD_EXECUTION_ENGINE", value)
    with pytest.raises(ConfigurationError, match="KEYSTEAD_EXECUTION_ENGINE"):
        build_runtime(backend.settings())


def test_the_cli_names_a_guarded_api_that_cannot_load(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KEYSTEAD_DATABASE_URL", backend.database_url)
    monkeypatch.setenv("KEYSTEAD_SECRET_KEY", "a-secret-long-enough-for-keystead-0123456789")
    monkeypatch.setenv("KEYSTEAD_GUARDED_API", "tests.architecture.nowhere:api")
    result = CliRunner().invoke(cli, ["token", "list", "someone@example.com"])
    assert result.exit_code == 2
    assert "KEYSTEAD_GUARDED_API: cannot import 'tests.architecture.nowhere'" in result.output
