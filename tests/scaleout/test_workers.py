"""`keystead serve --workers 2`: one port served by two processes, sharing one database
and one Redis. The account's limit stays exact and a revocation holds on the very next
request, whichever worker answers; without Redis, several workers are refused."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import redis
from eth_account import Account

from keystead.cli.serve import NEEDS_REDIS
from tests.backends import REDIS_URL, TEST_SECRET, require_services
from tests.scaleout.conftest import Owner, cluster_env, sign_up
from tests.server.conftest import Server, free_port, keystead_cli, start_server, stop_server

WORKERS = 2


def worker_of(response: httpx.Response) -> str:
    """The process that answered: every `X-Request-Id` keystead makes starts with a
    random prefix of its process, followed by 16 hex digits of a counter."""
    request_id = response.headers["x-request-id"]
    assert len(request_id) > 16, request_id
    return request_id[:-16]


def fresh(server: Server, path: str, token: str | None) -> httpx.Response:
    """One request on a connection of its own, so that any worker may accept it."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with httpx.Client(base_url=server.url, timeout=10) as http:
        return http.get(path, headers=headers)


def each_fresh(
    server: Server, tokens: list[str] | list[None], path: str = "/v1/account"
) -> list[httpx.Response]:
    """One request per token, eight at a time, each on a new connection: while one
    worker is busy accepting, the other takes the next connection."""
    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(lambda token: fresh(server, path, token), tokens))


def worker_pids(server: Server) -> set[int]:
    """The server's worker processes: its children that multiprocessing spawned (uvicorn
    starts each worker so; multiprocessing's resource tracker is a child too)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue  # it ended meanwhile
        parent = int(stat.rpartition(")")[2].split()[1])
        if parent == server.process.pid and b"spawn_main" in command:
            found.add(int(entry.name))
    return found


def until(condition: Callable[[], bool], what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {seconds} s: {what}")
        time.sleep(0.1)


def start_workers(workdir: Path, env: dict[str, str]) -> Server:
    """`keystead serve --workers 2`, once both workers answer (`start_server` waits for
    one /healthz: the other worker may still be starting)."""
    server = start_server(workdir, env, "--workers", str(WORKERS))
    seen: set[str] = set()

    def both_answer() -> bool:
        seen.update(worker_of(r) for r in each_fresh(server, [None] * 8, "/healthz"))
        return len(seen) == WORKERS

    try:
        until(both_answer, "both workers answering /healthz")
    except BaseException:
        stop_server(server)
        raise
    return server


@pytest.fixture
def workers(database: str, tmp_path: Path) -> Iterator[Server]:
    """`keystead serve --workers 2` on PostgreSQL and Redis, both workers answering."""
    server = start_workers(tmp_path, cluster_env(database))
    try:
        yield server
    finally:
        pids = worker_pids(server)
        stop_server(server)
    assert server.process.returncode == 0, server.logs()
    assert not [pid for pid in pids if Path(f"/proc/{pid}").exists()], "workers outlived it"


def test_two_workers_are_two_processes_with_the_parents_settings(workers: Server) -> None:
    pids = worker_pids(workers)
    assert len(pids) == WORKERS, pids
    assert workers.process.pid not in pids
    # `--port` reached the workers: the origin wallet messages name is 127.0.0.1:PORT
    # (the default would be 127.0.0.1:8000).
    address = Account.create().address
    answers = each_fresh(workers, [None] * 8, f"/auth/wallet/challenge?address={address}")
    origin = workers.url.removeprefix("http://")
    assert {a.json()["data"]["message"].split(" ", 1)[0] for a in answers} == {origin}
    assert len({worker_of(answer) for answer in answers}) == WORKERS


def redis_sentinel() -> Callable[[], bool]:
    """A key put in the tests' Redis database now, and whether it is still there: another
    test run on this machine flushes that database as each of its tests starts."""
    client = redis.Redis.from_url(REDIS_URL)
    key = f"keystead-tests-sentinel-{uuid.uuid4().hex}"
    client.set(key, 1, ex=300)
    return lambda: bool(client.exists(key))


def test_two_workers_admit_exactly_thirty_a_minute_for_one_account(workers: Server) -> None:
    for _ in range(3):
        owner = sign_up(workers)
        first = owner.create_token(["account:read"], name="first")["token"]
        second = owner.create_token(["account:read"], name="second")["token"]
        still_there = redis_sentinel()
        answers = each_fresh(workers, [first, second] * 25)
        # A flush of the database by another test run empties the window meanwhile:
        # then count again, on a new account.
        if still_there():
            break
    else:
        pytest.fail("Redis was flushed during each of 3 bursts: another test run is using it")
    statuses = [answer.status_code for answer in answers]
    by_worker = Counter(worker_of(a) for a in answers if a.status_code == 200)
    assert statuses.count(200) == 30, f"admitted by each worker: {by_worker}"
    refused = [answer for answer in answers if answer.status_code != 200]
    assert {answer.status_code for answer in refused} == {429}
    assert {answer.json()["message"] for answer in refused} == {"Too Many Attempts."}
    # Both tokens were admitted, by both workers.
    admitted = [answers[n] for n, status in enumerate(statuses) if status == 200]
    assert {n % 2 for n, status in enumerate(statuses) if status == 200} == {0, 1}
    assert len({worker_of(answer) for answer in admitted}) == WORKERS


def warm_on_both_workers(server: Server, token: str) -> None:
    """Use the token until each worker has admitted it (and so holds it in its cache)."""
    seen: set[str] = set()
    for _ in range(4):
        answers = each_fresh(server, [token] * 6)
        assert {answer.status_code for answer in answers} == {200}
        seen.update(worker_of(answer) for answer in answers)
        if len(seen) == WORKERS:
            return
    raise AssertionError(f"24 requests reached only {seen}")


def refused_everywhere(server: Server, token: str) -> None:
    """The very next requests, on fresh connections: every one refused, by both workers."""
    seen: set[str] = set()
    for _ in range(3):
        answers = each_fresh(server, [token] * 20)
        assert [answer.status_code for answer in answers] == [401] * 20
        seen.update(worker_of(answer) for answer in answers)
        if len(seen) == WORKERS:
            return
    raise AssertionError(f"60 requests reached only {seen}")


def revoke_through_api(owner: Owner, token_id: str, _server: Server) -> None:
    assert owner.revoke(token_id).status_code == 200


def revoke_through_cli(_owner: Owner, token_id: str, server: Server) -> None:
    result = keystead_cli(server, "token", "revoke", token_id)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("revoke", [revoke_through_api, revoke_through_cli], ids=["api", "cli"])
def test_a_revoked_token_is_refused_at_once_by_every_worker(
    workers: Server, revoke: Callable[[Owner, str, Server], None]
) -> None:
    owner = sign_up(workers)
    token = owner.create_token(["account:read"])
    warm_on_both_workers(workers, token["token"])
    revoke(owner, token["id"], workers)
    refused_everywhere(workers, token["token"])


def test_sqlite_with_redis_serves_on_two_workers(tmp_path: Path) -> None:
    """Allowed: Redis shares the limits and invalidations, and SQLite (WAL, a 10 s busy
    timeout, writes taking the lock up front) lets several processes share one file."""
    require_services()
    env = {"KEYSTEAD_REDIS_URL": REDIS_URL, "KEYSTEAD_REDIS_PREFIX": f"keystead-w-{os.getpid()}"}
    server = start_workers(tmp_path, env)
    try:
        assert len(worker_pids(server)) == WORKERS
        owner = sign_up(server)
        token = owner.create_token(["account:read"])
        warm_on_both_workers(server, token["token"])
        revoke_through_api(owner, token["id"], server)
        refused_everywhere(server, token["token"])
    finally:
        stop_server(server)


def refuse(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`keystead serve ARGS` without Redis, on SQLite, as its own process."""
    environment = {name: v for name, v in os.environ.items() if not name.startswith("KEYSTEAD_")}
    environment.update(
        KEYSTEAD_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'keystead.db'}",
        KEYSTEAD_SECRET_KEY=TEST_SECRET,
        **env,
    )
    return subprocess.run(
        [sys.executable, "-m", "keystead", "serve", *args],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def nothing_listens_on(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


@pytest.mark.parametrize(
    ("args", "env", "asked"),
    [
        (["--workers", "2"], {}, "--workers 2"),
        ([], {"KEYSTEAD_WORKERS": "3"}, "KEYSTEAD_WORKERS=3"),
    ],
    ids=["option", "setting"],
)
def test_several_workers_without_redis_are_refused_before_binding(
    tmp_path: Path, args: list[str], env: dict[str, str], asked: str
) -> None:
    port = free_port()
    result = refuse(tmp_path, "--port", str(port), *args, **env)
    assert result.returncode == 2, result.stderr
    assert result.stderr == f"error: {asked} {NEEDS_REDIS}\n"
    assert "needs KEYSTEAD_REDIS_URL" in result.stderr
    assert result.stdout == ""  # not even "keystead serving on"
    assert nothing_listens_on(port)
    assert not (tmp_path / "keystead.db").exists()  # nor migrated


@pytest.mark.parametrize(
    ("args", "env", "said"),
    [
        (["--workers", "0"], {}, "'--workers'"),
        ([], {"KEYSTEAD_WORKERS": "0"}, "KEYSTEAD_WORKERS: Input should be greater than or equal"),
    ],
    ids=["option", "setting"],
)
def test_fewer_than_one_worker_is_refused(
    tmp_path: Path, args: list[str], env: dict[str, str], said: str
) -> None:
    result = refuse(tmp_path, "--port", str(free_port()), *args, **env)
    assert result.returncode == 2
    assert said in result.stderr
    assert not (tmp_path / "keystead.db").exists()
