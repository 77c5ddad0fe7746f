"""A lean Redis connection for the hot path: one socket, every caller pipelined on it.

redis-py's asyncio client spends more CPU on each command (connection pool, locks,
retries, stream readers) than the rest of the access path together, and its
pipelines re-check registered scripts on every call. The limiter needs one kind
of command, so this connection writes each command as soon as it is asked and
matches replies to callers in order (Redis answers a connection in order),
parsed by hiredis. Any failure, or a reply later than the timeout, closes the
socket, so no caller can ever receive another's reply, and fails everyone
waiting; the next call connects again. One timer per connection watches the
oldest waiting command, instead of one per call.

(Writing the commands of one event-loop turn together was measured too: Redis
spent a third less CPU, but replies came back in bursts and the server sat idle
waiting for them, for no gain in throughput.)
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections import deque
from typing import Any
from urllib.parse import unquote, urlsplit

import hiredis


class RedisConnectionError(ConnectionError):
    pass


class RedisReplyError(Exception):
    """Redis answered with an error (`-ERR …`, `-NOSCRIPT …`)."""


def pack(*parts: bytes | str | int | float) -> bytes:
    """One command in RESP: an array of bulk strings."""
    chunks = [b"*%d\r\n" % len(parts)]
    for part in parts:
        data = part if isinstance(part, bytes) else str(part).encode()
        chunks.append(b"$%d\r\n%b\r\n" % (len(data), data))
    return b"".join(chunks)


class _Protocol(asyncio.Protocol):
    def __init__(self, timeout: float) -> None:
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self._timeout = timeout
        self._loop = asyncio.get_running_loop()
        self._reader = hiredis.Reader()
        # Callers in the order their commands were sent, with their deadlines.
        self._waiting: deque[tuple[asyncio.Future[Any], float]] = deque()
        self._watchdog: asyncio.TimerHandle | None = None

    def send(self, command: bytes) -> asyncio.Future[Any]:
        if self.closed:
            raise RedisConnectionError("connection to Redis closed")
        future = self._loop.create_future()
        assert self.transport is not None
        self.transport.write(command)
        self._waiting.append((future, time.monotonic() + self._timeout))
        if self._watchdog is None:
            self._watchdog = self._loop.call_later(self._timeout, self._check_deadline)
        return future

    def _check_deadline(self) -> None:
        self._watchdog = None
        if not self._waiting:
            return
        overdue_in = self._waiting[0][1] - time.monotonic()
        if overdue_in <= 0:
            # A late reply would be taken for the next caller's: drop the socket.
            self.fail(RedisConnectionError("Redis did not answer in time"))
        else:
            self._watchdog = self._loop.call_later(overdue_in, self._check_deadline)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports do not derive from asyncio.Transport; they behave as one.
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self._reader.feed(data)
        while (reply := self._reader.gets()) is not False:
            future, _deadline = self._waiting.popleft()
            if future.done():
                continue  # its caller gave up (cancelled); the order still holds
            if isinstance(reply, hiredis.ReplyError):
                future.set_exception(RedisReplyError(str(reply)))
            else:
                future.set_result(reply)

    def connection_lost(self, exc: Exception | None) -> None:
        self.fail(RedisConnectionError(f"connection to Redis lost ({type(exc).__name__})"))

    def fail(self, error: Exception) -> None:
        self.closed = True
        if self._watchdog is not None:
            self._watchdog.cancel()
            self._watchdog = None
        while self._waiting:
            future, _deadline = self._waiting.popleft()
            if not future.done():
                future.set_exception(error)
        if self.transport is not None:
            self.transport.abort()


class RespConnection:
    """`redis://[[user]:password@]host[:port][/db]` or `rediss://…` (TLS, verified)."""

    def __init__(self, url: str, timeout: float) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("redis", "rediss"):
            raise ValueError("the Redis URL must start with redis:// or rediss://")
        self._host = parts.hostname or "127.0.0.1"
        self._port = parts.port or 6379
        self._tls = ssl.create_default_context() if parts.scheme == "rediss" else None
        self._username = unquote(parts.username) if parts.username else None
        self._password = unquote(parts.password) if parts.password else None
        path = parts.path.lstrip("/")
        self._db = int(path) if path else 0
        self._timeout = timeout
        self._protocol: _Protocol | None = None
        self._connecting = asyncio.Lock()

    async def execute(self, *command: bytes | str | int | float) -> Any:
        """Send one command and return its reply; raise RedisConnectionError (also
        when no reply comes within the timeout) or RedisReplyError. Callers are
        pipelined: nobody waits for another's reply."""
        protocol = self._protocol
        if protocol is None or protocol.closed:
            protocol = await self._connect()
        return await protocol.send(pack(*command))

    async def _connect(self) -> _Protocol:
        async with self._connecting:
            if self._protocol is not None and not self._protocol.closed:
                return self._protocol
            loop = asyncio.get_running_loop()
            protocol: _Protocol | None = None
            try:
                async with asyncio.timeout(self._timeout):
                    _transport, protocol = await loop.create_connection(
                        lambda: _Protocol(self._timeout), self._host, self._port, ssl=self._tls
                    )
                    if self._password is not None:
                        credentials = [self._username or "default", self._password]
                        await protocol.send(pack("AUTH", *credentials))
                    if self._db:
                        await protocol.send(pack("SELECT", self._db))
            except (OSError, TimeoutError, RedisReplyError) as error:
                if protocol is not None:
                    protocol.fail(RedisConnectionError("set-up failed"))
                raise RedisConnectionError(
                    f"cannot connect to Redis ({type(error).__name__})"
                ) from error
            self._protocol = protocol
            return protocol
