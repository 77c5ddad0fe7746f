"""What a client gets for a request the HTTP parser refuses before keystead's app sees
it: the envelope and the security headers, then the connection closed."""

from __future__ import annotations

import json
import socket
from urllib.parse import urlsplit

import pytest

from keystead.edge.protocol import MESSAGE
from tests.server.conftest import Server

GOOD = b"GET /healthz HTTP/1.1\r\nHost: t\r\n"


def exchange(server: Server, raw: bytes) -> tuple[str, dict[str, str], bytes]:
    """Send `raw`, read until the server closes: status line, headers, body."""
    address = urlsplit(server.url)
    with socket.create_connection((address.hostname, address.port), timeout=10) as connection:
        connection.sendall(raw)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    status, *lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines)
    return status, {name.lower(): value for name, value in headers.items()}, body


@pytest.mark.parametrize(
    "raw",
    [
        GOOD + b"X-Note: a\x00b\r\n\r\n",
        GOOD + b"X-Note: a\x0bb\r\n\r\n",
        GOOD + b"X-Note: a\rb\r\n\r\n",
        b"POST /auth/login HTTP/1.1\r\nHost: t\r\nContent-Length: abc\r\n\r\n{}",
        b"BREW /healthz HTTP/1.1\r\nHost: t\r\n\r\n",
        b"this is not http\r\n\r\n",
    ],
    ids=[
        "nul-in-header",
        "vt-in-header",
        "cr-in-header",
        "content-length-abc",
        "unknown-method",
        "garbage",
    ],
)
def test_refused_by_the_parser_in_the_envelope(server: Server, raw: bytes) -> None:
    status, headers, body = exchange(server, raw)
    assert status == "HTTP/1.1 400 Bad Request"
    assert headers["content-type"] == "application/json"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["content-security-policy"].startswith("default-src 'none'")
    assert headers["connection"] == "close"
    assert json.loads(body) == {"success": False, "message": MESSAGE, "data": None}


def test_a_good_request_on_the_same_server_is_answered_by_keystead(server: Server) -> None:
    status, _, body = exchange(server, GOOD + b"Connection: close\r\n\r\n")
    assert status == "HTTP/1.1 200 OK"
    assert json.loads(body)["message"] == "Alive"
