"""Servers under test: one uvicorn process each, one worker, on a free loopback port."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parent.parent

SERVER_CPU = 0
"""The core servers are pinned to (with taskset, when there are two or more cores)."""
LOAD_CPU = 1
"""The core the load generator is pinned to, so the two do not trade places."""


def pinning() -> bool:
    return shutil.which("taskset") is not None and (os.cpu_count() or 1) >= 2


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Server:
    name: str
    url: str
    process: subprocess.Popen[bytes]

    def resident_kib(self) -> int:
        """VmRSS of the server process, from /proc."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise RuntimeError("no VmRSS line")


@contextmanager
def serve(
    name: str,
    factory: str,
    env: dict[str, str],
    ready_path: str,
    wrapper: list[str] | None = None,
    start_timeout: float = 60.0,
) -> Iterator[Server]:
    """Run `uvicorn --factory <factory>` until the block ends; ready when `ready_path`
    answers. `wrapper` goes before the interpreter (a profiler, say)."""
    port = free_port()
    command = [
        *["-m", "uvicorn", "--factory", factory, "--host", "127.0.0.1", "--port", str(port)],
        *["--no-access-log", "--log-level", "warning"],
    ]
    with run_server(name, command, port, env, ready_path, wrapper, start_timeout) as server:
        yield server


@contextmanager
def serve_keystead(
    name: str,
    env: dict[str, str],
    wrapper: list[str] | None = None,
    start_timeout: float = 60.0,
) -> Iterator[Server]:
    """Run `keystead serve` itself, as operators do, until the block ends."""
    port = free_port()
    command = ["-m", "keystead", "serve", "--host", "127.0.0.1", "--port", str(port)]
    with run_server(name, command, port, env, "/healthz", wrapper, start_timeout) as server:
        yield server


@contextmanager
def run_server(
    name: str,
    arguments: list[str],
    port: int,
    env: dict[str, str],
    ready_path: str,
    wrapper: list[str] | None,
    start_timeout: float,
) -> Iterator[Server]:
    """`python <arguments>` (after `wrapper`), serving on `port`, until the block ends."""
    command = [*(wrapper or []), sys.executable, *arguments]
    if pinning():
        command = ["taskset", "-c", str(SERVER_CPU), *command]
    # The server's own output (a peer's tracebacks under load) goes to a file, not
    # into the table; it is shown if the server does not come up.
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT), **env},
            stdout=log,
            stderr=log,
        )
        server = Server(name=name, url=f"http://127.0.0.1:{port}", process=process)
        try:
            _wait_until_ready(server, ready_path, log, start_timeout)
            yield server
        finally:
            stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    """Interrupt a server as Ctrl-C would; kill it if it has not gone in 15 s."""
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _wait_until_ready(server: Server, path: str, log: IO[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            log.seek(0)
            output = log.read().decode(errors="replace")[-2000:]
            raise RuntimeError(f"{server.name} exited with {server.process.returncode}:\n{output}")
        try:
            with urllib.request.urlopen(server.url + path, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answers; the status is the route's business
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{server.name} did not answer {path} within {timeout:.0f} s")
