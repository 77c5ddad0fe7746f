"""Shared fixtures: a migrated SQLite file per test, settings, a settable clock, the app."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
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

TEST_SECRET = "test-secret-that-is-long-enough-for-keystead-0123456789"

# Fast Argon2id parameters: the algorithm is the same, only the cost is lower.
FAST_HASHING = {"password_hash_time_cost": 1, "password_hash_memory_kib": 8192}


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file migrated to head; each test gets a copy (migrations run once)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture
def database_path(tmp_path: Path, migrated_template: Path) -> Path:
    path = tmp_path / "keystead.db"
    shutil.copyfile(migrated_template, path)
    return path


@pytest.fixture
def settings(database_path: Path) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite+aiosqlite:///{database_path}",
        secret_key=TEST_SECRET,  # type: ignore[arg-type]
        last_used_flush_seconds=0.05,
        **FAST_HASHING,  # type: ignore[arg-type]
    )


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
