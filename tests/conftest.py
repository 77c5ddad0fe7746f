"""Shared fixtures: a clean database per test on each backend, settings, a settable
clock, the app and an in-process client."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from keystead.app import create_app
from keystead.clock import FixedClock
from keystead.config import Settings
from keystead.runtime import Runtime
from keystead.store.migrate import upgrade
from tests.backends import (
    CLI_DATABASE,
    FAST_HASHING,
    REDIS_URL,
    TEST_SECRET,
    Backend,
    create_database,
    drop_database,
    flush_redis,
    postgres_url,
    psql,
    require_services,
)

__all__ = ["FAST_HASHING", "TEST_SECRET"]

# The suite-wide scan for plaintext secrets in logs and databases (DESIGN §6),
# pytester, with which tests/test_secret_scan.py runs a leaking session of its own, and
# what running under pytest-xdist needs (the `exclusive` tests' lock).
pytest_plugins = ["pytester", "tests.secret_scan", "tests.parallel"]


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file migrated to head; each test gets a copy (migrations run once)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """One PostgreSQL database migrated to head; each test gets a copy of it."""
    require_services()
    name = f"keystead_template_{os.getpid()}"
    drop_database(name)
    psql(f'CREATE DATABASE "{name}"')
    upgrade(postgres_url(name))
    yield name
    drop_database(name)


@pytest.fixture(params=["sqlite", "postgres"])
def backend(
    request: pytest.FixtureRequest, tmp_path: Path, migrated_template: Path
) -> Iterator[Backend]:
    if request.param == "sqlite":
        path = tmp_path / "keystead.db"
        shutil.copyfile(migrated_template, path)
        yield Backend("sqlite", f"sqlite+aiosqlite:///{path}", None, path)
        return
    template: str = request.getfixturevalue("postgres_template")
    name = create_database(template)
    flush_redis()
    try:
        yield Backend("postgres", postgres_url(name), REDIS_URL, None)
    finally:
        drop_database(name)


@pytest.fixture
def settings(backend: Backend) -> Settings:
    return backend.settings(last_used_flush_seconds=0.05)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime.now(UTC))


@pytest.fixture
async def app(settings: Settings, clock: FixedClock) -> AsyncIterator[FastAPI]:
    application = create_app(settings, clock=clock)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
def runtime(app: FastAPI) -> Runtime:
    runtime: Runtime = app.state.runtime
    return runtime


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture
def cli_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The environment a CLI command runs in: the test's folder as working directory
    (no `.env` of the checkout is read), a SQLite file there, the test secret, cheap
    password hashing, and nothing inherited that would change what a command does."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KEYSTEAD_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / CLI_DATABASE}")
    monkeypatch.setenv("KEYSTEAD_SECRET_KEY", TEST_SECRET)
    for name, value in FAST_HASHING.items():
        monkeypatch.setenv(f"KEYSTEAD_{name.upper()}", str(value))
    for inherited in ("KEYSTEAD_REDIS_URL", "KEYSTEAD_WORKERS"):
        monkeypatch.delenv(inherited, raising=False)
    return tmp_path
