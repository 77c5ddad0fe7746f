"""Load on loopback: wrk for peak throughput, an async Python client for paced runs.

The Python client keeps one HTTP/1.1 keep-alive connection per worker, on uvloop
when it is installed. Closed loop (`rate=None`) it sends as fast as answers come
back. Paced, it is open loop: request i is due at `i / rate` seconds. A request
that found every connection still waiting for an answer at its due time counts
its latency from that due time, so a stalled server shows as latency instead of
as fewer requests (no coordinated omission); a request whose connection was free
counts from when it was sent, so the client's own timer lateness (the event
loop sleeps in whole milliseconds) is not charged to the server.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from bench.servers import LOAD_CPU, pinning


@dataclass(frozen=True)
class LoadResult:
    seconds: float
    ok: int
    failed: int
    """Non-2xx answers and socket errors together."""
    p50_ms: float | None
    p99_ms: float | None
    tool: str

    @property
    def ok_per_second(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    @property
    def failed_share(self) -> float:
        total = self.ok + self.failed
        return self.failed / total if total else 0.0


def percentile(sorted_values: list[float], share: float) -> float:
    """Nearest-rank percentile of an ascending list (share in 0..1)."""
    if not sorted_values:
        raise ValueError("no values")
    rank = max(1, -(-len(sorted_values) * share // 1))
    return sorted_values[int(rank) - 1]


def has_wrk() -> bool:
    return shutil.which("wrk") is not None


CONNECTIONS = 16
"""Concurrent connections of every throughput run."""


def measure(
    url: str, seconds: float, token: str | None = None, rate: float | None = None
) -> LoadResult:
    """One run at CONNECTIONS, the load generator on its own core when it can be."""
    return drive(
        url,
        seconds=seconds,
        connections=CONNECTIONS,
        token=token,
        rate=rate,
        cpu=LOAD_CPU if pinning() else None,
    )


def describe(result: LoadResult) -> str:
    parts = [result.tool]
    if result.p50_ms is not None and result.p99_ms is not None:
        parts.append(f"p50 {result.p50_ms:.2f} ms, p99 {result.p99_ms:.2f} ms")
    if result.failed:
        parts.append(f"{result.failed} failed ({result.failed_share:.0%})")
    return "(" + ", ".join(parts) + ")"


def drive(
    url: str,
    *,
    seconds: float,
    connections: int,
    token: str | None = None,
    rate: float | None = None,
    cpu: int | None = None,
) -> LoadResult:
    """Peak load with wrk when installed; paced (or wrk-less) load with the Python client."""
    if rate is None and has_wrk():
        return run_wrk(url, seconds=seconds, connections=connections, token=token, cpu=cpu)
    with asyncio.Runner(loop_factory=_loop_factory()) as runner:
        return runner.run(
            run_client(url, seconds=seconds, connections=connections, token=token, rate=rate)
        )


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def run_wrk(
    url: str, *, seconds: float, connections: int, token: str | None, cpu: int | None = None
) -> LoadResult:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency"]
    if token:
        command += ["-H", f"Authorization: Bearer {token}"]
    command.append(url)
    if cpu is not None and shutil.which("taskset"):
        command = ["taskset", "-c", str(cpu), *command]
    output = subprocess.run(
        command, capture_output=True, text=True, check=True, timeout=seconds + 60
    ).stdout
    return parse_wrk(output)


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _wrk_latency(output: str, label: str) -> float | None:
    found = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s|m)\s*$", output, re.MULTILINE)
    return float(found.group(1)) * _UNITS_MS[found.group(2)] if found else None


def parse_wrk(output: str) -> LoadResult:
    """The figures of one `wrk --latency` run (wrk 4.x output)."""
    totals = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", output)
    if totals is None:
        raise ValueError(f"wrk printed no totals:\n{output}")
    requests = int(totals.group(1))
    seconds = float(totals.group(2)) * _UNITS_MS[totals.group(3)] / 1000
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    failed = int(non_2xx.group(1)) if non_2xx else 0
    # Read errors and timeouts are answers that never came; connect errors are not
    # requests at all, but a client saw each one fail, so they count too.
    failed_sockets = sum(int(n) for n in socket.groups()) if socket else 0
    return LoadResult(
        seconds=seconds,
        ok=requests - failed,
        failed=failed + failed_sockets,
        p50_ms=_wrk_latency(output, "50%"),
        p99_ms=_wrk_latency(output, "99%"),
        tool="wrk",
    )


class Connection:
    """One keep-alive HTTP/1.1 connection: small enough to stay out of the way."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.netloc = parts.netloc
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def __aenter__(self) -> Connection:
        self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        return self

    async def __aexit__(self, *_exc: object) -> None:
        if self._writer is not None:
            self._writer.close()

    def request(
        self, path: str, token: str | None = None, method: str = "GET", body: bytes = b""
    ) -> bytes:
        """The bytes of one request, to pass to `send` (built once, sent many times);
        a body is sent as JSON."""
        headers = f"Host: {self.netloc}\r\n"
        if token:
            headers += f"Authorization: Bearer {token}\r\n"
        if body:
            headers += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        return f"{method} {path} HTTP/1.1\r\n{headers}\r\n".encode("latin-1") + body

    async def send(self, request: bytes) -> int:
        """Send one request, read its whole answer, return its status."""
        if self._reader is None or self._writer is None:
            raise RuntimeError("use the connection in `async with`")
        self._writer.write(request)
        head = await self._reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
                break
        if length:
            await self._reader.readexactly(length)
        return int(head[9:12])


async def run_client(
    url: str,
    *,
    seconds: float,
    connections: int,
    token: str | None,
    rate: float | None,
) -> LoadResult:
    path = urlsplit(url).path
    latencies: list[float] = []
    counts = {"ok": 0, "failed": 0}
    start = time.perf_counter()
    deadline = start + seconds
    next_due = iter(range(1 << 62))

    async def worker() -> None:
        async with Connection(url) as connection:
            request = connection.request(path, token)
            try:
                while True:
                    if rate is None:
                        due = sent = time.perf_counter()
                    else:
                        # Free workers take due times in turn. A worker that takes a
                        # due time already past was busy with an earlier answer.
                        due = sent = start + next(next_due) / rate
                        if due > time.perf_counter():
                            await asyncio.sleep(due - time.perf_counter())
                            sent = time.perf_counter()
                    if due >= deadline:
                        return
                    status = await connection.send(request)
                    latencies.append(time.perf_counter() - sent)
                    counts["ok" if 200 <= status < 300 else "failed"] += 1
            except (ConnectionError, asyncio.IncompleteReadError):
                counts["failed"] += 1

    await asyncio.gather(*(worker() for _ in range(connections)))
    elapsed = time.perf_counter() - start
    latencies.sort()
    return LoadResult(
        seconds=min(elapsed, seconds) if rate is not None else elapsed,
        ok=counts["ok"],
        failed=counts["failed"],
        p50_ms=percentile(latencies, 0.50) * 1000 if latencies else None,
        p99_ms=percentile(latencies, 0.99) * 1000 if latencies else None,
        tool="python",
    )


async def each_once(url: str, plains: list[str], connections: int) -> tuple[int, int]:
    """GET `url` once with each token: (answered 2xx, other answers)."""
    path = urlsplit(url).path
    pending = iter(plains)
    counts = [0, 0]

    async def worker() -> None:
        async with Connection(url) as connection:
            for plain in pending:
                status = await connection.send(connection.request(path, plain))
                counts[0 if 200 <= status < 300 else 1] += 1

    await asyncio.gather(*(worker() for _ in range(connections)))
    return counts[0], counts[1]
