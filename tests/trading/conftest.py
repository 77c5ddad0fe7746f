"""The bots API against the demo data: a seeded account and a token with every permission."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
import pytest

from keystead.audit import Actor
from keystead.cli.demo import seed_demo
from keystead.config import Settings
from keystead.runtime import Runtime
from tests.backends import Backend
from tests.catalogue import ALL_PERMISSIONS
from tests.factories import bearer


@pytest.fixture
def settings(backend: Backend) -> Settings:
    # These tests make many requests; the limit itself is tested in tests/access.
    return backend.settings(rate_limit="100000/minute")


@dataclass
class Demo:
    client: httpx.AsyncClient
    headers: dict[str, str]
    account_id: int
    runtime: Runtime

    async def get(self, path: str, **params: object) -> httpx.Response:
        return await self.client.get(path, headers=self.headers, params=params)

    async def data(self, path: str, **params: object) -> object:
        response = await self.get(path, **params)
        assert response.status_code == 200, response.text
        return response.json()["data"]


async def demo_token(runtime: Runtime, permissions: list[str]) -> tuple[int, str]:
    credentials = await seed_demo(runtime)
    account = await runtime.accounts.find(credentials.email)
    assert account is not None
    _, plain = await runtime.tokens.create(account.id, "tests", permissions, by=Actor.operator())
    return account.id, plain


@pytest.fixture
async def demo(client: httpx.AsyncClient, runtime: Runtime) -> Demo:
    account_id, plain = await demo_token(runtime, sorted(ALL_PERMISSIONS))
    return Demo(client, bearer(plain), account_id, runtime)
