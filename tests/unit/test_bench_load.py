"""The benchmark's figures come from parsing wrk and from its own client: both must be right."""

from __future__ import annotations

import asyncio

import pytest
from bench.load import parse_wrk, percentile, run_client

WRK_OUTPUT = """Running 5s test @ http://127.0.0.1:8151/v1/bench
  1 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   164.98ms  274.79ms   1.78s    87.23%
    Req/Sec   240.70     21.04   270.00     92.00%
  Latency Distribution
     50%  850.00us
     75%    1.20ms
     90%    2.50ms
     99%    1.10s
  1198 requests in 5.00s, 241.00KB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 300
Requests/sec:    239.43
Transfer/sec:     48.17KB
"""


def test_wrk_output_gives_successes_failures_and_latency() -> None:
    result = parse_wrk(WRK_OUTPUT)
    assert result.seconds == pytest.approx(5.0)
    assert result.ok == 898
    assert result.failed == 303
    assert result.ok_per_second == pytest.approx(179.6)
    assert result.p50_ms == pytest.approx(0.85)
    assert result.p99_ms == pytest.approx(1100.0)


def test_wrk_output_without_totals_is_an_error() -> None:
    with pytest.raises(ValueError, match="no totals"):
        parse_wrk("unable to connect to 127.0.0.1:1 Connection refused")


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.50) == 50.0
    assert percentile(values, 0.99) == 99.0
    assert percentile([7.0], 0.99) == 7.0


async def test_paced_client_counts_statuses_and_holds_the_rate() -> None:
    served: list[bytes] = []

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError:
                break
            served.append(head)
            status = b"401 Unauthorized" if b"Bearer bad" in head else b"200 OK"
            writer.write(b"HTTP/1.1 " + status + b"\r\nContent-Length: 2\r\n\r\n{}")
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        good = await run_client(
            f"http://127.0.0.1:{port}/v1/x", seconds=1.0, connections=4, token="good", rate=200
        )
        bad = await run_client(
            f"http://127.0.0.1:{port}/v1/x", seconds=0.5, connections=2, token="bad", rate=None
        )
    assert good.failed == 0
    assert 190 <= good.ok <= 200  # open loop: about rate × seconds, never more
    assert good.p99_ms is not None
    assert bad.ok == 0
    assert bad.failed > 0
    assert all(h.startswith(b"GET /v1/x HTTP/1.1\r\n") for h in served)
