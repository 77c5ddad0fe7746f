"""Concurrent writes to one credential: every confirmed answer is what was stored, and
a change made once is audited once, on both backends."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from sqlalchemy import func, select

from keystead.runtime import Runtime
from keystead.store.models import AuditEvent
from tests.catalogue import ALL_PERMISSIONS
from tests.factories import User, sign_up
from tests.wallet.conftest import wallet_sign_in

ROUNDS = 4
EDITS = 20


def edit(index: int) -> dict[str, Any]:
    if index % 2:
        return {"name": f"edit-{index:02d}-all-perms", "permissions": sorted(ALL_PERMISSIONS)}
    return {"name": f"edit-{index:02d}-read-only", "permissions": ["account:read"]}


async def stored_token(user: User, token_id: str) -> dict[str, Any]:
    listed = (await user.request("GET", "/account/api-tokens")).json()["data"]
    [token] = [item for item in listed if item["id"] == token_id]
    found: dict[str, Any] = token
    return found


async def audit_actions(user: User) -> list[str]:
    entries = (await user.request("GET", "/account/audit", params={"limit": 200})).json()["data"]
    return [entry["action"] for entry in entries]


async def test_concurrent_edits_store_exactly_one_confirmed_answer(
    client: httpx.AsyncClient,
) -> None:
    user = await sign_up(client)
    for _ in range(ROUNDS):
        token = await user.create_token(["account:read"])
        path = f"/account/api-tokens/{token['id']}"
        answers = await asyncio.gather(
            *(user.request("PATCH", path, json=edit(index)) for index in range(EDITS))
        )
        assert [answer.status_code for answer in answers] == [200] * EDITS
        confirmed = [
            (answer.json()["data"]["name"], sorted(answer.json()["data"]["permissions"]))
            for answer in answers
        ]
        asked = [(edit(i)["name"], edit(i)["permissions"]) for i in range(EDITS)]
        # Each answer is exactly what one request asked for, never a mix.
        assert sorted(confirmed) == sorted(asked)
        stored = await stored_token(user, token["id"])
        assert (stored["name"], sorted(stored["permissions"])) in asked


async def test_concurrent_revokes_are_audited_once(client: httpx.AsyncClient) -> None:
    user = await sign_up(client)
    token = await user.create_token(["account:read"])
    path = f"/account/api-tokens/{token['id']}"
    answers = await asyncio.gather(*(user.request("DELETE", path) for _ in range(50)))
    assert {answer.status_code for answer in answers} == {200}
    assert {answer.json()["data"]["status"] for answer in answers} == {"revoked"}
    assert (await stored_token(user, token["id"]))["status"] == "revoked"
    assert (await audit_actions(user)).count("token.revoked") == 1


async def test_concurrent_key_disables_are_audited_once(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    wallet = await wallet_sign_in(client)
    generated = await wallet.user_api("PUT", "/generate")
    assert generated.status_code == 200
    answers = await asyncio.gather(*(wallet.user_api("PUT", "/disable") for _ in range(20)))
    assert {answer.status_code for answer in answers} == {200}
    async with runtime.db.read() as session:
        disabled = await session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "key.disabled")
        )
    assert disabled == 1


async def test_accepting_the_terms_again_is_one_acceptance(client: httpx.AsyncClient) -> None:
    user = await sign_up(client, accept_terms=False)
    version = (await user.request("GET", "/account/api-terms")).json()["data"]["version"]
    answers = await asyncio.gather(
        *(user.request("POST", "/account/api-terms", json={"version": version}) for _ in range(10))
    )
    assert {answer.status_code for answer in answers} == {200}
    accepted_at = {answer.json()["data"]["accepted_at"] for answer in answers}
    assert len(accepted_at) == 1
    await user.request("POST", "/account/api-terms", json={"version": version})
    assert (await audit_actions(user)).count("terms.accepted") == 1
