"""Sign-In with Ethereum: the happy path and every way a sign-in must fail."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
import pytest
from eth_account import Account

from keystead.clock import FixedClock
from tests.wallet.conftest import challenge, sign, wallet_sign_in

UNAUTHORIZED = {"error": ["Unauthorized"], "result": None}


def failed(response: httpx.Response, reason: str) -> None:
    assert response.status_code == 401, response.text
    body = response.json()
    assert body["success"] is False
    assert body["data"] is None
    assert body["message"] == f"Wallet sign-in failed: {reason}"


async def test_challenge_is_an_eip4361_message_bound_to_this_server(
    client: httpx.AsyncClient,
) -> None:
    account = Account.create()
    response = await client.get(
        "/auth/wallet/challenge", params={"address": account.address.lower()}
    )
    assert response.status_code == 200
    data = response.json()["data"]
    lines = data["message"].split("\n")
    assert lines[0] == "127.0.0.1:8000 wants you to sign in with your Ethereum account:"
    assert lines[1] == account.address  # EIP-55 checksummed
    assert "URI: http://127.0.0.1:8000" in lines
    assert "Version: 1" in lines
    assert "Chain ID: 1" in lines
    assert f"Nonce: {data['nonce']}" in lines
    assert len(data["nonce"]) >= 8
    assert data["nonce"].isalnum()
    expires = datetime.fromisoformat(data["expires_at"].replace("Z", "+00:00"))
    assert f"Expiration Time: {data['expires_at']}" in lines
    assert timedelta(minutes=9) < expires - datetime.now(expires.tzinfo) <= timedelta(minutes=10)


@pytest.mark.parametrize("address", ["", "0x123", "not an address", "0x" + "G" * 40])
async def test_challenge_needs_a_valid_address(client: httpx.AsyncClient, address: str) -> None:
    response = await client.get("/auth/wallet/challenge", params={"address": address})
    assert response.status_code == 422
    assert response.json()["message"].startswith("Invalid input: address")


async def test_sign_in_creates_the_account_and_the_signature_is_the_session(
    client: httpx.AsyncClient,
) -> None:
    user = await wallet_sign_in(client)
    key = await user.user_api("GET")
    assert key.status_code == 200
    assert key.json() == {"error": [], "result": {"apiKey": None}}
    # Signing in again with a new challenge reaches the same account.
    again = await wallet_sign_in(client, user.account)
    generated = (await again.user_api("PUT", "/generate")).json()["result"]["apiKey"]
    assert (await user.user_api("GET")).json()["result"]["apiKey"] == generated
    account = await client.get("/v1/account", headers={"Authorization": f"Bearer {generated}"})
    assert account.json()["data"]["wallet_address"] == user.account.address
    assert account.json()["data"]["email"] is None


async def test_login_answers_address_and_expiry(client: httpx.AsyncClient) -> None:
    account = Account.create()
    message = await challenge(client, account.address)
    response = await client.post(
        "/auth/wallet/login", json={"message": message, "signature": sign(account, message)}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True
    assert body["data"]["address"] == account.address
    expires = datetime.fromisoformat(body["data"]["expires_at"].replace("Z", "+00:00"))
    assert timedelta(hours=23) < expires - datetime.now(expires.tzinfo) <= timedelta(hours=24)
    assert "HttpOnly" in response.headers["set-cookie"]


async def test_a_nonce_works_once(client: httpx.AsyncClient) -> None:
    account = Account.create()
    message = await challenge(client, account.address)
    body = {"message": message, "signature": sign(account, message)}
    assert (await client.post("/auth/wallet/login", json=body)).status_code == 200
    replay = await client.post("/auth/wallet/login", json=body)
    failed(replay, "this challenge was not issued here, or was already used")


async def test_an_expired_challenge_is_refused(
    client: httpx.AsyncClient, clock: FixedClock
) -> None:
    account = Account.create()
    message = await challenge(client, account.address)
    clock.advance(timedelta(minutes=10, seconds=1))
    response = await client.post(
        "/auth/wallet/login", json={"message": message, "signature": sign(account, message)}
    )
    failed(response, "the challenge has expired; ask for a new one")


async def test_a_message_for_another_domain_is_refused(client: httpx.AsyncClient) -> None:
    account = Account.create()
    message = await challenge(client, account.address)
    forged = message.replace("127.0.0.1:8000 wants", "keystead.evil.example wants", 1)
    response = await client.post(
        "/auth/wallet/login", json={"message": forged, "signature": sign(account, forged)}
    )
    failed(response, "the message is for keystead.evil.example, not 127.0.0.1:8000")


async def test_a_message_not_issued_here_is_refused(client: httpx.AsyncClient) -> None:
    account = Account.create()
    message = await challenge(client, account.address)
    # Well formed, right domain, validly signed, but not the text keystead issued.
    altered = message.replace("Sign in to keystead", "Sign in to keystead now", 1)
    response = await client.post(
        "/auth/wallet/login", json={"message": altered, "signature": sign(account, altered)}
    )
    failed(response, "this challenge was not issued here, or was already used")


async def test_a_message_signed_by_another_address_is_refused(client: httpx.AsyncClient) -> None:
    owner, other = Account.create(), Account.create()
    message = await challenge(client, owner.address)
    response = await client.post(
        "/auth/wallet/login", json={"message": message, "signature": sign(other, message)}
    )
    failed(response, "the signature was not made by the message's address")
    # The nonce was not spent by the failed attempt: the owner can still use it.
    ok = await client.post(
        "/auth/wallet/login", json={"message": message, "signature": sign(owner, message)}
    )
    assert ok.status_code == 200


@pytest.mark.parametrize(
    ("signature", "reason"),
    [
        ("garbage", "signature must be 0x followed by 130 hexadecimal digits"),
        ("0x" + "00" * 65, "signature cannot be verified"),
        ("0x" + "zz" * 65, "signature must be 0x followed by 130 hexadecimal digits"),
    ],
)
async def test_a_garbage_signature_is_refused(
    client: httpx.AsyncClient, signature: str, reason: str
) -> None:
    account = Account.create()
    message = await challenge(client, account.address)
    response = await client.post(
        "/auth/wallet/login", json={"message": message, "signature": signature}
    )
    failed(response, reason)


async def test_a_malformed_message_is_refused(client: httpx.AsyncClient) -> None:
    account = Account.create()
    response = await client.post(
        "/auth/wallet/login",
        json={"message": "please let me in", "signature": sign(account, "please let me in")},
    )
    failed(response, "message does not have the EIP-4361 layout keystead issues")


async def test_an_expired_session_is_unauthorized(
    client: httpx.AsyncClient, clock: FixedClock
) -> None:
    user = await wallet_sign_in(client)
    assert (await user.user_api("GET")).status_code == 200
    clock.advance(timedelta(hours=24, seconds=1))
    response = await user.user_api("GET")
    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED


async def test_logout_ends_the_wallet_session(client: httpx.AsyncClient) -> None:
    user = await wallet_sign_in(client)
    response = await client.post("/auth/wallet/logout", headers=user.headers)
    assert response.status_code == 200
    assert response.json() == {"success": True, "message": "Signed out", "data": None}
    assert (await user.user_api("GET")).json() == UNAUTHORIZED
    again = await client.post("/auth/wallet/logout", headers=user.headers)
    assert again.status_code == 401


async def test_challenges_and_sign_in_attempts_are_limited_per_address(
    client: httpx.AsyncClient,
) -> None:
    account = Account.create()
    for _ in range(30):
        assert (
            await client.get("/auth/wallet/challenge", params={"address": account.address})
        ).status_code == 200
    refused = await client.get("/auth/wallet/challenge", params={"address": account.address})
    assert refused.status_code == 429
    assert refused.json()["message"] == "Too Many Attempts."
    login = await client.post("/auth/wallet/login", json={"message": "x", "signature": "0x"})
    assert login.status_code == 429


async def test_user_api_needs_a_wallet_session(client: httpx.AsyncClient) -> None:
    from tests.factories import sign_up

    for headers in ({}, {"Authorization": "Bearer 0x" + "ab" * 65}, {"Authorization": "nonsense"}):
        for method, path in (("GET", ""), ("PUT", "/generate"), ("PUT", "/disable")):
            response = await client.request(method, f"/user/api{path}", headers=headers)
            assert response.status_code == 401
            assert response.json() == UNAUTHORIZED
    # An email session is not a wallet session.
    email_user = await sign_up(client)
    response = await email_user.request("GET", "/user/api")
    assert response.json() == UNAUTHORIZED


async def test_the_wallet_session_cookie_works_for_pages(client: httpx.AsyncClient) -> None:
    account = Account.create()
    message = await challenge(client, account.address)
    login = await client.post(
        "/auth/wallet/login", json={"message": message, "signature": sign(account, message)}
    )
    assert login.status_code == 200
    # The cookie alone (no bearer) signs the browser in, as an email session does.
    me = await client.get("/account")
    assert me.status_code == 200
    assert me.json()["data"]["wallet_address"] == account.address
    assert (await client.get("/user/api")).json() == {"error": [], "result": {"apiKey": None}}
    # Writes from a cookie session need the CSRF header the login answered with.
    refused = await client.put("/user/api/generate")
    assert refused.status_code == 403
    csrf = login.json()["data"]["csrf_token"]
    generated = await client.put("/user/api/generate", headers={"X-CSRF-Token": csrf})
    assert generated.status_code == 200
    assert generated.json()["result"]["apiKey"].startswith("kst_")
    client.cookies.clear()
