"""`keystead serve --workers` checked in this process: what it refuses before binding,
and the app a worker builds for itself from the environment. (The two-process
behaviour is in tests/scaleout/test_workers.py.)"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from fastapi import FastAPI
from typer.testing import CliRunner

from keystead.cli import app
from keystead.cli.serve import NEEDS_REDIS
from keystead.cli.worker import STARTUP_FAILURE, create_worker_app
from tests.backends import TEST_SECRET

runner = CliRunner()


@pytest.fixture
def environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KEYSTEAD_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'serve.db'}")
    monkeypatch.setenv("KEYSTEAD_SECRET_KEY", TEST_SECRET)
    monkeypatch.delenv("KEYSTEAD_REDIS_URL", raising=False)
    monkeypatch.delenv("KEYSTEAD_WORKERS", raising=False)
    return tmp_path


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
    assert not (environment / "serve.db").exists()  # refused before anything was done


def test_a_worker_builds_its_app_from_the_environment(environment: Path) -> None:
    built = create_worker_app()
    assert isinstance(built, FastAPI)
    runtime = built.state.runtime
    assert runtime.settings.database_url.endswith(str(environment / "serve.db"))
    asyncio.run(runtime.close())


def test_a_worker_that_cannot_start_stops_the_supervisor(
    environment: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KEYSTEAD_RATE_LIMIT", "thirty a minute")
    with pytest.raises(SystemExit) as stopped:
        create_worker_app()
    assert stopped.value.code == STARTUP_FAILURE
    assert "worker could not start" in capsys.readouterr().err
