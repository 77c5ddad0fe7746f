"""Instructions per request under callgrind: the access path's cost without the noise.

On a shared machine, wall-clock throughput swings by ±20 % between runs a few
seconds apart, more than the cost being measured. Callgrind counts the
instructions the server process executes (all its threads, in user space: the
kernel's work for its system calls is not counted), and the same requests give
the same count whatever else the machine is doing. The server runs under
valgrind with instrumentation off; it is switched on only around each batch of
requests, sent one after another on one keep-alive connection, and each batch's
count is read from its dump.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import tempfile
from pathlib import Path

from bench.app import GUARDED_PATH, OPEN_PATH
from bench.deployments import Deployment, seed_member
from bench.load import Connection
from bench.results import Results
from bench.servers import Server, serve

REQUESTS = 500
"""Requests per batch: enough that one request's count is exact to a few instructions."""
ROUNDS = 2
"""Batches per route, alternating: their agreement shows the count is repeatable."""


def callgrind_missing() -> str | None:
    """Why instructions cannot be counted here, or None."""
    for tool in ("valgrind", "callgrind_control"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (apt-get install valgrind)"
    return None


def callgrind_wrapper(dumps: Path) -> list[str]:
    """The command before the interpreter: callgrind, counting only when switched on."""
    return [
        "valgrind",
        "--tool=callgrind",
        "--instr-atstart=no",
        f"--callgrind-out-file={dumps / 'callgrind.out'}",
    ]


async def _send(
    url: str, path: str, token: str | None, count: int, method: str = "GET", body: bytes = b""
) -> None:
    async with Connection(url) as connection:
        request = connection.request(path, token, method, body)
        for _ in range(count):
            status = await connection.send(request)
            if not 200 <= status < 300:
                raise RuntimeError(f"{method} {path} answered {status}")


def count_instructions(
    server: Server,
    dumps: Path,
    path: str,
    token: str | None,
    *,
    requests: int = REQUESTS,
    method: str = "GET",
    body: bytes = b"",
) -> float:
    """Instructions per request of one batch of `requests`, after 50 uncounted ones."""
    asyncio.run(_send(server.url, path, token, 50, method, body))  # warm, not counted
    pid = str(server.process.pid)
    subprocess.run(["callgrind_control", "--instr=on", pid], check=True, capture_output=True)
    asyncio.run(_send(server.url, path, token, requests, method, body))
    subprocess.run(["callgrind_control", "--instr=off", pid], check=True, capture_output=True)
    before = set(dumps.iterdir())
    subprocess.run(["callgrind_control", "--dump", pid], check=True, capture_output=True)
    (dump,) = set(dumps.iterdir()) - before  # a dump also zeroes the counters
    for line in dump.read_text().splitlines():
        if line.startswith("totals:"):
            return int(line.split()[1]) / requests
    raise RuntimeError(f"no totals in {dump}")


def measure_instructions(deployment: Deployment, results: Results) -> float:
    """Instructions per request on both routes; returns unguarded / guarded."""
    token = seed_member(deployment)
    with tempfile.TemporaryDirectory(prefix="keystead-callgrind-") as folder:
        dumps = Path(folder)
        wrapper = callgrind_wrapper(dumps)
        with serve(
            "keystead under callgrind",
            "bench.app:create",
            deployment.env(),
            "/healthz",
            wrapper=wrapper,
            start_timeout=300,
        ) as server:
            opened, guarded = [], []
            for _ in range(ROUNDS):
                opened.append(count_instructions(server, dumps, OPEN_PATH, None))
                guarded.append(count_instructions(server, dumps, GUARDED_PATH, token))
    section = f"Instructions per request, callgrind ({deployment.name}, {REQUESTS} per batch)"
    results.add(
        section,
        f"{OPEN_PATH} (no check)",
        min(opened),
        "instr",
        "(batches: " + ", ".join(f"{n:,.0f}" for n in opened) + ")",
    )
    results.add(
        section,
        f"{GUARDED_PATH} (token, permission, limit)",
        min(guarded),
        "instr",
        "(batches: " + ", ".join(f"{n:,.0f}" for n in guarded) + ")",
    )
    ratio = min(opened) / min(guarded)
    results.add(section, "unauthenticated / authenticated instructions", ratio, "×")
    return ratio
