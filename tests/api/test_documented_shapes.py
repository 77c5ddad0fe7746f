"""What the API returns has exactly the fields its OpenAPI models document."""

from __future__ import annotations

import httpx
from pydantic import BaseModel

from keystead.api.schemas import AccountOut, LoginOut, TermsOut, TokenCreatedOut, TokenOut
from tests.factories import PASSWORD, bearer, sign_up


def assert_documented(model: type[BaseModel], data: dict[str, object]) -> None:
    assert set(data) == set(model.model_fields)
    model.model_validate(data)


async def test_responses_match_their_documented_models(client: httpx.AsyncClient) -> None:
    user = await sign_up(client)
    login = await client.post("/auth/login", json={"email": user.email, "password": PASSWORD})
    client.cookies.clear()
    assert_documented(LoginOut, login.json()["data"])
    assert_documented(AccountOut, (await user.request("GET", "/account")).json()["data"])
    assert_documented(TermsOut, (await user.request("GET", "/account/api-terms")).json()["data"])
    created = await user.create_token(["account:read"])
    assert_documented(TokenCreatedOut, created)
    [listed] = (await user.request("GET", "/account/api-tokens")).json()["data"]
    assert_documented(TokenOut, listed)
    v1 = await client.get("/v1/account", headers=bearer(created["token"]))
    assert_documented(AccountOut, v1.json()["data"])
