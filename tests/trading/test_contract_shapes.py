"""Every object the bots API returns validates against the models built from the field
tables of WHISPERTRADES_V1.md and against keystead's own models (`keystead.trading.wire`),
for demo data in every bot status."""

from __future__ import annotations

import json
from typing import Any

from keystead.trading import wire as whispertrades
from tests.bots.conftest import Demo
from tests.contract import whispertrades as contract

DETAIL_KEYS = {"entry_condition", "exit_condition", "adjustments", "notifications", "variables"}


def envelope(body: Any) -> None:
    contract.validate("BaseResponse", body)


def validate(name: str, payload: Any) -> None:
    """As the contract's tables say, and as keystead's model of the object says."""
    contract.validate(name, payload)
    model = getattr(whispertrades, name)
    model.model_validate_json(json.dumps(payload), strict=True)


async def test_bots_in_every_status_with_and_without_details(demo: Demo) -> None:
    response = await demo.get("/v1/bots/", include_details="True")
    envelope(response.json())
    bots = response.json()["data"]
    assert {bot["status"] for bot in bots} == {"Enabled", "Disabled", "Disable on Close"}
    for bot in bots:
        validate("BotResponse", bot)
        assert set(bot) >= DETAIL_KEYS
        assert bot["entry_condition"]["variables"], "condition variables are shown"
        one = await demo.data(f"/v1/bots/{bot['number']}", include_details="1")
        validate("BotResponse", one)
    for bot in await demo.data("/v1/bots"):
        validate("BotResponse", bot)
        assert not DETAIL_KEYS & set(bot)


async def test_positions_orders_and_their_pages(demo: Demo) -> None:
    page, positions = 1, []
    while True:
        batch = await demo.data("/v1/bots/positions/", page=page)
        assert isinstance(batch, list)
        positions += batch
        if len(batch) < 100:
            break
        page += 1
    assert page > 1, "the demo has more than one page of positions"
    assert {p["status"] for p in positions} == {"OPEN", "CLOSED"}
    for position in positions:
        validate("PositionResponse", position)
        for leg in position["legs"]:
            validate("PositionLeg", leg)
    validate("PositionResponse", await demo.data(f"/v1/bots/positions/{positions[0]['number']}"))

    orders = await demo.data("/v1/bots/orders")
    assert isinstance(orders, list)
    assert len(orders) == 100
    for order in orders:
        validate("OrderResponse", order)
    validate("OrderResponse", await demo.data(f"/v1/bots/orders/{orders[-1]['number']}"))
    bot = positions[0]["bot"]["number"]
    for order in await demo.data(f"/v1/bots/{bot}/orders"):  # type: ignore[union-attr]
        validate("OrderResponse", order)
        assert order["bot"]["number"] == bot


async def test_reports_variables_brokers_and_performance(demo: Demo) -> None:
    reports = await demo.data("/v1/bots/reports")
    assert isinstance(reports, list)
    for report in reports:
        validate("ReportResponse", report)
        assert "days" not in report["results"]
    full = await demo.data(f"/v1/bots/reports/{reports[0]['number']}")
    validate("ReportResponse", full)
    assert isinstance(full, dict)
    assert len(full["results"]["days"]) > 200
    assert full["results"]["years"]
    for variable in await demo.data("/v1/bots/variables/"):  # type: ignore[union-attr]
        validate("VariableResponse", variable)
    brokers = await demo.data("/v1/broker_connections/")
    assert isinstance(brokers, list)
    for broker in brokers:
        validate("BrokerConnectionResponse", broker)
    validate(
        "BrokerConnectionResponse",
        await demo.data(f"/v1/broker_connections/{brokers[0]['number']}"),
    )
    bots = await demo.data("/v1/bots")
    assert isinstance(bots, list)
    days = await demo.data(f"/v1/bots/{bots[0]['number']}/performance")
    assert isinstance(days, list)
    assert len(days) > 200
    for day in days:
        validate("ResultByDay", day)


async def test_actions_return_the_updated_objects(demo: Demo) -> None:
    bots = await demo.data("/v1/bots")
    assert isinstance(bots, list)
    paper = next(b for b in bots if b["status"] == "Enabled" and b["name"].startswith("SPX 0DTE"))
    number = paper["number"]
    put = demo.client.put
    post = demo.client.post
    headers = demo.headers
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

    variables = await demo.data("/v1/bots/variables")
    assert isinstance(variables, list)
    free = next(v for v in variables if v["bot"] is None)
    updated = await put(
        f"/v1/bots/variables/{free['number']}", json={"value": "Bearish"}, headers=headers
    )
    assert updated.status_code == 200, updated.text
    validate("VariableResponse", updated.json()["data"])
