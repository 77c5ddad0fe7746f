"""The unchanged WhisperDriver client from PyPI, pointed at a live keystead with demo data:
every public call of its endpoint groups, and its bot and variable objects built on them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from WhisperDriver.Obj.bots import WhisperTradesBots  # type: ignore[import-untyped]
from WhisperDriver.Obj.endpoints import WhisperTradesEndpoints  # type: ignore[import-untyped]
from WhisperDriver.Obj.scheduler import WhisperTradesScheduler  # type: ignore[import-untyped]
from WhisperDriver.Obj.variables import WhisperTradesVariables  # type: ignore[import-untyped]

from keystead.cli.demo import DEMO_EMAIL, DEMO_PASSWORD
from tests.catalogue import ALL_PERMISSIONS
from tests.server.conftest import Server, start_server, stop_server


def no_throttle(call: Callable[[], Any]) -> Any:
    return call()


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    # Many calls in a few seconds; the limit itself is tested in tests/access.
    env = {"KEYSTEAD_RATE_LIMIT": "10000/minute"}
    running = start_server(tmp_path_factory.mktemp("demo-server"), env, "--demo")
    yield running
    stop_server(running)


@pytest.fixture(scope="module")
def driver(demo_server: Server) -> WhisperTradesEndpoints:
    with httpx.Client(base_url=demo_server.url) as http:
        login = http.post("/auth/login", json={"email": DEMO_EMAIL, "password": DEMO_PASSWORD})
        assert login.status_code == 200, login.text
        created = http.post(
            "/account/api-tokens",
            json={"name": "WhisperDriver", "permissions": sorted(ALL_PERMISSIONS)},
            headers={"X-CSRF-Token": login.json()["data"]["csrf_token"]},
        )
        assert created.status_code == 201, created.text
    endpoints = WhisperTradesEndpoints(created.json()["data"]["token"], no_throttle)
    # The client keeps its server in config.SERVER, shared by all of its groups;
    # nothing else about it changes.
    endpoints.config.SERVER = f"{demo_server.url}/v1/"
    return endpoints


def test_bots_read_enable_disable_open_and_close(driver: WhisperTradesEndpoints) -> None:
    bots = driver.bots.get_all_bots()
    assert {bot["status"] for bot in bots} == {"Enabled", "Disabled", "Disable on Close"}
    assert all("entry_condition" in bot for bot in bots)  # the client asks for details
    assert {bot["entry_condition"]["days_of_week"] for bot in bots} == {"All"}
    only = driver.bots.get_bot(status_filter=["Disabled"])
    assert only
    assert {bot["status"] for bot in only} == {"Disabled"}
    paper = next(bot for bot in bots if bot["status"] == "Enabled" and bot["is_paper"])
    number = paper["number"]
    one = driver.bots.get_bot(number)
    assert one["number"] == number
    assert [item["time_of_day"] for item in one["adjustments"]] == ["15:30 to 15:55"]

    disabled = driver.bots.disable_bot(number)
    assert disabled["status"] in {"Disabled", "Disable on Close"}
    assert driver.bots.get_bot(number)["status"] == disabled["status"]
    assert driver.bots.enable_bot(number)["status"] == "Enabled"

    opened = driver.bots.open_position(number)
    assert opened["status"] == "OPEN"
    assert opened["bot"]["number"] == number
    closed = driver.bots.close_bot_position(opened["number"])
    assert (closed["number"], closed["status"]) == (opened["number"], "CLOSED")
    driver.bots.open_position(number)
    after = driver.bots.close_position(number)
    assert after["number"] == number
    still_open = driver.bots.get_bot_positions(bot_number=number, status="OPEN")
    assert still_open == []

    orders = driver.bots.get_bot_orders(number)
    assert orders
    assert {order["bot"]["number"] for order in orders} == {number}
    assert orders[0]["type"] == "CLOSING"


def test_positions_with_every_filter(driver: WhisperTradesEndpoints) -> None:
    first = driver.bots.get_bot_positions()
    assert len(first) == 100
    second = driver.bots.get_bot_positions(page="2")
    assert second
    assert not {p["number"] for p in first} & {p["number"] for p in second}
    bot_number = first[0]["bot"]["number"]
    of_bot = driver.bots.get_bot_positions(bot_number=bot_number)
    assert of_bot
    assert {p["bot"]["number"] for p in of_bot} == {bot_number}
    closed = driver.bots.get_bot_positions(
        status="CLOSED", from_date="2020-01-01", to_date="2099-12-31"
    )
    assert {p["status"] for p in closed} == {"CLOSED"}
    one = driver.bots.get_bot_positions(position_number=first[0]["number"])
    assert one["number"] == first[0]["number"]


def test_reports_read_update_and_run(driver: WhisperTradesEndpoints) -> None:
    reports = driver.reports.get_all_bot_reports()
    assert reports
    number = reports[0]["number"]
    report = driver.reports.get_bot_report(number)
    assert report["results"]["days"]
    assert report["results"]["years"]
    # Every field given: the client deletes the empty ones from the dict it is iterating.
    updated = driver.reports.update_bot_report(
        number,
        new_name="Renamed by WhisperDriver",
        new_start_date="2026-01-02",
        new_end_date="2026-11-30",
    )
    assert (updated["name"], updated["start_date"], updated["end_date"]) == (
        "Renamed by WhisperDriver",
        "2026-01-02",
        "2026-11-30",
    )
    assert updated["run_until_latest_date"] is False
    ran = driver.reports.run_bot_report(number)
    assert ran["status"] == "Complete"


def test_variables_and_broker_connections(driver: WhisperTradesEndpoints) -> None:
    variables = driver.variables.get_all_bot_variables()
    free = next(v for v in variables if v["bot"] is None)
    assert driver.variables.get_bot_variables(free["number"])["name"] == free["name"]
    updated = driver.variables.set_bot_variables(free["number"], free["name"], "Neutral")
    assert updated["value"] == "Neutral"

    brokers = driver.brokers.get_all_broker_connections()
    assert brokers
    number = brokers[0]["number"]
    assert driver.brokers.get_broker_connections(number)["number"] == number
    # Collateral is not something keystead keeps: the client is told so in the envelope.
    with pytest.warns(UserWarning, match="Route not found"):
        assert driver.brokers.rebalance_broker_collateral(number) == []


def test_the_bot_and_variable_objects_built_on_the_endpoints(
    driver: WhisperTradesEndpoints,
) -> None:
    bots = WhisperTradesBots(WhisperTradesScheduler(driver))
    bots.update_all_bots()
    assert len(bots.bots_list.all) == len(driver.bots.get_all_bots())
    enabled = bots.bots_list.is_enabled()
    assert enabled
    bot = next(item for item in enabled if item.is_paper)
    bot.update()
    assert bot.positions
    assert {p["bot"]["number"] for p in bot.positions} == {bot.number}
    assert bot.get_orders()
    assert isinstance(bot.get_positions(status="CLOSED"), list)
    assert bots.get_all_bot_variables()
    variables = WhisperTradesVariables(driver)
    assert variables.unassociated_variable_numbers
