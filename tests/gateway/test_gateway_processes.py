"""On real processes: `keystead serve` in proxy mode in front of `keystead serve-trading`,
the unchanged WhisperDriver client through it, revocation on the next request, the
account's 30 a minute, and an upstream that stops, hangs and comes back while keystead
keeps running."""

from __future__ import annotations

import signal
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import httpx
import pytest
from WhisperDriver.Obj.endpoints import WhisperTradesEndpoints  # type: ignore[import-untyped]

from keystead.cli.demo import DEMO_EMAIL, DEMO_PASSWORD
from tests.catalogue import ALL_PERMISSIONS
from tests.scaleout.conftest import Owner, sign_up
from tests.server.conftest import Server, free_port, keystead_cli, start_server, stop_server

TIMEOUT_SECONDS = 2


@dataclass
class Gateway:
    keystead: Server
    trading: Server
    trading_port: int
    workdir: Path

    def start_trading(self) -> None:
        self.trading = start_server(
            self.workdir, self.trading.env, command="serve-trading", port=self.trading_port
        )


def token_for(server: Server, owner: Owner, *permissions: str) -> str:
    token = owner.create_token(sorted(permissions))["token"]
    server.secrets.add(token)
    return token


def demo_owner(server: Server) -> Owner:
    http = httpx.Client(base_url=server.url, timeout=30)
    login = http.post("/auth/login", json={"email": DEMO_EMAIL, "password": DEMO_PASSWORD})
    assert login.status_code == 200, login.text
    return Owner(http, login.json()["data"]["csrf_token"])


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    workdir = tmp_path_factory.mktemp("gateway")
    trading_port = free_port()
    # One database for both: the demo account and its trading data, seeded as usual.
    keystead = start_server(
        workdir,
        {
            "KEYSTEAD_UPSTREAM_URL": f"http://127.0.0.1:{trading_port}",
            "KEYSTEAD_UPSTREAM_TIMEOUT_SECONDS": str(TIMEOUT_SECONDS),
            "KEYSTEAD_UPSTREAM_HEALTH_PATH": "/healthz",
        },
    )
    # Seeded as the built-in trading API (no upstream): the demo account and its data.
    plain = {name: value for name, value in keystead.env.items() if "UPSTREAM" not in name}
    seeded = keystead_cli(replace(keystead, env=plain), "demo", "seed")
    trading = None
    try:
        assert seeded.returncode == 0, seeded.stderr
        trading_env = {
            "KEYSTEAD_GATEWAY_JWKS_URL": f"{keystead.url}/.well-known/jwks.json",
        }
        trading = start_server(workdir, trading_env, command="serve-trading", port=trading_port)
        running = Gateway(keystead, trading, trading_port, workdir)
        yield running
        trading = running.trading
    finally:
        if trading is not None:
            trading.process.send_signal(signal.SIGCONT)
            stop_server(trading)
        stop_server(keystead)


def test_whisperdriver_works_unchanged_through_the_gateway(gateway: Gateway) -> None:
    token = token_for(gateway.keystead, demo_owner(gateway.keystead), *ALL_PERMISSIONS)
    driver = WhisperTradesEndpoints(token, lambda call: call())
    driver.config.SERVER = f"{gateway.keystead.url}/v1/"
    bots = driver.bots.get_all_bots()
    assert {bot["status"] for bot in bots} == {"Enabled", "Disabled", "Disable on Close"}
    number = next(bot["number"] for bot in bots if bot["status"] == "Enabled")
    assert driver.bots.get_bot(number)["number"] == number
    assert driver.bots.disable_bot(number)["status"] in {"Disabled", "Disable on Close"}
    assert driver.bots.enable_bot(number)["status"] == "Enabled"
    assert driver.bots.get_bot_positions()
    variables = driver.variables.get_all_bot_variables()
    assert driver.variables.get_bot_variables(variables[0]["number"])["number"]
    assert driver.brokers.get_all_broker_connections()
    assert driver.reports.get_all_bot_reports()
    # The direct door stays shut: the trading service serves only what keystead signed.
    direct = httpx.get(
        f"{gateway.trading.url}/v1/bots", headers={"Authorization": f"Bearer {token}"}
    )
    assert (direct.status_code, direct.json()["message"]) == (401, "Not authenticated")


def test_revoked_on_keystead_is_refused_on_the_next_request(gateway: Gateway) -> None:
    owner = sign_up(gateway.keystead)
    made = owner.create_token(["bots:read"])
    gateway.keystead.secrets.add(made["token"])
    with httpx.Client(
        base_url=gateway.keystead.url, headers={"Authorization": f"Bearer {made['token']}"}
    ) as client:
        assert client.get("/v1/bots").status_code == 200
        assert owner.revoke(made["id"]).status_code == 200
        assert client.get("/v1/bots").status_code == 401


def test_exactly_thirty_a_minute_pass_the_gateway(gateway: Gateway) -> None:
    owner = sign_up(gateway.keystead)
    first = token_for(gateway.keystead, owner, "bots:read")
    second = token_for(gateway.keystead, owner, "bots:read")
    statuses = []
    with httpx.Client(base_url=gateway.keystead.url) as client:
        for index in range(40):
            token = first if index % 2 else second
            answer = client.get("/v1/bots", headers={"Authorization": f"Bearer {token}"})
            statuses.append(answer.status_code)
    assert statuses.count(200) == 30
    assert statuses[30:] == [429] * 10
    assert int(answer.headers["retry-after"]) >= 1


def test_an_upstream_that_stops_hangs_and_returns(gateway: Gateway) -> None:
    token = token_for(gateway.keystead, demo_owner(gateway.keystead), "account:read", "bots:read")
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=gateway.keystead.url, headers=headers, timeout=30) as client:
        assert client.get("/v1/bots").status_code == 200
        stop_server(gateway.trading)
        down = client.get("/v1/bots")
        assert (down.status_code, down.json()["message"]) == (502, "Upstream unavailable")
        assert client.get("/readyz").json()["data"]["upstream"].startswith("unreachable")
        assert client.get("/v1/account").status_code == 200  # keystead's own still answers
        gateway.start_trading()
        assert client.get("/v1/bots").status_code == 200
        gateway.trading.process.send_signal(signal.SIGSTOP)
        try:
            started = time.monotonic()
            hung = client.get("/v1/bots")
            waited = time.monotonic() - started
        finally:
            gateway.trading.process.send_signal(signal.SIGCONT)
        assert (hung.status_code, hung.json()["message"]) == (504, "Upstream timed out")
        assert TIMEOUT_SECONDS <= waited < TIMEOUT_SECONDS + 5
        assert client.get("/v1/bots").status_code == 200
    assert gateway.keystead.process.poll() is None  # nothing was restarted


def raw_request(server: Server, target: bytes, token: str) -> bytes:
    """A request line exactly as written: no client library resolves or encodes it."""
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(
            b"GET " + target + b" HTTP/1.1\r\nHost: gateway\r\n"
            b"Authorization: Bearer " + token.encode() + b"\r\nConnection: close\r\n\r\n"
        )
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer


def test_what_a_client_writes_raw_is_forwarded_or_refused_exactly(gateway: Gateway) -> None:
    token = token_for(gateway.keystead, demo_owner(gateway.keystead), "bots:read")
    escaping = raw_request(gateway.keystead, b"/v1/bots/../account", token)
    assert escaping.startswith(b"HTTP/1.1 404 "), escaping[:200]
    assert b'"message":"Route not found"' in escaping
    # Raw UTF-8 in the request line is refused at the edge, before any forwarding.
    utf8 = raw_request(gateway.keystead, "/v1/bots?status=Ｅnabled".encode(), token)
    assert utf8.startswith(b"HTTP/1.1 400 "), utf8[:300]
    encoded = raw_request(gateway.keystead, b"/v1/bots?status=%EF%BC%A5nabled&page=1", token)
    assert encoded.startswith(b"HTTP/1.1 "), encoded[:300]
    assert not encoded.startswith(b"HTTP/1.1 5"), encoded[:300]
