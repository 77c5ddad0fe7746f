"""The closest Python peer, keyshield 2.0.1, serving the same route in the same run."""

from __future__ import annotations

from pathlib import Path

from bench.app import GUARDED_PATH
from bench.load import LoadResult, describe, measure
from bench.peer_app import MODES, create_key
from bench.results import Results
from bench.servers import serve

SECTION = "Peer: keyshield 2.0.1, FastAPI integration as documented, SQLite"
DESCRIPTIONS = {
    "default": "defaults (Argon2 per request, 0.1–0.3 s delay)",
    "cached": "CachedApiKeyService, delay off",
}


def measure_peer(workdir: Path, results: Results, *, seconds: float) -> dict[str, LoadResult]:
    measured: dict[str, LoadResult] = {}
    for mode in MODES:
        database = workdir / f"keyshield-{mode}.db"
        plain = create_key(str(database))
        env = {"BENCH_PEER_MODE": mode, "BENCH_PEER_DATABASE": str(database)}
        with serve(f"keyshield {mode}", "bench.peer_app:create", env, GUARDED_PATH) as server:
            measure(server.url + GUARDED_PATH, 1, plain)
            # The default configuration answers a few requests a second: give it longer.
            result = measure(
                server.url + GUARDED_PATH, seconds * (2 if mode == "default" else 1), plain
            )
        results.add(SECTION, DESCRIPTIONS[mode], result.ok_per_second, "req/s", describe(result))
        results.plot("Throughput, successful req/s", f"keyshield: {mode}", result.ok_per_second)
        measured[mode] = result
    return measured
