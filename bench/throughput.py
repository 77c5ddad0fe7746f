"""Throughput: the same payload without and through the access path, in one server,
measured in alternating rounds; then latency at half of the peak rate."""

from __future__ import annotations

import os
import statistics
from dataclasses import dataclass

from bench.app import GUARDED_PATH, OPEN_PATH
from bench.deployments import Deployment, seed_member
from bench.load import CONNECTIONS, LoadResult, describe, measure
from bench.results import Results
from bench.servers import pinning, serve


@dataclass(frozen=True)
class Throughput:
    open_per_second: float
    guarded_per_second: float
    paced_rate: float


def measure_access_path(
    deployment: Deployment, results: Results, *, seconds: float, rounds: int
) -> Throughput:
    token = seed_member(deployment)
    section = f"Throughput, {deployment.name} (one uvicorn worker, {CONNECTIONS} connections)"
    with serve("keystead", "bench.app:create", deployment.env(), "/healthz") as server:
        measure(server.url + GUARDED_PATH, 1, token)  # fills the cache, warms the pool
        opened: list[LoadResult] = []
        guarded: list[LoadResult] = []
        for _ in range(rounds):
            opened.append(measure(server.url + OPEN_PATH, seconds))
            guarded.append(measure(server.url + GUARDED_PATH, seconds, token))
        for index, (plain, checked) in enumerate(zip(opened, guarded, strict=True), start=1):
            results.add(
                section,
                f"round {index}: {OPEN_PATH} (no check)",
                plain.ok_per_second,
                "req/s",
                describe(plain),
            )
            results.add(
                section,
                f"round {index}: {GUARDED_PATH} (token, permission, limit)",
                checked.ok_per_second,
                "req/s",
                describe(checked),
            )
            if checked.failed:
                results.notes.append(
                    f"{deployment.name}: {checked.failed} guarded requests failed in round {index}"
                )
        open_rate = statistics.median(r.ok_per_second for r in opened)
        guarded_rate = statistics.median(r.ok_per_second for r in guarded)
        ratios = [c.ok_per_second / p.ok_per_second for p, c in zip(opened, guarded, strict=True)]
        results.add(
            section,
            "median ratio, authenticated / unauthenticated",
            statistics.median(ratios),
            "×",
            "(rounds: " + ", ".join(f"{r:.2f}" for r in ratios) + ")",
        )

        half = max(r.ok_per_second for r in guarded) / 2
        paced = measure(server.url + GUARDED_PATH, 2 * seconds, token, rate=half)
        results.add(
            section,
            f"{GUARDED_PATH} paced at half of peak ({half:,.0f} req/s)",
            paced.p99_ms or 0.0,
            "ms p99",
            describe(paced),
        )
    results.plot("Throughput, successful req/s", f"{deployment.name}: no check", open_rate)
    results.plot("Throughput, successful req/s", f"{deployment.name}: access path", guarded_rate)
    results.plot("p99 latency at half of peak, ms", deployment.name, paced.p99_ms or 0.0)
    results.check_at_most(
        f"p99 at half of peak under 10 ms ({deployment.name})",
        paced.p99_ms or float("inf"),
        10.0,
        "ms",
    )
    return Throughput(open_rate, guarded_rate, half)


def measure_floor(results: Results, *, seconds: float, paced_rates: list[float]) -> float:
    """Bare Starlette serving the same bytes: the most any Python stack here can do.
    Paced at the rates the access path was paced at, its p99 is the noise floor of
    the machine and the load generator in this run."""
    with serve("starlette", "bench.floor_app:create", {}, GUARDED_PATH) as server:
        measure(server.url + GUARDED_PATH, 1)
        result = measure(server.url + GUARDED_PATH, seconds)
        results.add(
            "Floor", "bare Starlette, same bytes", result.ok_per_second, "req/s", describe(result)
        )
        for rate in paced_rates:
            paced = measure(server.url + GUARDED_PATH, 2 * seconds, rate=rate)
            results.add(
                "Floor",
                f"bare Starlette paced at {rate:,.0f} req/s",
                paced.p99_ms or 0.0,
                "ms p99",
                describe(paced),
            )
    results.plot("Throughput, successful req/s", "bare Starlette (floor)", result.ok_per_second)
    return result.ok_per_second


def cores_note() -> str:
    cores = os.cpu_count() or 1
    if pinning():
        return f"{cores} cores: servers pinned to core 0, the load generator to core 1 (taskset)"
    return f"{cores} cores, no pinning: server and load generator share them"
