"""Wallet sign-in and the account key against a live `keystead serve`: the documented
JavaScript snippets run with Node, concurrent generations, a restart."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from eth_account import Account

from tests.server.conftest import Server, start_server, stop_server
from tests.wallet.conftest import sign

NODE_CLIENTS = Path(__file__).parents[1] / "node"
COOLDOWN = {"error": ["Error generating API key, regenen timeout: 1h"], "result": None}


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("wallet-server")


@pytest.fixture(scope="module")
def server(workdir: Path) -> Iterator[Server]:
    running = start_server(workdir)
    yield running
    stop_server(running)


def node(script: str, server: Server, **env: str) -> str:
    if shutil.which("node") is None or not (NODE_CLIENTS / "node_modules").is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail("node and tests/node/node_modules are required (make test installs them)")
        pytest.skip("node or tests/node/node_modules missing; run `make test`")
    result = subprocess.run(
        ["node", str(NODE_CLIENTS / script)],
        env={**os.environ, "KEYSTEAD_BASE_URL": f"{server.url}/", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == "", result.stderr
    return result.stdout.strip()


def printed_key(output: str) -> str | None:
    """What the snippets print: `{ apiKey: 'kst_…' }`, `{ apiKey: null }` or `null`."""
    found = re.fullmatch(r"\{ apiKey: (?:'([^']+)'|null) \}", output)
    assert found or output == "null", output
    return found.group(1) if found else None


def test_the_documented_snippets_work_against_keystead(server: Server) -> None:
    signed_in = json.loads(node("sign_in.js", server))
    signature = signed_in["signature"]
    server.secrets.add(signature)

    # A signed-in user without a key (not an error, whose result would print `null`).
    assert node("retrieve.js", server, WALLET_SIGNATURE=signature) == "{ apiKey: null }"
    key = printed_key(node("generate.js", server, WALLET_SIGNATURE=signature))
    assert key is not None
    assert key.startswith("kst_")
    server.secrets.add(key)
    assert printed_key(node("retrieve.js", server, WALLET_SIGNATURE=signature)) == key

    with httpx.Client(base_url=server.url) as api:
        account = api.get("/v1/account", headers={"Authorization": f"Bearer {key}"})
        assert account.status_code == 200
        assert account.json()["data"]["wallet_address"] == signed_in["address"]
        assert node("disable.js", server, WALLET_SIGNATURE=signature) == "Disabled"
        after = api.get("/v1/account", headers={"Authorization": f"Bearer {key}"})
        assert after.status_code == 401
    # Within the hour a new key is refused; the snippet prints the null result.
    assert node("generate.js", server, WALLET_SIGNATURE=signature) == "null"
    assert node("retrieve.js", server, WALLET_SIGNATURE=signature) == "{ apiKey: null }"


def python_sign_in(server: Server) -> str:
    wallet = Account.create()
    with httpx.Client(base_url=server.url) as http:
        message = http.get("/auth/wallet/challenge", params={"address": wallet.address}).json()
        text = message["data"]["message"]
        signature = sign(wallet, text)
        login = http.post("/auth/wallet/login", json={"message": text, "signature": signature})
        assert login.status_code == 200, login.text
    server.secrets.add(signature)
    return signature


async def generate_concurrently(url: str, signature: str, count: int) -> list[httpx.Response]:
    headers = {"Authorization": f"Bearer {signature}"}
    limits = httpx.Limits(max_connections=count)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as http:
        return await asyncio.gather(
            *(http.put("/user/api/generate", headers=headers) for _ in range(count))
        )


def test_twenty_simultaneous_generations_and_a_restart(server: Server, workdir: Path) -> None:
    signature = python_sign_in(server)
    responses = asyncio.run(generate_concurrently(server.url, signature, 20))
    assert sorted(r.status_code for r in responses) == [200] + [429] * 19
    assert all(r.json() == COOLDOWN for r in responses if r.status_code == 429)
    server.secrets.update(r.json()["result"]["apiKey"] for r in responses if r.status_code == 200)

    stop_server(server)
    restarted = start_server(workdir)
    try:
        with httpx.Client(base_url=restarted.url) as http:
            again = http.put("/user/api/generate", headers={"Authorization": f"Bearer {signature}"})
        assert again.status_code == 429
        assert again.json() == COOLDOWN
        logs = restarted.logs() + server.logs()
        assert [secret for secret in server.secrets if secret in logs] == []
    finally:
        stop_server(restarted)
