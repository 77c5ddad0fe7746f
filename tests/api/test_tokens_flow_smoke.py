from __future__ import annotations

import httpx

from tests.factories import bearer, sign_up


async def test_token_works_on_v1(client: httpx.AsyncClient) -> None:
    user = await sign_up(client)
    token = await user.create_token(["account:read"])
    response = await client.get("/v1/account", headers=bearer(token["token"]))
    assert response.status_code == 200
    assert response.json()["data"]["number"] == user.number
