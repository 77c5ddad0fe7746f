"""/auth/forward: nginx auth_request, Traefik ForwardAuth and Envoy ext_authz ask about
a request; the same access path answers, and an admitted one comes back with who is
calling, signed for that method and URL."""

from __future__ import annotations

import httpx
import pytest

from keystead.audit import Actor
from keystead.config import Settings
from keystead.runtime import Runtime
from tests.backends import Backend
from tests.factories import bearer, make_account, make_token
from tests.gateway.jwks import verified

AUDIENCE = "http://trading.internal:9000"


@pytest.fixture
def settings(backend: Backend) -> Settings:
    return backend.settings(upstream_audience=AUDIENCE)


def nginx(token: str | None, method: str, uri: str) -> dict[str, str]:
    headers = {"X-Original-Method": method, "X-Original-URI": uri}
    return {**headers, **(bearer(token) if token else {})}


async def test_nginx_auth_request_admits_with_the_identity_signed(
    client: httpx.AsyncClient, runtime: Runtime, settings: Settings
) -> None:
    account = await make_account(runtime)
    token = await make_token(runtime, account.id, ["bots:read"])
    [row] = await runtime.tokens.for_account(account.id)
    answer = await client.get("/auth/forward", headers=nginx(token, "GET", "/v1/bots?page=2"))
    assert answer.status_code == 200, answer.text
    assert answer.headers["keystead-account"] == account.number
    assert answer.headers["keystead-credential"] == row.id
    assert answer.headers["keystead-permissions"] == "bots:read"
    assert answer.headers["x-ratelimit-remaining"] == "29"
    assert len(answer.headers["x-request-id"]) == 32
    claims = await verified(
        client, answer.headers["keystead-assertion"], AUDIENCE, settings.effective_public_url
    )
    assert (claims["sub"], claims["cred"], claims["scope"]) == (account.number, row.id, "bots:read")
    assert (claims["htm"], claims["htu"]) == ("GET", "http://testserver/v1/bots?page=2")


async def test_traefik_forward_auth_and_the_url_the_client_used(
    client: httpx.AsyncClient, runtime: Runtime, settings: Settings
) -> None:
    account = await make_account(runtime)
    token = await make_token(runtime, account.id, ["bots:read"])
    headers = {
        **bearer(token),
        "X-Forwarded-Method": "GET",
        "X-Forwarded-Uri": "/v1/bots",
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "api.example.com",
        "X-Request-Id": "trace-me-7",
    }
    answer = await client.get("/auth/forward", headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.headers["x-request-id"] == "trace-me-7"
    claims = await verified(
        client, answer.headers["keystead-assertion"], AUDIENCE, settings.effective_public_url
    )
    assert claims["htu"] == "https://api.example.com/v1/bots"


async def test_envoy_ext_authz_asks_with_the_request_itself(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    account = await make_account(runtime)
    reader = await make_token(runtime, account.id, ["bots:read"])
    writer = await make_token(runtime, account.id, ["positions:write"])
    refused = await client.post("/auth/forward/v1/bots/ABCDEFGHIJ/open", headers=bearer(reader))
    assert refused.status_code == 403
    assert refused.json() == {"success": False, "message": "Invalid token permissions", "data": []}
    admitted = await client.post("/auth/forward/v1/bots/ABCDEFGHIJ/open", headers=bearer(writer))
    assert admitted.status_code == 200


async def test_refusals_are_the_access_paths_own(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    account = await make_account(runtime)
    token = await make_token(runtime, account.id, ["bots:read"])
    missing = await client.get("/auth/forward", headers=nginx(None, "GET", "/v1/bots"))
    assert (missing.status_code, missing.json()["message"]) == (401, "Not authenticated")
    [row] = await runtime.tokens.for_account(account.id)
    await runtime.tokens.revoke(account.id, row.id, by=Actor.operator())
    revoked = await client.get("/auth/forward", headers=nginx(token, "GET", "/v1/bots"))
    assert revoked.status_code == 401


async def test_the_account_limit_is_shared_with_direct_requests(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    account = await make_account(runtime)
    token = await make_token(runtime, account.id, ["account:read", "bots:read"])
    statuses = [(await client.get("/v1/account", headers=bearer(token))).status_code]
    for _ in range(30):
        answer = await client.get("/auth/forward", headers=nginx(token, "GET", "/v1/bots"))
        statuses.append(answer.status_code)
    assert statuses.count(200) == 30
    assert statuses[-1] == 429
    assert int(answer.headers["retry-after"]) >= 1


@pytest.mark.parametrize(
    "uri",
    [
        "/v1/nothing-here",
        "/account",
        "/v1/bots/ABCDEFGHIJ/fly",
        "//evil.example/v1/bots",
        "/v1/bots/%2e%2e",
        "/v1/bots/..%2Faccount",
    ],
)
async def test_a_request_the_api_does_not_answer_is_never_vouched_for(
    client: httpx.AsyncClient, runtime: Runtime, uri: str
) -> None:
    account = await make_account(runtime)
    token = await make_token(runtime, account.id)
    answer = await client.get("/auth/forward", headers=nginx(token, "GET", uri))
    assert answer.status_code == 404
    assert "keystead-assertion" not in answer.headers


async def test_a_check_that_names_no_request_is_a_400(client: httpx.AsyncClient) -> None:
    answer = await client.get("/auth/forward")
    assert answer.status_code == 400
    assert "X-Original-URI" in answer.json()["message"]


async def test_the_uri_is_read_as_the_client_wrote_it_and_permissions_in_catalogue_order(
    client: httpx.AsyncClient, runtime: Runtime, settings: Settings
) -> None:
    account = await make_account(runtime)
    token = await make_token(runtime, account.id, ["orders:read", "reports:read"])
    answer = await client.get("/auth/forward", headers=nginx(token, "GET", "/v1/bots/order%73"))
    assert answer.status_code == 200, answer.text
    assert answer.headers["keystead-permissions"] == "reports:read orders:read"
    claims = await verified(
        client, answer.headers["keystead-assertion"], AUDIENCE, settings.effective_public_url
    )
    assert claims["scope"] == "reports:read orders:read"
    assert claims["htu"] == "http://testserver/v1/bots/order%73"


async def test_the_request_is_named_by_one_source_only(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    account = await make_account(runtime)
    reader = await make_token(runtime, account.id, ["bots:read"])
    # Traefik passes the client's own headers on: an X-Original-URI beside its
    # X-Forwarded-Uri may be the client's, so neither is believed.
    both = {**nginx(reader, "GET", "/v1/bots"), "X-Forwarded-Method": "PUT"}
    both["X-Forwarded-Uri"] = "/v1/bots/ABCDEFGHIJ/enable"
    answer = await client.get("/auth/forward", headers=both)
    assert answer.status_code == 400
    assert "one pair" in answer.json()["message"]
    # Envoy asks with the request itself: a method header cannot change it.
    envoy = {**bearer(reader), "X-Original-Method": "GET"}
    refused = await client.put("/auth/forward/v1/bots/ABCDEFGHIJ/enable", headers=envoy)
    assert refused.status_code == 403


async def test_a_head_is_checked_as_its_get_and_signed_as_a_head(
    client: httpx.AsyncClient, runtime: Runtime, settings: Settings
) -> None:
    account = await make_account(runtime)
    token = await make_token(runtime, account.id, ["bots:read"])
    answer = await client.get("/auth/forward", headers=nginx(token, "HEAD", "/v1/bots"))
    assert answer.status_code == 200, answer.text
    claims = await verified(
        client, answer.headers["keystead-assertion"], AUDIENCE, settings.effective_public_url
    )
    assert claims["htm"] == "HEAD"
