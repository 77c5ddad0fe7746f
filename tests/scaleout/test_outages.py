"""Redis stopped and restarted, PostgreSQL restarted: the documented behaviour
while down, full service after, without restarting keystead, nothing lost."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import redis

from tests.scaleout.conftest import Cluster, cluster_env, sign_up, two_instances
from tests.server.conftest import free_port

REDIS_DOWN = {
    "success": False,
    "message": "Rate limiting is unavailable; try again shortly",
    "data": [],
}


class PrivateRedis:
    """A redis-server of this test's own, on a free port, to stop and start at will."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary, "redis-server is required"
        self.process = subprocess.Popen(
            [
                binary,
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
        )
        wait_for(lambda: redis.Redis.from_url(self.url).ping())

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


def wait_for(check: Callable[[], object], seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            if check():
                return
        except Exception:
            if time.monotonic() > deadline:
                raise
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.1)


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()


def test_redis_down_fails_closed_then_recovers(
    database: str, tmp_path: Path, private_redis: PrivateRedis
) -> None:
    with two_instances(tmp_path, cluster_env(database, private_redis.url)) as cluster:
        owner = sign_up(cluster.a)
        token = owner.create_token(["account:read"])
        headers = {"Authorization": f"Bearer {token['token']}"}
        with httpx.Client(base_url=cluster.b.url) as b:
            assert b.get("/v1/account", headers=headers).status_code == 200
            assert b.get("/v1/bots", headers=headers).status_code == 403

            private_redis.stop()
            down = b.get("/v1/account", headers=headers)
            assert down.status_code == 503
            assert down.json() == REDIS_DOWN
            # Missing permissions are still told apart, without the limit headers.
            forbidden = b.get("/v1/bots", headers=headers)
            assert forbidden.status_code == 403
            assert "x-ratelimit-remaining" not in forbidden.headers
            ready = b.get("/readyz")
            assert ready.status_code == 503
            assert ready.json()["data"]["redis"].startswith("unreachable")
            # Management keeps working while Redis is down.
            assert owner.revoke(token["id"]).status_code == 200
            # A revoked token cannot be checked against the failed-authentication
            # limit either: while Redis is down it is refused with 503 too.
            assert b.get("/v1/account", headers=headers).status_code == 503
            fresh = owner.create_token(["account:read"], name="made while Redis was down")

            private_redis.start()
            wait_for(
                lambda: (
                    b.get(
                        "/v1/account", headers={"Authorization": f"Bearer {fresh['token']}"}
                    ).status_code
                    == 200
                )
            )
            # Back: the revoked token fails, the one made during the outage works.
            assert b.get("/v1/account", headers=headers).status_code == 401
            assert b.get("/readyz").status_code == 200


def test_redis_down_can_be_configured_to_fail_open(
    database: str, tmp_path: Path, private_redis: PrivateRedis
) -> None:
    env = cluster_env(database, private_redis.url, KEYSTEAD_REDIS_FAILURE_POLICY="open")
    with two_instances(tmp_path, env) as cluster:
        owner = sign_up(cluster.a)
        token = owner.create_token(["account:read"])
        private_redis.stop()
        with httpx.Client(base_url=cluster.b.url) as b:
            response = b.get("/v1/account", headers={"Authorization": f"Bearer {token['token']}"})
            assert response.status_code == 200


@pytest.mark.exclusive  # every other test uses this PostgreSQL server (tests/parallel.py)
def test_postgresql_restart_is_survived_without_restarting_keystead(cluster: Cluster) -> None:
    owner = sign_up(cluster.a)
    before = owner.create_token(["account:read"], name="before the restart")
    versions = sorted(p.name for p in Path("/etc/postgresql").iterdir())
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main", "restart"],
        check=True,
        capture_output=True,
        timeout=120,
    )
    with httpx.Client(base_url=cluster.b.url) as b:
        wait_for(lambda: b.get("/readyz").status_code == 200, seconds=60)
    # Full service on both instances: sessions, writes, reads, nothing lost.
    after = owner.create_token(["account:read"], name="after the restart")
    listed = owner.http.get("/account/api-tokens").json()["data"]
    assert {before["id"], after["id"]} <= {token["id"] for token in listed}
    with httpx.Client(base_url=cluster.b.url) as b:
        for token in (before, after):
            used = b.get("/v1/account", headers={"Authorization": f"Bearer {token['token']}"})
            assert used.status_code == 200
