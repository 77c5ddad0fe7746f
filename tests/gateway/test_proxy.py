"""Proxy mode in process: keystead in front of a real upstream on a socket. What the
upstream is told (and never told), what comes back, the routes and permissions of the
operator's file, and the faults of an upstream that is down or slow."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Iterator, MutableMapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from fastapi import FastAPI
from openapi_spec_validator import validate as validate_openapi

from keystead.app import create_app
from keystead.clock import FixedClock
from keystead.config import Settings
from keystead.edge.headers import API_CONTENT_SECURITY_POLICY
from keystead.runtime import Runtime
from tests.backends import Backend
from tests.factories import bearer, make_account, make_token
from tests.gateway.jwks import PUBLIC_URL, tampered, verified
from tests.gateway.upstream import BIG_CHUNKS, CHUNK, EchoUpstream, decoded, run_echo_upstream
from tests.server.conftest import free_port

ROUTES = """\
[[permissions]]
id = "widgets:read"
label = "Read widgets"
description = "List and read widgets"

[[permissions]]
id = "widgets:write"
label = "Change widgets"

[[routes]]
method = "GET"
path = "/v1/widgets"
permission = "widgets:read"

[[routes]]
method = "GET"
path = "/v1/widgets/{number}"
permission = "widgets:read"

[[routes]]
method = "POST"
path = "/v1/widgets/{number}"
permission = "widgets:write"

[[routes]]
method = "GET"
path = "/v1/widgets/export"
permission = "widgets:write"

[[routes]]
method = "GET"
path = "/v1/widgets/{number}/slow"
permission = "widgets:read"

[[routes]]
method = "GET"
path = "/v1/files/{name:path}"
permission = "widgets:read"
"""


@pytest.fixture
def backend(tmp_path: Path, migrated_template: Path) -> Backend:
    # Forwarding does not depend on the store; the store's own tests run on both.
    path = tmp_path / "keystead.db"
    shutil.copyfile(migrated_template, path)
    return Backend("sqlite", f"sqlite+aiosqlite:///{path}", None, path)


@pytest.fixture(scope="module")
def upstream() -> Iterator[EchoUpstream]:
    yield from run_echo_upstream()


@pytest.fixture
def routes_file(tmp_path: Path) -> Path:
    path = tmp_path / "routes.toml"
    path.write_text(ROUTES)
    return path


@pytest.fixture
def settings(backend: Backend, upstream: EchoUpstream, routes_file: Path) -> Settings:
    upstream.seen.clear()
    upstream.health_status = 200
    return backend.settings(
        upstream_url=upstream.url,
        upstream_routes=routes_file,
        upstream_health_path="/healthz",
        upstream_timeout_seconds=0.5,
    )


async def test_the_upstream_is_told_who_calls_and_nothing_the_client_made_up(
    client: httpx.AsyncClient, runtime: Runtime, upstream: EchoUpstream
) -> None:
    account = await make_account(runtime)
    token = await make_token(runtime, account.id, ["widgets:read"])
    [row] = await runtime.tokens.for_account(account.id)
    headers = {
        **bearer(token),
        "Cookie": "session=secret",
        "Keystead-Account": "FORGED",
        "Keystead-Assertion": "forged",
        "Keystead-Anything": "forged",
        "Keystead_Account": "FORGED",
        "X-Forwarded-For": "198.51.100.1",
        "X-Forwarded-Prefix": "/admin",
        "X-Original-URL": "/admin",
        "X-HTTP-Method-Override": "DELETE",
        "Connection": "X-Drop-Me",
        "X-Drop-Me": "hop",
        "X-Custom": "kept",
    }
    answer = await client.get("/v1/widgets/W1?x=1&y=%20z", headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"method": "GET", "path": "/v1/widgets/W1", "length": 0}
    [seen] = upstream.seen
    assert (seen.method, seen.raw_path, seen.query) == ("GET", "/v1/widgets/W1", "x=1&y=%20z")
    names = [name for name, _ in seen.headers]
    for absent in (
        "authorization",
        "cookie",
        "keystead-anything",
        "keystead_account",
        "x-drop-me",
        "x-forwarded-prefix",
        "x-original-url",
        "x-http-method-override",
    ):
        assert absent not in names
    assert seen.header("keystead-account") == account.number
    assert seen.header("keystead-credential") == row.id
    assert seen.header("keystead-permissions") == "widgets:read"
    assert seen.header("x-forwarded-for") == "203.0.113.7"
    assert (seen.header("x-forwarded-proto"), seen.header("x-forwarded-host")) == (
        "http",
        "testserver",
    )
    assert seen.header("x-custom") == "kept"
    assert names.count("keystead-account") == names.count("x-forwarded-for") == 1
    assert seen.header("x-request-id") == answer.headers["x-request-id"]
    assertion = seen.header("keystead-assertion")
    assert assertion is not None
    claims = await verified(client, assertion, upstream.url)
    assert claims["sub"] == account.number
    assert (claims["cred"], claims["scope"]) == (row.id, "widgets:read")
    assert (claims["htm"], claims["htu"]) == ("GET", seen.url)
    assert claims["exp"] == claims["iat"] + 60
    # The answer: the upstream's, with keystead's own headers once each.
    assert answer.headers["x-upstream"] == "yes"
    assert answer.headers.get_list("x-ratelimit-remaining") == ["29"]
    assert "x-secret-hop" not in answer.headers
    # Served from keystead's origin: no cookie of the upstream's, keystead's strict policy.
    assert "set-cookie" not in answer.headers
    assert answer.headers.get_list("content-security-policy") == [API_CONTENT_SECURITY_POLICY]


async def test_bodies_and_statuses_cross_both_ways(
    client: httpx.AsyncClient, runtime: Runtime, upstream: EchoUpstream
) -> None:
    account = await make_account(runtime)
    token = await make_token(runtime, account.id, ["widgets:read", "widgets:write"])
    sent = '{"name": "Ａ widget", "size": 9007199254740991}'.encode()
    created = await client.post(
        "/v1/widgets/W2",
        content=sent,
        headers={**bearer(token), "Content-Type": "application/json"},
    )
    assert created.status_code == 201
    assert decoded(created.content) == {
        "method": "POST",
        "path": "/v1/widgets/W2",
        "length": len(sent),
    }
    assert upstream.seen[-1].body == sent
    assert upstream.seen[-1].header("content-length") == str(len(sent))
    big = await client.get("/v1/files/archive/big", headers=bearer(token))
    assert big.status_code == 200
    assert big.content == CHUNK * BIG_CHUNKS


async def test_what_no_declared_route_allows_never_reaches_the_upstream(
    client: httpx.AsyncClient, runtime: Runtime, upstream: EchoUpstream
) -> None:
    account = await make_account(runtime)
    reader = await make_token(runtime, account.id, ["widgets:read"])
    unknown = await client.get("/v1/gadgets", headers=bearer(reader))
    assert unknown.status_code == 404
    assert unknown.json()["success"] is False
    forbidden = await client.post("/v1/widgets/W1", json={}, headers=bearer(reader))
    assert (forbidden.status_code, forbidden.json()["message"]) == (
        403,
        "Invalid token permissions",
    )
    nobody = await client.get("/v1/widgets")
    assert nobody.status_code == 401
    assert upstream.seen == []


@pytest.mark.parametrize(
    "path",
    [
        "/v1/files/%2e%2e/%2E%2E/admin",
        "/v1/files/a/..%2F..%2Fadmin",
        "/v1/files/..%5Cadmin",
        "/v1/widgets/%2e%2e",
        "/v1/widgets/%2E",
        "/v1/files/..;/admin",
        "/v1/widgets/W1;jsessionid=1",
        # Another reading of these is GET /v1/widgets/export, which needs widgets:write.
        "/v1/widgets/EXPORT",
        "/v1/widgets/export.json",
    ],
)
async def test_a_path_that_would_leave_its_route_never_reaches_the_upstream(
    client: httpx.AsyncClient, runtime: Runtime, upstream: EchoUpstream, path: str
) -> None:
    account = await make_account(runtime)
    token = await make_token(runtime, account.id, ["widgets:read"])
    # Plain `../` is resolved by the client itself: tests/gateway/test_gateway_processes.py
    # sends it over a raw socket.
    url = httpx.URL("http://testserver").copy_with(raw_path=path.encode())
    answer = await client.send(client.build_request("GET", url, headers=bearer(token)))
    assert answer.status_code == 404
    assert answer.json()["message"] == "Route not found"
    assert upstream.seen == []


async def test_a_body_in_another_transfer_coding_is_refused(
    client: httpx.AsyncClient, runtime: Runtime, upstream: EchoUpstream
) -> None:
    account = await make_account(runtime)
    token = await make_token(runtime, account.id, ["widgets:write"])
    headers = {**bearer(token), "Transfer-Encoding": "gzip, chunked"}
    answer = await client.post("/v1/widgets/W1", content=b"\x1f\x8b...", headers=headers)
    assert answer.status_code == 501
    assert answer.json()["message"].startswith("Transfer coding not supported")
    assert upstream.seen == []


async def test_a_client_that_goes_away_stops_the_upstreams_answer(
    app: FastAPI, runtime: Runtime, upstream: EchoUpstream
) -> None:
    account = await make_account(runtime)
    token = await make_token(runtime, account.id, ["widgets:read"])
    upstream.endless_stopped.clear()
    started = asyncio.Event()
    requested = False

    async def receive() -> dict[str, Any]:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await started.wait()
        return {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        if message["type"] == "http.response.start":
            assert message["status"] == 200
            started.set()

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/v1/files/endless",
        "raw_path": b"/v1/files/endless",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), (b"authorization", f"Bearer {token}".encode())],
        "client": ("203.0.113.7", 50000),
        "server": ("testserver", 80),
    }
    await asyncio.wait_for(app(scope, receive, send), timeout=10)
    assert await asyncio.to_thread(upstream.endless_stopped.wait, 10)


async def test_the_files_permissions_are_the_catalogue(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    assert runtime.permissions.ids == ("account:read", "widgets:read", "widgets:write")
    assert runtime.permissions.label("widgets:write") == "Change widgets"
    document = (await client.get("/openapi.json")).json()
    validate_openapi(document)
    assert document["components"]["schemas"]["Permission"]["enum"] == list(runtime.permissions.ids)
    forwarded = document["paths"]["/v1/widgets/{number}"]
    assert set(forwarded) == {"get", "post"}
    assert forwarded["post"]["parameters"][0]["name"] == "number"
    assert "Needs `widgets:write`" in forwarded["post"]["description"]
    account = await make_account(runtime)
    with pytest.raises(Exception, match="unknown permission"):
        await make_token(runtime, account.id, ["bots:read"])


async def test_a_slow_upstream_is_a_504_and_a_down_one_a_502(
    client: httpx.AsyncClient, runtime: Runtime, backend: Backend, clock: FixedClock
) -> None:
    account = await make_account(runtime)
    token = await make_token(runtime, account.id, ["widgets:read"])
    slow = await client.get("/v1/widgets/W1/slow", headers=bearer(token))
    assert slow.status_code == 504
    assert slow.json() == {"success": False, "message": "Upstream timed out", "data": []}
    assert slow.headers["x-ratelimit-remaining"] == "29"

    down = backend.settings(upstream_url=f"http://127.0.0.1:{free_port()}")
    async with running(create_app(down, clock=clock)) as (other, other_runtime):
        # The default table (no file): the trading API's routes, forwarded.
        trader = await make_account(other_runtime)
        bots = await make_token(other_runtime, trader.id, ["bots:read"])
        refused = await other.get("/v1/bots", headers=bearer(bots))
        assert refused.status_code == 502
        assert refused.json() == {"success": False, "message": "Upstream unavailable", "data": []}
        ready = await other.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["data"]["upstream"] == "unreachable (ClientConnectorError)"


async def test_readyz_reports_the_upstreams_health(
    client: httpx.AsyncClient, upstream: EchoUpstream
) -> None:
    ready = await client.get("/readyz")
    assert (ready.status_code, ready.json()["data"]["upstream"]) == (200, "ok")
    upstream.health_status = 500
    sick = await client.get("/readyz")
    assert (sick.status_code, sick.json()["data"]["upstream"]) == (503, "unhealthy (status 500)")


async def test_a_rotated_key_signs_the_next_assertion_and_both_are_published(
    client: httpx.AsyncClient, runtime: Runtime, upstream: EchoUpstream, clock: FixedClock
) -> None:
    account = await make_account(runtime)
    token = await make_token(runtime, account.id, ["widgets:read"])
    assert (await client.get("/v1/widgets", headers=bearer(token))).status_code == 200
    first = upstream.seen[-1].header("keystead-assertion")
    await runtime.signing_keys.rotate()
    assert (await client.get("/v1/widgets", headers=bearer(token))).status_code == 200
    second = upstream.seen[-1].header("keystead-assertion")
    assert first is not None
    assert second is not None
    assert jwt.get_unverified_header(first)["kid"] != jwt.get_unverified_header(second)["kid"]
    for assertion in (first, second):
        assert (await verified(client, assertion, upstream.url))["sub"] == account.number


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[tuple[httpx.AsyncClient, Runtime]]:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client, app.state.runtime


class IndependentUpstream:
    """An upstream that trusts nothing of keystead's code: PyJWT against the JWK Set,
    then the request binding and the replay check the assertion's claims call for."""

    def __init__(self, jwks: dict[str, Any], audience: str) -> None:
        self._keys = jwt.PyJWKSet.from_dict(jwks)
        self._audience = audience
        self._spent: set[str] = set()

    def accepts(self, assertion: str, method: str, url: str, *, later: int = 0) -> bool:
        try:
            key = self._keys[jwt.get_unverified_header(assertion)["kid"]].key
            claims = jwt.decode(
                assertion,
                key,
                algorithms=["EdDSA"],
                audience=self._audience,
                issuer=PUBLIC_URL,
                leeway=-later,  # as seen `later` seconds from now
                options={"require": ["exp", "iat", "jti", "htm", "htu", "sub", "scope"]},
            )
        except (jwt.InvalidTokenError, KeyError):
            return False
        if (claims["htm"], claims["htu"]) != (method, url) or claims["jti"] in self._spent:
            return False
        self._spent.add(claims["jti"])
        return True


async def test_an_independent_upstream_accepts_each_assertion_once_and_nothing_changed(
    client: httpx.AsyncClient, runtime: Runtime, upstream: EchoUpstream
) -> None:
    account = await make_account(runtime)
    token = await make_token(runtime, account.id, ["widgets:read"])
    for _ in range(2):
        assert (await client.get("/v1/widgets?page=1", headers=bearer(token))).status_code == 200
    await runtime.signing_keys.rotate()
    assert (await client.get("/v1/widgets?page=1", headers=bearer(token))).status_code == 200
    jwks = (await client.get("/.well-known/jwks.json")).json()
    seen = upstream.seen
    assertions = [one.header("keystead-assertion") or "" for one in seen]
    url = seen[0].url
    verifier = IndependentUpstream(jwks, upstream.url)
    first, second, rotated = assertions
    forged = tampered(first, scope="widgets:read widgets:write")
    assert not verifier.accepts(forged, "GET", url)  # a changed claim
    assert not IndependentUpstream(jwks, "http://elsewhere:9000").accepts(first, "GET", url)
    assert not verifier.accepts(first, "POST", url)  # another method
    assert not verifier.accepts(first, "GET", url + "&page=2")  # another URL
    assert not verifier.accepts(first, "GET", url, later=61)  # expired
    assert verifier.accepts(first, "GET", url)
    assert not verifier.accepts(first, "GET", url)  # replayed
    assert verifier.accepts(second, "GET", url)
    assert verifier.accepts(rotated, "GET", url)  # signed by the new key
    assert jwt.get_unverified_header(rotated)["kid"] != jwt.get_unverified_header(first)["kid"]
