"""API terms: shown, accepted with their time, and required for token management."""

from __future__ import annotations

import httpx

from keystead.audit import Actor
from keystead.runtime import Runtime
from tests.factories import sign_up

TERMS_NOT_ACCEPTED = {"success": False, "message": "API terms not accepted", "data": None}


async def test_account_routes_need_a_session(client: httpx.AsyncClient) -> None:
    for method, path in (
        ("GET", "/account"),
        ("GET", "/account/api-terms"),
        ("POST", "/account/api-terms"),
        ("GET", "/account/api-tokens"),
        ("POST", "/account/api-tokens"),
        ("PATCH", "/account/api-tokens/ABCDEFGHIJ"),
        ("DELETE", "/account/api-tokens/ABCDEFGHIJ"),
    ):
        response = await client.request(method, path, json={})
        assert response.status_code == 401, (method, path)
        assert response.json() == {"success": False, "message": "Not authenticated", "data": None}


async def test_default_terms_are_shown_and_acceptance_is_recorded(
    client: httpx.AsyncClient,
) -> None:
    user = await sign_up(client, accept_terms=False)
    terms = (await user.request("GET", "/account/api-terms")).json()
    assert terms["message"] == "API terms retrieved"
    assert terms["data"]["version"] == 1
    assert "API terms" in terms["data"]["text"]
    assert terms["data"]["accepted_version"] is None

    accepted = await user.request("POST", "/account/api-terms", json={"version": 1})
    assert accepted.status_code == 200
    assert accepted.json()["message"] == "API terms accepted"
    assert accepted.json()["data"]["accepted_version"] == 1
    assert accepted.json()["data"]["accepted_at"].endswith("Z")
    account = (await user.request("GET", "/account")).json()["data"]
    assert account["terms_accepted_version"] == 1
    assert account["terms_accepted_at"] == accepted.json()["data"]["accepted_at"]


async def test_accepting_a_version_that_is_not_current_is_409(client: httpx.AsyncClient) -> None:
    user = await sign_up(client, accept_terms=False)
    response = await user.request("POST", "/account/api-terms", json={"version": 7})
    assert response.status_code == 409
    assert "accept version 1" in response.json()["message"]
    bad = await user.request("POST", "/account/api-terms", json={"version": "1"})
    assert bad.status_code == 422


async def test_token_management_needs_the_current_terms(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    user = await sign_up(client, accept_terms=False)
    create = await user.request(
        "POST", "/account/api-tokens", json={"name": "x", "permissions": ["bots:read"]}
    )
    assert create.status_code == 403
    assert create.json() == TERMS_NOT_ACCEPTED

    await user.accept_terms()
    token = await user.create_token(["bots:read"])

    # A new version is published: acceptance is needed again before minting or editing.
    await runtime.terms.publish("Version two of the API terms.", by=Actor.operator())
    again = await user.request(
        "POST", "/account/api-tokens", json={"name": "y", "permissions": ["bots:read"]}
    )
    assert again.json() == TERMS_NOT_ACCEPTED
    edit = await user.request("PATCH", f"/account/api-tokens/{token['id']}", json={"name": "z"})
    assert edit.status_code == 403
    assert edit.json() == TERMS_NOT_ACCEPTED
    # Listing and revoking stay possible: a user must always be able to shut a token off.
    assert (await user.request("GET", "/account/api-tokens")).status_code == 200
    assert (await user.request("DELETE", f"/account/api-tokens/{token['id']}")).status_code == 200

    await user.accept_terms()
    assert (await user.request("GET", "/account/api-terms")).json()["data"]["accepted_version"] == 2
    await user.create_token(["bots:read"])
