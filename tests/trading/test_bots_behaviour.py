"""What users of the bots API rely on beyond shapes: filters, pages, the Disable on
Close rule, execution backends, validated settings, both slash forms."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from tests.factories import (
    bearer,
    make_bot,
    make_broker_connection,
    make_order,
    make_position,
    make_variable,
    sign_up,
)
from tests.trading.conftest import Trader, make_history, one_of_each


@pytest.mark.parametrize(
    "path",
    [
        "/v1/bots",
        "/v1/bots/positions",
        "/v1/bots/orders",
        "/v1/bots/reports",
        "/v1/bots/variables",
        "/v1/broker_connections",
    ],
)
async def test_collections_answer_with_and_without_the_slash(trader: Trader, path: str) -> None:
    await one_of_each(trader)
    bare = await trader.get(path)
    slashed = await trader.get(path + "/")
    assert bare.status_code == slashed.status_code == 200
    assert bare.json() == slashed.json()
    assert isinstance(bare.json()["data"], list)
    assert len(bare.json()["data"]) == 1


async def test_status_filter_and_include_details_spellings(trader: Trader) -> None:
    for status in ("Enabled", "Disabled", "Disable on Close"):
        await make_bot(trader.runtime, trader.account_id, status=status)
    response = await trader.client.get(
        "/v1/bots",
        params=[("statuses[]", "Disabled"), ("statuses[]", "Disable on Close")],
        headers=trader.headers,
    )
    assert {bot["status"] for bot in response.json()["data"]} == {"Disabled", "Disable on Close"}
    for spelling in ("true", "True", "1"):
        bots = await trader.data("/v1/bots", include_details=spelling)
        assert isinstance(bots, list)
        assert len(bots) == 3
        assert all("entry_condition" in bot for bot in bots)
    bad = await trader.get("/v1/bots", include_details="maybe")
    assert bad.status_code == 422
    assert bad.json()["message"].startswith("Invalid input: include_details")
    unknown = await trader.client.get(
        "/v1/bots", params={"statuses[]": "Paused"}, headers=trader.headers
    )
    assert unknown.status_code == 422


async def test_positions_are_paged_newest_first_and_filtered(trader: Trader) -> None:
    broker = await make_broker_connection(trader.runtime, trader.account_id)
    bots = [await make_bot(trader.runtime, trader.account_id, broker=broker) for _ in range(2)]
    # Two a day for 65 days: 130 positions, the two of the latest day open.
    history = await make_history(trader.runtime, bots, days=65)

    first = await trader.data("/v1/bots/positions")
    second = await trader.data("/v1/bots/positions", page=2)
    assert isinstance(first, list)
    assert isinstance(second, list)
    assert len(first) == 100
    assert len(second) == 30
    entered = [p["entered_at"] for p in first + second]
    assert entered == sorted(entered, reverse=True)
    assert not {p["number"] for p in first} & {p["number"] for p in second}
    assert [p["number"] for p in first + second] == [p.number for p in history]

    closed = await trader.data("/v1/bots/positions", status="CLOSE")
    assert isinstance(closed, list)
    assert {p["status"] for p in closed} == {"CLOSED"}
    opened = await trader.data("/v1/bots/positions", status="OPEN")
    assert isinstance(opened, list)
    assert opened
    assert {p["status"] for p in opened} == {"OPEN"}
    assert {p["number"] for p in opened} == {p.number for p in history if p.status == "OPEN"}

    day = first[50]["entered_at"][:10]
    same_day = await trader.data("/v1/bots/positions", from_date=day, to_date=day)
    assert isinstance(same_day, list)
    assert same_day
    assert {p["entered_at"][:10] for p in same_day} == {day}
    assert {p["number"] for p in same_day} == {
        p.number for p in history if p.entered_at.date().isoformat() == day
    }
    bot = first[0]["bot"]["number"]
    mine = await trader.data("/v1/bots/positions", bot=bot)
    assert isinstance(mine, list)
    assert {p["bot"]["number"] for p in mine} == {bot}
    backwards = await trader.get("/v1/bots/positions", from_date="2026-02-01", to_date="2026-01-01")
    assert backwards.status_code == 422


async def test_a_page_is_newest_first_whatever_order_positions_were_written_in(
    trader: Trader,
) -> None:
    """A page is read as one row of ids: its order is still entry time, newest first,
    and the later-written first among positions entered at the same moment."""
    runtime = trader.runtime
    bot = await make_bot(runtime, trader.account_id)
    start = runtime.clock.now() - timedelta(days=30)
    # 150 positions written in an order unlike their times, five to each moment.
    moments = [start + timedelta(minutes=(index * 37) % 30) for index in range(150)]
    made = [await make_position(runtime, bot, entered_at=moment) for moment in moments]
    expected = sorted(made, key=lambda p: (p.entered_at, p.id), reverse=True)

    listed = []
    for page in (1, 2):
        data = await trader.data("/v1/bots/positions", page=page)
        assert isinstance(data, list)
        listed += [item["number"] for item in data]
    assert listed == [position.number for position in expected]
    empty = await trader.data("/v1/bots/positions", page=3)
    assert empty == []


async def test_disable_on_close_becomes_disabled_when_the_last_position_closes(
    trader: Trader,
) -> None:
    weekly = await make_bot(trader.runtime, trader.account_id)
    await make_position(trader.runtime, weekly, status="CLOSED")
    await make_position(trader.runtime, weekly)
    put = trader.client.put
    disabled = await put(f"/v1/bots/{weekly.number}/disable", headers=trader.headers)
    assert disabled.json()["data"]["status"] == "Disable on Close"
    assert disabled.json()["data"]["can_enable"] is True
    assert disabled.json()["data"]["can_disable"] is False
    opened = await trader.data("/v1/bots/positions", bot=weekly.number, status="OPEN")
    assert isinstance(opened, list)
    assert len(opened) == 1
    closed = await put(f"/v1/bots/positions/{opened[0]['number']}/close", headers=trader.headers)
    assert closed.status_code == 200
    assert closed.json()["data"]["status"] == "CLOSED"
    assert isinstance(closed.json()["data"]["profit_dollars"], float)
    bot = await trader.data(f"/v1/bots/{weekly.number}")
    assert isinstance(bot, dict)
    assert bot["status"] == "Disabled"
    assert bot["disabled_at"] is not None
    again = await put(f"/v1/bots/positions/{opened[0]['number']}/close", headers=trader.headers)
    assert again.status_code == 409


async def test_disable_without_open_positions_is_disabled_at_once(trader: Trader) -> None:
    broker = await make_broker_connection(trader.runtime, trader.account_id, broker="Schwab")
    rut = await make_bot(
        trader.runtime, trader.account_id, broker=broker, is_paper=False, symbol="RUT"
    )
    await make_position(trader.runtime, rut, status="CLOSED")
    response = await trader.client.put(f"/v1/bots/{rut.number}/disable", headers=trader.headers)
    assert response.json()["data"]["status"] == "Disabled"


async def test_live_bots_need_an_execution_backend(trader: Trader) -> None:
    broker = await make_broker_connection(trader.runtime, trader.account_id, broker="Schwab")
    live = await make_bot(trader.runtime, trader.account_id, broker=broker, is_paper=False)
    disabled = await make_bot(trader.runtime, trader.account_id, status="Disabled")
    shown = await trader.data(f"/v1/bots/{live.number}")
    assert isinstance(shown, dict)
    assert shown["is_paper"] is False
    for method, path in (("POST", "open"), ("PUT", "open_position")):
        response = await trader.client.request(
            method, f"/v1/bots/{live.number}/{path}", headers=trader.headers
        )
        assert response.status_code == 409
        assert response.json() == {
            "success": False,
            "message": "No execution backend configured",
            "data": [],
        }
    refused = await trader.client.post(f"/v1/bots/{disabled.number}/open", headers=trader.headers)
    assert refused.status_code == 409
    assert "enable it" in refused.json()["message"]


async def test_paper_positions_open_and_close_deterministically(trader: Trader) -> None:
    paper = await make_bot(trader.runtime, trader.account_id)
    opened = await trader.client.put(
        f"/v1/bots/{paper.number}/open_position", headers=trader.headers
    )
    assert opened.status_code == 200
    position = opened.json()["data"]
    assert position["status"] == "OPEN"
    assert position["entry_price"] > 0
    assert len(position["legs"]) == 2
    closed = await trader.client.put(
        f"/v1/bots/{paper.number}/close_position", headers=trader.headers
    )
    assert closed.status_code == 200
    after = await trader.data(f"/v1/bots/positions/{position['number']}")
    assert isinstance(after, dict)
    assert after["status"] == "CLOSED"
    expected = position["entry_value"] - after["exit_value"] - after["broker_fee"]
    assert after["profit_dollars"] == pytest.approx(expected, abs=0.01)


async def test_settings_are_validated_and_merged(trader: Trader) -> None:
    bot = await make_bot(trader.runtime, trader.account_id)
    path = f"/v1/bots/{bot.number}"
    before = await trader.data(path, include_details="true")
    assert isinstance(before, dict)
    bad = await trader.client.put(
        path, json={"entry_condition": {"frequency": "Hourly"}}, headers=trader.headers
    )
    assert bad.status_code == 422
    assert bad.json()["data"]["errors"][0]["field"] == "entry_condition.frequency"
    wrong_type = await trader.client.put(
        path, json={"entry_condition": {"maximum_entries_per_day": "2"}}, headers=trader.headers
    )
    assert wrong_type.status_code == 422
    unknown = await trader.client.put(
        path, json={"entry_condition": {"surprise": 1}}, headers=trader.headers
    )
    assert unknown.status_code == 422
    good = await trader.client.put(
        path,
        json={"name": "Renamed", "entry_condition": {"maximum_entries_per_day": 2}},
        headers=trader.headers,
    )
    assert good.status_code == 200
    data = good.json()["data"]
    assert data["name"] == "Renamed"
    assert data["entry_condition"]["maximum_entries_per_day"] == 2
    # Fields not sent keep their values: the change is merged, not a replacement.
    before_settings = before["entry_condition"]
    for name, value in before_settings.items():
        if name != "maximum_entries_per_day":
            assert data["entry_condition"][name] == value, name


async def test_only_free_text_variables_take_a_value(trader: Trader) -> None:
    bot = await make_bot(trader.runtime, trader.account_id)
    await make_variable(trader.runtime, trader.account_id)
    await make_variable(trader.runtime, trader.account_id, bot=bot)
    variables = await trader.data("/v1/bots/variables")
    assert isinstance(variables, list)
    tied = next(v for v in variables if v["bot"] is not None)
    response = await trader.client.put(
        f"/v1/bots/variables/{tied['number']}", json={"value": "7"}, headers=trader.headers
    )
    assert response.status_code == 409
    renamed = await trader.client.put(
        f"/v1/bots/variables/{tied['number']}", json={"name": "Open count"}, headers=trader.headers
    )
    assert renamed.json()["data"]["name"] == "Open count"


async def test_unknown_numbers_are_404_with_the_thing_named(trader: Trader) -> None:
    await one_of_each(trader)
    for path, thing in (
        ("/v1/bots/NOSUCHBOT0", "Bot"),
        ("/v1/bots/positions/NOSUCHPOS0", "Position"),
        ("/v1/bots/orders/NOSUCHORD0", "Order"),
        ("/v1/bots/reports/NOSUCHREP0", "Report"),
        ("/v1/bots/variables/NOSUCHVAR0", "Variable"),
        ("/v1/broker_connections/NOSUCHBRK0", "Broker connection"),
        ("/v1/bots/NOSUCHBOT0/performance", "Bot"),
    ):
        response = await trader.get(path)
        assert response.status_code == 404
        assert response.json()["message"] == f"{thing} not found"


async def closing_orders(trader: Trader, bot: str) -> int:
    positions = await trader.data("/v1/bots/positions", bot=bot)
    assert isinstance(positions, list)
    today = positions[0]["entered_at"][:10]
    orders = await trader.data("/v1/bots/orders", bot=bot, from_date=today)
    assert isinstance(orders, list)
    return sum(1 for order in orders if order["type"] == "CLOSING")


async def test_parallel_closes_of_one_position_close_it_once(trader: Trader) -> None:
    paper = await make_bot(trader.runtime, trader.account_id)
    # Closed an hour ago: a closing order the count may start from.
    now = trader.runtime.clock.now()
    earlier = await make_position(
        trader.runtime,
        paper,
        status="CLOSED",
        entered_at=now - timedelta(hours=2),
        exited_at=now - timedelta(hours=1),
    )
    await make_order(trader.runtime, paper, position=earlier, type="CLOSING")
    opened = await trader.client.post(f"/v1/bots/{paper.number}/open", headers=trader.headers)
    number = opened.json()["data"]["number"]
    brokers = await trader.data("/v1/broker_connections")
    assert isinstance(brokers, list)
    broker = next(
        b for b in brokers if b["number"] == opened.json()["data"]["broker_connection"]["number"]
    )
    closing_before = await closing_orders(trader, paper.number)
    responses = await asyncio.gather(
        *(
            trader.client.put(f"/v1/bots/positions/{number}/close", headers=trader.headers)
            for _ in range(4)
        )
    )
    assert sorted(r.status_code for r in responses) == [200, 409, 409, 409]
    profit = next(r for r in responses if r.status_code == 200).json()["data"]["profit_dollars"]
    closing_after = await closing_orders(trader, paper.number)
    assert closing_after == closing_before + 1
    after = await trader.data(f"/v1/broker_connections/{broker['number']}")
    assert isinstance(after, dict)
    assert after["net_liquidation_value"] == pytest.approx(
        broker["net_liquidation_value"] + profit, abs=0.01
    )


async def test_conditions_may_only_use_the_accounts_own_variables(trader: Trader) -> None:
    await make_variable(trader.runtime, trader.account_id)
    await make_bot(trader.runtime, trader.account_id)
    variables = await trader.data("/v1/bots/variables")
    assert isinstance(variables, list)
    theirs = variables[0]["number"]
    stranger = await sign_up(trader.client)
    token = (await stranger.create_token())["token"]
    # The stranger has no bot, so point at the trader's bot: 404, and the variable stays
    # hidden.
    bots = await trader.data("/v1/bots")
    assert isinstance(bots, list)
    bot = bots[0]
    response = await trader.client.put(
        f"/v1/bots/{bot['number']}",
        json={"entry_condition": {"variables": [{"number": theirs}]}},
        headers=bearer(token),
    )
    assert response.status_code == 404
    # The owner may reference its own variables, and nothing else.
    own = await trader.client.put(
        f"/v1/bots/{bot['number']}",
        json={"entry_condition": {"variables": [{"number": "NOSUCHVAR0"}]}},
        headers=trader.headers,
    )
    assert own.status_code == 422
    assert own.json()["data"]["errors"][0]["field"] == "entry_condition.variables[0]"
