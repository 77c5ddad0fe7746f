"""The gateway (proxy mode, issue 20): `GET /v1/bots` through `keystead serve` with
`KEYSTEAD_UPSTREAM_URL` set, against the same upstream called directly.

The upstream is bare Starlette answering a fixed bots list (its own uvicorn process,
one worker; it checks nothing, so it can be called directly). The gateway is
`keystead serve` as shipped (SQLite, INFO request log, 30 requests a minute per
account, usage analytics on); only its background work (the jobs, the write-behind
flush of last use and usage counts) is put off past the run, as in the other benches.
Both processes share the servers' core, the load generator has the other.

Every request carries the next of ACCOUNTS tokens in turn (one account each, holding
the route's permission), across all runs, so no account nears its limit; the
upstream gets the same header bytes and ignores them. Peak: wrk at 16 connections,
alternating rounds, ratio gateway / direct per round. Then both paths paced open
loop at half of the gateway's best round: p50 and p99, and what the gateway adds.
"""

from __future__ import annotations

import asyncio
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import orjson
from sqlalchemy import create_engine, insert
from sqlalchemy.engine import make_url
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bench.deployments import Deployment
from bench.load import (
    CONNECTIONS,
    Connection,
    LoadResult,
    _loop_factory,
    describe,
    has_wrk,
    parse_wrk,
    percentile,
)
from bench.population import random_tokens
from bench.results import Results
from bench.servers import (
    LOAD_CPU,
    SERVER_CPU,
    Server,
    _wait_until_ready,
    free_port,
    pinning,
    serve,
    stop,
)
from keystead.access import tokens
from keystead.config import Settings
from keystead.proxy import route_table
from keystead.store.models import Account, ApiToken

PATH = "/v1/bots"
ACCOUNTS = 3_000
"""Accounts (one token each) the requests go round: at 30 a minute each, 90,000
requests a minute (1,500 req/s for a whole minute) before any could be refused.
More would only lengthen the warm-up, which uses each token once."""
FIRST_ACCOUNT_ID = 2_000_000
PACED_RUNS = 3
FLUSH_PUT_OFF = "3600"

BOTS = {
    "success": True,
    "message": "Bots retrieved",
    "data": [
        {
            "number": "BOT1ABCD23",
            "name": "SPX 0DTE Put Spread",
            "broker_connection": {
                "number": "BRK9XYZ876",
                "name": "Main brokerage",
                "account_number": "5WT12345",
            },
            "is_paper": True,
            "status": "Enabled",
            "can_enable": False,
            "can_disable": True,
            "symbol": "SPX",
            "type": "Put Credit Spread",
            "notes": None,
            "last_active_at": "2026-11-20T15:45:00-05:00",
            "disabled_at": None,
        }
    ],
}
_BODY = orjson.dumps(BOTS)


async def _bots(_request: Request) -> Response:
    return Response(_BODY, media_type="application/json")


def upstream() -> Starlette:
    """Factory for `uvicorn --factory bench.gateway:upstream`: the API behind keystead."""
    return Starlette(routes=[Route(PATH, _bots)])


_WRK_SCRIPT = """\
-- The next token on every request (wrk -t1: one Lua state, so exactly in turn).
local requests, index = {}, 0
function init(args)
  for line in io.lines(args[1]) do
    requests[#requests + 1] = wrk.format(nil, nil, {["Authorization"] = "Bearer " .. line})
  end
  index = tonumber(args[2]) % #requests
end
function request()
  index = index % #requests + 1
  return requests[index]
end
"""


@dataclass
class Rotation:
    """The plain tokens, where the next gateway run starts in them, and what every
    run through the gateway (warm-ups too) sent and had refused."""

    plains: list[str]
    file: Path
    cursor: int = 0
    sent: int = 0
    refused: int = 0
    """Answers other than 200 (wrk: other than 2xx or 3xx) and broken connections."""

    def advance(self, sent: int, refused: int) -> None:
        self.cursor = (self.cursor + sent) % len(self.plains)
        self.sent += sent
        self.refused += refused

    def took(self, run: LoadResult) -> LoadResult:
        self.advance(run.ok + run.failed, run.failed)
        return run

    @property
    def most_per_account(self) -> int:
        """Requests on the busiest account over the whole run (all taken in turn)."""
        return math.ceil(self.sent / len(self.plains))


def _store_tokens(deployment: Deployment, permission: str, folder: Path) -> Rotation:
    """ACCOUNTS accounts (terms accepted), one token each holding `permission`."""
    settings = deployment.settings()
    now = datetime.now(UTC)
    plains = list(random_tokens(settings.token_prefix, ACCOUNTS))
    accounts = [
        {
            "id": FIRST_ACCOUNT_ID + index,
            "number": f"G{index:09d}",
            "email": f"gateway-{index}@keystead.dev",
            "terms_accepted_version": 1,
            "terms_accepted_at": now,
            "created_at": now,
        }
        for index in range(ACCOUNTS)
    ]
    rows = [
        {
            "id": f"G{index:09d}",
            "account_id": FIRST_ACCOUNT_ID + index,
            "kind": "token",
            "name": "gateway bench",
            "permissions": [permission],
            "token_hash": tokens.keyed_hash(settings.secret_bytes, plain),
            "preview": tokens.preview(plain, settings.token_prefix),
            "created_at": now,
            "expires_at": now + timedelta(days=365),
        }
        for index, plain in enumerate(plains)
    ]
    engine = create_engine(make_url(deployment.database_url).set(drivername="sqlite"))
    try:
        with engine.begin() as connection:
            connection.execute(insert(Account), accounts)
            connection.execute(insert(ApiToken), rows)
    finally:
        engine.dispose()
    file = folder / "gateway-tokens.txt"
    file.write_text("\n".join(plains) + "\n")
    return Rotation(plains, file)


def _permission_of(settings: Settings, method: str, path: str) -> str:
    """The permission the gateway's route table (the trading API's) gives the route."""
    for route in route_table(settings).routes:
        if route.method == method and route.path == path:
            return route.permission
    raise RuntimeError(f"{method} {path} is not in the gateway's route table")


def _shipped(name: str) -> str:
    return str(Settings.model_fields[name].default)


@contextmanager
def keystead_gateway(deployment: Deployment, upstream_url: str) -> Iterator[Server]:
    """`keystead serve` in proxy mode, as shipped but for the background work (the
    jobs, the usage flush) put off, on the servers' core; its log goes to a file."""
    port = free_port()
    env = deployment.env(
        rate_limit=_shipped("rate_limit"),
        auth_failure_limit=_shipped("auth_failure_limit"),
        log_level=_shipped("log_level"),
        upstream_url=upstream_url,
        # The write-behind of last use and usage counts writes a row per credential
        # used since the last flush: with the requests spread over ACCOUNTS tokens,
        # thousands every 5 s (a real workload's few busy accounts would write far
        # fewer). Background work, put off past the run like the jobs.
        last_used_flush_seconds=FLUSH_PUT_OFF,
    )
    command = [sys.executable, "-m", "keystead", "serve", "--port", str(port)]
    if pinning():
        command = ["taskset", "-c", str(SERVER_CPU), *command]
    with tempfile.TemporaryDirectory(prefix="keystead-gateway-") as folder:
        log_path = Path(folder) / "gateway.log"
        with log_path.open("w+b") as log:
            # Its own folder as working directory: no .env of the checkout is read.
            process = subprocess.Popen(
                command, cwd=folder, env={**os.environ, **env}, stdout=log, stderr=log
            )
            server = Server("keystead gateway", f"http://127.0.0.1:{port}", process)
            try:
                _wait_until_ready(server, "/readyz", log)
                yield server
            finally:
                stop(process)


def _wrk(url: str, seconds: float, rotation: Rotation, script: Path) -> LoadResult:
    """wrk, one thread, CONNECTIONS connections, each request with the next token."""
    command = [
        "wrk",
        "-t1",
        f"-c{CONNECTIONS}",
        f"-d{max(1, round(seconds))}s",
        "--latency",
        "-s",
        str(script),
        url,
        "--",
        str(rotation.file),
        str(rotation.cursor),
    ]
    if pinning():
        command = ["taskset", "-c", str(LOAD_CPU), *command]
    output = subprocess.run(
        command, capture_output=True, text=True, check=True, timeout=seconds + 60
    ).stdout
    return parse_wrk(output)


async def _paced(url: str, seconds: float, rate: float, rotation: Rotation) -> LoadResult:
    """Open loop at `rate` (see `bench.load.run_client`), request i with token
    cursor + i; `failed` counts every answer but 200, and broken connections."""
    path = urlsplit(url).path
    latencies: list[float] = []
    counts = {"ok": 0, "failed": 0}
    requests = [Connection(url).request(path, plain) for plain in rotation.plains]
    start = time.perf_counter()
    deadline = start + seconds
    next_index = iter(range(1 << 62))

    async def worker() -> None:
        async with Connection(url) as connection:
            try:
                while True:
                    index = next(next_index)
                    due = sent = start + index / rate
                    if due >= deadline:
                        return
                    if due > time.perf_counter():
                        await asyncio.sleep(due - time.perf_counter())
                        sent = time.perf_counter()
                    request = requests[(rotation.cursor + index) % len(requests)]
                    status = await connection.send(request)
                    latencies.append(time.perf_counter() - sent)
                    counts["ok" if status == 200 else "failed"] += 1
            except (ConnectionError, asyncio.IncompleteReadError):
                counts["failed"] += 1

    await asyncio.gather(*(worker() for _ in range(CONNECTIONS)))
    latencies.sort()
    return LoadResult(
        seconds=seconds,
        ok=counts["ok"],
        failed=counts["failed"],
        p50_ms=percentile(latencies, 0.50) * 1000 if latencies else None,
        p99_ms=percentile(latencies, 0.99) * 1000 if latencies else None,
        tool="python",
    )


def _paced_run(url: str, seconds: float, rate: float, rotation: Rotation) -> LoadResult:
    """One paced run, this process on the load generator's core for its length."""
    cores = os.sched_getaffinity(0)
    if pinning():
        os.sched_setaffinity(0, {LOAD_CPU})
    try:
        with asyncio.Runner(loop_factory=_loop_factory()) as runner:
            return runner.run(_paced(url, seconds, rate, rotation))
    finally:
        os.sched_setaffinity(0, cores)


@dataclass(frozen=True)
class Paced:
    p50_ms: float
    p99_ms: float
    failed: int
    detail: str


def _summary(runs: list[LoadResult]) -> Paced:
    p50s = [r.p50_ms if r.p50_ms is not None else math.inf for r in runs]
    p99s = [r.p99_ms if r.p99_ms is not None else math.inf for r in runs]
    failed = sum(r.failed for r in runs)
    detail = (
        f"({runs[0].tool}, {len(runs)} runs: p50 "
        + ", ".join(f"{p:.2f}" for p in p50s)
        + " ms; p99 "
        + ", ".join(f"{p:.2f}" for p in p99s)
        + " ms"
        + (f"; {failed} failed" if failed else "")
        + ")"
    )
    return Paced(statistics.median(p50s), statistics.median(p99s), failed, detail)


def measure_gateway(
    deployment: Deployment, workdir: Path, results: Results, *, seconds: float, rounds: int
) -> None:
    if not has_wrk():
        results.notes.append("gateway skipped: it needs wrk (apt-get install wrk)")
        return
    permission = _permission_of(deployment.settings(), "GET", PATH)
    rotation = _store_tokens(deployment, permission, workdir)
    script = workdir / "gateway-tokens.lua"
    script.write_text(_WRK_SCRIPT)
    section = (
        f"Gateway: GET {PATH} through keystead serve (proxy mode, {deployment.name}, "
        f"shipped settings) and directly ({CONNECTIONS} connections)"
    )
    with (
        serve("upstream", "bench.gateway:upstream", {}, PATH) as direct_server,
        keystead_gateway(deployment, direct_server.url) as gateway_server,
    ):
        direct, gateway = direct_server.url + PATH, gateway_server.url + PATH
        # Every token once (its credential cached, as after any warm-up), then both
        # paths warmed at full load.
        _each_token_once(gateway, rotation)
        _wrk(direct, 1, rotation, script)
        rotation.took(_wrk(gateway, 1, rotation, script))

        straight: list[LoadResult] = []
        through: list[LoadResult] = []
        spent = {"gateway": 0.0, "upstream via gateway": 0.0, "upstream directly": 0.0}
        for index in range(rounds):
            # Every other round the gateway first, so a drifting machine favours neither.
            for via_gateway in (bool(index % 2), not index % 2):
                before = _cpu_seconds(gateway_server), _cpu_seconds(direct_server)
                if via_gateway:
                    through.append(rotation.took(_wrk(gateway, seconds, rotation, script)))
                    spent["gateway"] += _cpu_seconds(gateway_server) - before[0]
                    spent["upstream via gateway"] += _cpu_seconds(direct_server) - before[1]
                else:
                    straight.append(_wrk(direct, seconds, rotation, script))
                    spent["upstream directly"] += _cpu_seconds(direct_server) - before[1]
        for index, (plain, proxied) in enumerate(zip(straight, through, strict=True), start=1):
            for name, run in (("upstream directly", plain), ("through the gateway", proxied)):
                label = f"round {index}: {name}"
                results.add(section, label, run.ok_per_second, "req/s", describe(run))
        ratios = [g.ok_per_second / d.ok_per_second for d, g in zip(straight, through, strict=True)]
        direct_rate = statistics.median(r.ok_per_second for r in straight)
        gateway_rate = statistics.median(r.ok_per_second for r in through)
        ratio = statistics.median(ratios)
        results.add(
            section,
            "median ratio, gateway / direct",
            ratio,
            "×",
            f"({ratio:.4f}; medians {gateway_rate:,.0f} / {direct_rate:,.0f} req/s; rounds: "
            + ", ".join(f"{r:.4f}" for r in ratios)
            + ")",
        )

        half = max(r.ok_per_second for r in through) / 2
        paced_direct: list[LoadResult] = []
        paced_gateway: list[LoadResult] = []
        for index in range(PACED_RUNS):
            for via_gateway in (bool(index % 2), not index % 2):
                if via_gateway:
                    paced_gateway.append(
                        rotation.took(_paced_run(gateway, seconds, half, rotation))
                    )
                else:
                    paced_direct.append(_paced_run(direct, seconds, half, rotation))

    straight_paced, gateway_paced = _summary(paced_direct), _summary(paced_gateway)
    at = f"at {half:,.0f} req/s"
    half_note = "(paced open loop at half of the gateway's best round) "
    for name, paced in (
        ("upstream directly", straight_paced),
        ("through the gateway", gateway_paced),
    ):
        results.add(section, f"p50 {at}, {name}", paced.p50_ms, "ms", half_note + paced.detail)
        results.add(section, f"p99 {at}, {name}", paced.p99_ms, "ms")
    for label, added in (
        ("p50", gateway_paced.p50_ms - straight_paced.p50_ms),
        ("p99", gateway_paced.p99_ms - straight_paced.p99_ms),
    ):
        results.add(section, f"{label} {at}, added by the gateway", added, "ms")
    proxied_requests = sum(r.ok + r.failed for r in through)
    direct_requests = sum(r.ok + r.failed for r in straight)
    for name, seconds_spent, requests in (
        ("gateway", spent["gateway"], proxied_requests),
        ("upstream, through the gateway", spent["upstream via gateway"], proxied_requests),
        ("upstream, directly", spent["upstream directly"], direct_requests),
    ):
        results.add(
            section,
            f"CPU per request at peak: {name}",
            seconds_spent / max(requests, 1) * 1e6,
            "µs",
            "(user + system time of the process over the rounds, from /proc)",
        )
    results.add(
        section,
        "non-200 answers through the gateway",
        rotation.refused,
        "answers",
        f"(of {rotation.sent:,} requests, warm-ups included; {ACCOUNTS:,} accounts in turn, "
        f"at most {rotation.most_per_account} requests on one account in the whole run, "
        f"limit {_shipped('rate_limit')})",
    )
    failed_direct = sum(r.failed for r in straight) + straight_paced.failed
    if failed_direct:
        results.notes.append(f"gateway bench: {failed_direct} direct requests failed")
    results.plot("Gateway, successful req/s", "upstream directly", direct_rate)
    results.plot("Gateway, successful req/s", "through the gateway", gateway_rate)
    results.plot(
        f"Gateway, p99 at {half:,.0f} req/s, ms", "upstream directly", straight_paced.p99_ms
    )
    results.plot(
        f"Gateway, p99 at {half:,.0f} req/s, ms", "through the gateway", gateway_paced.p99_ms
    )
    results.check_at_most("no request refused through the gateway", rotation.refused, 0, "non-200")


def _each_token_once(url: str, rotation: Rotation) -> None:
    """GET `url` with every token once (from the first: the cursor is back there after)."""
    path = urlsplit(url).path
    pending = iter(rotation.plains)
    refused = [0]

    async def worker() -> None:
        async with Connection(url) as connection:
            for plain in pending:
                if await connection.send(connection.request(path, plain)) != 200:
                    refused[0] += 1

    async def run() -> None:
        await asyncio.gather(*(worker() for _ in range(CONNECTIONS)))

    asyncio.run(run())
    rotation.advance(len(rotation.plains), refused[0])


def _cpu_seconds(server: Server) -> float:
    """User + system CPU time the server's process has used so far."""
    fields = Path(f"/proc/{server.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
