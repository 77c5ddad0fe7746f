"""`keystead serve --workers` checked in this process: what it refuses before binding,
and the app a worker builds for itself from the environment. (The two-process
behaviour is in tests/scaleout/test_workers.py.)"""

from __future__ import annotations

import asyncio
import gc
from pathlib import Path

import pytest
from fastapi import FastAPI
from typer.testing import CliRunner

from keystead.cli import app
from keystead.cli.serve import NEEDS_REDIS
from keystead.cli.worker import STARTUP_FAILURE, create_worker_app
from keystead.store.migrate import upgrade
from tests.backends import CLI_DATABASE

runner = CliRunner()


@pytest.fixture
def environment(cli_home: Path) -> Path:
    return cli_home


@pytest.mark.parametrize(
    ("arguments", "variables", "asked"),
    [
        (["serve", "--workers", "2"], {}, "--workers 2"),
        (["serve"], {"KEYSTEAD_WORKERS": "3"}, "KEYSTEAD_WORKERS=3"),
    ],
)
def test_several_workers_without_redis_are_refused_with_the_reason(
    environment: Path,
    monkeypatch: pytest.MonkeyPatch,
    arguments: list[str],
    variables: dict[str, str],
    asked: str,
) -> None:
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    result = runner.invoke(app, arguments)
    assert result.exit_code == 2
    assert " ".join(result.output.split()) == f"error: {asked} {NEEDS_REDIS}"
    assert not (environment / CLI_DATABASE).exists()  # refused before anything was done


def test_a_worker_builds_its_app_from_the_environment(environment: Path) -> None:
    """...and, as a server process, freezes what its start-up made (app.py)."""
    gc.unfreeze()
    built = create_worker_app()
    assert isinstance(built, FastAPI)
    runtime = built.state.runtime
    assert runtime.settings.database_url.endswith(str(environment / CLI_DATABASE))

    upgrade(runtime.settings.database_url)  # as `keystead serve` does before the workers

    async def start() -> int:
        async with built.router.lifespan_context(built):
            return gc.get_freeze_count()

    try:
        assert asyncio.run(start()) > 10_000
    finally:
        gc.unfreeze()


def test_a_worker_that_cannot_start_stops_the_supervisor(
    environment: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KEYSTEAD_RATE_LIMIT", "thirty a minute")
    with pytest.raises(SystemExit) as stopped:
        create_worker_app()
    assert stopped.value.code == STARTUP_FAILURE
    assert "worker could not start" in capsys.readouterr().err
