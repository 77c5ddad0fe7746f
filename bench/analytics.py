"""What usage analytics cost the access path: the guarded route served with
`KEYSTEAD_USAGE_ANALYTICS` on and off, by throughput (two servers loaded
at once on one core, in rounds) and by instructions per request (callgrind)."""

from __future__ import annotations

import statistics
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.app import GUARDED_PATH
from bench.deployments import Deployment
from bench.instructions import ROUNDS, callgrind_missing, callgrind_wrapper, count_instructions
from bench.load import CONNECTIONS, LoadResult, describe, measure
from bench.results import Results
from bench.servers import serve

SETTINGS = {"on": "true", "off": "false"}


def measure_analytics_throughput(
    deployment: Deployment, token: str, results: Results, *, seconds: float, rounds: int
) -> float:
    """Returns the median of the rounds' on / off throughput ratios.

    Both servers are loaded at the same time, pinned to the same core, so each gets
    an equal share of it and the ratio of their rates is the ratio of their costs
    per request. Whatever else slows the machine in a round slows both alike; rounds
    one after the other swung 0.73-1.28 on this kind of shared machine."""
    section = f"Usage analytics, throughput ({deployment.name}, {CONNECTIONS} connections each)"
    with (
        serve("analytics on", "bench.app:create", _env(deployment, "on"), "/healthz") as on,
        serve("analytics off", "bench.app:create", _env(deployment, "off"), "/healthz") as off,
    ):
        urls = {"on": on.url + GUARDED_PATH, "off": off.url + GUARDED_PATH}
        for url in urls.values():
            measure(url, 1, token)  # warm the cache and the pool
        ratios = []
        for index in range(rounds):
            measured = _at_once(urls, seconds, token)
            for mode, result in measured.items():
                results.add(
                    section,
                    f"round {index + 1}: analytics {mode}",
                    result.ok_per_second,
                    "req/s",
                    describe(result),
                )
            ratios.append(measured["on"].ok_per_second / measured["off"].ok_per_second)
    ratio = statistics.median(ratios)
    results.add(
        section,
        "median ratio, analytics on / off",
        ratio,
        "×",
        "(rounds: " + ", ".join(f"{r:.3f}" for r in ratios) + ")",
    )
    return ratio


def _at_once(urls: dict[str, str], seconds: float, token: str) -> dict[str, LoadResult]:
    with ThreadPoolExecutor(len(urls)) as pool:
        running = {mode: pool.submit(measure, url, seconds, token) for mode, url in urls.items()}
        return {mode: future.result() for mode, future in running.items()}


def measure_analytics_instructions(
    deployment: Deployment, token: str, results: Results
) -> float | None:
    """Returns off / on instructions per guarded request (1.0: free), or None."""
    missing = callgrind_missing()
    if missing:
        results.notes.append(f"analytics instructions skipped: {missing}")
        return None
    section = f"Usage analytics, instructions per guarded request ({deployment.name})"
    counted: dict[str, float] = {}
    for mode in ("off", "on"):
        with tempfile.TemporaryDirectory(prefix="keystead-callgrind-") as folder:
            dumps = Path(folder)
            wrapper = callgrind_wrapper(dumps)
            with serve(
                f"analytics {mode} under callgrind",
                "bench.app:create",
                _env(deployment, mode),
                "/healthz",
                wrapper=wrapper,
                start_timeout=300,
            ) as server:
                batches = [
                    count_instructions(server, dumps, GUARDED_PATH, token) for _ in range(ROUNDS)
                ]
        counted[mode] = min(batches)
        results.add(
            section,
            f"analytics {mode}",
            counted[mode],
            "instr",
            "(batches: " + ", ".join(f"{n:,.0f}" for n in batches) + ")",
        )
    ratio = counted["off"] / counted["on"]
    results.add(section, "off / on instructions", ratio, "×")
    return ratio


def _env(deployment: Deployment, mode: str) -> dict[str, str]:
    return deployment.env(usage_analytics=SETTINGS[mode])
