"""Shared moving window in Redis, on the `limits` library's own Lua scripts.

One round trip per request: the atomic acquire script and the window read go
out together in one MULTI/EXEC pipeline. The admission decision is the acquire
script's alone, so the count is exact on any number of instances.
Redis failures become LimiterUnavailable here; the access path applies the
configured policy (fail closed with 503 by default).
"""

from __future__ import annotations

import math
import time
from typing import Any

from limits import parse
from limits.aio.storage import RedisStorage
from redis.exceptions import RedisError

from keystead.errors import ServiceUnavailable
from keystead.limiter.base import Decision

TIMEOUT_SECONDS = 2.0


class LimiterUnavailable(ServiceUnavailable):
    default_message = "Rate limiting is unavailable; try again shortly"


class RedisLimiter:
    def __init__(self, url: str, rate: str, namespace: str, prefix: str) -> None:
        self._item = parse(rate)
        self._namespace = namespace
        self._storage = RedisStorage(
            f"async+{url}",
            implementation="redispy",
            key_prefix=f"{prefix}:limits",
            socket_timeout=TIMEOUT_SECONDS,
            socket_connect_timeout=TIMEOUT_SECONDS,
        )
        self._bridge: Any = self._storage.bridge
        self.limit = self._item.amount

    def _key(self, key: str) -> str:
        return str(self._bridge.prefixed_key(self._item.key_for(self._namespace, key)))

    async def _run(self, acquire: bool, key: str) -> tuple[bool, float, int]:
        now = time.time()
        expiry = self._item.get_expiry()
        redis_key = self._key(key)
        try:
            async with self._bridge.get_connection().pipeline(transaction=True) as pipe:
                if acquire:
                    await self._bridge.lua_acquire_moving_window(
                        [redis_key], [now, self.limit, expiry, 1], client=pipe
                    )
                await self._bridge.lua_moving_window(
                    [redis_key], [now - expiry, self.limit], client=pipe
                )
                results = await pipe.execute()
        except (RedisError, OSError) as error:
            raise LimiterUnavailable from error
        window = results[-1]
        oldest, count = (float(window[0]), int(window[1])) if window else (now, 0)
        allowed = bool(results[0]) if acquire else count < self.limit
        return allowed, oldest + expiry - now, count

    async def hit(self, key: str) -> Decision:
        allowed, wait, count = await self._run(True, key)
        return self._decision(allowed, wait, count)

    async def peek(self, key: str) -> Decision:
        allowed, wait, count = await self._run(False, key)
        return self._decision(allowed, wait, count)

    async def reset(self, key: str) -> None:
        try:
            await self._bridge.get_connection().delete(self._key(key))
        except (RedisError, OSError) as error:
            raise LimiterUnavailable from error

    def _decision(self, allowed: bool, wait: float, count: int) -> Decision:
        retry_after = 0 if allowed else max(1, math.ceil(wait))
        return Decision(allowed, self.limit, max(0, self.limit - count), retry_after)
