"""The unchanged WhisperDriver client from PyPI, pointed at a live keystead with demo data."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from WhisperDriver.Obj.endpoints import WhisperTradesEndpoints

from keystead.access.permissions import ALL_PERMISSIONS
from keystead.services.demo import DEMO_EMAIL, DEMO_PASSWORD
from tests.server.conftest import Server, start_server, stop_server


def no_throttle(call: Callable[[], Any]) -> Any:
    return call()


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(tmp_path_factory.mktemp("demo-server"), None, "--demo")
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


def test_whisperdriver_reads_and_drives_bots(driver: WhisperTradesEndpoints) -> None:
    bots = driver.bots.get_all_bots()
    assert {bot["status"] for bot in bots} == {"Enabled", "Disabled", "Disable on Close"}
    enabled = next(bot for bot in bots if bot["status"] == "Enabled" and bot["is_paper"])
    one = driver.bots.get_bot(enabled["number"])
    assert one["number"] == enabled["number"]
    assert "entry_condition" in one  # the client asks for details

    disabled = driver.bots.disable_bot(enabled["number"])
    assert disabled["status"] in {"Disabled", "Disable on Close"}
    assert driver.bots.get_bot(enabled["number"])["status"] == disabled["status"]
    assert driver.bots.enable_bot(enabled["number"])["status"] == "Enabled"
    assert driver.bots.get_bot(enabled["number"])["status"] == "Enabled"


def test_whisperdriver_reads_positions_reports_variables(driver: WhisperTradesEndpoints) -> None:
    positions = driver.bots.get_bot_positions()
    assert len(positions) == 100
    bot_number = positions[0]["bot"]["number"]
    of_bot = driver.bots.get_bot_positions(bot_number=bot_number)
    assert of_bot
    assert {p["bot"]["number"] for p in of_bot} == {bot_number}
    closed = driver.bots.get_bot_positions(status="CLOSED", from_date="2020-01-01")
    assert {p["status"] for p in closed} == {"CLOSED"}
    one = driver.bots.get_bot_positions(position_number=positions[0]["number"])
    assert one["number"] == positions[0]["number"]

    reports = driver.reports.get_all_bot_reports()
    assert reports
    report = driver.reports.get_bot_report(reports[0]["number"])
    assert report["results"]["days"]

    variables = driver.variables.get_all_bot_variables()
    free = next(v for v in variables if v["bot"] is None)
    assert driver.variables.get_bot_variables(free["number"])["name"] == free["name"]
    updated = driver.variables.set_bot_variables(free["number"], free["name"], "Neutral")
    assert updated["value"] == "Neutral"

    brokers = driver.brokers.get_all_broker_connections()
    assert (
        driver.brokers.get_broker_connections(brokers[0]["number"])["number"]
        == brokers[0]["number"]
    )
