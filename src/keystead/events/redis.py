"""Invalidation events over Redis pub/sub, so every instance's cache hears them
before the writer answers.

`publish` delivers locally, broadcasts, then waits (briefly) for every other
subscribed instance to acknowledge that it has dropped the entry, so a revoke
confirmed by one instance holds on the very next request to any other. An
instance that does not acknowledge in time is covered by the journal in the
database (the durable path) and, while it cannot hear Redis, by a short cache
TTL (`on_health`)."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import orjson
import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

from keystead.events.base import AccountChanged, CredentialChanged, Event, Handler

logger = structlog.get_logger("keystead.events.redis")
RECONNECT_MAX_SECONDS = 5.0
ACK_TIMEOUT_SECONDS = 0.5
ACK_KEY_TTL_SECONDS = 30


@dataclass(frozen=True, slots=True)
class Envelope:
    origin: str
    ack_key: str
    event: Event


def encode(event: Event, origin: str, ack_key: str) -> bytes:
    body: dict[str, object] = {"origin": origin, "ack": ack_key}
    if isinstance(event, CredentialChanged):
        body["token_hash"] = event.token_hash
    else:
        body["account_id"] = event.account_id
    return orjson.dumps(body)


def decode(raw: bytes) -> Envelope:
    data = orjson.loads(raw)
    event: Event
    if "token_hash" in data:
        event = CredentialChanged(str(data["token_hash"]))
    else:
        event = AccountChanged(int(data["account_id"]))
    return Envelope(str(data["origin"]), str(data["ack"]), event)


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
        """Deliver here, broadcast, and wait until the other instances have applied it."""
        await self._deliver(event)
        ack_key = f"{self._channel}:ack:{uuid.uuid4().hex}"
        try:
            receivers = await self._redis.publish(
                self._channel, encode(event, self._origin, ack_key)
            )
            others = receivers - (1 if self.connected else 0)
            for _ in range(max(0, others)):
                if await self._redis.blpop([ack_key], timeout=ACK_TIMEOUT_SECONDS) is None:
                    logger.warning("an instance did not acknowledge an invalidation in time")
                    break
        except (RedisError, OSError) as error:
            # The journal row written with the change still reaches them.
            logger.warning("invalidation not broadcast", error_type=type(error).__name__)

    async def start(self) -> None:
        # Deaf until the first subscription succeeds: the cache keeps entries briefly.
        self._on_health(False)
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
                    try:
                        envelope = decode(message["data"])
                    except (ValueError, KeyError, TypeError):
                        logger.warning("invalidation message ignored: not understood")
                        continue
                    if envelope.origin != self._origin:
                        await self._deliver(envelope.event)
                        await self._acknowledge(envelope.ack_key)
            except Exception as error:  # any failure: reconnect rather than go deaf for good
                self._set_health(False)
                logger.warning("invalidation bus disconnected", error_type=type(error).__name__)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
            await asyncio.sleep(delay)
            delay = min(delay * 2, RECONNECT_MAX_SECONDS)

    async def _acknowledge(self, ack_key: str) -> None:
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.rpush(ack_key, self._origin)
            pipe.expire(ack_key, ACK_KEY_TTL_SECONDS)
            await pipe.execute()

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        await self._redis.aclose()
