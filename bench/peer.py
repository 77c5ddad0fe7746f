"""The closest Python peer, keyshield 2.0.1, serving the same route in the same run.

Each configuration gets a fresh server. One request is sent first, and the run
waits for its answer, which must be 2xx. It fills `CachedApiKeyService`'s cache,
and it proves the key and header are accepted. A timed warm-up would not work:
wrk leaves its in-flight requests behind when it stops. The server keeps working
on them (16 Argon2 verifications at ~0.4 s each on one core), so the run that
follows measured the backlog and nothing else: 0 req/s.

The defaults are measured with the Python client. Its closed-loop latency at 16
connections (5–8 s) is longer than wrk's 2 s timeout. The client waits for every
answer it asked for and counts the time it waited.

A run with no successful answer, or with most answers failed, is not a
measurement of the peer: `failure` says why, and `measure_peer` records a
failed check and a note with the server's log tail. keyshield's own failures
under this load (`database is locked` on its per-request `last_used_at` write,
answered 500) are a third or so of the defaults' answers and stay a figure.
"""

from __future__ import annotations

import asyncio
import sys
import urllib.error
import urllib.request
from pathlib import Path

from bench.app import GUARDED_PATH
from bench.load import CONNECTIONS, LoadResult, describe, measure, run_client
from bench.peer_app import MODES, create_key
from bench.results import Check, Results
from bench.servers import Server, serve

SECTION = "Peer: keyshield 2.0.1, FastAPI integration as documented, SQLite"
DESCRIPTIONS = {
    "default": "defaults (Argon2 per request, 0.1–0.3 s delay)",
    "cached": "CachedApiKeyService, delay off",
}
MAX_FAILED_SHARE = 0.8
"""Above this share of failed answers a peer run measures a broken setup (a key or
header refused: ~100 %), not the peer (its lock contention: ~30–55 %)."""
WARM_UP_TIMEOUT = 60.0
LOG_TAIL = 1500
"""Characters of the server's output quoted when its run failed."""


def failure(result: LoadResult) -> str | None:
    """Why `result` is not a measurement of the peer, or None when it is one."""
    if result.ok == 0 or result.ok_per_second <= 0:
        return f"no successful answer ({result.failed} failed)"
    if result.failed_share > MAX_FAILED_SHARE:
        total = result.ok + result.failed
        return f"{result.failed} of {total} answers failed ({result.failed_share:.0%})"
    return None


def measure_peer(workdir: Path, results: Results, *, seconds: float) -> dict[str, LoadResult]:
    """Both configurations; a run that `failure` rejects is recorded as a failed check."""
    measured: dict[str, LoadResult] = {}
    for mode in MODES:
        database = workdir / f"keyshield-{mode}.db"
        plain = create_key(str(database))
        env = {"BENCH_PEER_MODE": mode, "BENCH_PEER_DATABASE": str(database)}
        with serve(f"keyshield {mode}", "bench.peer_app:create", env, GUARDED_PATH) as server:
            url = server.url + GUARDED_PATH
            refused = _warm_up(url, plain)
            if refused is None:
                result = _load(url, plain, mode, seconds)
                problem = failure(result)
            else:
                result = LoadResult(0.0, 0, 1, None, None, tool="warm-up")
                problem = f"the warm-up request was {refused}"
            log = _log_tail(server) if problem else ""
        detail = describe(result)
        if problem:
            detail += " FAILED: not a measurement of the peer"
            target = f"keyshield {mode} answers mostly 2xx (≤ {MAX_FAILED_SHARE:.0%} failed)"
            results.checks.append(Check(target, f"{result.ok} ok", False))
            output = f"Server output, last lines:\n{log}" if log else "The server printed nothing."
            results.notes.append(f"keyshield {mode}: {problem}. {output}")
            sys.stderr.write(f"keyshield {mode} FAILED: {problem}\n")
        results.add(SECTION, DESCRIPTIONS[mode], result.ok_per_second, "req/s", detail)
        results.plot("Throughput, successful req/s", f"keyshield: {mode}", result.ok_per_second)
        measured[mode] = result
    return measured


def _warm_up(url: str, plain: str) -> str | None:
    """One request, waited for: None when it was answered 2xx, else what happened."""
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {plain}"})
    try:
        with urllib.request.urlopen(request, timeout=WARM_UP_TIMEOUT) as answer:
            status = answer.status
    except urllib.error.HTTPError as error:
        body = error.read()[:200].decode(errors="replace")
        return f"answered {error.code}: {body}"
    except OSError as error:
        return f"not answered within {WARM_UP_TIMEOUT:.0f} s ({error})"
    return None if 200 <= status < 300 else f"answered {status}"


def _load(url: str, plain: str, mode: str, seconds: float) -> LoadResult:
    if mode == "default":
        # A few answers a second, each seconds late: give it longer, and no timeout.
        return asyncio.run(
            run_client(url, seconds=seconds * 2, connections=CONNECTIONS, token=plain, rate=None)
        )
    return measure(url, seconds, plain)


def _log_tail(server: Server) -> str:
    """The end of the server's output (serve() sends it to an unnamed temporary file,
    still open as the running process's stderr)."""
    try:
        output = Path(f"/proc/{server.process.pid}/fd/2").read_bytes()
    except OSError as error:
        return f"(unreadable: {error})"
    return output[-LOG_TAIL:].decode(errors="replace").strip()
