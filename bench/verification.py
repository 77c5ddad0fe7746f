"""Verification cost against the number of stored tokens (10³ … 10⁶), in process.

The authenticator is called as the access path calls it, for a sample of stored
tokens spread over the whole table: first with an empty cache (keyed hash, checksum,
one indexed read), then again (keyed hash, cache hit). The storage is as keystead
left it; the sample's rows are wherever the index put them.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable

from bench.deployments import Deployment
from bench.population import populate
from keystead.access.principal import Principal
from keystead.runtime import build_runtime

SAMPLE = 2_000
CLIENT = "127.0.0.1"


async def _time_each(
    authenticate: Callable[[str, str], Awaitable[Principal]], plains: list[str]
) -> list[float]:
    """µs per call, one token after another (the storage sees one reader at a time)."""
    spent = []
    for plain in plains:
        started = time.perf_counter_ns()
        await authenticate(f"Bearer {plain}", CLIENT)
        spent.append((time.perf_counter_ns() - started) / 1000)
    return spent


def verification_cost(deployment: Deployment, plains: list[str]) -> tuple[float, float]:
    """Median µs per verification for `plains`: (cache empty, cache warm)."""

    async def run() -> tuple[float, float]:
        runtime = build_runtime(deployment.settings())
        try:
            authenticate = runtime.authenticator.authenticate
            # Connections opened and statements compiled before the clock starts.
            await _time_each(authenticate, plains[:50])
            runtime.cache.clear()
            misses = await _time_each(authenticate, plains)
            hits = await _time_each(authenticate, plains)
            return statistics.median(misses), statistics.median(hits)
        finally:
            await runtime.close()

    return asyncio.run(run())


def populated(deployment: Deployment, stored: int, keep: int = SAMPLE) -> list[str]:
    """Store `stored` tokens; return `keep` of their plain texts, spread across them."""
    return populate(deployment, stored, max(keep, SAMPLE))
