"""The audit log: every security event, as its owner and the operators see it."""

from __future__ import annotations

from typing import Any

import httpx
import orjson
from eth_account import Account
from sqlalchemy import select

from keystead.audit import Actor, AuditAction, Entry, record
from keystead.runtime import Runtime
from keystead.store.models import AuditEvent
from tests.factories import PASSWORD, User, sign_up
from tests.wallet.conftest import challenge, sign, wallet_sign_in

CLIENT = "203.0.113.7"  # the address the test client connects from


async def audit_of(user: User, **params: Any) -> list[dict[str, Any]]:
    response = await user.request("GET", "/account/audit", params=params)
    assert response.status_code == 200, response.text
    entries: list[dict[str, Any]] = response.json()["data"]
    return entries


async def test_the_owner_sees_each_token_and_sign_in_event_newest_first(
    client: httpx.AsyncClient,
) -> None:
    wrong = await client.post("/auth/login", json={"email": "a@example.com", "password": "nope"})
    assert wrong.status_code == 401  # no such account yet: not the owner's to see
    user = await sign_up(client, "a@example.com")
    await client.post("/auth/login", json={"email": user.email, "password": "guessed at 12345"})
    created = await user.create_token(["bots:read"], name="deploy")
    token_id = created["id"]
    await user.request("PATCH", f"/account/api-tokens/{token_id}", json={"name": "deploy 2"})
    await user.request("POST", f"/account/api-tokens/{token_id}/extend")
    await user.request("DELETE", f"/account/api-tokens/{token_id}")

    entries = await audit_of(user)
    assert [entry["action"] for entry in entries] == [
        "token.revoked",
        "token.edited",
        "token.edited",
        "token.created",
        "login.failed",
        "terms.accepted",
        "login.succeeded",
    ]
    assert [entry["actor"] for entry in entries] == ["owner"] * 4 + ["anyone"] + ["owner"] * 2
    assert {entry["client"] for entry in entries} == {CLIENT}
    revoked, extended, renamed, minted, failed = entries[:5]
    assert minted["credential"] == {"id": token_id, "preview": created["preview"]}
    assert minted["details"]["name"] == "deploy"
    assert minted["details"]["permissions"] == ["bots:read"]
    assert renamed["details"] == {"name": "deploy 2"}
    assert set(extended["details"]) == {"expires_at"}
    assert revoked["details"] == {"name": "deploy 2"}
    assert failed["details"] == {"method": "password", "reason": "wrong password"}
    assert failed["credential"] is None
    # Paging: older than the third entry.
    older = await audit_of(user, before=entries[2]["id"], limit=2)
    assert [entry["id"] for entry in older] == [entries[3]["id"], entries[4]["id"]]
    # Nothing in the log is a secret: not the token, not the password.
    text = orjson.dumps(entries).decode()
    assert created["token"] not in text
    assert PASSWORD not in text
    assert "guessed at 12345" not in text


async def test_an_account_sees_only_its_own_entries(client: httpx.AsyncClient) -> None:
    first = await sign_up(client)
    second = await sign_up(client)
    await first.create_token(["bots:read"])
    assert "token.created" not in {entry["action"] for entry in await audit_of(second)}
    assert (await client.get("/account/audit")).status_code == 401


async def test_wallet_sign_ins_and_account_key_changes_are_audited(
    client: httpx.AsyncClient,
) -> None:
    key_holder = Account.create()
    wallet = await wallet_sign_in(client, key_holder)
    generated = await wallet.user_api("PUT", "/generate")
    key = generated.json()["result"]["apiKey"]
    assert (await wallet.user_api("PUT", "/disable")).status_code == 200
    # A forged signature for this wallet's message is a failed sign-in on its account.
    message = await challenge(client, key_holder.address)
    forged = sign(Account.create(), message)
    refused = await client.post(
        "/auth/wallet/login", json={"message": message, "signature": forged}
    )
    assert refused.status_code == 401

    session = await client.get("/account/audit", headers=wallet.headers)
    assert session.status_code == 401  # /account/* is the cookie session's
    login = await client.post(
        "/auth/wallet/login",
        json={
            "message": (m := await challenge(client, key_holder.address)),
            "signature": sign(key_holder, m),
        },
    )
    entries = (await client.get("/account/audit")).json()["data"]
    client.cookies.clear()
    assert login.status_code == 200
    assert [entry["action"] for entry in entries] == [
        "login.succeeded",
        "login.failed",
        "key.disabled",
        "key.generated",
        "login.succeeded",
    ]
    assert entries[1]["details"] == {
        "method": "wallet",
        "reason": "the signature was not made by the message's address",
    }
    assert entries[2]["credential"] == entries[3]["credential"]
    assert entries[3]["credential"]["preview"] == f"kst_...{key[-4:]}"
    text = orjson.dumps(entries).decode()
    assert key not in text
    assert wallet.signature not in text
    assert forged not in text


async def test_operators_see_failures_that_name_no_account_without_the_email(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    typed = "someone@example.com"
    await client.post("/auth/login", json={"email": typed, "password": "hunter22 hunter22"})
    user = await sign_up(client)
    await runtime.accounts.set_suspended(user.email, True, by=Actor.operator())
    suspended_login = await client.post(
        "/auth/login", json={"email": user.email, "password": PASSWORD}
    )
    assert suspended_login.status_code == 401

    records = await runtime.audit.search(limit=10)
    newest = [(r.event.action, r.event.actor, r.account_number) for r in records[:2]]
    assert newest == [
        ("login.failed", "anyone", user.number),
        ("account.suspended", "operator", user.number),
    ]
    assert records[0].event.details == {"method": "password", "reason": "account suspended"}
    anonymous = [r for r in records if r.account_number is None]
    assert [r.event.details for r in anonymous] == [
        {"method": "password", "reason": "unknown account"}
    ]
    dumped = orjson.dumps([r.event.details for r in records]).decode()
    assert typed not in dumped
    assert "hunter22" not in dumped


async def test_the_security_log_page_lists_the_events(client: httpx.AsyncClient) -> None:
    user = await sign_up(client)
    token = await user.create_token(["bots:read"], name="nightly export")
    page = await user.request("GET", "/settings/security")
    assert page.status_code == 200
    html = page.text
    assert "Security log" in html
    assert "Token created" in html
    assert "API terms accepted" in html
    assert "Signed in" in html
    assert token["preview"] in html
    assert "name: nightly export" in html
    assert token["token"] not in html
    signed_out = await client.get("/settings/security")
    assert signed_out.status_code in (302, 303)


async def test_an_action_this_version_does_not_know_is_shown_as_is(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    """A newer instance (during a rolling upgrade) may record actions this one lacks."""
    user = await sign_up(client)
    account = await runtime.accounts.find(user.email)
    assert account is not None
    async with runtime.db.transaction() as session:
        record(
            session,
            Entry(AuditAction.TOKEN_CREATED, account.id),
            Actor.owner(CLIENT),
            runtime.clock.now(),
        )
        await session.flush()
        newest = (
            (await session.execute(select(AuditEvent).order_by(AuditEvent.id.desc())))
            .scalars()
            .first()
        )
        assert newest is not None
        newest.action = "token.rolled"
    page = await user.request("GET", "/settings/security")
    assert page.status_code == 200
    assert "token.rolled" in page.text
