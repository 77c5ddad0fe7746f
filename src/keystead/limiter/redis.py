"""Shared moving window in Redis: one script call, one round trip per request.

A key's window is a sorted set of the times it admitted requests (each member
unique to the instance that wrote it). The script drops the entries older than
the period, counts the rest, admits and records the request if the count is
under the limit, and returns the decision with the oldest entry, atomically, so
the count is exact on any number of instances. Its cost does not grow with the
limit: a window is never scanned, whatever the rate.

Calls go over `RespConnection`, pipelined on one socket: concurrent requests do
not wait for each other's round trips, and none pays redis-py's per-command
machinery (docs/performance.md).
Redis failures become LimiterUnavailable here; the access path applies the
configured policy (fail closed with 503 by default).
"""

from __future__ import annotations

import hashlib
import itertools
import math
import secrets
import time

from limits import parse

from keystead.errors import ServiceUnavailable
from keystead.limiter.base import Decision
from keystead.limiter.resp import RedisConnectionError, RedisReplyError, RespConnection

TIMEOUT_SECONDS = 2.0

# KEYS[1]: the window. ARGV: now (s), period (s), limit, member ('' = only look).
# Returns {admitted 0/1, entries in the window, the oldest entry's time (now if none)}.
MOVING_WINDOW = """
local now = tonumber(ARGV[1])
local period = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - period)
local count = redis.call('ZCARD', KEYS[1])
if count < limit then
  if ARGV[4] ~= '' then
    redis.call('ZADD', KEYS[1], now, ARGV[4])
    redis.call('PEXPIRE', KEYS[1], math.ceil(period * 1000))
    count = count + 1
  end
  local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2]
  return {1, count, first or ARGV[1]}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2]
return {0, count, oldest or ARGV[1]}
"""


_SCRIPT_SHA = hashlib.sha1(MOVING_WINDOW.encode(), usedforsecurity=False).hexdigest()


class LimiterUnavailable(ServiceUnavailable):
    default_message = "Rate limiting is unavailable; try again shortly"


class RedisLimiter:
    def __init__(self, url: str, rate: str, namespace: str, prefix: str) -> None:
        item = parse(rate)
        self.limit = item.amount
        self._period = float(item.get_expiry())
        self.window = int(item.get_expiry())
        self._key_prefix = f"{prefix}:rate:{namespace}:"
        self._redis = RespConnection(url, TIMEOUT_SECONDS)
        self._member_prefix = secrets.token_hex(6)
        self._sequence = itertools.count()

    async def _run(self, key: str, member: str) -> Decision:
        now = time.time()
        command = ("EVALSHA", _SCRIPT_SHA, 1, self._key_prefix + key)
        arguments = (now, self._period, self.limit, member)
        try:
            try:
                admitted, count, oldest = await self._redis.execute(*command, *arguments)
            except RedisReplyError as error:
                if not str(error).startswith("NOSCRIPT"):
                    raise
                # Redis has not seen the script yet, or restarted since: teach it.
                await self._redis.execute("SCRIPT", "LOAD", MOVING_WINDOW)
                admitted, count, oldest = await self._redis.execute(*command, *arguments)
        except (RedisConnectionError, RedisReplyError) as error:
            raise LimiterUnavailable from error
        # The oldest admitted request leaves the window first; then one more fits.
        # Another instance may have stamped it a moment after this call read its
        # clock, so the wait is capped at the period: never more than a window.
        wait = min(float(oldest) + self._period - now, self._period)
        exact = max(0.0, wait)
        if admitted:
            if not int(count):
                exact = 0.0
            remaining = max(0, self.limit - int(count))
            return Decision(True, self.limit, remaining, 0, math.ceil(exact), self.window, exact)
        refused_for = max(1, math.ceil(exact))
        return Decision(False, self.limit, 0, refused_for, refused_for, self.window, exact)

    async def hit(self, key: str) -> Decision:
        return await self._run(key, f"{self._member_prefix}:{next(self._sequence)}")

    async def peek(self, key: str) -> Decision:
        return await self._run(key, "")

    async def reset(self, key: str) -> None:
        try:
            await self._redis.execute("DEL", self._key_prefix + key)
        except (RedisConnectionError, RedisReplyError) as error:
            raise LimiterUnavailable from error
