"""Plain helper functions that build users, sessions and tokens through the real API."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import httpx

from keystead.access.sessions import SESSION_COOKIE
from tests.catalogue import ALL_PERMISSIONS

PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)


@dataclass
class User:
    """A signed-in user: its own cookie jar and CSRF token, over a shared transport."""

    client: httpx.AsyncClient
    email: str
    number: str
    csrf_token: str
    session_id: str

    async def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        headers = {
            "X-CSRF-Token": self.csrf_token,
            "Cookie": f"{SESSION_COOKIE}={self.session_id}",
            **kwargs.pop("headers", {}),
        }
        return await self.client.request(method, url, headers=headers, **kwargs)

    async def accept_terms(self) -> None:
        current = (await self.request("GET", "/account/api-terms")).json()["data"]["version"]
        response = await self.request("POST", "/account/api-terms", json={"version": current})
        assert response.status_code == 200, response.text

    async def create_token(
        self, permissions: list[str] | None = None, name: str = "test token", **extra: Any
    ) -> dict[str, Any]:
        body = {"name": name, "permissions": permissions or sorted(ALL_PERMISSIONS), **extra}
        response = await self.request("POST", "/account/api-tokens", json=body)
        assert response.status_code == 201, response.text
        data: dict[str, Any] = response.json()["data"]
        return data


async def sign_up(
    client: httpx.AsyncClient, email: str | None = None, *, accept_terms: bool = True
) -> User:
    email = email or f"user{next(_counter)}@example.com"
    registered = await client.post("/auth/register", json={"email": email, "password": PASSWORD})
    assert registered.status_code == 201, registered.text
    login = await client.post("/auth/login", json={"email": email, "password": PASSWORD})
    assert login.status_code == 200, login.text
    # Each user sends its own cookie, so several users can share one client.
    session_id = login.cookies[SESSION_COOKIE]
    client.cookies.clear()
    data = login.json()["data"]
    user = User(client, email, data["account"]["number"], data["csrf_token"], session_id)
    if accept_terms:
        await user.accept_terms()
    return user


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
