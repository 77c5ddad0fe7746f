"""The configuration docs/forward-auth.md gives, run by Debian's nginx (tests/nginx.py)
with only its addresses replaced, and small HTTP servers in threads to stand behind it."""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.nginx import DOCS, Nginx, documented_block, launch_nginx, stop_nginx, with_replaced
from tests.server.conftest import free_port

DOC = DOCS / "forward-auth.md"
MARKER = "<!-- tested: tests/gateway/test_nginx.py"
KEYSTEAD_PLACEHOLDER = "server keystead:8000;"
UPSTREAM_PLACEHOLDER = "server trading:9000;"
LISTEN_PLACEHOLDER = "listen 80;"


def gateway_config(keystead: str, upstream: str, port: int) -> str:
    """The documented block with only its three addresses replaced (host:port each)."""
    return with_replaced(
        documented_block(DOC, MARKER),
        {
            KEYSTEAD_PLACEHOLDER: f"server {keystead};",
            UPSTREAM_PLACEHOLDER: f"server {upstream};",
            LISTEN_PLACEHOLDER: f"listen 127.0.0.1:{port};",
        },
    )


def start_nginx(prefix: Path, keystead: str, upstream: str) -> Nginx:
    port = free_port()
    config = gateway_config(keystead, upstream, port)
    return launch_nginx(prefix, config, port, f"http://127.0.0.1:{port}")


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
