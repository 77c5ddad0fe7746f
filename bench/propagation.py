"""Revocation across two instances: revoke on A, how soon does B refuse?

Both instances serve the same storage. For each of `rounds` fresh tokens: B
authenticates it (so B holds it in its cache), a poller sends B one request after
another with it, and the owner revokes it through A's API. Reported per round:
the time from A's answer to B's first refusal (negative when B refused before A
even answered), and the requests B still admitted after A's answer.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import dataclass

import httpx

from bench.app import GUARDED_PATH
from bench.deployments import BENCH_EMAIL, BENCH_PASSWORD, Deployment, seed_member
from bench.load import Connection
from bench.results import Results
from bench.servers import Server, serve
from keystead.access.permissions import ACCOUNT_READ
from keystead.access.sessions import CSRF_HEADER


@dataclass(frozen=True)
class Round:
    lag_ms: float
    """B's first refusal minus A's answer."""
    admitted_after: int
    """Requests B admitted that were sent after A answered."""


async def _one_round(a: httpx.AsyncClient, csrf: str, b: Server) -> Round:
    created = await a.post(
        "/account/api-tokens",
        json={"name": "propagation", "permissions": [ACCOUNT_READ]},
        headers={CSRF_HEADER: csrf},
    )
    created.raise_for_status()
    token = created.json()["data"]
    async with Connection(b.url) as poller:
        request = poller.request(GUARDED_PATH, token["token"])
        if await poller.send(request) != 200:
            raise RuntimeError("instance B refused a fresh token")
        answered_at: list[float] = []
        revoke = asyncio.create_task(_revoke(a, csrf, token["id"], answered_at))
        admitted_after = 0
        while True:
            sent_at = time.perf_counter()
            status = await poller.send(request)
            if status == 401:
                refused_at = sent_at
                break
            if status != 200:
                raise RuntimeError(f"instance B answered {status}")
            if answered_at and sent_at > answered_at[0]:
                admitted_after += 1
        await revoke
    return Round((refused_at - answered_at[0]) * 1000, admitted_after)


async def _revoke(a: httpx.AsyncClient, csrf: str, token_id: str, answered_at: list[float]) -> None:
    response = await a.delete(f"/account/api-tokens/{token_id}", headers={CSRF_HEADER: csrf})
    answered_at.append(time.perf_counter())
    response.raise_for_status()


async def _rounds(a: Server, b: Server, count: int) -> list[Round]:
    async with httpx.AsyncClient(base_url=a.url) as client:
        login = await client.post(
            "/auth/login", json={"email": BENCH_EMAIL, "password": BENCH_PASSWORD}
        )
        login.raise_for_status()
        csrf = login.json()["data"]["csrf_token"]
        return [await _one_round(client, csrf, b) for _ in range(count)]


def measure_propagation(deployment: Deployment, results: Results, *, rounds: int) -> None:
    seed_member(deployment)
    env = deployment.env()
    with (
        serve("A", "bench.app:create", env, "/healthz") as a,
        serve("B", "bench.app:create", env, "/healthz") as b,
    ):
        measured = asyncio.run(_rounds(a, b, rounds))
    lags = sorted(r.lag_ms for r in measured)
    admitted = sum(r.admitted_after for r in measured)
    section = "Revocation across two instances (revoke on A, poll B)"
    results.add(
        section,
        f"{deployment.name}: B's first refusal after A's answer, median",
        statistics.median(lags),
        "ms",
        f"(max {lags[-1]:.1f} ms over {rounds} tokens; {admitted} requests admitted by B "
        "after A answered)",
    )
    results.plot(
        "Revocation: B refuses, ms after A answers (median)",
        deployment.name,
        max(statistics.median(lags), 0.0),
    )
