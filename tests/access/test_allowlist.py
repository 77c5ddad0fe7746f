"""Per-token IP allowlists: IPv4, IPv6, CIDR ranges; refusals are 401 and audited;
`X-Forwarded-For` is believed only from the configured proxies."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from fastapi import FastAPI

from keystead.app import create_app
from keystead.clock import FixedClock
from keystead.config import Settings
from tests.factories import User, bearer, sign_up

NOT_AUTHENTICATED = {"success": False, "message": "Not authenticated", "data": []}


@asynccontextmanager
async def client_at(app: FastAPI, address: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client whose connections come from `address` (as the server's peer)."""
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def _status_from(app: FastAPI, address: str, token: str, **headers: str) -> int:
    async with client_at(app, address) as client:
        response = await client.get("/v1/account", headers={**bearer(token), **headers})
        if response.status_code == 401:
            assert response.json() == NOT_AUTHENTICATED
        return response.status_code


async def _refusals(user: User) -> list[dict[str, object]]:
    events = (await user.request("GET", "/account/audit")).json()["data"]
    return [event for event in events if event["action"] == "token.address_refused"]


@pytest.mark.parametrize(
    ("allowed", "inside", "outside"),
    [
        (["203.0.113.7"], ["203.0.113.7"], ["203.0.113.8", "198.51.100.7", "2001:db8::1"]),
        (
            ["198.51.100.0/24"],
            ["198.51.100.0", "198.51.100.77", "198.51.100.255", "::ffff:198.51.100.9"],
            ["198.51.101.0", "198.51.99.255", "10.0.0.1"],
        ),
        (["2001:db8::1"], ["2001:db8::1", "2001:DB8:0:0:0:0:0:1"], ["2001:db8::2", "203.0.113.7"]),
        (
            ["2001:db8:abcd::/48"],
            ["2001:db8:abcd::1", "2001:db8:abcd:ffff:ffff:ffff:ffff:ffff"],
            ["2001:db8:abce::1", "::1"],
        ),
        (
            ["203.0.113.7", "2001:db8::/32"],
            ["203.0.113.7", "2001:db8:1:2::3"],
            ["203.0.113.6", "2001:db9::1"],
        ),
    ],
    ids=["ipv4-address", "ipv4-cidr", "ipv6-address", "ipv6-cidr", "both"],
)
async def test_a_token_works_only_from_its_allowlist(
    app: FastAPI,
    client: httpx.AsyncClient,
    allowed: list[str],
    inside: list[str],
    outside: list[str],
) -> None:
    user = await sign_up(client)
    token = await user.create_token(["account:read"], allowed_ips=allowed)
    assert token["allowed_ips"] == allowed
    for address in inside:
        assert await _status_from(app, address, token["token"]) == 200, address
    for address in outside:
        assert await _status_from(app, address, token["token"]) == 401, address
    refusals = await _refusals(user)
    assert sorted(str(event["client"]) for event in refusals) == sorted(outside)
    for event in refusals:
        assert event["credential"] == {"id": token["id"], "preview": token["preview"]}
        assert token["token"] not in str(event)


async def test_entries_are_checked_and_stored_in_canonical_form(
    client: httpx.AsyncClient,
) -> None:
    user = await sign_up(client)
    token = await user.create_token(
        ["account:read"],
        allowed_ips=[" 203.0.113.7/32", "2001:DB8::/32", "::ffff:198.51.100.7", "203.0.113.7"],
    )
    assert token["allowed_ips"] == ["203.0.113.7", "2001:db8::/32", "198.51.100.7"]
    for entry, says in [
        ("10.0.0.1/8", "10.0.0.1/8 has bits set after the prefix length; the range is 10.0.0.0/8"),
        ("example.com", "'example.com' is not an IP address or CIDR range"),
        ("203.0.113.7/33", "'203.0.113.7/33' is not an IP address or CIDR range"),
    ]:
        body = {"name": "t", "permissions": ["account:read"], "allowed_ips": [entry]}
        response = await user.request("POST", "/account/api-tokens", json=body)
        assert response.status_code == 422
        assert says in response.json()["message"]
        assert response.json()["data"]["errors"][0]["field"] == "allowed_ips"
    listed = (await user.request("GET", "/account/api-tokens")).json()["data"]
    assert len(listed) == 1  # nothing half-created


async def test_editing_the_allowlist_applies_to_the_very_next_request(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    user = await sign_up(client)
    token = await user.create_token(["account:read"])
    assert token["allowed_ips"] == []
    assert await _status_from(app, "192.0.2.1", token["token"]) == 200  # cached
    edit = {"allowed_ips": ["198.51.100.0/24"]}
    response = await user.request("PATCH", f"/account/api-tokens/{token['id']}", json=edit)
    assert response.json()["data"]["allowed_ips"] == ["198.51.100.0/24"]
    assert await _status_from(app, "192.0.2.1", token["token"]) == 401
    assert await _status_from(app, "198.51.100.1", token["token"]) == 200
    clear: dict[str, list[str]] = {"allowed_ips": []}
    await user.request("PATCH", f"/account/api-tokens/{token['id']}", json=clear)
    assert await _status_from(app, "192.0.2.1", token["token"]) == 200
    edits = [
        event["details"]
        for event in (await user.request("GET", "/account/audit")).json()["data"]
        if event["action"] == "token.edited"
    ]
    assert edits == [{"allowed_ips": []}, {"allowed_ips": ["198.51.100.0/24"]}]


async def test_refusals_from_outside_count_against_the_address(
    backend: object, clock: FixedClock, settings: Settings
) -> None:
    limited = settings.model_copy(update={"auth_failure_limit": "3/minute"})
    app = create_app(limited, clock=clock)
    async with app.router.lifespan_context(app), client_at(app, "203.0.113.7") as owner_client:
        user = await sign_up(owner_client)
        token = await user.create_token(["account:read"], allowed_ips=["203.0.113.7"])
        statuses = [await _status_from(app, "192.0.2.9", token["token"]) for _ in range(5)]
        assert statuses[:3] == [401, 401, 401]
        assert statuses[3:] == [429, 429]
        assert await _status_from(app, "203.0.113.7", token["token"]) == 200


# --- X-Forwarded-For -------------------------------------------------------------


@pytest.fixture
async def behind_proxies(settings: Settings, clock: FixedClock) -> AsyncIterator[FastAPI]:
    proxied = settings.model_copy(update={"trusted_proxies": ["10.0.0.1", "10.1.0.0/16"]})
    app = create_app(proxied, clock=clock)
    async with app.router.lifespan_context(app):
        yield app


async def test_forwarded_for_is_believed_only_from_a_trusted_proxy(
    behind_proxies: FastAPI,
) -> None:
    app = behind_proxies
    async with client_at(app, "10.0.0.1") as proxy:
        user = await sign_up(proxy)
        token = (await user.create_token(["account:read"], allowed_ips=["203.0.113.7"]))["token"]
        forwarded = {"X-Forwarded-For": "203.0.113.7"}
        # Through the proxies: the client is the address they report.
        assert await _status_from(app, "10.0.0.1", token, **forwarded) == 200
        chain = {"X-Forwarded-For": "203.0.113.7, 10.1.2.3"}
        assert await _status_from(app, "10.0.0.1", token, **chain) == 200
        # Spoofed from an untrusted peer: ignored, the peer is the client.
        assert await _status_from(app, "198.51.100.66", token, **forwarded) == 401
        # A spoofed entry to the left of what a trusted proxy saw is not believed
        # either: the client is the right-most address no trusted proxy vouches for.
        spoofed_chain = {"X-Forwarded-For": "203.0.113.7, 198.51.100.66"}
        assert await _status_from(app, "10.0.0.1", token, **spoofed_chain) == 401
        refused = [str(event["client"]) for event in await _refusals(user)]
        assert refused == ["198.51.100.66", "198.51.100.66"]


async def test_without_trusted_proxies_forwarded_for_is_ignored(app: FastAPI) -> None:
    async with client_at(app, "127.0.0.1") as local:
        user = await sign_up(local)
        token = (await user.create_token(["account:read"], allowed_ips=["203.0.113.7"]))["token"]
        spoofed = {"X-Forwarded-For": "203.0.113.7"}
        assert await _status_from(app, "127.0.0.1", token, **spoofed) == 401
        assert await _status_from(app, "203.0.113.7", token) == 200
        assert [event["client"] for event in await _refusals(user)] == ["127.0.0.1"]


def test_a_malformed_trusted_proxy_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="not an IP address or CIDR range"):
        Settings(trusted_proxies=["proxy.internal"])
    assert Settings(trusted_proxies=["10.0.0.1/32", "fd00::/8"]).trusted_proxies == [
        "10.0.0.1",
        "fd00::/8",
    ]
