"""What the standards give an API client on every `/v1` answer: RFC 6750's challenges,
GitHub's and the IETF draft's rate-limit headers, and a request id on every answer."""

from __future__ import annotations

import asyncio
import json
import math
import re
import time

import httpx
import pytest

from keystead.runtime import Runtime
from tests.factories import bearer, make_account, make_token

RATE = re.compile(r'"account";r=(\d+);t=(\d+)')


async def test_a_401_challenges_for_a_bearer_token(client: httpx.AsyncClient) -> None:
    missing = await client.get("/v1/bots")
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == 'Bearer realm="keystead"'
    wrong = await client.get("/v1/bots", headers=bearer("kst_" + "A" * 38))
    assert wrong.status_code == 401
    assert wrong.headers["www-authenticate"] == 'Bearer realm="keystead", error="invalid_token"'
    assert wrong.json()["message"] == "Not authenticated"  # the contract's words stay
    basic = await client.get("/v1/bots", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert basic.headers["www-authenticate"] == 'Bearer realm="keystead"'  # no bearer token


async def test_a_403_names_the_permission_the_route_needs(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    account = await make_account(runtime)
    token = await make_token(runtime, account.id, ["bots:read"])
    refused = await client.put("/v1/bots/ABCDEFGHIJ/enable", headers=bearer(token))
    assert refused.status_code == 403
    assert refused.headers["www-authenticate"] == (
        'Bearer realm="keystead", error="insufficient_scope", scope="bots:write"'
    )
    assert refused.json()["message"] == "Invalid token permissions"


async def test_rate_headers_say_the_same_thing_three_ways(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    account = await make_account(runtime)
    token = await make_token(runtime, account.id, ["bots:read"])
    before = int(time.time())
    first = await client.get("/v1/bots", headers=bearer(token))
    assert first.headers["ratelimit-policy"] == '"account";q=30;w=60'
    match = RATE.fullmatch(first.headers["ratelimit"])
    assert match is not None
    remaining, reset = int(match[1]), int(match[2])
    assert remaining == int(first.headers["x-ratelimit-remaining"]) == 29
    assert 59 <= reset <= 60  # the one request counted leaves the window in a minute
    # The epoch second at which one more fits: the exact moment rounded up, so a
    # client that waits until then is admitted, and every answer names the same second.
    reset_at = int(first.headers["x-ratelimit-reset"])
    assert before + reset <= reset_at <= math.ceil(time.time()) + reset
    again = await client.get("/v1/bots", headers=bearer(token))
    assert int(again.headers["x-ratelimit-reset"]) == reset_at  # the same oldest request
    for _ in range(28):
        last = await client.get("/v1/bots", headers=bearer(token))
    assert last.headers["ratelimit"].startswith('"account";r=0;')
    refused = await client.get("/v1/bots", headers=bearer(token))
    assert refused.status_code == 429
    match = RATE.fullmatch(refused.headers["ratelimit"])
    assert match is not None
    assert (int(match[1]), int(match[2])) == (0, int(refused.headers["retry-after"]))


@pytest.mark.parametrize("path", ["/v1/bots", "/healthz", "/v1/nothing", "/account"])
async def test_every_answer_has_a_request_id_and_its_log_line_names_it(
    client: httpx.AsyncClient, capsys: pytest.CaptureFixture[str], path: str
) -> None:
    answer = await client.get(path)
    request_id = answer.headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    await asyncio.sleep(0)  # the request log writes a turn's lines just after the turn
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if "{" in line]
    logged = [line for line in lines if line.get("event") == "request"]
    assert logged[-1]["request_id"] == request_id
    assert logged[-1]["path"] == path


async def test_a_plain_request_id_is_kept_and_anything_else_replaced(
    client: httpx.AsyncClient,
) -> None:
    kept = await client.get("/v1/bots", headers={"X-Request-Id": "trace-7.a:b_c"})
    assert kept.headers.get_list("x-request-id") == ["trace-7.a:b_c"]
    for unsafe in (b"a b", b"x" * 129, "é".encode(), b"id\twith\ttabs"):
        answer = await client.get("/v1/bots", headers={b"X-Request-Id": unsafe})
        assert re.fullmatch(r"[0-9a-f]{32}", answer.headers["x-request-id"])
