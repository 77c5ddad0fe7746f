"""The wire rules Whispertrades clients parse by, on both backends.

Facts read from the public source of the `whispertrades` client (0.1.2) and from
WhisperDriver, tested here as facts rather than with a copy of their code:

- an adjustment's `time_of_day` is the string `HH:MM` or `HH:MM to HH:MM` (whispertrades
  splits on ` to ` and parses each part with `%H:%M`, and refuses an object);
- `days_of_week` is the plain string `All` or days joined by `, ` (whispertrades splits on
  `, ` and accepts only All and Monday to Friday);
- the bot list is filtered by `statuses=` repeated (whispertrades) or `statuses[]=`
  repeated (WhisperDriver); a comma-separated value is accepted too.
"""

from __future__ import annotations

import asyncio
import re
from datetime import datetime
from typing import Any

import pytest
from alembic import command
from sqlalchemy import select, update

from keystead.store.migrate import alembic_config
from keystead.trading.tables import Bot
from tests import factories
from tests.factories import make_bot, make_order, make_position, make_report
from tests.trading.conftest import Trader, bots_in_every_status, make_history

CLOCK_RANGE = re.compile(r"[0-9]{2}:[0-9]{2}( to [0-9]{2}:[0-9]{2})?")
DAYS = {"All", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday"}


def parses_as_time_of_day(value: object) -> bool:
    if not isinstance(value, str) or CLOCK_RANGE.fullmatch(value) is None:
        return False
    times = [datetime.strptime(part, "%H:%M").time() for part in value.split(" to ")]
    return times == sorted(set(times))


def parses_as_days(value: object) -> bool:
    return isinstance(value, str) and bool(value) and set(value.split(", ")) <= DAYS


async def detailed_bots(trader: Trader) -> list[dict[str, Any]]:
    bots = await trader.data("/v1/bots/", include_details="True")
    assert isinstance(bots, list)
    return bots


async def make_settled_bots(trader: Trader) -> list[Bot]:
    """Two bots entering on All days, each with an adjustment from 15:30 to 15:55 on
    Monday, Wednesday and Friday."""
    return [
        await make_bot(
            trader.runtime,
            trader.account_id,
            entry_condition=factories.entry_condition(days_of_week="All"),
            adjustments=[
                factories.adjustment(
                    days_of_week="Monday, Wednesday, Friday", time_of_day="15:30 to 15:55"
                )
            ],
        )
        for _ in range(2)
    ]


async def test_days_and_times_are_plain_strings_clients_parse(trader: Trader) -> None:
    await make_settled_bots(trader)
    bots = await detailed_bots(trader)
    adjustments = [item for bot in bots for item in bot["adjustments"]]
    assert adjustments, "the bots have adjustments"
    for adjustment in adjustments:
        assert parses_as_time_of_day(adjustment["time_of_day"]), adjustment["time_of_day"]
        assert parses_as_days(adjustment["days_of_week"]), adjustment["days_of_week"]
    for bot in bots:
        days = bot["entry_condition"]["days_of_week"]
        assert days is None or parses_as_days(days), days
    assert {item["time_of_day"] for item in adjustments} == {"15:30 to 15:55"}
    assert {item["days_of_week"] for item in adjustments} == {"Monday, Wednesday, Friday"}
    assert {bot["entry_condition"]["days_of_week"] for bot in bots} == {"All"}
    one = await trader.data(f"/v1/bots/{bots[0]['number']}", include_details="1")
    assert isinstance(one, dict)
    assert one["entry_condition"]["days_of_week"] == "All"


@pytest.mark.parametrize(
    "params",
    [
        [("statuses", "Disabled"), ("statuses", "Disable on Close")],
        [("statuses[]", "Disabled"), ("statuses[]", "Disable on Close")],
        [("statuses", "Disabled,Disable on Close")],
        [("statuses", "disabled, DISABLE ON CLOSE")],
        [("statuses[]", "Disabled"), ("statuses", "Disable on Close")],
    ],
    ids=["repeated", "repeated-brackets", "comma-separated", "any-case", "both-spellings"],
)
async def test_every_spelling_of_statuses_filters(
    trader: Trader, params: list[tuple[str, str]]
) -> None:
    await bots_in_every_status(trader)
    everything = await trader.data("/v1/bots")
    assert isinstance(everything, list)
    wanted = {"Disabled", "Disable on Close"}
    expected = [bot["number"] for bot in everything if bot["status"] in wanted]
    assert 0 < len(expected) < len(everything), "the filter has something to leave out"
    response = await trader.client.get("/v1/bots/", params=tuple(params), headers=trader.headers)
    assert response.status_code == 200, response.text
    assert [bot["number"] for bot in response.json()["data"]] == expected


async def test_one_status_repeated_as_whispertrades_sends_it(trader: Trader) -> None:
    bots = await bots_in_every_status(trader)
    response = await trader.client.get(
        "/v1/bots/", params={"statuses": ["Enabled"]}, headers=trader.headers
    )
    assert response.status_code == 200
    assert {bot["status"] for bot in response.json()["data"]} == {"Enabled"}
    assert [bot["number"] for bot in response.json()["data"]] == [
        bot.number for bot in bots if bot.status == "Enabled"
    ]


@pytest.mark.parametrize("parameter", ["statuses", "statuses[]"])
async def test_an_unknown_status_is_422_naming_it(trader: Trader, parameter: str) -> None:
    await bots_in_every_status(trader)
    response = await trader.client.get(
        "/v1/bots", params=[(parameter, "Enabled"), (parameter, "Paused")], headers=trader.headers
    )
    assert response.status_code == 422
    reason = "unknown status 'Paused'; use Enabled, Disabled, Disable on Close"
    assert response.json() == {
        "success": False,
        "message": f"Invalid input: {parameter}: {reason}",
        "data": {"errors": [{"field": parameter, "message": reason}]},
    }


async def test_settings_sent_in_the_older_object_form_are_kept_as_text(trader: Trader) -> None:
    await make_settled_bots(trader)
    bots = await detailed_bots(trader)
    number = bots[0]["number"]
    changed = await trader.client.put(
        f"/v1/bots/{number}",
        json={"entry_condition": {"days_of_week": {"days_of_week": "friday,Monday"}}},
        headers=trader.headers,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["data"]["entry_condition"]["days_of_week"] == "Monday, Friday"
    again = await trader.data(f"/v1/bots/{number}", include_details="true")
    assert isinstance(again, dict)
    assert again["entry_condition"]["days_of_week"] == "Monday, Friday"


@pytest.mark.parametrize(
    ("days", "reason"),
    [
        ("Funday", "'Funday' is not a day"),
        ("All, Monday", "All stands alone"),
        (["Monday"], "Input should be a valid string"),
        ("", "'' is not a day"),
    ],
)
async def test_a_bad_days_of_week_is_422_and_nothing_changes(
    trader: Trader, days: object, reason: str
) -> None:
    await make_settled_bots(trader)
    bots = await detailed_bots(trader)
    number = bots[0]["number"]
    before = await trader.data(f"/v1/bots/{number}", include_details="true")
    refused = await trader.client.put(
        f"/v1/bots/{number}",
        json={"name": "renamed", "entry_condition": {"days_of_week": days}},
        headers=trader.headers,
    )
    assert refused.status_code == 422
    assert refused.json()["message"].startswith("Invalid input: entry_condition.days_of_week: ")
    assert reason in refused.json()["message"]
    assert await trader.data(f"/v1/bots/{number}", include_details="true") == before


async def test_settings_stored_by_older_versions_are_answered_as_text(trader: Trader) -> None:
    """Downgrading to the previous schema writes the objects older versions stored; the
    upgrade (what `keystead serve` runs at start) turns them into the text clients read."""
    runtime = trader.runtime
    await make_settled_bots(trader)
    url = runtime.settings.database_url
    await asyncio.to_thread(command.downgrade, alembic_config(url), "0006")
    async with runtime.db.read() as session:
        stored = list((await session.execute(select(Bot))).scalars())
    assert {bot.entry_condition["days_of_week"]["days_of_week"] for bot in stored} == {"All"}
    older = [item for bot in stored for item in bot.adjustments]
    assert {item["time_of_day"]["start_time"] for item in older} == {"15:30:00"}
    assert {item["time_of_day"]["end_time"] for item in older} == {"15:55:00"}
    # A value no version checked before keeps its text.
    async with runtime.db.transaction() as session:
        await session.execute(
            update(Bot)
            .where(Bot.id == stored[0].id)
            .values(
                entry_condition={
                    **stored[0].entry_condition,
                    "days_of_week": {"days_of_week": "Funday"},
                }
            )
        )

    await asyncio.to_thread(command.upgrade, alembic_config(url), "head")
    bots = await detailed_bots(trader)
    assert {item["time_of_day"] for bot in bots for item in bot["adjustments"]} == {
        "15:30 to 15:55"
    }
    days = {bot["number"]: bot["entry_condition"]["days_of_week"] for bot in bots}
    assert days.pop(stored[0].number) == "Funday"
    assert set(days.values()) == {"All"}


async def test_a_bots_orders_at_the_path_whispertrades_builds(trader: Trader) -> None:
    """whispertrades asks for `bots/{number}orders/` (no slash between the two)."""
    mine, other = [await make_bot(trader.runtime, trader.account_id) for _ in range(2)]
    positions = [await make_position(trader.runtime, bot) for bot in (mine, other)]
    filled = [
        await make_order(trader.runtime, bot, position=p)
        for bot, p in zip((mine, other), positions, strict=True)
    ]
    await make_order(
        trader.runtime,
        mine,
        status="CANCELED",
        filled_quantity=0,
        fill_price=None,
        filled_at=None,
        fills=[],
        canceled_at=trader.runtime.clock.now(),
    )
    number = mine.number
    expected = await trader.data(f"/v1/bots/{number}/orders", status="FILLED", page=1)
    assert isinstance(expected, list)
    assert expected
    assert [order["number"] for order in expected] == [filled[0].number]
    for path in (f"/v1/bots/{number}orders/", f"/v1/bots/{number}orders"):
        assert await trader.data(path, status="FILLED", page=1) == expected
    unknown = await trader.get("/v1/bots/ZZZZZZZZZZorders/")
    assert unknown.status_code == 404
    assert unknown.json()["message"] == "Bot not found"


async def test_refusals_carry_a_data_clients_parse(trader: Trader) -> None:
    """whispertrades reads `data` as a list or an object before it looks at `message`
    (which it maps to its own exceptions): a null there would hide the message."""
    await make_bot(trader.runtime, trader.account_id)
    refusals = [
        await trader.client.get("/v1/bots", headers={"Authorization": "Bearer kst_nope"}),
        await trader.client.get("/v1/bots"),
        await trader.get("/v1/bots/ZZZZZZZZZZ"),
        await trader.get("/v1/no-such-thing"),
    ]
    assert [(r.status_code, r.json()["message"]) for r in refusals] == [
        (401, "Not authenticated"),
        (401, "Not authenticated"),
        (404, "Bot not found"),
        (404, "Route not found"),
    ]
    for refusal in refusals:
        assert refusal.json()["data"] == []
    invalid = await trader.get("/v1/bots", include_details="maybe")
    assert invalid.status_code == 422
    assert isinstance(invalid.json()["data"]["errors"], list)


async def test_listed_reports_carry_what_monthly_and_yearly_results_read(
    trader: Trader,
) -> None:
    """whispertrades builds monthly and yearly results from `results.years` of the report
    object it holds, which may come from the listing; the daily `days` may be left out."""
    bot = await make_bot(trader.runtime, trader.account_id)
    await make_history(trader.runtime, [bot], days=30)
    await make_report(trader.runtime, trader.account_id)
    reports = await trader.data("/v1/bots/reports/")
    assert isinstance(reports, list)
    assert len(reports) == 1
    for report in reports:
        years = report["results"]["years"]
        assert years
        for year in years.values():
            assert year["months"]
        assert "days" not in report["results"]


async def test_positions_filtered_by_close_as_whispertrades_spells_it(trader: Trader) -> None:
    bot = await make_bot(trader.runtime, trader.account_id)
    history = await make_history(trader.runtime, [bot], days=5)
    closed = await trader.data("/v1/bots/positions/", status="CLOSED")
    close = await trader.data("/v1/bots/positions/", status="CLOSE")
    assert isinstance(closed, list)
    assert closed
    assert close == closed
    assert [p["number"] for p in closed] == [p.number for p in history if p.status == "CLOSED"]
    assert {position["status"] for position in closed} == {"CLOSED"}
