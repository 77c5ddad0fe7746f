"""The edge: security headers on every answer, and request limits before any parsing."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from keystead.app import create_app
from keystead.clock import FixedClock
from keystead.config import Settings
from keystead.edge.headers import API_CONTENT_SECURITY_POLICY
from keystead.web.security import CONTENT_SECURITY_POLICY
from tests.factories import PASSWORD, bearer, sign_up

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)

HEADERS_ON_EVERY_ANSWER = {"x-content-type-options": "nosniff"}


def assert_security_headers(
    response: httpx.Response, csp: str = API_CONTENT_SECURITY_POLICY
) -> None:
    for name, value in HEADERS_ON_EVERY_ANSWER.items():
        assert response.headers.get(name) == value, (response.request.url, name)
    assert response.headers["content-security-policy"] == csp
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["referrer-policy"]


async def test_every_kind_of_answer_carries_the_security_headers(
    client: httpx.AsyncClient,
) -> None:
    user = await sign_up(client)
    token = await user.create_token(["bots:read"])
    answers = [
        await client.get("/healthz"),  # a plain JSON answer
        await client.get("/v1/bots"),  # the guard's refusal: 401
        await client.get("/v1/bots", headers=bearer(token["token"])),  # guarded success
        await client.put("/v1/bots/X/enable", headers=bearer(token["token"])),  # 403
        await client.get("/no/such/route"),  # 404 from the router
        await user.request("POST", "/account/api-tokens", json={"name": ""}),  # 422
        await client.get("/openapi.json"),
    ]
    assert [answer.status_code for answer in answers] == [200, 401, 200, 403, 404, 422, 200]
    for answer in answers:
        assert_security_headers(answer)
        assert "strict-transport-security" not in answer.headers  # served over http


async def test_pages_keep_their_own_policy_and_docs_allow_only_their_stylesheet(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/login")
    assert page.status_code == 200
    assert_security_headers(page, CONTENT_SECURITY_POLICY)
    assert page.headers["referrer-policy"] == "same-origin"
    assert page.headers["x-frame-options"] == "DENY"

    docs = await client.get("/docs")
    policy = docs.headers["content-security-policy"]
    assert policy.startswith("default-src 'none'; style-src 'sha256-")
    assert "script-src" not in policy
    assert "unsafe-inline" not in policy


@pytest.fixture
async def https_client(settings: Settings, clock: FixedClock) -> AsyncIterator[httpx.AsyncClient]:
    https = settings.model_copy(update={"public_url": "https://keys.example.com"})
    app: FastAPI = create_app(https, clock=clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="https://keys.example.com") as c:
            yield c


async def test_over_https_hsts_is_sent_and_cookies_are_host_only_and_secure(
    https_client: httpx.AsyncClient,
) -> None:
    email = "https@example.com"
    registered = await https_client.post(
        "/auth/register", json={"email": email, "password": PASSWORD}
    )
    assert_security_headers(registered)
    assert registered.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"

    login = await https_client.post("/auth/login", json={"email": email, "password": PASSWORD})
    cookie = login.headers["set-cookie"]
    assert cookie.startswith("__Host-keystead_session=")
    assert "secure" in cookie.lower()
    assert "path=/" in cookie.lower()
    assert "domain" not in cookie.lower()
    # The prefixed cookie is the session: the account answers with it.
    account = await https_client.get("/account")
    assert account.status_code == 200, account.text
    # A cookie without the prefix (planted by a sibling subdomain over http) is not.
    secret = login.cookies["__Host-keystead_session"]
    https_client.cookies.clear()
    https_client.cookies.set("keystead_session", secret)
    assert (await https_client.get("/account")).status_code == 401

    page = await https_client.get("/login")
    assert "__Host-keystead_form=" in page.headers["set-cookie"]


async def test_a_body_over_the_limit_is_refused_before_it_is_read(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    user = await sign_up(client)
    limit = settings.max_request_body_bytes
    padded = {"name": "x" * (limit + 1), "permissions": ["bots:read"]}
    declared = await user.request("POST", "/account/api-tokens", json=padded)
    assert declared.status_code == 413
    assert declared.json() == {
        "success": False,
        "message": f"Request body too large: at most {limit} bytes",
        "data": None,
    }

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted as it arrives
        for _ in range(limit // 1024 + 2):
            yield b" " * 1024

    streamed = await user.request("POST", "/account/api-tokens", content=chunks())
    assert streamed.status_code == 413
    assert (await user.request("GET", "/account/api-tokens")).json()["data"] == []


async def test_oversized_headers_are_refused_with_431(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz", headers={"X-Padding": "a" * 20_000})
    assert response.status_code == 431
    assert response.json()["message"] == "Request headers too large: at most 16384 bytes"
    long_query = await client.get("/v1/bots", params={"bot": "b" * 20_000})
    assert long_query.status_code == 431


async def test_deeply_nested_json_is_refused_with_422_naming_the_body(
    client: httpx.AsyncClient,
) -> None:
    user = await sign_up(client)
    token = await user.create_token(["bots:read", "bots:write"])
    nested = "[" * 33 + "]" * 33
    body = '{"entry_condition": {"deep": ' + nested + "}}"
    response = await client.put(
        "/v1/bots/ANY",
        content=body,
        headers={**bearer(token["token"]), "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["data"] == {
        "errors": [{"field": "body", "message": "nests deeper than 32 levels"}]
    }
    # Brackets inside strings are text: a flat body full of them is fine.
    flat = {"name": "[" * 100, "permissions": ["bots:read"]}
    assert (await user.request("POST", "/account/api-tokens", json=flat)).status_code == 201
    # Unrefused, this many levels would reach the JSON parser's recursion limit (a 500).
    hostile = "[" * 60_000
    deep = await user.request(
        "POST", "/account/api-tokens", content=hostile, headers={"Content-Type": "application/json"}
    )
    assert deep.status_code == 422


async def test_a_malformed_content_length_is_a_400(client: httpx.AsyncClient) -> None:
    response = await client.post("/auth/login", content=b"{}", headers={"Content-Length": "12abc"})
    assert response.status_code == 400
    assert response.json()["message"] == "Content-Length is not a number"
