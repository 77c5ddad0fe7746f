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
    guarded_per_second: float
    ratio: float
    """Median of the rounds' authenticated / unauthenticated ratios (each round's
    two runs are back to back, so the machine's swings cancel out in the ratio)."""
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
        for index in range(rounds):
            # Every other round runs the guarded route first, so a machine that
            # slows down (or speeds up) over the run favours neither route.
            if index % 2:
                guarded.append(measure(server.url + GUARDED_PATH, seconds, token))
                opened.append(measure(server.url + OPEN_PATH, seconds))
            else:
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
        ratio = statistics.median(ratios)
        results.add(
            section,
            "median ratio, authenticated / unauthenticated",
            ratio,
            "×",
            "(rounds: " + ", ".join(f"{r:.2f}" for r in ratios) + ")",
        )

        half = max(r.ok_per_second for r in guarded) / 2
        p99, details = paced_p99(server.url + GUARDED_PATH, seconds, half, token)
        results.add(
            section,
            f"{GUARDED_PATH} paced at half of peak ({half:,.0f} req/s)",
            p99,
            "ms p99",
            details,
        )
    results.plot("Throughput, successful req/s", f"{deployment.name}: no check", open_rate)
    results.plot("Throughput, successful req/s", f"{deployment.name}: access path", guarded_rate)
    results.plot("p99 latency at half of peak, ms", deployment.name, p99)
    results.check_at_most(f"p99 at half of peak under 10 ms ({deployment.name})", p99, 10.0, "ms")
    return Throughput(guarded_rate, ratio, half)


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
            p99, details = paced_p99(server.url + GUARDED_PATH, seconds, rate)
            label = f"bare Starlette paced at {rate:,.0f} req/s"
            results.add("Floor", label, p99, "ms p99", details)
    results.plot("Throughput, successful req/s", "bare Starlette (floor)", result.ok_per_second)
    return result.ok_per_second


PACED_RUNS = 3
"""Paced runs per rate; their median p99 is reported, so one burst of the shared
machine's other work does not decide the figure alone (every run is shown)."""


def paced_p99(url: str, seconds: float, rate: float, token: str | None = None) -> tuple[float, str]:
    """The median p99 (ms) of PACED_RUNS open-loop runs at `rate`, and their details."""
    runs = [measure(url, seconds, token, rate=rate) for _ in range(PACED_RUNS)]
    p99s = [run.p99_ms if run.p99_ms is not None else float("inf") for run in runs]
    p50s = [run.p50_ms if run.p50_ms is not None else float("inf") for run in runs]
    failed = sum(run.failed for run in runs)
    details = (
        f"({runs[0].tool}, {PACED_RUNS} runs: p99 "
        + ", ".join(f"{p:.2f}" for p in p99s)
        + f" ms, median p50 {statistics.median(p50s):.2f} ms"
        + (f", {failed} failed" if failed else "")
        + ")"
    )
    return statistics.median(p99s), details


def cores_note() -> str:
    cores = os.cpu_count() or 1
    if pinning():
        return f"{cores} cores: servers pinned to core 0, the load generator to core 1 (taskset)"
    return f"{cores} cores, no pinning: server and load generator share them"
