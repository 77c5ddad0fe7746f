"""Resident memory of one instance over a large store, idle and with a full cache."""

from __future__ import annotations

import asyncio

from bench.app import GUARDED_PATH
from bench.deployments import Deployment
from bench.load import CONNECTIONS, each_once
from bench.results import Results
from bench.servers import serve


def measure_memory(
    deployment: Deployment, stored: int, plains: list[str], cache_size: int, results: Results
) -> None:
    """`plains` (≥ cache_size stored tokens) each authenticated once fill the cache."""
    # A long TTL, so that no entry goes stale while the cache fills.
    env = deployment.env(credential_cache_ttl_seconds="3600", credential_cache_size=str(cache_size))
    with serve("keystead", "bench.app:create", env, "/healthz") as server:
        idle = server.resident_kib()
        admitted, refused = asyncio.run(
            each_once(server.url + GUARDED_PATH, plains[:cache_size], CONNECTIONS)
        )
        full = server.resident_kib()
    if refused:
        results.notes.append(f"memory run: {refused} of {len(plains[:cache_size])} tokens refused")
    section = f"Memory of one instance ({deployment.name}, {stored:,} tokens stored)"
    results.add(section, "resident, started and idle", idle / 1024, "MiB")
    results.add(
        section,
        f"resident, cache full ({admitted:,} credentials)",
        full / 1024,
        "MiB",
        f"({(full - idle) * 1024 / max(admitted, 1):,.0f} bytes per cached credential)",
    )
    results.plot("Resident memory, MiB", f"{deployment.name}: idle", idle / 1024)
    results.plot("Resident memory, MiB", f"{deployment.name}: cache full", full / 1024)
