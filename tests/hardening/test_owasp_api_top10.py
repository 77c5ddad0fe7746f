"""One test per item of the OWASP API Security Top 10 (2023), named after it.

Each states the attack in its docstring and shows keystead refusing it through the
real API. All ten apply: keystead takes URLs (API7) and consumes another API's
data through its importer (API10).
"""

from __future__ import annotations

import asyncio
import json
import re
from datetime import timedelta
from typing import Any

import httpx
import pytest
from eth_account import Account
from fastapi import APIRouter, FastAPI
from fastapi.routing import iter_route_contexts
from sqlalchemy import func, select

from keystead.access import tokens
from keystead.app import create_app
from keystead.clock import FixedClock
from keystead.config import Settings
from keystead.errors import InvalidInput
from keystead.runtime import Runtime
from keystead.trading.api import views
from keystead.trading.context import trading_of
from keystead.trading.services.importer import Importer, parse
from keystead.trading.services.paging import Listing
from keystead.trading.tables import Bot
from keystead.version import __version__
from keystead.web.page_route import PageRoute
from tests.api.test_api_tokens import TOKEN_FIELDS
from tests.backends import Backend
from tests.catalogue import ALL_PERMISSIONS
from tests.cli.test_bots_import import renumbered
from tests.factories import PASSWORD, bearer, demo_token, sign_up
from tests.wallet.conftest import challenge, sign, wallet_sign_in

SCANNER_SECRET = "scanner-secret-0123456789-abcdefghij"
NOT_AUTHENTICATED = {"success": False, "message": "Not authenticated", "data": None}
# Under /v1 a refusal's `data` is [] (Whispertrades clients refuse null there).
V1_NOT_AUTHENTICATED = {**NOT_AUTHENTICATED, "data": []}
# Items whose defence does not depend on the storage or limiter backend run once.
SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


@pytest.fixture
def settings(backend: Backend) -> Settings:
    return backend.settings(
        last_used_flush_seconds=0.05,
        leak_report_secret=SCANNER_SECRET,
        max_active_tokens_per_account=3,
    )


async def test_api1_broken_object_level_authorization(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    """Another account's bot, position or token, addressed by its id, is a 404 — the
    same answer as an id that does not exist — and is left unchanged."""
    owner_id, owner_token = await demo_token(runtime, sorted(ALL_PERMISSIONS))
    [bot, *_] = await trading_of(runtime).bots.for_account(owner_id, None, False)
    [position, *_] = await trading_of(runtime).positions.for_account(owner_id, Listing())
    intruder = await sign_up(client)
    theirs = bearer((await intruder.create_token(sorted(ALL_PERMISSIONS)))["token"])
    number = bot.bot.number
    attempts = {
        ("GET", f"/v1/bots/{number}"): "Bot not found",
        ("PUT", f"/v1/bots/{number}/disable"): "Bot not found",
        ("PUT", f"/v1/bots/{number}/close"): "Bot not found",
        ("GET", f"/v1/bots/positions/{position.position.number}"): "Position not found",
    }
    for (method, path), message in attempts.items():
        answer = await client.request(method, path, headers=theirs)
        assert answer.status_code == 404, path
        assert answer.json() == {"success": False, "message": message, "data": []}
    missing = await client.get("/v1/bots/ZZZZZZZZZZ", headers=theirs)
    assert missing.json() == {"success": False, "message": "Bot not found", "data": []}
    still = await client.get(f"/v1/bots/{number}", headers=bearer(owner_token))
    assert still.json()["data"]["status"] == views.bot(bot, include_details=False)["status"]

    victim = await sign_up(client)
    token = await victim.create_token(["bots:read"])
    for method, path in [
        ("PATCH", f"/account/api-tokens/{token['id']}"),
        ("POST", f"/account/api-tokens/{token['id']}/extend"),
        ("DELETE", f"/account/api-tokens/{token['id']}"),
    ]:
        answer = await intruder.request(method, path, json={"name": "mine now"})
        assert answer.status_code == 404
        assert answer.json()["message"] == "Token not found"
    assert (await client.get("/v1/account", headers=bearer(token["token"]))).status_code == 403


async def test_api2_broken_authentication(client: httpx.AsyncClient, clock: FixedClock) -> None:
    """Missing, malformed, forged, unknown, expired and revoked credentials all get the
    same 401; password guessing is throttled; a login issues a fresh session id."""
    user = await sign_up(client)
    expiring = await user.create_token(["account:read"])
    revoked = await user.create_token(["account:read"])
    await user.request("DELETE", f"/account/api-tokens/{revoked['id']}")
    good = expiring["token"]
    forged_checksum = good[:-1] + ("A" if good[-1] != "A" else "B")
    candidates = [
        {},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        bearer("kst_short"),
        bearer(forged_checksum),
        bearer(tokens.mint("kst")),
        bearer(revoked["token"]),
    ]
    for headers in candidates:
        answer = await client.get("/v1/account", headers=headers)
        assert (answer.status_code, answer.json()) == (401, V1_NOT_AUTHENTICATED), headers
    clock.advance(timedelta(days=366))
    expired = await client.get("/v1/account", headers=bearer(good))
    assert (expired.status_code, expired.json()) == (401, V1_NOT_AUTHENTICATED)

    for _ in range(10):
        await client.post("/auth/login", json={"email": user.email, "password": "guess guess"})
    throttled = await client.post("/auth/login", json={"email": user.email, "password": PASSWORD})
    assert throttled.status_code == 429
    assert throttled.json()["message"] == "Too Many Attempts."

    other = await sign_up(client)
    again = await client.post("/auth/login", json={"email": other.email, "password": PASSWORD})
    client.cookies.clear()
    assert again.cookies["keystead_session"] != other.session_id


@SQLITE_ONLY
async def test_api3_broken_object_property_level_authorization(
    client: httpx.AsyncClient,
) -> None:
    """Properties a client must not set (owner, hash, revocation, id) are refused by
    name, never silently applied or dropped; listings expose no secret property."""
    user = await sign_up(client)
    created = await user.create_token(["bots:read"])
    for field, value in [
        ("account_id", 1),
        ("token_hash", "0" * 64),
        ("revoked_at", None),
        ("id", "AAAAAAAAAA"),
        ("token", tokens.mint("kst")),
    ]:
        body = {"name": "renamed", field: value}
        edit = await user.request("PATCH", f"/account/api-tokens/{created['id']}", json=body)
        assert edit.status_code == 422, field
        assert edit.json()["data"]["errors"] == [
            {"field": field, "message": "Extra inputs are not permitted"}
        ]
    minted = await user.request(
        "POST",
        "/account/api-tokens",
        json={"name": "x", "permissions": {"bots:read": "true"}},
    )
    assert minted.status_code == 422
    coerced = await user.request(
        "POST", "/account/api-tokens", json={"name": "x", "permissions": [True]}
    )
    assert coerced.status_code == 422
    as_number = await user.request(
        "POST",
        "/account/api-tokens",
        json={"name": "x", "permissions": ["bots:read"], "expires_at": 1893456000},
    )
    assert as_number.status_code == 422
    assert as_number.json()["data"]["errors"][0]["field"] == "expires_at"
    terms = await user.request("POST", "/account/api-terms", json={"version": "1"})
    assert terms.status_code == 422

    [listed] = (await user.request("GET", "/account/api-tokens")).json()["data"]
    assert listed["name"] == created["name"]
    assert set(listed) == TOKEN_FIELDS
    assert created["token"] not in json.dumps(listed)


async def test_api4_unrestricted_resource_consumption(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    """Every resource a request can spend is capped: requests per minute per account,
    body and header bytes, JSON depth, page sizes, live tokens per account."""
    user = await sign_up(client)
    one = bearer((await user.create_token(["account:read"]))["token"])
    two = bearer((await user.create_token(["account:read"]))["token"])
    statuses = [
        (await client.get("/v1/account", headers=one if i % 2 else two)).status_code
        for i in range(31)
    ]
    assert statuses == [200] * 30 + [429]  # one account, two tokens, one limit
    body = {"name": "x" * settings.max_request_body_bytes, "permissions": ["bots:read"]}
    assert (await user.request("POST", "/account/api-tokens", json=body)).status_code == 413
    big_header = await client.get("/healthz", headers={"X-Fill": "a" * 17_000})
    assert big_header.status_code == 431
    deep = await user.request(
        "PATCH",
        "/account/api-tokens/X",
        content="[" * 40 + "]" * 40,
        headers={"Content-Type": "application/json"},
    )
    assert deep.status_code == 422
    assert (await user.request("GET", "/account/audit", params={"limit": 201})).status_code == 422
    await user.create_token(["account:read"])  # the third live token: the cap
    refused = await user.request(
        "POST", "/account/api-tokens", json={"name": "4th", "permissions": ["bots:read"]}
    )
    assert refused.status_code == 409
    assert "at most 3 active tokens" in refused.json()["message"]


async def test_api5_broken_function_level_authorization(client: httpx.AsyncClient) -> None:
    """A credential reaches only the functions it was granted: a read-only token cannot
    write, a bearer token cannot manage tokens, nobody but the operator's scanner may
    report leaks, and a session without its CSRF header cannot change anything."""
    user = await sign_up(client)
    reader = await user.create_token(["bots:read", "positions:read"])
    headers = bearer(reader["token"])
    for method, path in [
        ("PUT", "/v1/bots/ANY/enable"),
        ("PUT", "/v1/bots/ANY/close"),
        ("POST", "/v1/bots/ANY/open"),
        ("GET", "/v1/broker_connections"),
    ]:
        answer = await client.request(method, path, headers=headers)
        assert answer.status_code == 403, path
        assert answer.json()["message"] == "Invalid token permissions"
    manage = await client.post(
        "/account/api-tokens", headers=headers, json={"name": "x", "permissions": ["bots:read"]}
    )
    assert (manage.status_code, manage.json()) == (401, NOT_AUTHENTICATED)
    as_user = await user.request(
        "POST", "/security/leaked-tokens", json={"tokens": [reader["token"]]}, headers=headers
    )
    assert as_user.status_code == 401
    no_csrf = await client.delete(
        f"/account/api-tokens/{reader['id']}",
        headers={"Cookie": f"keystead_session={user.session_id}"},
    )
    assert no_csrf.status_code == 403
    assert (await client.get("/v1/bots", headers=headers)).status_code == 200


async def test_api6_unrestricted_access_to_sensitive_business_flows(
    client: httpx.AsyncClient,
) -> None:
    """Flows worth automating against us are paced: the account key can be generated
    once an hour, and wallet challenges are limited per client address."""
    wallet = await wallet_sign_in(client)
    first = await wallet.user_api("PUT", "/generate")
    assert first.status_code == 200
    second = await wallet.user_api("PUT", "/generate")
    assert second.status_code == 429
    assert second.json() == {
        "error": ["Error generating API key, regenen timeout: 1h"],
        "result": None,
    }
    assert int(second.headers["Retry-After"]) > 3500
    address = Account.create().address
    answers = [
        (await client.get("/auth/wallet/challenge", params={"address": address})).status_code
        for _ in range(30)
    ]
    assert answers[-1] == 429  # 30 per minute per address, sign-in attempts included
    assert answers.count(200) < 30


@SQLITE_ONLY
async def test_api7_server_side_request_forgery(client: httpx.AsyncClient) -> None:
    """URLs keystead accepts (a leak report's source, a wallet message's URI) are text:
    nothing is ever fetched from them, not even an address on this machine."""
    connections = 0

    async def count(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        writer.close()

    server = await asyncio.start_server(count, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    internal = f"http://127.0.0.1:{port}/admin"
    try:
        user = await sign_up(client)
        token = await user.create_token(["account:read"])
        report = [{"token": token["token"], "url": internal, "type": "x", "source": "content"}]
        reported = await client.post(
            "/security/leaked-tokens", json=report, headers=bearer(SCANNER_SECRET)
        )
        assert reported.status_code == 200
        holder = Account.create()
        message = (await challenge(client, holder.address)).replace(
            "URI: http://", f"URI: {internal}#"
        )
        login = await client.post(
            "/auth/wallet/login", json={"message": message, "signature": sign(holder, message)}
        )
        assert login.status_code == 401
        await asyncio.sleep(0.3)
    finally:
        server.close()
        await server.wait_closed()
    assert connections == 0


@SQLITE_ONLY
async def test_api8_security_misconfiguration(
    settings: Settings, clock: FixedClock, capsys: pytest.CaptureFixture[str]
) -> None:
    """Safe defaults everywhere: security headers on every answer, no CORS grant to
    other origins, unsupported methods refused, and an unexpected error answers a bare
    500 in the envelope with nothing of the error in the answer or the log."""
    leaked = tokens.mint("kst")
    broken = APIRouter()

    @broken.get("/broken")
    async def fail() -> None:
        raise RuntimeError(f"database said: token {leaked} at /srv/app.py:12")

    app: FastAPI = create_app(settings, clock=clock, routers=[broken])
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            crashed = await client.get("/broken")
            cross_origin = await client.get("/healthz", headers={"Origin": "https://evil.example"})
            trace = await client.request("TRACE", "/healthz")
    assert crashed.status_code == 500
    assert crashed.json() == {"success": False, "message": "Server error", "data": None}
    for answer in (crashed, cross_origin, trace):
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
        assert "access-control-allow-origin" not in answer.headers
    assert trace.status_code == 405
    logged = capsys.readouterr().err
    assert '"error_type":"RuntimeError"' in logged
    assert leaked not in logged
    assert "/srv/app.py" not in logged


@SQLITE_ONLY
async def test_api9_improper_inventory_management(app: FastAPI) -> None:
    """The schema is the inventory: every API route is in it and everything in it is
    served, at the running version. What it leaves out is only pages, their assets,
    the docs page, metrics and the trailing-slash twins of collections."""
    schema = app.openapi()
    assert schema["info"]["version"] == __version__
    documented = {(path, method.upper()) for path, ops in schema["paths"].items() for method in ops}
    served: set[tuple[str, str]] = set()
    for route in iter_route_contexts(app.routes):
        if route.path is None or route.methods is None:
            continue  # the static files mount
        # The document writes `{path:path}` as `{path}` (convertors are not OpenAPI's).
        path = re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path)
        pairs = {(path, method) for method in route.methods if method != "HEAD"}
        if route.include_in_schema:
            served |= pairs
            continue
        hidden_ok = (
            isinstance(route.original_route, PageRoute)
            or route.path in {"/docs", "/metrics", "/openapi.json"}
            or (route.path.endswith("/") and {(route.path[:-1], m) for _, m in pairs} <= documented)
        )
        assert hidden_ok, f"{route.path} is served but not documented"
    assert served == documented


@SQLITE_ONLY
async def test_api10_unsafe_consumption_of_apis(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    """Data from another API (an export in the /v1 shapes, fed to `keystead bots import`)
    is validated as strictly as a request: an unexpected field or type refuses the whole
    file; text that is allowed in is shown as text, never run as markup."""
    owner_id, _ = await demo_token(runtime, ["bots:read"])
    bots = await trading_of(runtime).bots.for_account(owner_id, None, True)
    brokers = await trading_of(runtime).brokers.for_account(owner_id)
    export: dict[str, Any] = renumbered(
        {
            "broker_connections": [views.broker_connection(b) for b in brokers],
            "bots": [views.bot(b) for b in bots],
            "positions": [],
            "orders": [],
        }
    )
    importer = Importer(runtime.db, runtime.clock)
    user = await sign_up(client)
    account = await runtime.accounts.find(user.email)
    assert account is not None

    async def bot_count() -> int:
        async with runtime.db.read() as session:
            query = select(func.count()).select_from(Bot).where(Bot.account_id == account.id)
            return int(await session.scalar(query) or 0)

    for breakage in ({"is_admin": True}, {"name": 12345}):
        hostile = json.loads(json.dumps(export))
        hostile["bots"][0].update(breakage)
        with pytest.raises(InvalidInput) as refused:
            await importer.run(account.id, parse(json.dumps(hostile).encode()))
        assert refused.value.data["errors"][0]["field"].startswith("bots[0]")
        assert await bot_count() == 0

    script = "<script>alert(document.cookie)</script>"
    export["bots"][0]["name"] = script
    await importer.run(account.id, parse(json.dumps(export).encode()))
    page = await user.request("GET", f"/bots/{export['bots'][0]['number']}")
    assert page.status_code == 200
    assert script not in page.text
    assert "&lt;script&gt;alert(document.cookie)&lt;/script&gt;" in page.text
