"""`keystead serve` as a real subprocess on a free port, with its logs captured to a file."""

from __future__ import annotations

import errno
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.backends import TEST_SECRET

# One socket per port handed out, held until this process ends (see `free_port`).
_RESERVED: dict[int, socket.socket | None] = {}


def free_port() -> int:
    """A port nothing listens on now, that this process has not handed out before, and
    that no other test process (another pytest-xdist worker, another run) has either.

    The caller binds it later (a server subprocess, nginx, an SMTP thread), so the
    kernel may hand the same port to another process in between. The test processes
    agree among themselves with a name in Linux's abstract socket namespace per port,
    held by the process that took the port and released when it exits.
    """
    while True:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port: int = probe.getsockname()[1]
        if port in _RESERVED:
            continue
        claim = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            claim.bind(f"\0keystead-tests-port-{port}")
        except OSError as error:
            claim.close()
            if error.errno == errno.EADDRINUSE:
                continue  # another test process holds it
            _RESERVED[port] = None  # no abstract namespace here: only this process agrees
            return port
        _RESERVED[port] = claim
        return port


@dataclass
class Server:
    url: str
    log_path: Path
    process: subprocess.Popen[bytes]
    env: dict[str, str]
    workdir: Path
    secrets: set[str] = field(default_factory=set)
    """Every secret the tests saw; none of them may appear in the server's logs."""

    def logs(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def start_server(
    workdir: Path,
    env: dict[str, str] | None = None,
    *args: str,
    command: str = "serve",
    port: int | None = None,
) -> Server:
    """`keystead serve` (or another serving `command`) on `port` (default: a free one)."""
    port = port or free_port()
    log_path = workdir / f"server-{port}.log"
    environment = {
        **os.environ,
        "KEYSTEAD_DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'keystead.db'}",
        "KEYSTEAD_SECRET_KEY": TEST_SECRET,
        "KEYSTEAD_PASSWORD_HASH_TIME_COST": "1",
        "KEYSTEAD_PASSWORD_HASH_MEMORY_KIB": "8192",
        **(env or {}),
    }
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "keystead", command, "--port", str(port), *args],
            cwd=workdir,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = Server(f"http://127.0.0.1:{port}", log_path, process, environment, workdir)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"keystead {command} exited early:\n{server.logs()}")
        try:
            if httpx.get(f"{server.url}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"keystead {command} did not become healthy:\n{server.logs()}")


def keystead_cli(server: Server, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the operator CLI as its own process against the server's database."""
    return subprocess.run(
        [sys.executable, "-m", "keystead", *args],
        cwd=server.workdir,
        env=server.env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def stop_server(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(tmp_path_factory.mktemp("server"))
    yield running
    stop_server(running)
