"""/account/api-tokens: the token shown once, listings without secrets, edits, revocation."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import httpx
import pytest

from keystead.clock import FixedClock
from tests.factories import bearer, sign_up

TOKEN_FIELDS = {
    "id",
    "name",
    "permissions",
    "created_at",
    "expires_at",
    "last_used_at",
    "preview",
    "status",
    # Beyond the contract's fields (issue 10): additive, so existing clients are unaffected.
    "allowed_ips",
    "previous_secret",
    "unused",
}


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


async def test_create_shows_the_token_once(client: httpx.AsyncClient, clock: FixedClock) -> None:
    user = await sign_up(client)
    response = await user.request(
        "POST",
        "/account/api-tokens",
        json={"name": "  trading   bot ", "permissions": ["bots:write", "bots:read", "bots:read"]},
    )
    assert response.status_code == 201
    body = response.json()
    assert body["success"] is True
    assert body["message"] == "Token created"
    created = body["data"]
    assert set(created) == TOKEN_FIELDS | {"token"}
    assert re.fullmatch(r"[0-9A-Z]{10}", created["id"])
    assert created["name"] == "trading bot"
    assert created["permissions"] == ["bots:read", "bots:write"]
    assert created["status"] == "active"
    assert created["last_used_at"] is None
    assert created["preview"] == f"kst_...{created['token'][-4:]}"
    lifetime = parse_time(created["expires_at"]) - parse_time(created["created_at"])
    assert lifetime == timedelta(days=365)

    listed = await user.request("GET", "/account/api-tokens")
    assert listed.json()["message"] == "Tokens retrieved"
    [entry] = listed.json()["data"]
    assert set(entry) == TOKEN_FIELDS
    assert created["token"] not in listed.text
    assert created["token"][4:-4] not in listed.text


async def test_list_shows_last_use_and_newest_first(
    client: httpx.AsyncClient, clock: FixedClock
) -> None:
    user = await sign_up(client)
    older = await user.create_token(["account:read"], name="older")
    clock.advance(timedelta(seconds=1))
    newer = await user.create_token(["account:read"], name="newer")
    await client.get("/v1/account", headers=bearer(older["token"]))
    listed = (await user.request("GET", "/account/api-tokens")).json()["data"]
    assert [t["name"] for t in listed] == ["newer", "older"]
    assert listed[1]["last_used_at"] is not None
    assert listed[0]["last_used_at"] is None
    assert newer["id"] == listed[0]["id"]


async def test_edit_name_permissions_and_expiry(
    client: httpx.AsyncClient, clock: FixedClock
) -> None:
    user = await sign_up(client)
    token = await user.create_token(["bots:read"])
    new_expiry = (clock.now() + timedelta(days=30)).replace(microsecond=0)
    response = await user.request(
        "PATCH",
        f"/account/api-tokens/{token['id']}",
        json={
            "name": "renamed",
            "permissions": ["positions:read", "account:read"],
            "expires_at": new_expiry.isoformat(),
        },
    )
    assert response.status_code == 200
    assert response.json()["message"] == "Token updated"
    data = response.json()["data"]
    assert data["name"] == "renamed"
    assert data["permissions"] == ["account:read", "positions:read"]
    assert parse_time(data["expires_at"]) == new_expiry
    assert "token" not in data


async def test_extend_moves_expiry_a_year_ahead(
    client: httpx.AsyncClient, clock: FixedClock
) -> None:
    user = await sign_up(client)
    soon = (clock.now() + timedelta(days=3)).isoformat()
    token = await user.create_token(["bots:read"], expires_at=soon)
    clock.advance(timedelta(days=1))
    response = await user.request("POST", f"/account/api-tokens/{token['id']}/extend")
    assert response.status_code == 200
    assert response.json()["message"] == "Token extended"
    assert parse_time(response.json()["data"]["expires_at"]) == clock.now() + timedelta(days=365)


@pytest.mark.parametrize(
    ("expires_in", "fragment"),
    [
        (timedelta(days=-1), "must be in the future"),
        (timedelta(days=367), "at most 366 days ahead"),
    ],
)
async def test_expiry_is_bounded(
    client: httpx.AsyncClient, clock: FixedClock, expires_in: timedelta, fragment: str
) -> None:
    user = await sign_up(client)
    when = (clock.now() + expires_in).isoformat()
    create = await user.request(
        "POST",
        "/account/api-tokens",
        json={"name": "x", "permissions": ["bots:read"], "expires_at": when},
    )
    assert create.status_code == 422
    assert fragment in create.json()["message"]
    token = await user.create_token(["bots:read"])
    edit = await user.request(
        "PATCH", f"/account/api-tokens/{token['id']}", json={"expires_at": when}
    )
    assert edit.status_code == 422
    assert fragment in edit.json()["message"]


@pytest.mark.parametrize(
    "body",
    [
        {"name": "x", "permissions": []},
        {"name": "x", "permissions": ["admin"]},
        {"name": "x", "permissions": "bots:read"},
        {"name": "", "permissions": ["bots:read"]},
        {"name": "x" * 101, "permissions": ["bots:read"]},
        {"name": "x", "permissions": ["bots:read"], "expires_at": "2030-01-01T00:00:00"},
        {"name": "x", "permissions": ["bots:read"], "scope": "all"},
        {"permissions": ["bots:read"]},
    ],
)
async def test_invalid_token_requests_are_422_and_create_nothing(
    client: httpx.AsyncClient, body: dict[str, object]
) -> None:
    user = await sign_up(client)
    response = await user.request("POST", "/account/api-tokens", json=body)
    assert response.status_code == 422
    assert response.json()["success"] is False
    assert response.json()["message"].startswith("Invalid input: ")
    assert response.json()["data"]["errors"]
    assert (await user.request("GET", "/account/api-tokens")).json()["data"] == []


async def test_revoke_is_idempotent_and_a_revoked_token_cannot_be_edited(
    client: httpx.AsyncClient,
) -> None:
    user = await sign_up(client)
    token = await user.create_token(["bots:read"])
    path = f"/account/api-tokens/{token['id']}"
    first = await user.request("DELETE", path)
    assert first.status_code == 200
    assert first.json()["message"] == "Token revoked"
    assert first.json()["data"]["status"] == "revoked"
    assert (await user.request("DELETE", path)).status_code == 200
    edit = await user.request("PATCH", path, json={"name": "again"})
    assert edit.status_code == 409
    assert edit.json()["message"] == "Token is revoked; create a new one instead"


async def test_another_accounts_token_is_404(client: httpx.AsyncClient) -> None:
    owner = await sign_up(client)
    stranger = await sign_up(client)
    token = await owner.create_token(["bots:read"])
    path = f"/account/api-tokens/{token['id']}"
    for method, kwargs in (("PATCH", {"json": {"name": "mine"}}), ("DELETE", {})):
        response = await stranger.request(method, path, **kwargs)
        assert response.status_code == 404
        assert response.json() == {"success": False, "message": "Token not found", "data": None}
    missing = await owner.request("DELETE", "/account/api-tokens/NOSUCHTOKN")
    assert missing.json() == {"success": False, "message": "Token not found", "data": None}
    assert stranger.number not in (await owner.request("GET", "/account/api-tokens")).text
    owned = (await owner.request("GET", "/account/api-tokens")).json()["data"]
    assert owned[0]["status"] == "active"
    assert owned[0]["name"] == "test token"


async def test_service_level_input_errors_use_the_validation_shape(
    client: httpx.AsyncClient,
) -> None:
    user = await sign_up(client)
    response = await user.request(
        "POST", "/account/api-tokens", json={"name": "   ", "permissions": ["bots:read"]}
    )
    assert response.status_code == 422
    assert response.json() == {
        "success": False,
        "message": "Invalid input: name: must not be empty",
        "data": {"errors": [{"field": "name", "message": "must not be empty"}]},
    }


async def test_the_answer_with_the_plain_token_is_not_cached(client: httpx.AsyncClient) -> None:
    user = await sign_up(client)
    response = await user.request(
        "POST", "/account/api-tokens", json={"name": "x", "permissions": ["bots:read"]}
    )
    assert response.headers["Cache-Control"] == "no-store"


async def test_extend_never_moves_expiry_earlier(
    client: httpx.AsyncClient, clock: FixedClock
) -> None:
    user = await sign_up(client)
    far = (clock.now() + timedelta(days=366)).replace(microsecond=0)
    token = await user.create_token(["bots:read"], expires_at=far.isoformat())
    response = await user.request("POST", f"/account/api-tokens/{token['id']}/extend")
    assert response.status_code == 200
    assert parse_time(response.json()["data"]["expires_at"]) == far
