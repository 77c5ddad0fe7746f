"""Usage figures under load on two instances: the stored counts equal exactly the
answers the clients received, by status class."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.scaleout.conftest import Cluster, cluster_env, sign_up, two_instances
from tests.server.conftest import stop_server

LIMIT = 400


@pytest.fixture
def busy_cluster(database: str, tmp_path: Path) -> Iterator[Cluster]:
    env = cluster_env(
        database,
        KEYSTEAD_RATE_LIMIT=f"{LIMIT}/minute",
        KEYSTEAD_LAST_USED_FLUSH_SECONDS="0.2",
    )
    with two_instances(tmp_path, env) as running:
        yield running


async def _load(urls: list[str], secrets: list[str], clients: int, seconds: float) -> Counter[int]:
    """Requests until the window is full and each client could have seen a 429, or for
    `seconds` at most: however fast the machine is, and whatever else runs on it."""
    statuses: Counter[int] = Counter()
    deadline = time.monotonic() + seconds
    paths = ["/v1/account", "/v1/account", "/v1/bots/NOPE"]  # 200s and 404s, then 429s

    async def client(index: int) -> None:
        headers = {"Authorization": f"Bearer {secrets[index % len(secrets)]}"}
        async with httpx.AsyncClient(base_url=urls[index % len(urls)], timeout=10) as http:
            sent = 0
            while statuses[429] < clients and time.monotonic() < deadline:
                response = await http.get(paths[sent % len(paths)], headers=headers)
                statuses[response.status_code] += 1
                sent += 1

    await asyncio.gather(*(client(index) for index in range(clients)))
    return statuses


def test_counts_equal_the_requests_sent_over_two_instances(busy_cluster: Cluster) -> None:
    owner = sign_up(busy_cluster.a)
    tokens = [owner.create_token(["account:read"], name=f"load {n}") for n in range(2)]
    statuses = asyncio.run(
        _load(
            [busy_cluster.a.url, busy_cluster.b.url],
            [token["token"] for token in tokens],
            clients=16,
            seconds=30.0,  # at most; well inside the window's minute, so exactly LIMIT pass
        )
    )
    assert set(statuses) == {200, 403, 429}
    assert statuses[200] == LIMIT  # the window filled up: the rest were refused
    # Each instance writes every 0.2 s; stopping one also writes what it holds.
    stop_server(busy_cluster.b)
    time.sleep(1.0)
    usage = owner.http.get("/account/usage", params={"hours": 1, "days": 1}).json()["data"]
    totals = usage["totals"]
    print(f"\nusage load: sent {dict(statuses)}; stored {totals}")
    assert totals["requests"] == sum(statuses.values())
    assert totals["2xx"] == statuses[200]
    assert totals["4xx"] == statuses[403]
    assert totals["429"] == statuses[429]
    assert totals["5xx"] == 0
    per_token = [
        owner.http.get(f"/account/api-tokens/{token['id']}/usage").json()["data"]["totals"]
        for token in tokens
    ]
    assert sum(t["requests"] for t in per_token) == sum(statuses.values())
