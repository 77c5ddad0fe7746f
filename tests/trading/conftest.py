"""The trading API through a token with every permission, of an account that holds
nothing until a test builds what it needs with the factories of tests/factories.py."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

import httpx
import pytest
from fastapi import FastAPI

from keystead.app import create_app
from keystead.clock import FixedClock
from keystead.config import Settings
from keystead.runtime import Runtime
from keystead.trading.services.performance import trading_days
from keystead.trading.tables import Bot, BrokerConnection, Order, Position, Report, Variable
from tests.backends import Backend
from tests.factories import (
    bearer,
    entry_condition,
    make_account,
    make_bot,
    make_broker_connection,
    make_order,
    make_position,
    make_report,
    make_token,
    make_variable,
    reference,
)

OPEN_AT = time(14, 45)  # 09:45 New York, in UTC (standard time)
CLOSE_AT = time(20, 45)  # 15:45 New York


@pytest.fixture
def settings(backend: Backend) -> Settings:
    # These tests make many requests; the limit itself is tested in tests/access.
    return backend.settings(rate_limit="100000/minute")


@dataclass
class Trader:
    client: httpx.AsyncClient
    headers: dict[str, str]
    account_id: int
    runtime: Runtime

    async def get(self, path: str, **params: str | int) -> httpx.Response:
        return await self.client.get(path, headers=self.headers, params=params)

    async def data(self, path: str, **params: str | int) -> object:
        response = await self.get(path, **params)
        assert response.status_code == 200, response.text
        return response.json()["data"]


@pytest.fixture
async def trader(client: httpx.AsyncClient, runtime: Runtime) -> Trader:
    account = await make_account(runtime)
    return Trader(client, bearer(await make_token(runtime, account.id)), account.id, runtime)


@dataclass(frozen=True)
class OneOfEach:
    """One object of every kind the API names by number."""

    broker: BrokerConnection
    bot: Bot
    variable: Variable
    position: Position
    order: Order
    report: Report


async def one_of_each(trader: Trader) -> OneOfEach:
    """A broker connection, a bot on it testing a free-text variable, the bot's open
    position and the order that opened it, and a report."""
    runtime, account_id = trader.runtime, trader.account_id
    broker = await make_broker_connection(runtime, account_id)
    variable = await make_variable(runtime, account_id)
    bot = await make_bot(runtime, account_id, broker=broker)
    position = await make_position(runtime, bot)
    order = await make_order(runtime, bot, position=position)
    report = await make_report(runtime, account_id)
    return OneOfEach(broker, bot, variable, position, order, report)


async def make_history(runtime: Runtime, bots: list[Bot], days: int) -> list[Position]:
    """One position a day for each bot on each of the last `days` trading days, in bot
    order half an hour apart from OPEN_AT, each with the order that opened it. Those of
    the latest day stay open; the others closed at CLOSE_AT with their closing orders.
    Newest first, as the listings are."""
    today = runtime.clock.now().date()
    history = trading_days(today - timedelta(days=2 * days + 7), today)[-days:]
    positions = []
    async with runtime.db.transaction() as session:
        for day in history:
            for index, bot in enumerate(bots):
                entered_at = datetime.combine(day, OPEN_AT, UTC) + timedelta(minutes=30 * index)
                if day == history[-1]:
                    position = await make_position(session, bot, entered_at=entered_at)
                    await make_order(session, bot, position=position)
                else:
                    exited_at = datetime.combine(day, CLOSE_AT, UTC)
                    position = await make_position(
                        session, bot, status="CLOSED", entered_at=entered_at, exited_at=exited_at
                    )
                    await make_order(session, bot, position=position)
                    await make_order(session, bot, position=position, type="CLOSING")
                positions.append(position)
    return positions[::-1]


async def bots_in_every_status(trader: Trader) -> list[Bot]:
    """Three bots, by name: Enabled and Disabled paper bots, and a live bot that is
    Disable on Close with a position still open. Each tests the free-text variable
    "Market Regime" on entry and has a variable of its own."""
    runtime, account_id = trader.runtime, trader.account_id
    paper = await make_broker_connection(runtime, account_id)
    live = await make_broker_connection(
        runtime, account_id, name="Schwab Individual", account_number="8841-2207", broker="Schwab"
    )
    regime = await make_variable(runtime, account_id)
    bots = []
    for name, status, broker in (
        ("A Enabled", "Enabled", paper),
        ("B Disabled", "Disabled", paper),
        ("C Disable on Close", "Disable on Close", live),
    ):
        bot = await make_bot(
            runtime,
            account_id,
            broker=broker,
            name=name,
            status=status,
            is_paper=broker is paper,
            entry_condition=entry_condition(variables=[reference(regime)]),
        )
        await make_variable(runtime, account_id, bot=bot)
        bots.append(bot)
    await make_position(runtime, bots[-1])
    return bots


@asynccontextmanager
async def second_instance(
    settings: Settings, clock: FixedClock
) -> AsyncIterator[httpx.AsyncClient]:
    """Another keystead instance on the same database: what one keeps in memory, the
    other does not."""
    application: FastAPI = create_app(settings, clock=clock)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application, client=("203.0.113.8", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client
