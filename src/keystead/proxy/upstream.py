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
from collections.abc import AsyncIterator

import aiohttp
import anyio
import structlog
from multidict import CIMultiDict
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from yarl import URL

from keystead.access.principal import Principal
from keystead.clock import Clock
from keystead.errors import NotFound, UpstreamTimedOut, UpstreamUnavailable
from keystead.gateway.assertions import Assertions
from keystead.paths import leaves_its_route
from keystead.proxy.headers import answer_headers, has_body, request_headers

logger = structlog.get_logger("keystead.proxy")

_UNSAFE_BYTE = re.compile(rb"[^\x21-\x7e]")
_IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
_READY_TIMEOUT = aiohttp.ClientTimeout(total=5.0)
_WHOLE_UP_TO = 65_536
"""Answers up to this length, when the upstream states it, are read whole, then sent."""
# Headers the client library would add on its own: the upstream gets the client's.
_NOT_ADDED = ("User-Agent", "Accept", "Accept-Encoding", "Content-Type")


def _escaped(raw: bytes) -> bytes:
    """The bytes a client may send raw (UTF-8, spaces) percent-encoded, as a request
    line must carry them; everything else exactly as the client wrote it."""
    return _UNSAFE_BYTE.sub(lambda match: b"%%%02X" % match[0][0], raw)


async def _body(request: Request) -> AsyncIterator[bytes]:
    async for chunk in request.stream():
        if chunk:  # an empty chunk would end a chunked body early
            yield chunk


class Upstream:
    """aiohttp rather than httpx: forwarding a small answer costs it about a tenth
    of the CPU (docs/performance.md, "Gateway")."""

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
        self._base = url.rstrip("/")
        self._health_url = URL(self._base + (health_path or "/"), encoded=True)
        self._checks_health = health_path is not None
        self._assertions = assertions
        self._clock = clock
        self._timeout = aiohttp.ClientTimeout(
            total=None, connect=timeout, sock_connect=timeout, sock_read=timeout
        )
        self._pool_size = pool_size
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        # Made on first use: a session belongs to the event loop that serves.
        if self._session is None:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size, limit_per_host=0),
                timeout=self._timeout,
                auto_decompress=False,
                skip_auto_headers=_NOT_ADDED,
                # The upstream is named by the operator: no proxy or netrc from the environment.
                trust_env=False,
            )
        return self._session

    async def forward(self, request: Request, principal: Principal) -> Response:
        scope = request.scope
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
        if leaves_its_route(raw_path.decode("latin-1")):
            raise NotFound("Route")
        query: bytes = scope["query_string"]
        target = _escaped(raw_path) + (b"?" + _escaped(query) if query else b"")
        url = URL(self._base + target.decode("ascii"), encoded=True)
        body = has_body(scope)
        retry = request.method in _IDEMPOTENT and not body
        for attempt in (1, 2):
            # Each attempt carries an assertion of its own: the upstream may have
            # spent the first one's jti before the connection failed.
            assertion = await self._assertions.mint(
                principal, request.method, str(url), int(self._clock.timestamp())
            )
            headers = CIMultiDict(
                (name.decode("latin-1"), value.decode("latin-1"))
                for name, value in request_headers(
                    scope, principal, self._assertions.scope(principal), assertion
                )
            )
            try:
                answer = await self._client().request(
                    request.method,
                    url,
                    headers=headers,
                    data=_body(request) if body else None,
                    allow_redirects=False,
                )
                break
            except TimeoutError as error:
                logger.warning("upstream timed out", error_type=type(error).__name__)
                raise UpstreamTimedOut from error
            except aiohttp.ClientError as error:
                # A kept-alive connection the upstream closed meanwhile fails like a
                # refusal; one more try is safe only for a request without side effects.
                if not retry or attempt == 2:
                    logger.warning("upstream unavailable", error_type=type(error).__name__)
                    raise UpstreamUnavailable from error
        if not 100 <= answer.status <= 599:
            answer.close()
            logger.warning("upstream answered an impossible status", status=answer.status)
            raise UpstreamUnavailable
        return await relayed(answer, answer_headers(list(answer.raw_headers)))

    async def ready(self) -> dict[str, str]:
        try:
            async with self._client().get(
                self._health_url, timeout=_READY_TIMEOUT, allow_redirects=False
            ) as answer:
                status = answer.status
        except TimeoutError:
            return {"upstream": "timed out"}
        except aiohttp.ClientError as error:
            return {"upstream": f"unreachable ({type(error).__name__})"}
        if self._checks_health and not 200 <= status < 300:
            return {"upstream": f"unhealthy (status {status})"}
        return {"upstream": "ok"}

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


async def relayed(answer: aiohttp.ClientResponse, headers: list[tuple[bytes, bytes]]) -> Response:
    """The upstream's answer, in one piece when it is small and its length known
    (the common API answer: one send, the connection back in the pool at once);
    otherwise streamed as it arrives."""
    length = answer.content_length
    if length is not None and length <= _WHOLE_UP_TO:
        try:
            body = await answer.read()
        except (aiohttp.ClientError, TimeoutError) as error:
            answer.close()
            logger.warning("upstream broke off its answer", error_type=type(error).__name__)
            raise UpstreamUnavailable from error
        return Whole(answer.status, headers, body)
    return Streamed(answer, headers)


class Whole(Response):
    def __init__(self, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        self.status_code = status
        self.raw_headers = headers
        self.body = body
        self.background = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        )
        await send({"type": "http.response.body", "body": self.body})


class Streamed(Response):
    """An answer relayed as it arrives, never buffered whole. A client that goes away
    stops it: the upstream connection is closed rather than read on for nobody."""

    def __init__(self, answer: aiohttp.ClientResponse, headers: list[tuple[bytes, bytes]]) -> None:
        self.status_code = answer.status
        self.raw_headers = headers
        self.background = None
        self._answer = answer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        finished = False
        try:
            async with anyio.create_task_group() as tasks:

                async def relay() -> None:
                    nonlocal finished
                    finished = await self._relay(send)
                    tasks.cancel_scope.cancel()

                async def watch() -> None:
                    while (await receive())["type"] != "http.disconnect":
                        pass
                    tasks.cancel_scope.cancel()

                tasks.start_soon(relay)
                tasks.start_soon(watch)
        finally:
            # Read to the end, the connection goes back to the pool; otherwise it is closed.
            if finished:
                self._answer.release()
            else:
                self._answer.close()

    async def _relay(self, send: Send) -> bool:
        """Whether the whole answer was relayed."""
        await send(
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        )
        try:
            async for chunk in self._answer.content.iter_any():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        except (aiohttp.ClientError, TimeoutError) as error:
            # The status is sent: all that is left is to cut the answer short, which
            # the client sees as a body shorter than its length (or an unfinished chunk).
            logger.warning("upstream broke off its answer", error_type=type(error).__name__)
            return False
        await send({"type": "http.response.body", "body": b"", "more_body": False})
        return True
