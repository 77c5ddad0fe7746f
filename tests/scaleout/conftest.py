"""Two `keystead serve` processes on one PostgreSQL and one Redis."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.backends import REDIS_URL, create_database, drop_database, flush_redis, postgres_url
from tests.catalogue import ALL_PERMISSIONS
from tests.factories import PASSWORD
from tests.parallel import hand_summary
from tests.server.conftest import Server, start_server, stop_server


@dataclass
class Cluster:
    a: Server
    b: Server
    env: dict[str, str]
    workdir: Path

    def restart(self, which: str) -> Server:
        old = self.a if which == "a" else self.b
        stop_server(old)
        new = start_server(self.workdir, self.env)
        if which == "a":
            self.a = new
        else:
            self.b = new
        return new


def cluster_env(database: str, redis_url: str = REDIS_URL, **extra: str) -> dict[str, str]:
    return {
        "KEYSTEAD_DATABASE_URL": postgres_url(database),
        "KEYSTEAD_REDIS_URL": redis_url,
        "KEYSTEAD_REDIS_PREFIX": f"keystead-scaleout-{uuid.uuid4().hex[:8]}",
        # Every trial ends in a deliberate 401 from one address: not what is tested here.
        "KEYSTEAD_AUTH_FAILURE_LIMIT": "100000/minute",
        # and these tests sign up many users from one address.
        "KEYSTEAD_LOGIN_FAILURE_LIMIT_PER_ADDRESS": "100000/minute",
        **extra,
    }


@pytest.fixture
def database(postgres_template: str) -> Iterator[str]:
    name = create_database(postgres_template)
    flush_redis()
    yield name
    drop_database(name)


@contextmanager
def two_instances(workdir: Path, env: dict[str, str]) -> Iterator[Cluster]:
    """Two servers with one configuration, both stopped at the end, whatever happens."""
    a = start_server(workdir, env)
    try:
        b = start_server(workdir, env)
    except BaseException:
        stop_server(a)
        raise
    running = Cluster(a, b, env, workdir)
    try:
        yield running
    finally:
        try:
            stop_server(running.a)  # `restart` may have replaced either
        finally:
            stop_server(running.b)


@pytest.fixture
def cluster(database: str, tmp_path: Path) -> Iterator[Cluster]:
    with two_instances(tmp_path, cluster_env(database)) as running:
        yield running


@dataclass
class Owner:
    """A signed-up user on one instance: cookie, CSRF token, token helpers."""

    http: httpx.Client
    csrf: str

    def create_token(self, permissions: list[str] | None = None, name: str = "t") -> dict[str, str]:
        response = self.http.post(
            "/account/api-tokens",
            json={"name": name, "permissions": permissions or sorted(ALL_PERMISSIONS)},
            headers={"X-CSRF-Token": self.csrf},
        )
        assert response.status_code == 201, response.text
        data: dict[str, str] = response.json()["data"]
        return data

    def revoke(self, token_id: str) -> httpx.Response:
        return self.http.delete(
            f"/account/api-tokens/{token_id}", headers={"X-CSRF-Token": self.csrf}
        )


def sign_up(server: Server, email: str | None = None) -> Owner:
    email = email or f"{uuid.uuid4().hex[:10]}@example.com"
    http = httpx.Client(base_url=server.url, timeout=30)
    assert (
        http.post("/auth/register", json={"email": email, "password": PASSWORD}).status_code == 201
    )
    login = http.post("/auth/login", json={"email": email, "password": PASSWORD})
    csrf = login.json()["data"]["csrf_token"]
    version = http.get("/account/api-terms").json()["data"]["version"]
    http.post("/account/api-terms", json={"version": version}, headers={"X-CSRF-Token": csrf})
    return Owner(http, csrf)


@dataclass
class ConcurrencyStats:
    """What the concurrency fuzz did, for the terminal summary."""

    operations: int = 0
    rounds: int = 0
    seed: int = 0
    mismatches: int = 0

    def record(self, operations: int, rounds: int, seed: int, mismatches: int) -> None:
        self.operations, self.rounds, self.seed, self.mismatches = (
            operations,
            rounds,
            seed,
            mismatches,
        )

    def summary_line(self) -> str:
        return (
            f"concurrency fuzz: {self.operations} operations in {self.rounds} rounds of random "
            f"interleavings (seed {self.seed}) on two instances, {self.mismatches} mismatches"
        )


CONCURRENCY_STATS = pytest.StashKey[ConcurrencyStats]()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    stats = terminalreporter.config.stash.get(CONCURRENCY_STATS, None)
    if stats is None or not stats.rounds:
        return
    terminalreporter.section("keystead concurrency fuzz")
    terminalreporter.write_line(stats.summary_line())


def pytest_sessionfinish(session: pytest.Session) -> None:
    stats = session.config.stash.get(CONCURRENCY_STATS, None)
    if stats is not None and stats.rounds:
        hand_summary(session.config, "keystead concurrency fuzz", [stats.summary_line()])
