"""The two storage configurations every integration test runs on: SQLite with
in-process limits, and PostgreSQL with Redis. Each test gets a clean database.

PostgreSQL and Redis are used for real. When one is unreachable its tests are
skipped, except under CI=true, where a missing service is a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import redis

from keystead.config import Settings

PG_HOST = "127.0.0.1"
PG_PORT = 5432
PG_ADMIN_DATABASE = "test"


def worker_index() -> int | None:
    """0 in pytest-xdist's worker gw0, 1 in gw1, …; None outside xdist (tests/parallel.py)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    return int(worker.removeprefix("gw")) if worker else None


def redis_database(worker: int | None) -> int:
    """The Redis database the tests flush: 15 in a serial run, and one of its own for
    each pytest-xdist worker (gw0: 13, gw1: 12, …). 14 is the benchmarks'."""
    if worker is None:
        return 15
    if worker > 13:
        raise RuntimeError(
            f"pytest-xdist worker gw{worker} has no Redis database of its own "
            "(0 to 13 are the workers'): run at most 14 workers (-n 14)"
        )
    return 13 - worker


REDIS_URL = f"redis://127.0.0.1:6379/{redis_database(worker_index())}"
TEST_SECRET = "test-secret-that-is-long-enough-for-keystead-0123456789"
# Fast Argon2id parameters: the algorithm is the same, only the cost is lower.
FAST_HASHING = {"password_hash_time_cost": 1, "password_hash_memory_kib": 8192}
CLI_DATABASE = "cli.db"
"""The SQLite file of the `cli_home` fixture (tests/conftest.py), in the test's folder."""


@dataclass(frozen=True)
class Backend:
    name: str
    database_url: str
    redis_url: str | None
    sqlite_path: Path | None

    def settings(self, **overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "database_url": self.database_url,
            "redis_url": self.redis_url,
            "secret_key": TEST_SECRET,
            "redis_prefix": f"keystead-test-{uuid.uuid4().hex[:8]}",
            **FAST_HASHING,
            **overrides,
        }
        return Settings(_env_file=None, **values)


def psql(sql: str, database: str = PG_ADMIN_DATABASE) -> None:
    subprocess.run(
        [
            "psql",
            "-h",
            PG_HOST,
            "-p",
            str(PG_PORT),
            "-d",
            database,
            "-v",
            "ON_ERROR_STOP=1",
            "-q",
            "-c",
            sql,
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )


def postgres_url(database: str) -> str:
    return f"postgresql+asyncpg://{PG_HOST}:{PG_PORT}/{database}"


@cache
def services_missing() -> str | None:
    """Why the PostgreSQL + Redis configuration cannot run here, or None if it can."""
    if shutil.which("psql") is None:
        return "psql is not installed"
    try:
        psql("SELECT 1")
    except (subprocess.SubprocessError, OSError) as error:
        return f"PostgreSQL at {PG_HOST}:{PG_PORT} is unreachable ({type(error).__name__})"
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as error:
        return f"Redis at {REDIS_URL} is unreachable ({type(error).__name__})"
    return None


def require_services() -> None:
    reason = services_missing()
    if reason is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"scale-out services are required under CI: {reason}")
    pytest.skip(reason)


def flush_redis() -> None:
    redis.Redis.from_url(REDIS_URL).flushdb()


def create_database(template: str) -> str:
    name = f"keystead_t_{uuid.uuid4().hex[:16]}"
    psql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return name


# Called with a database's name just before it is dropped: the secret scan reads the
# rows there, since no test database outlives its test.
before_drop: list[Callable[[str], None]] = []


def drop_database(name: str) -> None:
    for hook in before_drop:
        hook(name)
    psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
