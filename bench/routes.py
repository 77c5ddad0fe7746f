"""The routes users call, as they get them, next to bare Starlette sending the same bytes.

keystead runs as operators run it: `keystead serve` after `keystead demo seed`, at the
shipped log level (INFO), a token with every permission. Each route's instructions
per request (callgrind, keep-alive batches) are set next to the floor: bare Starlette
on uvicorn, uvloop and httptools, answering exactly the bytes keystead answered at
the same path. The same routes at log level warning show what INFO's request log
costs. Background loops (invalidation poll, usage flush, jobs, mail) are set an hour
apart so none runs inside a counted batch: their work is not a request's. The
per-account limit is lifted so a batch is never refused; its check costs the same.
"""

from __future__ import annotations

import asyncio
import base64
import json
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import httpx

from bench import gateway
from bench.deployments import Deployment
from bench.instructions import callgrind_wrapper, count_instructions
from bench.results import Results
from bench.servers import ROOT, Server, serve, serve_keystead
from keystead.audit import Actor
from keystead.cli.demo import DEMO_EMAIL
from keystead.runtime import build_runtime

FLOOR_CEILING = 5.0
"""Target: a guarded route costs at most this many times the floor's instructions."""
LOGGING_CEILING = 1.10
"""Target: INFO costs at most this much more than logging off, on the same route."""
QUIET = {
    "invalidation_poll_seconds": "3600",
    "last_used_flush_seconds": "3600",
    "jobs_interval_seconds": "3600",
    "mail_delivery_seconds": "3600",
}
VERSIONS = ("uvicorn", "uvloop", "httptools", "starlette", "fastapi", "sqlalchemy", "pydantic")


@dataclass(frozen=True)
class Route:
    label: str
    method: str
    target: str
    """Path and query, as sent."""
    body: bytes = b""

    @property
    def path(self) -> str:
        return self.target.partition("?")[0]

    @property
    def request(self) -> str:
        """The method and path: what the floor answers the same bytes to."""
        return f"{self.method} {self.path}"


def routes(bot: str) -> list[Route]:
    """The four reads of the table in docs/performance.md and one write."""
    return [
        Route("GET /v1/account", "GET", "/v1/account"),
        Route(
            "GET /v1/bots/{number}?include_details=True",
            "GET",
            f"/v1/bots/{bot}?include_details=True",
        ),
        Route("GET /v1/bots", "GET", "/v1/bots"),
        Route("GET /v1/bots/positions?page=2", "GET", "/v1/bots/positions?page=2"),
        Route(
            "PUT /v1/bots/{number} (notes)",
            "PUT",
            f"/v1/bots/{bot}",
            json.dumps({"notes": "Measured by the bench."}).encode(),
        ),
    ]


GATEWAY = Route("GET /v1/bots through the gateway (proxy mode)", "GET", gateway.PATH)
"""The gateway path: keystead in proxy mode in front of `bench.gateway`'s upstream,
which runs outside callgrind (only keystead's own instructions are counted)."""


def versions() -> str:
    installed = ", ".join(f"{name} {metadata.version(name)}" for name in VERSIONS)
    return f"Python {sys.version.split()[0]}, {installed}"


def seed_demo(deployment: Deployment) -> str:
    """`keystead demo seed` as an operator runs it; returns a token with every permission."""
    subprocess.run(
        [sys.executable, "-m", "keystead", "demo", "seed"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", **deployment.env()},
        check=True,
        capture_output=True,
    )

    async def every_permission() -> str:
        runtime = build_runtime(deployment.settings())
        try:
            account = await runtime.accounts.find(DEMO_EMAIL)
            assert account is not None
            permissions = [entry.id for entry in runtime.permissions]
            _token, plain = await runtime.tokens.create(
                account.id, "bench: every permission", permissions, by=Actor.operator()
            )
            return plain
        finally:
            await runtime.close()

    return asyncio.run(every_permission())


def answers(server: Server, token: str, chosen: list[Route]) -> dict[str, bytes]:
    """What keystead answers on each route: the floor sends these bytes."""
    bodies: dict[str, bytes] = {}
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"}) as http:
        for route in chosen:
            sent = {"Content-Type": "application/json"} if route.body else {}
            answer = http.request(
                route.method, route.target, content=route.body or None, headers=sent
            )
            if answer.status_code != 200:
                raise RuntimeError(f"{route.label} answered {answer.status_code}: {answer.text}")
            bodies[route.request] = answer.content
    return bodies


def first_bot(server: Server, token: str) -> str:
    listing = httpx.get(f"{server.url}/v1/bots", headers={"Authorization": f"Bearer {token}"})
    number: str = listing.json()["data"][0]["number"]
    return number


@contextmanager
def _callgrind() -> Iterator[tuple[Path, list[str]]]:
    with tempfile.TemporaryDirectory(prefix="keystead-callgrind-") as folder:
        dumps = Path(folder)
        yield dumps, callgrind_wrapper(dumps)


def _count_all(
    server: Server, dumps: Path, token: str | None, chosen: list[Route], requests: int
) -> list[float]:
    return [
        count_instructions(
            server,
            dumps,
            route.target,
            token,
            requests=requests,
            method=route.method,
            body=route.body,
        )
        for route in chosen
    ]


def measure_routes(deployment: Deployment, results: Results, *, requests: int) -> None:
    """The routes' instructions at INFO and at warning, and the floor's, in one run."""
    token = seed_demo(deployment)
    measured: dict[str, list[float]] = {}
    chosen: list[Route] = []
    bodies: dict[str, bytes] = {}
    for level in ("info", "warning"):
        env = deployment.env(log_level=level, **QUIET)
        with (
            _callgrind() as (dumps, wrapper),
            serve_keystead(
                f"keystead serve ({level})", env, wrapper=wrapper, start_timeout=300
            ) as server,
        ):
            if not chosen:
                chosen = routes(first_bot(server, token))
                bodies = answers(server, token, chosen)
            measured[level] = _count_all(server, dumps, token, chosen, requests)
    measured["floor"] = _floor(bodies, chosen, requests)
    _report(deployment, results, chosen, bodies, measured, requests)
    _measure_gateway(deployment, results, token, requests)


def _floor(bodies: dict[str, bytes], chosen: list[Route], requests: int) -> list[float]:
    """Bare Starlette's instructions on each route, answering `bodies`."""
    with tempfile.NamedTemporaryFile("w", suffix=".json") as file:
        json.dump({key: base64.b64encode(body).decode() for key, body in bodies.items()}, file)
        file.flush()
        with (
            _callgrind() as (dumps, wrapper),
            serve(
                "bare Starlette, same bytes",
                "bench.floor_app:create",
                {"BENCH_FLOOR_ANSWERS": file.name},
                chosen[0].path,
                wrapper=wrapper,
                start_timeout=300,
            ) as server,
        ):
            return _count_all(server, dumps, None, chosen, requests)


def _measure_gateway(deployment: Deployment, results: Results, token: str, requests: int) -> None:
    """The gateway path at INFO, next to bare Starlette sending what it answered. Not a
    target of the table: keystead's count includes its call to the upstream."""
    with serve("upstream", "bench.gateway:upstream", {}, gateway.PATH) as upstream:
        env = deployment.env(log_level="info", upstream_url=upstream.url, **QUIET)
        with (
            _callgrind() as (dumps, wrapper),
            serve_keystead(
                "keystead serve, proxy mode (INFO)", env, wrapper=wrapper, start_timeout=300
            ) as server,
        ):
            bodies = answers(server, token, [GATEWAY])
            [through] = _count_all(server, dumps, token, [GATEWAY], requests)
    [floor] = _floor(bodies, [GATEWAY], requests)
    section = (
        f"Gateway path, instructions per request ({deployment.name}, keystead serve in "
        f"proxy mode, {requests} per batch)"
    )
    size = len(bodies[GATEWAY.request])
    results.add(section, f"{GATEWAY.label}: bare Starlette", floor, "instr", f"({size:,} B)")
    results.add(section, f"{GATEWAY.label}: keystead, INFO", through, "instr")
    results.add(section, f"{GATEWAY.label}: × floor", through / floor, "×")


def _report(
    deployment: Deployment,
    results: Results,
    chosen: list[Route],
    bodies: dict[str, bytes],
    measured: dict[str, list[float]],
    requests: int,
) -> None:
    section = (
        f"Routes users call, instructions per request ({deployment.name}, "
        f"keystead serve after demo seed, {requests} per batch)"
    )
    for index, route in enumerate(chosen):
        floor, info, quiet = (measured[key][index] for key in ("floor", "info", "warning"))
        size = len(bodies[route.request])
        results.add(section, f"{route.label}: bare Starlette", floor, "instr", f"({size:,} B)")
        results.add(section, f"{route.label}: keystead, INFO", info, "instr")
        results.add(section, f"{route.label}: keystead, warning", quiet, "instr")
        results.add(section, f"{route.label}: × floor", info / floor, "×")
        results.check_at_most(
            f"{route.label} at INFO ≤ {FLOOR_CEILING:.0f}× bare Starlette ({deployment.name})",
            info / floor,
            FLOOR_CEILING,
            "×",
        )
        results.check_at_most(
            f"{route.label}: INFO ≤ {LOGGING_CEILING:.2f}× logging off ({deployment.name})",
            info / quiet,
            LOGGING_CEILING,
            "×",
        )
