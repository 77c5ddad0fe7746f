"""The two ways keystead is deployed, as the benchmarks set them up.

`embedded`: a SQLite file and in-process limits and invalidation (the default).
`scale_out`: a fresh PostgreSQL database and Redis (any number of instances).
Both get a migrated schema and one account that has accepted the API terms.
PostgreSQL is found and driven exactly as the test suite does it (tests/backends.py).
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis
from tests.backends import postgres_url, psql

from keystead.access.permissions import ACCOUNT_READ
from keystead.audit import Actor
from keystead.config import Settings
from keystead.runtime import build_runtime
from keystead.store.migrate import upgrade

REDIS_URL = "redis://127.0.0.1:6379/14"
"""Database 14: the test suite's are 15 and, under pytest-xdist, 13 and below (one per
worker, tests/backends.py), so a bench run and a test run never meet."""

BENCH_EMAIL = "bench@keystead.dev"
BENCH_PASSWORD = "bench-password-not-secret"
UNLIMITED = "1000000000/minute"
"""The per-account limit during throughput runs: the runs measure cost, not refusals."""


@dataclass(frozen=True)
class Deployment:
    name: str
    database_url: str
    redis_url: str | None
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(48))
    redis_prefix: str = field(default_factory=lambda: f"keystead-bench-{secrets.token_hex(4)}")

    def env(self, **overrides: str) -> dict[str, str]:
        """The `KEYSTEAD_*` environment of a server of this deployment."""
        values = {
            "KEYSTEAD_DATABASE_URL": self.database_url,
            "KEYSTEAD_SECRET_KEY": self.secret_key,
            "KEYSTEAD_REDIS_PREFIX": self.redis_prefix,
            "KEYSTEAD_RATE_LIMIT": UNLIMITED,
            "KEYSTEAD_AUTH_FAILURE_LIMIT": UNLIMITED,
            "KEYSTEAD_LOG_LEVEL": "warning",
            # Cheaper password hashing: only the one sign-in of the propagation run uses it.
            "KEYSTEAD_PASSWORD_HASH_TIME_COST": "1",
            "KEYSTEAD_PASSWORD_HASH_MEMORY_KIB": "8192",
            "KEYSTEAD_JOBS_INTERVAL_SECONDS": "3600",
        }
        if self.redis_url:
            values["KEYSTEAD_REDIS_URL"] = self.redis_url
        return {**values, **{f"KEYSTEAD_{k.upper()}": v for k, v in overrides.items()}}

    def settings(self, **overrides: str) -> Settings:
        # Text, as the environment holds it: pydantic parses each into its field's type.
        values: dict[str, Any] = {
            k.removeprefix("KEYSTEAD_").lower(): v for k, v in self.env(**overrides).items()
        }
        return Settings(_env_file=None, **values)


@contextmanager
def embedded(workdir: Path, name: str = "embedded") -> Iterator[Deployment]:
    path = workdir / f"{name}.db"
    deployment = Deployment("SQLite, in process", f"sqlite+aiosqlite:///{path}", None)
    upgrade(deployment.database_url)
    yield deployment


@contextmanager
def scale_out() -> Iterator[Deployment]:
    database = f"keystead_bench_{secrets.token_hex(6)}"
    psql(f'CREATE DATABASE "{database}"')
    deployment = Deployment("PostgreSQL + Redis", postgres_url(database), REDIS_URL)
    try:
        upgrade(deployment.database_url)
        yield deployment
    finally:
        psql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        client = redis.Redis.from_url(REDIS_URL)
        for key in client.scan_iter(f"{deployment.redis_prefix}*"):
            client.delete(key)


def seed_member(deployment: Deployment) -> str:
    """The bench account (terms accepted); returns one plain token that may read it."""

    async def seed() -> str:
        runtime = build_runtime(deployment.settings())
        try:
            account = await runtime.accounts.register(BENCH_EMAIL, BENCH_PASSWORD)
            terms = await runtime.terms.current()
            await runtime.terms.accept(account.id, terms.version, by=Actor.operator())
            _token, plain = await runtime.tokens.create(
                account.id, "bench", [ACCOUNT_READ], by=Actor.operator()
            )
            return plain
        finally:
            await runtime.close()

    return asyncio.run(seed())
