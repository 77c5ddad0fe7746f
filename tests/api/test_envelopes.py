"""Both envelopes on every status, including the framework's own 404/405/422 and a 500."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from keystead.app import create_app
from keystead.clock import FixedClock
from keystead.config import Settings
from keystead.runtime import Runtime
from tests.factories import bearer, make_account, make_token


async def test_unknown_route_is_404_in_the_platform_envelope(client: httpx.AsyncClient) -> None:
    response = await client.get("/no/such/route")
    assert response.status_code == 404
    assert response.json() == {"success": False, "message": "Route not found", "data": None}


async def test_user_paths_answer_in_the_account_key_envelope(client: httpx.AsyncClient) -> None:
    response = await client.get("/user/nothing")
    assert response.status_code == 404
    assert response.json() == {"error": ["Route not found"], "result": None}


async def test_wrong_method_is_405(client: httpx.AsyncClient) -> None:
    response = await client.put("/healthz")
    assert response.status_code == 405
    assert response.json() == {"success": False, "message": "Method not allowed", "data": None}


async def test_body_that_is_not_json_is_400(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/auth/register", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    body = response.json()
    assert body["success"] is False
    assert body["message"] == "Bad request: the body is not valid JSON"
    assert body["data"]["errors"][0] == {"field": "body", "message": "Body is not valid JSON"}


@pytest.mark.parametrize(
    "headers",
    [{"Content-Type": "text/plain"}, {"Content-Type": "application/x-www-form-urlencoded"}, {}],
)
async def test_a_body_of_another_type_is_415(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    sent = b'{"email": "a@example.com", "password": "long enough password"}'
    # {}: no Content-Type at all (httpx adds none to raw content); JSON is not guessed.
    response = await client.post("/auth/register", content=sent, headers=headers)
    assert response.status_code == 415
    assert response.json() == {
        "success": False,
        "message": "Unsupported media type: send the body as application/json",
        "data": None,
    }


async def test_head_is_the_get_without_its_body(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    account = await make_account(runtime)
    token = await make_token(runtime, account.id, ["bots:read"])
    got = await client.get("/v1/bots", headers=bearer(token))
    head = await client.head("/v1/bots", headers=bearer(token))
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == got.headers["content-length"]
    assert head.headers["x-ratelimit-remaining"] == "28"  # counted like the GET
    assert (await client.head("/healthz")).status_code == 200
    refused = await client.head("/v1/bots")
    assert refused.status_code == 401
    assert refused.content == b""


async def test_server_error_is_500_and_leaks_nothing(settings: Settings, clock: FixedClock) -> None:
    app: FastAPI = create_app(settings, clock=clock)

    @app.get("/explode")
    async def explode() -> None:
        raise RuntimeError("SELECT secret FROM vault WHERE token='kst_leaked'")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.get("/explode")
    assert response.status_code == 500
    assert response.json() == {"success": False, "message": "Server error", "data": None}
    assert "vault" not in response.text
    assert "Traceback" not in response.text


async def test_health_ready_metrics_and_docs(client: httpx.AsyncClient, settings: Settings) -> None:
    health = await client.get("/healthz")
    assert health.json() == {"success": True, "message": "Alive", "data": {"status": "ok"}}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    expected = {"database": "ok", **({"redis": "ok"} if settings.redis_url else {})}
    assert ready.json()["data"] == expected
    metrics = await client.get("/metrics")
    assert "keystead_requests_total" in metrics.text
    before = scraped(metrics.text)
    for _ in range(3):
        await client.get("/healthz")
    after = scraped((await client.get("/metrics")).text)
    ok_healthz = 'keystead_requests_total{method="GET",status="200"}'
    assert after[ok_healthz] - before[ok_healthz] >= 4  # three, and the scrape before
    assert after["keystead_request_seconds_count"] == sum(
        value for name, value in after.items() if name.startswith("keystead_requests_total")
    )
    assert (
        after['keystead_request_seconds_bucket{le="+Inf"}']
        == after["keystead_request_seconds_count"]
    )
    buckets = [value for name, value in after.items() if "_bucket" in name]
    assert buckets == sorted(buckets)  # cumulative
    schema = (await client.get("/openapi.json")).json()
    assert {"/auth/login", "/account/api-tokens", "/v1/account"} <= set(schema["paths"])
    docs = await client.get("/docs")
    assert docs.status_code == 200
    assert "/account/api-tokens/{token_id}" in docs.text
    # Served whole by keystead: nothing for the browser to fetch from elsewhere.
    assert "<script" not in docs.text
    assert "//" not in docs.text.replace("http://testserver", "")


async def test_a_trailing_slash_is_not_redirected(client: httpx.AsyncClient) -> None:
    for path, body in (
        ("/account/", {"success": False, "message": "Route not found", "data": None}),
        ("/user/api/", {"error": ["Route not found"], "result": None}),
    ):
        response = await client.get(path)
        assert response.status_code == 404
        assert response.json() == body


def scraped(text: str) -> dict[str, float]:
    """Prometheus text format: each sample's name with its labels, and its value."""
    samples = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            samples[name] = float(value)
    return samples
