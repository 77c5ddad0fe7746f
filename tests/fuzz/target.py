"""The app under fuzzing and the credentials it is fuzzed with.

The app runs in-process: schemathesis drives it over its own ASGI client, whose event
loop lives in a helper thread and keeps the app's lifespan running until the module
is done. Everything here therefore talks to the app through that same synchronous
client, never through the pytest-asyncio loop the other tests use.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from eth_account import Account
from fastapi import FastAPI
from schemathesis.python.asgi import ASGIClient

from keystead.access.sessions import CSRF_HEADER, SESSION_COOKIE
from keystead.app import create_app
from keystead.cli.demo import DemoCredentials, seed_demo
from keystead.config import Settings
from keystead.runtime import build_runtime
from tests.backends import TEST_SECRET
from tests.catalogue import ALL_PERMISSIONS
from tests.wallet.conftest import sign

# Every limit an attacker-facing path has, lifted: a fuzzer sends thousands of requests
# from one address, and a 429 would then hide what the handler behind it does.
# The per-hour account-key generation limit is not configurable and stays in force.
UNTHROTTLED: dict[str, Any] = {
    "rate_limit": "10000000/minute",
    "auth_failure_limit": "10000000/minute",
    "login_failure_limit_per_address": "10000000/minute",
    "login_failure_limit_per_account": "10000000/minute",
    "wallet_attempt_limit": "10000000/minute",
}


def openapi_document() -> dict[str, Any]:
    """What `/openapi.json` serves, built without starting an app: the tests are made
    from it at collection, before any fixture runs. The fixture then checks that the
    running app serves exactly this document."""
    settings = Settings(
        _env_file=None, database_url="sqlite+aiosqlite:///:memory:", secret_key=TEST_SECRET
    )
    return create_app(settings).openapi()


LEAK_REPORT_SECRET = "fuzz-scanner-secret-0123456789abcdefghijklmnop"


def fuzz_settings() -> dict[str, Any]:
    """`UNTHROTTLED`, plus the secret scanners authenticate with, where this keystead
    has scanner reports (so `/security/...` is fuzzed past its authentication)."""
    # Settings ignore unknown names: a renamed limit would stay in force unnoticed and
    # its 429s, documented everywhere, would pass every check.
    unknown = set(UNTHROTTLED) - set(Settings.model_fields)
    assert not unknown, f"not settings (renamed?): {sorted(unknown)}"
    values = dict(UNTHROTTLED)
    if "leak_report_secret" in Settings.model_fields:
        values["leak_report_secret"] = LEAK_REPORT_SECRET
    return values


@dataclass(frozen=True, slots=True)
class Credentials:
    label: str
    headers: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)


NO_CREDENTIALS = Credentials("none")
SCANNER = Credentials(
    "leak-report secret", headers={"Authorization": f"Bearer {LEAK_REPORT_SECRET}"}
)


def auth_for(path: str) -> str:
    """Which credential a well-behaved client sends to `path` (an OpenAPI template)."""
    if path == "/auth/logout":
        return "new-session"
    if path == "/auth/wallet/logout":
        return "new-wallet"
    if path.startswith("/v1/"):
        return "bearer"
    if path.startswith("/user/"):
        return "wallet"
    if path.startswith(("/auth/", "/account")):
        return "session"
    if path.startswith("/security/"):
        return "scanner"
    return "none"


def seed(settings: Settings) -> DemoCredentials:
    """The demo account (terms accepted, bots, positions, a year of history), written
    before the app starts so the app's own runtime never shares a loop with this one."""

    async def run() -> DemoCredentials:
        runtime = build_runtime(settings)
        try:
            return await seed_demo(runtime)
        finally:
            await runtime.close()

    return asyncio.run(run())


def _json(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def session_login(client: ASGIClient, email: str, password: str) -> Credentials:
    response = client.post("/auth/login", json={"email": email, "password": password})
    data = _json(response)["data"]
    session_id = response.cookies.get(SESSION_COOKIE)
    assert session_id, "login set no session cookie"
    # The client is shared: each case names its credentials, none ride along in the jar.
    client.cookies.clear()
    return Credentials(
        "session cookie + X-CSRF-Token",
        headers={CSRF_HEADER: data["csrf_token"]},
        cookies={SESSION_COOKIE: session_id},
    )


def wallet_login(client: ASGIClient) -> Credentials:
    account = Account.create()
    challenge = client.get("/auth/wallet/challenge", params={"address": account.address})
    message = _json(challenge)["data"]["message"]
    signature = sign(account, message)
    _json(client.post("/auth/wallet/login", json={"message": message, "signature": signature}))
    client.cookies.clear()
    return Credentials("wallet signature", headers={"Authorization": f"Bearer {signature}"})


@dataclass
class FuzzTarget:
    app: FastAPI
    client: ASGIClient
    demo: DemoCredentials
    session: Credentials
    bearer: Credentials
    wallet: Credentials
    known_ids: dict[str, list[str]]
    """Operation label or path prefix -> real identifiers there, so path parameters can
    name real objects."""
    served_schema: dict[str, Any]
    backend: str
    """`sqlite` or `postgres`: which store and limiter the app runs on."""

    def __repr__(self) -> str:
        # Hypothesis prints the test's arguments with a failure; the schema is 300 kB.
        return f"FuzzTarget({self.backend})"

    def credentials(self, auth: str) -> Credentials:
        """The credential named by `auth_for`. The two logouts end the session they are
        sent with, so each of their cases signs in anew and the shared sessions stay
        valid for every later case."""
        if auth == "new-session":
            return session_login(self.client, self.demo.email, self.demo.password)
        if auth == "new-wallet":
            return wallet_login(self.client)
        known = {
            "bearer": self.bearer,
            "session": self.session,
            "wallet": self.wallet,
            "scanner": SCANNER,
        }
        return known.get(auth, NO_CREDENTIALS)

    def ids_for(self, label: str, path: str) -> list[str]:
        if label in self.known_ids:
            return self.known_ids[label]
        matches = [prefix for prefix in self.known_ids if path.startswith(prefix)]
        # The longest prefix names the collection: /v1/bots/positions/ before /v1/bots/.
        return self.known_ids[max(matches, key=len)] if matches else []


ACTIVE: list[FuzzTarget] = []
"""The target the module fixture set up. Generation hooks are bound at collection,
before fixtures exist, so they look real values up here when they run."""


def _numbers(client: ASGIClient, bearer: Credentials, path: str, limit: int) -> list[str]:
    data = _json(client.get(path, headers=bearer.headers))["data"]
    return [item["number"] for item in data[:limit]]


def sign_in(app: FastAPI, client: ASGIClient, demo: DemoCredentials, backend: str) -> FuzzTarget:
    session = session_login(client, demo.email, demo.password)

    def create_token(name: str) -> dict[str, Any]:
        body = {"name": name, "permissions": sorted(ALL_PERMISSIONS)}
        response = client.post(
            "/account/api-tokens", json=body, headers=session.headers, cookies=session.cookies
        )
        data: dict[str, Any] = _json(response, 201)["data"]
        return data

    token = create_token("fuzz: every permission")
    bearer = Credentials(
        "bearer token (all permissions)", headers={"Authorization": f"Bearer {token['token']}"}
    )
    # Fuzzed token edits get spare tokens, never the bearer token above; each operation
    # its own, or the fuzzed DELETE would leave only revoked tokens to PATCH and extend.
    known_ids = {
        f"{method} {path}": [create_token(f"fuzz: {method} {n}")["id"] for n in range(3)]
        for method, path in (
            ("PATCH", "/account/api-tokens/{token_id}"),
            ("DELETE", "/account/api-tokens/{token_id}"),
            ("POST", "/account/api-tokens/{token_id}/extend"),
            ("POST", "/account/api-tokens/{token_id}/roll"),
            ("GET", "/account/api-tokens/{token_id}/usage"),
        )
    }
    known_ids |= {
        "/v1/bots/": _numbers(client, bearer, "/v1/bots", 10),
        "/v1/bots/positions/": _numbers(client, bearer, "/v1/bots/positions", 10),
        "/v1/bots/orders/": _numbers(client, bearer, "/v1/bots/orders", 10),
        "/v1/bots/reports/": _numbers(client, bearer, "/v1/bots/reports", 10),
        "/v1/bots/variables/": _numbers(client, bearer, "/v1/bots/variables", 10),
        "/v1/broker_connections/": _numbers(client, bearer, "/v1/broker_connections", 10),
    }
    return FuzzTarget(
        app=app,
        client=client,
        demo=demo,
        session=session,
        bearer=bearer,
        wallet=wallet_login(client),
        known_ids=known_ids,
        served_schema=_json(client.get("/openapi.json")),
        backend=backend,
    )
