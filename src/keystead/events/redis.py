"""Invalidation events over Redis pub/sub, so every instance's cache hears them
within milliseconds. The journal in the database stays the durable path; this
bus is the fast one. While it cannot hear Redis, it says so (`on_health`) and the
cache falls back to a short TTL until it can again."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import uuid
from collections.abc import Callable

import orjson
import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

from keystead.events.base import AccountChanged, CredentialChanged, Event, Handler

logger = structlog.get_logger("keystead.events.redis")
RECONNECT_MAX_SECONDS = 5.0


def encode(event: Event, origin: str) -> bytes:
    if isinstance(event, CredentialChanged):
        return orjson.dumps({"origin": origin, "token_hash": event.token_hash})
    return orjson.dumps({"origin": origin, "account_id": event.account_id})


def decode(raw: bytes) -> tuple[str, Event]:
    data = orjson.loads(raw)
    if "token_hash" in data:
        return data["origin"], CredentialChanged(str(data["token_hash"]))
    return data["origin"], AccountChanged(int(data["account_id"]))


class RedisEventBus:
    def __init__(
        self, url: str, channel: str, on_health: Callable[[bool], None] = lambda _: None
    ) -> None:
        self._redis = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        self._channel = channel
        self._on_health = on_health
        self._handlers: list[Handler] = []
        self._origin = uuid.uuid4().hex
        self._listener: asyncio.Task[None] | None = None
        self.connected = False

    def subscribe(self, handler: Handler) -> None:
        self._handlers.append(handler)

    async def _deliver(self, event: Event) -> None:
        for handler in self._handlers:
            outcome = handler(event)
            if inspect.isawaitable(outcome):
                await outcome

    async def publish(self, event: Event) -> None:
        """Deliver here at once, then tell the other instances."""
        await self._deliver(event)
        try:
            await self._redis.publish(self._channel, encode(event, self._origin))
        except (RedisError, OSError) as error:
            # The journal row written with the change still reaches them.
            logger.warning("invalidation not broadcast", error_type=type(error).__name__)

    async def start(self) -> None:
        self._listener = asyncio.create_task(self._listen())

    def _set_health(self, connected: bool) -> None:
        if connected != self.connected:
            self.connected = connected
            self._on_health(connected)

    async def _listen(self) -> None:
        delay = 0.1
        while True:
            pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self._channel)
                self._set_health(True)
                delay = 0.1
                while True:
                    message = await pubsub.get_message(timeout=1.0)
                    if message is None:
                        continue
                    origin, event = decode(message["data"])
                    if origin != self._origin:
                        await self._deliver(event)
            except (RedisError, OSError) as error:
                self._set_health(False)
                logger.warning("invalidation bus disconnected", error_type=type(error).__name__)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]
            await asyncio.sleep(delay)
            delay = min(delay * 2, RECONNECT_MAX_SECONDS)

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        await self._redis.aclose()
