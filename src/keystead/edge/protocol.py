"""The answer to a request the HTTP parser refuses, before keystead's app sees it.

uvicorn's parser (httptools) refuses a malformed request line, an unknown method, a
header value with a NUL, CR or vertical tab, or a `Content-Length` that is not a
number, and answers them itself. Its own answer is plain text; this one is keystead's
envelope, with the security headers every answer carries. The connection is closed
after it, as uvicorn does: the parser cannot tell where the next request begins.
"""

from __future__ import annotations

from typing import ClassVar

import orjson
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from keystead.edge.headers import default_headers

MESSAGE = "Bad request: not valid HTTP/1.1 (the request line, method or a header)"


def _answer(https: bool) -> bytes:
    body = orjson.dumps({"success": False, "message": MESSAGE, "data": None})
    head = [
        b"HTTP/1.1 400 Bad Request\r\n",
        *(name + b": " + value + b"\r\n" for name, value in default_headers(https)),
        b"content-type: application/json\r\n",
        b"content-length: " + str(len(body)).encode("ascii") + b"\r\n",
        b"connection: close\r\n\r\n",
    ]
    return b"".join([*head, body])


# Module-level classes, not made in a closure: with `--workers` uvicorn pickles its
# config, this class included, into each worker process, and a class pickles by name.
class EnvelopeHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, answering what it refuses in the envelope (http)."""

    answer: ClassVar[bytes] = _answer(https=False)

    def send_400_response(self, msg: str) -> None:
        self.transport.write(self.answer)
        self.transport.close()


class HttpsEnvelopeHttpToolsProtocol(EnvelopeHttpToolsProtocol):
    """The same behind an https public URL: its answer carries Strict-Transport-Security."""

    answer = _answer(https=True)


def envelope_protocol(https: bool) -> type[HttpToolsProtocol]:
    """uvicorn's httptools protocol, answering what it refuses in the envelope."""
    return HttpsEnvelopeHttpToolsProtocol if https else EnvelopeHttpToolsProtocol
