"""`keystead serve` (uvicorn) believes `X-Forwarded-For` only from the proxies it is
told to trust: uvicorn on its own would believe it from 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.scaleout.conftest import Owner, sign_up
from tests.server.conftest import Server, start_server, stop_server


def _allowlisted_token(owner: Owner, allowed: list[str]) -> str:
    body = {"name": "office only", "permissions": ["account:read"], "allowed_ips": allowed}
    response = owner.http.post(
        "/account/api-tokens", json=body, headers={"X-CSRF-Token": owner.csrf}
    )
    assert response.status_code == 201, response.text
    token: str = response.json()["data"]["token"]
    return token


def _status(server: Server, token: str, forwarded_for: str) -> int:
    headers = {"Authorization": f"Bearer {token}", "X-Forwarded-For": forwarded_for}
    return httpx.get(f"{server.url}/v1/account", headers=headers).status_code


def test_a_spoofed_forwarded_for_from_an_untrusted_peer_is_ignored(server: Server) -> None:
    owner = sign_up(server)
    token = _allowlisted_token(owner, ["203.0.113.7"])
    assert _status(server, token, "203.0.113.7") == 401
    localhost_only = _allowlisted_token(owner, ["127.0.0.1"])
    assert _status(server, localhost_only, "203.0.113.7") == 200


@pytest.fixture
def proxied_server(tmp_path: Path) -> Iterator[Server]:
    running = start_server(tmp_path, {"KEYSTEAD_TRUSTED_PROXIES": '["127.0.0.0/8"]'})
    yield running
    stop_server(running)


def test_forwarded_for_from_a_configured_proxy_names_the_client(proxied_server: Server) -> None:
    owner = sign_up(proxied_server)
    token = _allowlisted_token(owner, ["203.0.113.7"])
    assert _status(proxied_server, token, "203.0.113.7") == 200
    assert _status(proxied_server, token, "198.51.100.1") == 401


def test_a_malformed_trusted_proxy_stops_the_server_from_starting(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="KEYSTEAD_TRUSTED_PROXIES: "):
        start_server(tmp_path, {"KEYSTEAD_TRUSTED_PROXIES": '["proxy.internal"]'})
