"""Fixtures for fuzzing the whole API from its OpenAPI schema, and the run's counts in
the terminal summary (cases sent, operations covered, server errors, findings)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import cast

import pytest
from schemathesis.python import asgi

from keystead.app import create_app
from tests.backends import (
    REDIS_URL,
    Backend,
    create_database,
    drop_database,
    flush_redis,
    postgres_url,
    require_services,
)
from tests.fuzz.stats import STATS_KEY, FuzzStats
from tests.fuzz.target import ACTIVE, FuzzTarget, fuzz_settings, seed, sign_in
from tests.parallel import hand_summary


@pytest.fixture(scope="session")
def fuzz_stats(request: pytest.FixtureRequest) -> FuzzStats:
    stats = FuzzStats()
    request.config.stash[STATS_KEY] = stats
    return stats


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    stats = terminalreporter.config.stash.get(STATS_KEY, None)
    if stats is None:
        return
    terminalreporter.section("keystead fuzz")
    for line in stats.summary_lines():
        terminalreporter.write_line(line)


def pytest_sessionfinish(session: pytest.Session) -> None:
    stats = session.config.stash.get(STATS_KEY, None)
    if stats is not None:
        hand_summary(session.config, "keystead fuzz", stats.summary_lines())


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def fuzz_target(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    migrated_template: Path,
) -> Iterator[FuzzTarget]:
    """A fresh app with the demo account signed in three ways: on its own SQLite file,
    then on its own PostgreSQL database with Redis (the same cases on both)."""
    database: str | None = None
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("fuzz") / "keystead.db"
        shutil.copyfile(migrated_template, path)
        backend = Backend("sqlite", f"sqlite+aiosqlite:///{path}", None, path)
    else:
        require_services()
        database = create_database(request.getfixturevalue("postgres_template"))
        flush_redis()
        backend = Backend("postgres", postgres_url(database), REDIS_URL, None)
    settings = backend.settings(**fuzz_settings())
    demo = seed(settings)
    app = create_app(settings)
    try:
        # FastAPI's ASGI signature is typed with Mapping where schemathesis says dict.
        with asgi.get_client(cast("asgi.ASGIApp", app)) as client:
            target = sign_in(app, client, demo, backend.name)
            ACTIVE.append(target)
            yield target
    finally:
        ACTIVE.clear()
        # The ASGI client leaves the lifespan running for later clients; end it here so
        # the background tasks and the database pool close with the module.
        asgi.shutdown_lifespans()
        if database is not None:
            drop_database(database)
