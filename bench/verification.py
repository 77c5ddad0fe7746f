"""Verification cost against the number of stored tokens (10³ … 10⁶), in process.

The authenticator is called as the access path calls it, for a sample of stored
tokens spread over the whole table: first with an empty cache (keyed hash, checksum,
one indexed read), then again (keyed hash, cache hit). The storage is as keystead
left it; the sample's rows are wherever the index put them. All sizes are measured
together, one token of each in turn, so a swing of the shared machine falls on
every size alike instead of on whichever happened to run then.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence

from bench.deployments import Deployment
from bench.population import populate
from keystead.access.principal import Principal
from keystead.runtime import build_runtime

SAMPLE = 2_000
CLIENT = "127.0.0.1"


async def _time_in_turn(
    authenticators: Sequence[Callable[[str, str], Awaitable[Principal]]], plains: list[list[str]]
) -> list[list[float]]:
    """µs per call in each store: the i-th token of every store, then the next (each
    store sees one reader at a time)."""
    spent: list[list[float]] = [[] for _ in authenticators]
    for row in zip(*plains, strict=True):
        for index, (authenticate, plain) in enumerate(zip(authenticators, row, strict=True)):
            started = time.perf_counter_ns()
            await authenticate(f"Bearer {plain}", CLIENT)
            spent[index].append((time.perf_counter_ns() - started) / 1000)
    return spent


def verification_costs(stores: list[tuple[Deployment, list[str]]]) -> list[tuple[float, float]]:
    """Median µs per verification in each store: (cache empty, cache warm)."""

    async def run() -> list[tuple[float, float]]:
        runtimes = [build_runtime(deployment.settings()) for deployment, _ in stores]
        try:
            authenticators = [runtime.authenticator.authenticate for runtime in runtimes]
            # The same number of tokens from each store (a small store may hold fewer).
            count = min(len(plains) for _, plains in stores)
            samples = [plains[:count] for _, plains in stores]
            # Connections opened and statements compiled before the clock starts.
            await _time_in_turn(authenticators, [plains[:50] for plains in samples])
            for runtime in runtimes:
                runtime.cache.clear()
            misses = await _time_in_turn(authenticators, samples)
            hits = await _time_in_turn(authenticators, samples)
            return [
                (statistics.median(miss), statistics.median(hit))
                for miss, hit in zip(misses, hits, strict=True)
            ]
        finally:
            for runtime in runtimes:
                await runtime.close()

    return asyncio.run(run())


def populated(deployment: Deployment, stored: int, keep: int = SAMPLE) -> list[str]:
    """Store `stored` tokens; return `keep` of their plain texts, spread across them."""
    return populate(deployment, stored, max(keep, SAMPLE))
