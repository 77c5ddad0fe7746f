"""CONTRACT §2 for bearer tokens on /v1: status, whole envelope, exact string."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from sqlalchemy import event

from keystead.access import tokens
from keystead.audit import Actor
from keystead.clock import FixedClock
from keystead.runtime import Runtime
from tests.factories import bearer, sign_up

NOT_AUTHENTICATED = {"success": False, "message": "Not authenticated", "data": []}
INVALID_PERMISSIONS = {"success": False, "message": "Invalid token permissions", "data": []}


async def test_no_token_is_401(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/account")
    assert response.status_code == 401
    assert response.json() == NOT_AUTHENTICATED


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "Bearer not-a-token",
        "Bearer kst_" + "A" * 38,  # right shape, wrong checksum
        "kst_" + "A" * 38,  # no scheme
    ],
)
async def test_malformed_tokens_are_401(client: httpx.AsyncClient, authorization: str) -> None:
    response = await client.get("/v1/account", headers={"Authorization": authorization})
    assert response.status_code == 401
    assert response.json() == NOT_AUTHENTICATED


async def test_unknown_well_formed_token_is_401(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/account", headers=bearer(tokens.mint("kst")))
    assert response.status_code == 401
    assert response.json() == NOT_AUTHENTICATED


async def test_malformed_or_mistyped_token_is_refused_without_a_query(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    user = await sign_up(client)
    plain = (await user.create_token(["account:read"]))["token"]
    mistyped = plain[:10] + ("a" if plain[10] != "a" else "b") + plain[11:]
    statements: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        # The instance's own background reads (the invalidation journal, polled every
        # 0.25 s) are not the request's.
        if "credential_events" in statement:
            return
        if statement.split()[0].upper() not in {"BEGIN", "COMMIT", "ROLLBACK"}:
            statements.append(statement)

    engine = app.state.runtime.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        for candidate in (mistyped, "kst_" + "z" * 38, "garbage", plain[:-1]):
            response = await client.get("/v1/account", headers=bearer(candidate))
            assert response.status_code == 401
        assert statements == []
        # The counter does see queries: a well-formed unknown token needs one lookup.
        await client.get("/v1/account", headers=bearer(tokens.mint("kst")))
        assert len(statements) == 1
        assert "FROM api_tokens" in statements[0]
    finally:
        event.remove(engine, "before_cursor_execute", count)


async def test_expired_token_is_401(client: httpx.AsyncClient, clock: FixedClock) -> None:
    user = await sign_up(client)
    expires = (clock.now() + timedelta(days=2)).isoformat()
    plain = (await user.create_token(["account:read"], expires_at=expires))["token"]
    assert (await client.get("/v1/account", headers=bearer(plain))).status_code == 200
    clock.advance(timedelta(days=2, seconds=1))
    response = await client.get("/v1/account", headers=bearer(plain))
    assert response.status_code == 401
    assert response.json() == NOT_AUTHENTICATED
    listed = (await user.request("GET", "/account/api-tokens")).json()["data"]
    assert listed[0]["status"] == "expired"


async def test_revoked_token_is_401_on_the_very_next_request(client: httpx.AsyncClient) -> None:
    user = await sign_up(client)
    token = await user.create_token(["account:read"])
    assert (await client.get("/v1/account", headers=bearer(token["token"]))).status_code == 200
    revoked = await user.request("DELETE", f"/account/api-tokens/{token['id']}")
    assert revoked.status_code == 200
    response = await client.get("/v1/account", headers=bearer(token["token"]))
    assert response.status_code == 401
    assert response.json() == NOT_AUTHENTICATED


async def test_suspended_account_is_401_and_unsuspend_restores(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    user = await sign_up(client)
    plain = (await user.create_token(["account:read"]))["token"]
    assert (await client.get("/v1/account", headers=bearer(plain))).status_code == 200
    await runtime.accounts.set_suspended(user.email, True, by=Actor.operator())
    response = await client.get("/v1/account", headers=bearer(plain))
    assert response.status_code == 401
    assert response.json() == NOT_AUTHENTICATED
    assert (await user.request("GET", "/account")).status_code == 401
    await runtime.accounts.set_suspended(user.email, False, by=Actor.operator())
    assert (await client.get("/v1/account", headers=bearer(plain))).status_code == 200


async def test_token_without_the_permission_is_403(client: httpx.AsyncClient) -> None:
    user = await sign_up(client)
    plain = (await user.create_token(["bots:read"]))["token"]
    response = await client.get("/v1/account", headers=bearer(plain))
    assert response.status_code == 403
    assert response.json() == INVALID_PERMISSIONS
    assert response.headers["X-RateLimit-Limit"] == "30"
    assert response.headers["X-RateLimit-Remaining"] == "30"  # refused requests do not count


async def test_permission_edit_takes_effect_on_the_next_request(
    client: httpx.AsyncClient,
) -> None:
    user = await sign_up(client)
    token = await user.create_token(["account:read"])
    headers = bearer(token["token"])
    assert (await client.get("/v1/account", headers=headers)).status_code == 200
    path = f"/account/api-tokens/{token['id']}"
    edited = await user.request("PATCH", path, json={"permissions": ["bots:read"]})
    assert edited.status_code == 200
    assert (await client.get("/v1/account", headers=headers)).json() == INVALID_PERMISSIONS
    await user.request("PATCH", path, json={"permissions": ["account:read", "bots:read"]})
    assert (await client.get("/v1/account", headers=headers)).status_code == 200


async def test_unknown_v1_route_needs_a_token_then_is_404(client: httpx.AsyncClient) -> None:
    assert (await client.get("/v1/nothing-here")).status_code == 401
    user = await sign_up(client)
    plain = (await user.create_token(["account:read"]))["token"]
    response = await client.get("/v1/nothing-here", headers=bearer(plain))
    assert response.status_code == 404
    assert response.json() == {"success": False, "message": "Route not found", "data": []}


async def test_every_v1_route_declares_a_permission(app: FastAPI) -> None:
    guarded = {route.path for route, _ in app.state.permissions}
    v1_routes = {
        route.path
        for route in iter_route_contexts(app.routes)
        if route.path and route.path.startswith("/v1")
    }
    assert v1_routes
    assert guarded == v1_routes


async def test_a_v1_route_without_a_permission_stops_start_up() -> None:
    from fastapi import APIRouter

    from keystead.access.authorize import PermissionTable

    router = APIRouter()

    @router.get("/v1/unguarded")
    async def unguarded() -> None:
        return None

    with pytest.raises(RuntimeError, match="/v1/unguarded"):
        PermissionTable(router.routes)
