"""/auth: register, login, logout, cookie flags, CSRF, and the failed-login limits."""

from __future__ import annotations

import httpx

from keystead.access.sessions import SESSION_COOKIE
from tests.factories import PASSWORD, sign_up

TOO_MANY = {"success": False, "message": "Too Many Attempts.", "data": None}
BAD_LOGIN = {"success": False, "message": "Invalid email or password", "data": None}


async def test_register_returns_the_account(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/auth/register", json={"email": "Ada@Example.com", "password": PASSWORD}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["success"] is True
    assert body["message"] == "Account registered"
    account = body["data"]
    assert account["email"] == "ada@example.com"
    assert len(account["number"]) == 10
    assert account["number"].isupper()
    assert account["terms_accepted_version"] is None
    assert "password" not in response.text
    assert "hash" not in response.text


async def test_register_twice_is_409(client: httpx.AsyncClient) -> None:
    body = {"email": "twice@example.com", "password": PASSWORD}
    assert (await client.post("/auth/register", json=body)).status_code == 201
    again = await client.post("/auth/register", json={**body, "email": "TWICE@example.com"})
    assert again.status_code == 409
    assert again.json() == {
        "success": False,
        "message": "An account with this email already exists",
        "data": None,
    }


async def test_register_validates_input_without_echoing_it(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/auth/register", json={"email": "not-an-email", "password": "short", "admin": True}
    )
    assert response.status_code == 422
    body = response.json()
    assert body["success"] is False
    assert body["message"].startswith("Invalid input: ")
    fields = {error["field"] for error in body["data"]["errors"]}
    assert fields == {"email", "password", "admin"}
    assert "short" not in response.text


async def test_login_sets_an_httponly_lax_cookie_and_returns_csrf(
    client: httpx.AsyncClient,
) -> None:
    await client.post("/auth/register", json={"email": "c@example.com", "password": PASSWORD})
    response = await client.post(
        "/auth/login", json={"email": "c@example.com", "password": PASSWORD}
    )
    assert response.status_code == 200
    assert response.json()["message"] == "Logged in"
    assert response.json()["data"]["csrf_token"]
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower()
    assert "Secure" not in cookie  # the public URL is plain http here


async def test_each_login_is_a_new_session(client: httpx.AsyncClient) -> None:
    user = await sign_up(client)
    second = await client.post("/auth/login", json={"email": user.email, "password": PASSWORD})
    assert second.cookies[SESSION_COOKIE] != user.session_id
    client.cookies.clear()


async def test_wrong_password_and_unknown_email_answer_alike(client: httpx.AsyncClient) -> None:
    user = await sign_up(client)
    wrong = await client.post("/auth/login", json={"email": user.email, "password": "nope-nope"})
    unknown = await client.post(
        "/auth/login", json={"email": "ghost@example.com", "password": PASSWORD}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json() == BAD_LOGIN
    assert SESSION_COOKIE not in wrong.cookies


async def test_failed_logins_are_limited_per_account(client: httpx.AsyncClient) -> None:
    user = await sign_up(client)
    for _ in range(10):
        response = await client.post("/auth/login", json={"email": user.email, "password": "x"})
        assert response.status_code == 401
    refused = await client.post("/auth/login", json={"email": user.email, "password": PASSWORD})
    assert refused.status_code == 429
    assert refused.json() == TOO_MANY
    assert int(refused.headers["Retry-After"]) > 0


async def test_failed_logins_are_limited_per_address(client: httpx.AsyncClient) -> None:
    for index in range(20):
        response = await client.post(
            "/auth/login", json={"email": f"nobody{index}@example.com", "password": "x"}
        )
        assert response.status_code == 401
    refused = await client.post("/auth/login", json={"email": "new@example.com", "password": "x"})
    assert refused.status_code == 429
    assert refused.json() == TOO_MANY


async def test_logout_ends_the_session(client: httpx.AsyncClient) -> None:
    user = await sign_up(client)
    assert (await user.request("GET", "/account")).status_code == 200
    response = await user.request("POST", "/auth/logout")
    assert response.status_code == 200
    assert response.json() == {"success": True, "message": "Logged out", "data": None}
    after = await user.request("GET", "/account")
    assert after.status_code == 401
    assert after.json() == {"success": False, "message": "Not authenticated", "data": None}


async def test_state_changes_without_the_csrf_header_are_403(client: httpx.AsyncClient) -> None:
    user = await sign_up(client)
    for headers in ({"X-CSRF-Token": ""}, {"X-CSRF-Token": "forged"}):
        response = await user.request(
            "POST",
            "/account/api-tokens",
            json={"name": "x", "permissions": ["bots:read"]},
            headers=headers,
        )
        assert response.status_code == 403
        assert response.json() == {
            "success": False,
            "message": "CSRF token missing or invalid",
            "data": None,
        }
    assert (
        await user.request("POST", "/auth/logout", headers={"X-CSRF-Token": ""})
    ).status_code == 403


async def test_parallel_guesses_cannot_slip_past_the_limit(client: httpx.AsyncClient) -> None:
    import asyncio

    user = await sign_up(client)
    responses = await asyncio.gather(
        *(
            client.post("/auth/login", json={"email": user.email, "password": f"guess {n}"})
            for n in range(25)
        )
    )
    statuses = sorted(response.status_code for response in responses)
    # The sign-in above succeeded and cleared the account's count: ten more attempts.
    assert statuses == [401] * 10 + [429] * 15
