"""`keystead bots import`: a file in the API's own shapes goes in whole, or not at all."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from keystead.cli import app
from keystead.cli.demo import seed_demo
from keystead.config import Settings
from keystead.runtime import build_runtime
from keystead.trading.api import views
from keystead.trading.context import trading_of
from keystead.trading.services.paging import Listing
from tests.cli.test_cli import environment  # noqa: F401 - the CLI's environment fixture

runner = CliRunner()


def export_demo() -> dict[str, Any]:
    """The demo account's objects as the /v1 API returns them."""

    async def collect() -> dict[str, Any]:
        runtime = build_runtime(Settings())
        try:
            credentials = await seed_demo(runtime)
            account = await runtime.accounts.find(credentials.email)
            assert account is not None
            bots = await trading_of(runtime).bots.for_account(account.id, None, True)
            positions = await trading_of(runtime).positions.for_account(account.id, Listing())
            orders = await trading_of(runtime).orders.for_account(account.id, Listing())
            brokers = await trading_of(runtime).brokers.for_account(account.id)
            return {
                "broker_connections": [views.broker_connection(b) for b in brokers],
                "bots": [views.bot(b) for b in bots],
                "positions": [views.position(p) for p in positions],
                "orders": [views.order(o) for o in orders],
            }
        finally:
            await runtime.close()

    invoke("db", "upgrade")
    return asyncio.run(collect())


def invoke(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def renumbered(data: dict[str, Any]) -> dict[str, Any]:
    """Drop numbers so the same objects can be imported again as new ones."""
    brokers = {b["number"]: f"B{index:09d}" for index, b in enumerate(data["broker_connections"])}
    bots = {b["number"]: f"T{index:09d}" for index, b in enumerate(data["bots"])}
    for broker in data["broker_connections"]:
        broker["number"] = brokers[broker["number"]]
    for bot in data["bots"]:
        bot["number"] = bots[bot["number"]]
        bot["broker_connection"]["number"] = brokers[bot["broker_connection"]["number"]]
        # The demo's variables belong to the demo account, not to the importing one.
        bot["entry_condition"]["variables"] = []
    for item in data["positions"] + data["orders"]:
        item["number"] = None
        item["bot"]["number"] = bots[item["bot"]["number"]]
    return data


def counts() -> dict[str, int]:
    async def count() -> dict[str, int]:
        from sqlalchemy import func, select

        from keystead.trading.tables import Bot, Order, Position

        runtime = build_runtime(Settings())
        try:
            async with runtime.db.read() as session:
                return {
                    model.__tablename__: int(
                        await session.scalar(select(func.count()).select_from(model)) or 0
                    )
                    for model in (Bot, Position, Order)
                }
        finally:
            await runtime.close()

    return asyncio.run(count())


@pytest.fixture
def importer_account() -> None:
    invoke("account", "create", "--email", "importer@example.com", "--password", "a long password")


def test_import_round_trips_the_api_shapes(tmp_path: Path, importer_account: None) -> None:
    data = renumbered(export_demo())
    before = counts()
    source = tmp_path / "bots.json"
    source.write_text(json.dumps(data))
    summary = json.loads(
        invoke("bots", "import", str(source), "--email", "importer@example.com", "--json")
    )
    assert summary == {
        "broker_connections": len(data["broker_connections"]),
        "bots": len(data["bots"]),
        "positions": len(data["positions"]),
        "orders": len(data["orders"]),
    }
    after = counts()
    assert after["bots"] == before["bots"] + len(data["bots"])
    assert after["positions"] == before["positions"] + len(data["positions"])


@pytest.mark.parametrize(
    ("breakage", "place"),
    [
        (
            lambda d: d["positions"][3]["legs"][0].update(strike_price="high"),
            "positions[3].legs[0].strike_price",
        ),
        (
            lambda d: d["bots"][1]["entry_condition"].update(frequency="Hourly"),
            "bots[1].entry_condition.frequency",
        ),
        (lambda d: d["orders"][7].update(status="LOST"), "orders[7].status"),
        (lambda d: d["positions"][5]["bot"].update(number="NOSUCHBOT0"), "positions[5].bot"),
        (lambda d: d["positions"][8].update(exited_at=None), "positions[8]"),
    ],
)
def test_a_bad_record_is_named_and_nothing_is_imported(
    tmp_path: Path, importer_account: None, breakage: Any, place: str
) -> None:
    data = renumbered(export_demo())
    data["positions"][8]["status"] = "CLOSED"
    breakage(data)
    before = counts()
    source = tmp_path / "bad.json"
    source.write_text(json.dumps(data))
    result = runner.invoke(app, ["bots", "import", str(source), "--email", "importer@example.com"])
    assert result.exit_code == 1
    assert place in result.output
    assert "nothing was imported" in result.output or "error" in result.output
    assert counts() == before


def test_a_file_that_is_not_json_is_refused(tmp_path: Path, importer_account: None) -> None:
    source = tmp_path / "broken.json"
    source.write_text("{not json")
    result = runner.invoke(app, ["bots", "import", str(source), "--email", "importer@example.com"])
    assert result.exit_code == 1
    assert "Invalid JSON" in result.output


def test_an_empty_file_imports_nothing_without_a_progress_bar(
    tmp_path: Path, importer_account: None
) -> None:
    source = tmp_path / "empty.json"
    source.write_text("{}")
    output = invoke("bots", "import", str(source), "--email", "importer@example.com")
    assert "importing" not in output
    assert "0/0" not in output
    assert "imported 0 broker connections, 0 bots, 0 positions and 0 orders" in output
