"""The upstream: one pooled HTTP/1.1 client that forwards an admitted `/v1` request
and relays the answer, both bodies streamed.

What the upstream is told is rebuilt here, not passed through: the client's
credentials, cookies, hop-by-hop headers and any `Keystead-*` header it made up are
dropped, and keystead's own identity headers and signed assertion are added
(`headers.py`). A refused or broken connection is 502 `Upstream unavailable`, no
answer in time 504 `Upstream timed out`; a request is sent again only when that is
safe: an idempotent method, no body, and the connection failed before any answer.
"""

from __future__ import annotations

import re

import httpx
import structlog
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from keystead.access.principal import Principal
from keystead.clock import Clock
from keystead.errors import NotFound, UpstreamTimedOut, UpstreamUnavailable
from keystead.gateway.assertions import Assertions
from keystead.paths import leaves_its_route
from keystead.proxy.headers import answer_headers, has_body, request_headers, request_id_of

logger = structlog.get_logger("keystead.proxy")

_UNSAFE_BYTE = re.compile(rb"[^\x21-\x7e]")


def _escaped(raw: bytes) -> bytes:
    """The bytes a client may send raw (UTF-8, spaces) percent-encoded, as a request
    line must carry them; everything else exactly as the client wrote it."""
    return _UNSAFE_BYTE.sub(lambda match: b"%%%02X" % match[0][0], raw)


_IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
_READY_TIMEOUT = 5.0


class Upstream:
    def __init__(
        self,
        url: str,
        *,
        timeout: float,
        pool_size: int,
        health_path: str | None,
        assertions: Assertions,
        clock: Clock,
    ) -> None:
        self._base = httpx.URL(url)
        self._base_path = self._base.raw_path.rstrip(b"/")
        self._health_path = health_path
        self._assertions = assertions
        self._clock = clock
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout),
            limits=httpx.Limits(max_connections=pool_size, max_keepalive_connections=pool_size),
            follow_redirects=False,
            # The upstream is named by the operator: no proxy or netrc from the environment.
            trust_env=False,
        )

    async def forward(self, request: Request, principal: Principal) -> Response:
        scope = request.scope
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
        if leaves_its_route(raw_path.decode("latin-1")):
            raise NotFound("Route")
        query: bytes = scope["query_string"]
        url = self._base.copy_with(
            raw_path=self._base_path
            + _escaped(raw_path)
            + (b"?" + _escaped(query) if query else b"")
        )
        request_id = request_id_of(scope)
        assertion = await self._assertions.mint(
            principal, request.method, str(url), int(self._clock.timestamp())
        )
        headers = request_headers(
            scope, principal, self._assertions.scope(principal), assertion, request_id
        )
        body = has_body(scope)
        outgoing = self._client.build_request(
            request.method, url, headers=headers, content=request.stream() if body else None
        )
        answer = await self._send(outgoing, retry=request.method in _IDEMPOTENT and not body)
        return Relayed(answer, answer_headers(answer.headers.raw, request_id))

    async def _send(self, outgoing: httpx.Request, *, retry: bool) -> httpx.Response:
        try:
            return await self._client.send(outgoing, stream=True)
        except httpx.TimeoutException as error:
            logger.warning("upstream timed out", error_type=type(error).__name__)
            raise UpstreamTimedOut from error
        except httpx.TransportError as error:
            if not retry:
                logger.warning("upstream unavailable", error_type=type(error).__name__)
                raise UpstreamUnavailable from error
        # A kept-alive connection the upstream closed meanwhile fails like a refusal;
        # one more try, on a fresh connection, is safe only without side effects.
        return await self._send(outgoing, retry=False)

    async def ready(self) -> dict[str, str]:
        url = self._base.copy_with(raw_path=self._base_path + (self._health_path or "/").encode())
        try:
            answer = await self._client.get(url, timeout=_READY_TIMEOUT)
        except httpx.TimeoutException:
            return {"upstream": "timed out"}
        except httpx.TransportError as error:
            return {"upstream": f"unreachable ({type(error).__name__})"}
        if self._health_path is not None and not answer.is_success:
            return {"upstream": f"unhealthy (status {answer.status_code})"}
        return {"upstream": "ok"}

    async def close(self) -> None:
        await self._client.aclose()


class Relayed(Response):
    """The upstream's answer: its status, its headers (less hop-by-hop ones) and its
    body as it arrives, never buffered whole."""

    def __init__(self, answer: httpx.Response, headers: list[tuple[bytes, bytes]]) -> None:
        self.status_code = answer.status_code
        self.raw_headers = headers
        self.background = None
        self._answer = answer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await send(
                {
                    "type": "http.response.start",
                    "status": self.status_code,
                    "headers": self.raw_headers,
                }
            )
            async for chunk in self._answer.aiter_raw():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        except httpx.TransportError as error:
            # The status is sent: all that is left is to cut the answer short, which
            # the client sees as a body shorter than its length (or an unfinished chunk).
            logger.warning("upstream broke off its answer", error_type=type(error).__name__)
        finally:
            await self._answer.aclose()
