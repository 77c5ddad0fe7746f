"""Debian's nginx run by the tests as the current user under a temporary prefix, with
the configuration docs/forward-auth.md gives (only its addresses replaced), and small
HTTP servers in threads to stand behind it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.server.conftest import free_port

NGINX = Path("/usr/sbin/nginx")
DOC = Path(__file__).resolve().parents[2] / "docs" / "forward-auth.md"
MARKER = "<!-- tested: tests/gateway/test_nginx.py"
KEYSTEAD_PLACEHOLDER = "server keystead:8000;"
UPSTREAM_PLACEHOLDER = "server trading:9000;"
LISTEN_PLACEHOLDER = "listen 80;"


def require_nginx() -> None:
    """Skip without nginx, except under CI=true, where .ci/run installs it."""
    if NGINX.exists():
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"Debian nginx ({NGINX}) is required under CI (.ci/run installs it)")
    pytest.skip(f"nginx is not installed ({NGINX}): apt-get install nginx")


def documented_config() -> str:
    """The fenced nginx block that follows the marker in docs/forward-auth.md."""
    text = DOC.read_text(encoding="utf-8")
    assert text.count(MARKER) == 1, f"{DOC} must mark exactly one tested block"
    after = text[text.index(MARKER) :]
    opening = "```nginx\n"
    start = after.index(opening) + len(opening)
    return after[start : after.index("\n```", start) + 1]


def gateway_config(keystead: str, upstream: str, port: int) -> str:
    """The documented block with only its three addresses replaced (host:port each)."""
    config = documented_config()
    for placeholder in (KEYSTEAD_PLACEHOLDER, UPSTREAM_PLACEHOLDER, LISTEN_PLACEHOLDER):
        assert config.count(placeholder) == 1, f"the documented block lost {placeholder!r}"
    return (
        config.replace(KEYSTEAD_PLACEHOLDER, f"server {keystead};")
        .replace(UPSTREAM_PLACEHOLDER, f"server {upstream};")
        .replace(LISTEN_PLACEHOLDER, f"listen 127.0.0.1:{port};")
    )


@dataclass
class Nginx:
    url: str
    prefix: Path
    process: subprocess.Popen[bytes]

    def errors(self) -> str:
        path = self.prefix / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""


def _main_config(prefix: Path) -> str:
    """Everything outside the documented block: temporary paths, so no root is needed."""
    temp = " ".join(
        f"{kind}_temp_path {prefix / 'temp' / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return (
        "worker_processes 1;\n"
        "events { worker_connections 128; }\n"
        "http {\n"
        f"    {temp}\n"
        f"    access_log {prefix / 'access.log'};\n"
        f"    include {prefix / 'gateway.conf'};\n"
        "}\n"
    )


def start_nginx(prefix: Path, keystead: str, upstream: str) -> Nginx:
    require_nginx()
    port = free_port()
    (prefix / "temp").mkdir(parents=True, exist_ok=True)
    (prefix / "gateway.conf").write_text(gateway_config(keystead, upstream, port))
    (prefix / "nginx.conf").write_text(_main_config(prefix))
    directives = f"daemon off; pid {prefix / 'nginx.pid'}; error_log {prefix / 'error.log'};"
    if os.geteuid() == 0:  # as root nginx would hand its workers to `nobody`
        directives += " user root;"
    command = [str(NGINX), "-p", str(prefix), "-e", str(prefix / "error.log")]
    command += ["-c", str(prefix / "nginx.conf"), "-g", directives]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    nginx = Nginx(f"http://127.0.0.1:{port}", prefix, process)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"nginx exited early:\n{nginx.errors()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        except OSError:
            time.sleep(0.02)
        else:
            return nginx
    stop_nginx(nginx)
    raise RuntimeError(f"nginx did not start listening:\n{nginx.errors()}")


def stop_nginx(nginx: Nginx) -> None:
    nginx.process.terminate()
    try:
        nginx.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        nginx.process.kill()
        nginx.process.wait()


@contextmanager
def running_nginx(prefix: Path, keystead: str, upstream: str) -> Iterator[Nginx]:
    nginx = start_nginx(prefix, keystead, upstream)
    try:
        yield nginx
    finally:
        stop_nginx(nginx)


@dataclass(frozen=True)
class Received:
    """One request as a stand-in server received it."""

    method: str
    path: str
    headers: list[tuple[str, str]]
    body: bytes

    def values(self, name: str) -> list[str]:
        return [value for key, value in self.headers if key.lower() == name.lower()]

    def header(self, name: str) -> str | None:
        """The header's one value (None if absent); received twice is a failure."""
        values = self.values(name)
        assert len(values) <= 1, f"{name} was received {len(values)} times: {values}"
        return values[0] if values else None


Answer = tuple[int, dict[str, str], bytes]
Responder = Callable[[Received], Answer]


def echo(request: Received) -> Answer:
    """A plain upstream: 200 and, as JSON, what it received."""
    body = {"method": request.method, "path": request.path, "headers": request.headers}
    return 200, {"Content-Type": "application/json"}, json.dumps(body).encode()


@dataclass
class StandIn:
    """An HTTP server in a thread that records every request and answers with `respond`."""

    respond: Responder
    received: list[Received] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def address(self) -> str:
        assert self.server is not None
        return f"127.0.0.1:{self.server.server_port}"


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return  # nginx closing a kept-alive connection when it stops
        super().handle_error(request, client_address)


@contextmanager
def stand_in(respond: Responder = echo) -> Iterator[StandIn]:
    standing = StandIn(respond)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as nginx's upstreams may use

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            request = Received(
                self.command, self.path, list(self.headers.items()), self.rfile.read(length)
            )
            standing.received.append(request)
            status, headers, body = standing.respond(request)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = _Server(("127.0.0.1", 0), Handler)
    standing.server = server
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield standing
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
