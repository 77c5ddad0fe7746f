"""Every object the bots API returns validates against the models built from the field
tables of WHISPERTRADES_V1.md and against keystead's own models (`keystead.trading.wire`),
for bots in every status and what they trade."""

from __future__ import annotations

import json
from typing import Any

from keystead.trading import wire as whispertrades
from tests.contract import whispertrades as contract
from tests.factories import (
    make_bot,
    make_broker_connection,
    make_position,
    make_report,
    make_variable,
)
from tests.trading.conftest import Trader, bots_in_every_status, make_history

DETAIL_KEYS = {"entry_condition", "exit_condition", "adjustments", "notifications", "variables"}


def envelope(body: Any) -> None:
    contract.validate("BaseResponse", body)


def validate(name: str, payload: Any) -> None:
    """As the contract's tables say, and as keystead's model of the object says."""
    contract.validate(name, payload)
    model = getattr(whispertrades, name)
    model.model_validate_json(json.dumps(payload), strict=True)


async def test_bots_in_every_status_with_and_without_details(trader: Trader) -> None:
    created = await bots_in_every_status(trader)
    response = await trader.get("/v1/bots/", include_details="True")
    envelope(response.json())
    bots = response.json()["data"]
    assert [bot["number"] for bot in bots] == [bot.number for bot in created]
    assert {bot["status"] for bot in bots} == {"Enabled", "Disabled", "Disable on Close"}
    for bot in bots:
        validate("BotResponse", bot)
        assert set(bot) >= DETAIL_KEYS
        assert bot["entry_condition"]["variables"], "condition variables are shown"
        assert bot["adjustments"]
        assert bot["notifications"]
        assert bot["variables"], "the bot's own variables are shown"
        one = await trader.data(f"/v1/bots/{bot['number']}", include_details="1")
        validate("BotResponse", one)
    plain = await trader.data("/v1/bots")
    assert isinstance(plain, list)
    assert len(plain) == len(bots)
    for bot in plain:
        validate("BotResponse", bot)
        assert not DETAIL_KEYS & set(bot)


async def test_positions_orders_and_their_pages(trader: Trader) -> None:
    broker = await make_broker_connection(trader.runtime, trader.account_id)
    bots = [await make_bot(trader.runtime, trader.account_id, broker=broker) for _ in range(2)]
    # 110 positions, the two of the latest day open; 218 orders.
    history = await make_history(trader.runtime, bots, days=55)
    page, positions = 1, []
    while True:
        batch = await trader.data("/v1/bots/positions/", page=page)
        assert isinstance(batch, list)
        positions += batch
        if len(batch) < 100:
            break
        page += 1
    assert page > 1, "there is more than one page of positions"
    assert [p["number"] for p in positions] == [p.number for p in history]
    assert {p["status"] for p in positions} == {"OPEN", "CLOSED"}
    for position in positions:
        validate("PositionResponse", position)
        for leg in position["legs"]:
            validate("PositionLeg", leg)
    validate("PositionResponse", await trader.data(f"/v1/bots/positions/{positions[0]['number']}"))

    orders = await trader.data("/v1/bots/orders")
    assert isinstance(orders, list)
    assert len(orders) == 100
    for order in orders:
        validate("OrderResponse", order)
    validate("OrderResponse", await trader.data(f"/v1/bots/orders/{orders[-1]['number']}"))
    bot = positions[0]["bot"]["number"]
    bot_orders = await trader.data(f"/v1/bots/{bot}/orders")
    assert isinstance(bot_orders, list)
    assert bot_orders
    for order in bot_orders:
        validate("OrderResponse", order)
        assert order["bot"]["number"] == bot


async def test_reports_variables_brokers_and_performance(trader: Trader) -> None:
    bots = await bots_in_every_status(trader)
    # 29 closed positions a bot over the last six weeks.
    history = await make_history(trader.runtime, bots, days=30)
    made = await make_report(trader.runtime, trader.account_id)
    reports = await trader.data("/v1/bots/reports")
    assert isinstance(reports, list)
    for report in reports:
        validate("ReportResponse", report)
        assert "days" not in report["results"]
    assert [report["number"] for report in reports] == [made.number]
    full = await trader.data(f"/v1/bots/reports/{reports[0]['number']}")
    validate("ReportResponse", full)
    assert isinstance(full, dict)
    assert len(full["results"]["days"]) > 200
    assert full["results"]["years"]
    assert full["results"]["total_trades"] == sum(p.status == "CLOSED" for p in history)
    variables = await trader.data("/v1/bots/variables/")
    assert isinstance(variables, list)
    assert len(variables) == 4
    for variable in variables:
        validate("VariableResponse", variable)
    brokers = await trader.data("/v1/broker_connections/")
    assert isinstance(brokers, list)
    assert len(brokers) == 2
    for broker in brokers:
        validate("BrokerConnectionResponse", broker)
    validate(
        "BrokerConnectionResponse",
        await trader.data(f"/v1/broker_connections/{brokers[0]['number']}"),
    )
    listed = await trader.data("/v1/bots")
    assert isinstance(listed, list)
    days = await trader.data(f"/v1/bots/{listed[0]['number']}/performance")
    assert isinstance(days, list)
    assert len(days) > 200
    assert sum(day["profit"] != 0 for day in days) == 29
    for day in days:
        validate("ResultByDay", day)


async def test_actions_return_the_updated_objects(trader: Trader) -> None:
    paper = await make_bot(trader.runtime, trader.account_id, name="SPX 0DTE Put Spread")
    await make_position(trader.runtime, paper)
    await make_variable(trader.runtime, trader.account_id)
    await make_variable(trader.runtime, trader.account_id, bot=paper)
    number = paper.number
    put = trader.client.put
    post = trader.client.post
    headers = trader.headers
    for response in (
        await put(f"/v1/bots/{number}", json={"notes": "tuned"}, headers=headers),
        await put(f"/v1/bots/{number}/disable", headers=headers),
        await put(f"/v1/bots/{number}/enable", headers=headers),
        await put(f"/v1/bots/{number}/close", headers=headers),
    ):
        assert response.status_code == 200, response.text
        envelope(response.json())
        validate("BotResponse", response.json()["data"])
    opened = await post(f"/v1/bots/{number}/open", headers=headers)
    assert opened.status_code == 200, opened.text
    validate("PositionResponse", opened.json()["data"])
    closed = await put(
        f"/v1/bots/positions/{opened.json()['data']['number']}/close", headers=headers
    )
    validate("PositionResponse", closed.json()["data"])

    created = await post(
        "/v1/bots/reports/", json={"name": "Q3", "start_date": "2026-07-01"}, headers=headers
    )
    assert created.status_code == 201, created.text
    validate("ReportResponse", created.json()["data"])
    report = created.json()["data"]["number"]
    for response in (
        await put(f"/v1/bots/reports/{report}", json={"name": "Q3 2026"}, headers=headers),
        await put(f"/v1/bots/reports/{report}/run", headers=headers),
    ):
        assert response.status_code == 200, response.text
        validate("ReportResponse", response.json()["data"])

    variables = await trader.data("/v1/bots/variables")
    assert isinstance(variables, list)
    free = next(v for v in variables if v["bot"] is None)
    updated = await put(
        f"/v1/bots/variables/{free['number']}", json={"value": "Bearish"}, headers=headers
    )
    assert updated.status_code == 200, updated.text
    validate("VariableResponse", updated.json()["data"])
