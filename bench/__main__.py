"""`bench/run`: every benchmark of docs/performance.md in one run, ratios from that run.

Prints a table, and writes results.md, results.json and chart.png to --out.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack
from pathlib import Path

from tests.backends import services_missing

from bench.analytics import measure_analytics_instructions, measure_analytics_throughput
from bench.cli import measure_cli
from bench.deployments import Deployment, embedded, scale_out, seed_member
from bench.gateway import measure_gateway
from bench.instructions import callgrind_missing, measure_instructions
from bench.memory import measure_memory
from bench.peer import failure, measure_peer
from bench.propagation import measure_propagation
from bench.results import Check, Results
from bench.routes import measure_routes, versions
from bench.throughput import Throughput, cores_note, measure_access_path, measure_floor
from bench.verification import SAMPLE, populated, verification_costs
from keystead.config import Settings

SCENARIOS = (
    "routes",
    "throughput",
    "instructions",
    "analytics",
    "peer",
    "verification",
    "memory",
    "propagation",
    "gateway",
    "cli",
)


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/run", description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each load run")
    parser.add_argument("--rounds", type=int, default=5, help="alternating throughput rounds")
    parser.add_argument(
        "--sizes",
        default="1000,100000,1000000",
        help="stored-token counts for verification; memory uses the largest",
    )
    parser.add_argument("--only", default=",".join(SCENARIOS), help="comma-separated scenarios")
    parser.add_argument("--revocations", type=int, default=20, help="tokens revoked per deployment")
    parser.add_argument("--cli-runs", type=int, default=20, help="runs of each CLI command")
    parser.add_argument("--out", type=Path, default=Path("build/bench"), help="output folder")
    parser.add_argument(
        "--quick", action="store_true", help="a smoke run: 1 s loads, 1 round, up to 10⁴ tokens"
    )
    arguments = parser.parse_args(argv)
    if arguments.quick:
        arguments.seconds, arguments.rounds, arguments.sizes = 1.0, 1, "1000,10000"
        arguments.revocations = 5
        arguments.cli_runs = 5
    arguments.sizes = sorted(int(size) for size in arguments.sizes.split(","))
    arguments.only = [name.strip() for name in arguments.only.split(",") if name.strip()]
    unknown = set(arguments.only) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenario(s) {sorted(unknown)}; choose from {', '.join(SCENARIOS)}")
    if arguments.seconds < 1 or arguments.rounds < 1 or arguments.sizes[0] < SAMPLE // 2:
        parser.error(f"--seconds ≥ 1, --rounds ≥ 1 and sizes ≥ {SAMPLE // 2} please")
    if arguments.cli_runs < 1:
        parser.error("--cli-runs ≥ 1 please")
    return arguments


def say(message: str) -> None:
    sys.stderr.write(f"[{time.strftime('%H:%M:%S')}] {message}\n")
    sys.stderr.flush()


def main(argv: list[str]) -> int:
    arguments = _arguments(argv)
    results = Results()
    results.notes.append(cores_note())
    missing = services_missing()
    deployments: list[tuple[str, Callable[[Path, str], AbstractContextManager[Deployment]]]] = [
        ("SQLite", embedded)
    ]
    if missing:
        results.notes.append(f"PostgreSQL + Redis scenarios skipped: {missing}")
    else:
        deployments.append(("PostgreSQL + Redis", lambda _workdir, _name: scale_out()))

    with tempfile.TemporaryDirectory(prefix="keystead-bench-") as folder:
        workdir = Path(folder)
        keystead_guarded = None
        if "routes" in arguments.only:
            _routes(arguments, workdir, deployments, results)
        if "throughput" in arguments.only or "peer" in arguments.only:
            keystead_guarded = _throughput(arguments, workdir, deployments, results)
        if "instructions" in arguments.only:
            _instructions(workdir, deployments, results)
        if "analytics" in arguments.only:
            _analytics(arguments, workdir, deployments, results)
        if "peer" in arguments.only:
            say("peer: keyshield 2.0.1, defaults and cached")
            peer = measure_peer(workdir, results, seconds=arguments.seconds)
            assert keystead_guarded is not None
            for mode, floor in (("default", 10.0), ("cached", 15.0)):
                target = f"keystead ≥ {floor:.0f}× keyshield {mode} (successful req/s)"
                if failure(peer[mode]) is not None:
                    # No peer measured, no ratio: a failed check, never an infinite win.
                    results.checks.append(Check(target, "no peer", False))
                    continue
                results.check(target, keystead_guarded / peer[mode].ok_per_second, floor)
        if {"verification", "memory"} & set(arguments.only):
            for label, deploy in deployments:
                _verification(arguments, workdir, label, deploy, results)
        if "propagation" in arguments.only:
            for label, deploy in deployments:
                say(f"propagation: {label}, two instances")
                with deploy(workdir, "propagation") as deployment:
                    measure_propagation(deployment, results, rounds=arguments.revocations)
        if "gateway" in arguments.only:
            say(f"gateway: {arguments.rounds} alternating rounds + paced runs, direct and proxied")
            with embedded(workdir, "gateway") as deployment:
                measure_gateway(
                    deployment,
                    workdir,
                    results,
                    seconds=arguments.seconds,
                    rounds=arguments.rounds,
                )
        if "cli" in arguments.only:
            say(f"cli: keystead --help and two commands' help, {arguments.cli_runs} runs each")
            measure_cli(workdir, results, runs=arguments.cli_runs)

    print(results.table())
    command = shlex.join(["bench/run", *argv])
    written = results.save(arguments.out, command)
    say("written: " + ", ".join(str(path) for path in written))
    return 0 if all(check.met for check in results.checks) else 1


def _throughput(
    arguments: argparse.Namespace,
    workdir: Path,
    deployments: list[tuple[str, Callable[[Path, str], AbstractContextManager[Deployment]]]],
    results: Results,
) -> float:
    measured: dict[str, Throughput] = {}
    for label, deploy in deployments:
        say(f"throughput: {label}, {arguments.rounds} alternating rounds + paced run")
        with deploy(workdir, "throughput") as deployment:
            measured[label] = measure_access_path(
                deployment, results, seconds=arguments.seconds, rounds=arguments.rounds
            )
    say("floor: bare Starlette, at peak and paced like the access path")
    floor = measure_floor(
        results, seconds=arguments.seconds, paced_rates=[t.paced_rate for t in measured.values()]
    )
    sqlite = measured["SQLite"]
    results.check("authenticated ≥ 0.85× unauthenticated (SQLite)", sqlite.ratio, 0.85)
    results.check(
        "authenticated ≥ 0.45× bare Starlette (SQLite)", sqlite.guarded_per_second / floor, 0.45
    )
    if "PostgreSQL + Redis" in measured:
        scaled = measured["PostgreSQL + Redis"]
        results.check(
            "authenticated ≥ 0.7× unauthenticated (PostgreSQL + Redis)", scaled.ratio, 0.7
        )
    return sqlite.guarded_per_second


def _routes(
    arguments: argparse.Namespace,
    workdir: Path,
    deployments: list[tuple[str, Callable[[Path, str], AbstractContextManager[Deployment]]]],
    results: Results,
) -> None:
    missing = callgrind_missing()
    if missing:
        results.notes.append(f"routes skipped: {missing}")
        return
    requests = 20 if arguments.quick else 100
    results.notes.append(f"Routes measured on {versions()}")
    for label, deploy in deployments:
        say(f"routes: {label}, keystead serve (INFO, warning) and bare Starlette under callgrind")
        with deploy(workdir, "routes") as deployment:
            measure_routes(deployment, results, requests=requests)


def _instructions(
    workdir: Path,
    deployments: list[tuple[str, Callable[[Path, str], AbstractContextManager[Deployment]]]],
    results: Results,
) -> None:
    missing = callgrind_missing()
    if missing:
        results.notes.append(f"instructions skipped: {missing}")
        return
    floors = {"SQLite": 0.85, "PostgreSQL + Redis": 0.7}
    for label, deploy in deployments:
        say(f"instructions: {label}, the server under callgrind")
        with deploy(workdir, "instructions") as deployment:
            ratio = measure_instructions(deployment, results)
        results.check(
            f"authenticated ≥ {floors[label]}× unauthenticated, by instructions ({label})",
            ratio,
            floors[label],
        )


def _analytics(
    arguments: argparse.Namespace,
    workdir: Path,
    deployments: list[tuple[str, Callable[[Path, str], AbstractContextManager[Deployment]]]],
    results: Results,
) -> None:
    for label, deploy in deployments:
        say(f"analytics: {label}, usage analytics on and off")
        with deploy(workdir, "analytics") as deployment:
            token = seed_member(deployment)
            by_throughput = measure_analytics_throughput(
                deployment, token, results, seconds=arguments.seconds, rounds=arguments.rounds
            )
            by_instructions = measure_analytics_instructions(deployment, token, results)
        results.check(f"analytics cost < 5 % of throughput ({label})", by_throughput, 0.95)
        if by_instructions is not None:
            results.check(f"analytics cost < 5 % of instructions ({label})", by_instructions, 0.95)


def _verification(
    arguments: argparse.Namespace,
    workdir: Path,
    label: str,
    deploy: Callable[[Path, str], AbstractContextManager[Deployment]],
    results: Results,
) -> None:
    cache_size = Settings(_env_file=None).credential_cache_size
    largest = arguments.sizes[-1]
    keep_for_memory = min(cache_size, largest) if "memory" in arguments.only else SAMPLE
    with ExitStack() as stores:
        populated_stores: dict[int, tuple[Deployment, list[str]]] = {}
        for size in arguments.sizes:
            say(f"verification: {label}, storing {size:,} tokens")
            deployment = stores.enter_context(deploy(workdir, f"tokens-{size}"))
            keep = keep_for_memory if size == largest else SAMPLE
            populated_stores[size] = (deployment, populated(deployment, size, keep))
        if "verification" in arguments.only:
            say(f"verification: {label}, {SAMPLE:,} tokens of each store in turn")
            _verification_figures(label, populated_stores, results)
        if "memory" in arguments.only:
            deployment, plains = populated_stores[largest]
            say(f"memory: {label}, filling a cache of {keep_for_memory:,} credentials over HTTP")
            measure_memory(deployment, largest, plains, keep_for_memory, results)


def _verification_figures(
    label: str, stores: dict[int, tuple[Deployment, list[str]]], results: Results
) -> None:
    section = f"Verification, in process, median of {SAMPLE:,} stored tokens ({label})"
    sizes = sorted(stores)
    samples = [(stores[size][0], list(_spread(stores[size][1], SAMPLE))) for size in sizes]
    costs = dict(zip(sizes, verification_costs(samples), strict=True))
    for size, (empty, warm) in costs.items():
        results.add(section, f"{size:>9,} stored, cache empty", empty, "µs")
        results.add(section, f"{size:>9,} stored, cache warm", warm, "µs")
        results.plot(
            "Verification with an empty cache, µs (median)", f"{label}: {size:,} stored", empty
        )
    if len(sizes) > 1:
        results.check_at_most(
            f"verification at {sizes[-1]:,} within 1.2× of {sizes[0]:,} ({label})",
            costs[sizes[-1]][0] / costs[sizes[0]][0],
            1.2,
            "×",
        )


def _spread(plains: list[str], count: int) -> Iterator[str]:
    step = max(1, len(plains) // count)
    return iter(plains[::step][:count])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
