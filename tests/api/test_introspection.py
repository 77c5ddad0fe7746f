"""POST /oauth/introspect (RFC 7662): each state of a credential gets the right answer,
only the operator's secret may ask, and asking uses nothing of the account's."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from keystead.app import create_app
from keystead.audit import Actor
from keystead.clock import FixedClock
from keystead.config import Settings
from keystead.runtime import Runtime
from keystead.services.api_tokens import GracePeriod
from tests.backends import Backend
from tests.factories import bearer, make_account, make_token

SECRET = "introspection-secret-for-the-operators-services"
ASK = {"Authorization": f"Bearer {SECRET}"}
INACTIVE = {"active": False}


@pytest.fixture
def settings(backend: Backend) -> Settings:
    return backend.settings(introspection_secret=SECRET, introspection_failure_limit="5/minute")


async def ask(client: httpx.AsyncClient, token: str, **headers: str) -> httpx.Response:
    return await client.post("/oauth/introspect", data={"token": token}, headers=headers or ASK)


async def test_a_live_token_is_active_with_its_scope_owner_and_times(
    client: httpx.AsyncClient, runtime: Runtime, settings: Settings
) -> None:
    account = await make_account(runtime)
    plain = await make_token(runtime, account.id, ["bots:read", "account:read"])
    [token] = await runtime.tokens.for_account(account.id)
    answer = await ask(client, plain)
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    assert answer.json() == {
        "active": True,
        "scope": "account:read bots:read",
        "client_id": token.id,
        "sub": account.number,
        "token_type": "Bearer",
        "iat": int(token.created_at.timestamp()),
        "exp": int(token.expires_at.timestamp()) if token.expires_at else None,
        "iss": settings.effective_public_url,
    }


async def test_an_account_key_is_active_too(client: httpx.AsyncClient, runtime: Runtime) -> None:
    account = await make_account(runtime)
    key = await runtime.account_keys.generate(account.id, by=Actor.operator())
    answer = (await ask(client, key)).json()
    assert answer["active"] is True
    assert answer["sub"] == account.number


async def test_anything_not_live_is_exactly_inactive(
    client: httpx.AsyncClient, runtime: Runtime, clock: FixedClock
) -> None:
    account = await make_account(runtime)
    revoked = await make_token(runtime, account.id, name="revoked")
    expiring = await make_token(runtime, account.id, name="expiring")
    [expiring_row] = [
        t for t in await runtime.tokens.for_account(account.id) if t.name == "expiring"
    ]
    [revoked_row] = [t for t in await runtime.tokens.for_account(account.id) if t.name == "revoked"]
    await runtime.tokens.revoke(account.id, revoked_row.id, by=Actor.operator())
    unknown = expiring[:-6] + ("A" if expiring[-6] != "A" else "B") + expiring[-5:]
    for value in (revoked, unknown, "kst_not-a-token", "x" * 600, "\u00e9t\u00e9"):
        assert (await ask(client, value)).json() == INACTIVE, value

    assert (await ask(client, expiring)).json()["active"] is True
    assert expiring_row.expires_at is not None
    clock.set(expiring_row.expires_at + timedelta(seconds=1))
    assert (await ask(client, expiring)).json() == INACTIVE


async def test_a_suspended_account_and_a_rolled_out_secret_are_inactive(
    client: httpx.AsyncClient, runtime: Runtime, clock: FixedClock
) -> None:
    account = await make_account(runtime)
    old = await make_token(runtime, account.id)
    [token] = await runtime.tokens.for_account(account.id)
    _, new = await runtime.tokens.roll(account.id, token.id, GracePeriod.HOUR, by=Actor.operator())
    assert (await ask(client, old)).json()["active"] is True  # within its grace hour
    clock.advance(timedelta(hours=1, seconds=1))
    assert (await ask(client, old)).json() == INACTIVE
    assert (await ask(client, new)).json()["active"] is True
    await runtime.accounts.set_suspended(account.number, True, by=Actor.operator())
    assert (await ask(client, new)).json() == INACTIVE


async def test_only_the_introspection_secret_may_ask_and_wrong_ones_are_limited(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    account = await make_account(runtime)
    plain = await make_token(runtime, account.id)
    for headers in ({}, {"Authorization": "Bearer " + SECRET[:-1] + "x"}, bearer(plain)):
        refused = await client.post("/oauth/introspect", data={"token": plain}, headers=headers)
        assert (refused.status_code, refused.json()["message"]) == (401, "Not authenticated")
    await client.post("/oauth/introspect", data={"token": plain}, headers={})
    await client.post("/oauth/introspect", data={"token": plain}, headers={})
    limited = await client.post("/oauth/introspect", data={"token": plain}, headers={})
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) >= 1
    # The limit is on the address that guessed, even with the right secret now.
    assert (await ask(client, plain)).status_code == 429


async def test_a_missing_token_is_an_invalid_request(client: httpx.AsyncClient) -> None:
    answer = await client.post("/oauth/introspect", data={}, headers=ASK)
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_request"


async def test_asking_uses_nothing_of_the_accounts_limit(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    account = await make_account(runtime)
    plain = await make_token(runtime, account.id, ["account:read"])
    for _ in range(40):
        assert (await ask(client, plain)).json()["active"] is True
    used = await client.get("/v1/account", headers=bearer(plain))
    assert used.status_code == 200
    assert used.headers["x-ratelimit-remaining"] == "29"
    [token] = await runtime.tokens.for_account(account.id)
    assert token.last_used_at is None


async def test_unset_secret_answers_401_to_everyone(backend: Backend, clock: FixedClock) -> None:
    app = create_app(backend.settings(), clock=clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 1))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as other:
            answer = await other.post("/oauth/introspect", data={"token": "x"}, headers=ASK)
    assert answer.status_code == 401
