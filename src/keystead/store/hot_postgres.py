"""Hot reads on PostgreSQL: a few asyncpg connections of their own.

A read through SQLAlchemy's pool costs a checkout with its pre-ping (one more round
trip), the Core execution machinery and a rollback on return; asyncpg alone runs a
prepared statement for about a tenth of that. These connections only ever run one
read each in autocommit, so there is nothing to reset between reads and a
connection goes straight back to the idle list. One that fails mid-read is dropped,
never reused; a database that cannot be reached is `ConnectionError`, which keystead
answers 503 (`envelope.py`), as it does for the engine's own reads.

A `timestamp` comes off these connections as its microseconds since 2000-01-01, in a
tuple (`microseconds`, below, makes the aware datetime). asyncpg would make a
datetime of every one it reads, some 3,000 instructions each, read after read of the
same unchanged rows; hot reads keep rows by their raw values and convert a value
only the first time they meet it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
from sqlalchemy.engine.url import URL

CONNECT_TIMEOUT_SECONDS = 5.0
_UNREACHABLE = (
    OSError,
    asyncio.TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    asyncpg.InterfaceError,
)
"""The database is down, restarting or dropped the connection: not a bad query."""
_BROKEN = (*_UNREACHABLE, asyncpg.InternalClientError)
"""Also a connection whose server went away mid-conversation (asyncpg then finds it
in a state no operation may start from)."""


PG_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
# asyncpg writes Python's first and last datetimes as -infinity and infinity, and reads
# them back so: so do these, and the ORM and hot reads agree on them too.
_INFINITIES = {
    -(2**63): datetime.min.replace(tzinfo=UTC),
    2**63 - 1: datetime.max.replace(tzinfo=UTC),
}
_OF_INFINITIES = {moment.replace(tzinfo=None): raw for raw, moment in _INFINITIES.items()}


def microseconds(raw: tuple[int] | None) -> datetime | None:
    """The aware UTC datetime of a raw `timestamp` (stored as naive UTC) read here."""
    if raw is None:
        return None
    return _INFINITIES.get(raw[0]) or PG_EPOCH + timedelta(microseconds=raw[0])


def naive_microseconds(raw: tuple[int] | None) -> datetime | None:
    """A raw `timestamp` as the naive datetime asyncpg itself would give."""
    moment = microseconds(raw)
    return None if moment is None else moment.replace(tzinfo=None)


def _raw_timestamp(moment: datetime | date) -> tuple[int]:
    """A bound value of a `timestamp` parameter as the wire's tuple: a naive datetime
    (UTCDateTime binds naive UTC), or a date at midnight, as asyncpg takes them."""
    if not isinstance(moment, datetime):
        moment = datetime(moment.year, moment.month, moment.day)
    if moment.tzinfo is not None:  # asyncpg refuses these too: which instant is meant?
        raise TypeError("a timestamp without time zone takes a naive datetime")
    infinite = _OF_INFINITIES.get(moment)
    if infinite is not None:
        return (infinite,)
    return ((moment.replace(tzinfo=UTC) - PG_EPOCH) // _MICROSECOND,)


def asyncpg_dsn(url: URL) -> str:
    """The engine's URL as asyncpg reads it."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


class PostgresReads:
    def __init__(self, dsn: str, size: int) -> None:
        self._dsn = dsn
        self._size = size
        self._idle: list[asyncpg.Connection] = []
        self._slots: asyncio.Semaphore | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def fetch(self, sql: str, arguments: Sequence[Any]) -> list[Any]:
        async with self._slots_of_this_loop():
            while self._idle:
                # One the server ended while it sat idle (a restart) is tried once: a read
                # changes nothing, so it is read again on a new connection.
                connection = self._idle.pop()
                if connection.is_closed():
                    continue
                try:
                    return await self._read(connection, sql, arguments)
                except ConnectionError:
                    continue
            return await self._read(await self._connect(), sql, arguments)

    async def _read(
        self, connection: asyncpg.Connection, sql: str, arguments: Sequence[Any]
    ) -> list[Any]:
        try:
            rows: list[Any] = await connection.fetch(sql, *arguments)
        except _BROKEN as error:
            connection.terminate()
            raise ConnectionError("the database is unreachable") from error
        except BaseException:
            connection.terminate()  # cancelled mid-read, say: its state is unknown
            raise
        self._idle.append(connection)
        return rows

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        for connection in idle:
            try:
                await asyncio.wait_for(connection.close(), CONNECT_TIMEOUT_SECONDS)
            except (*_UNREACHABLE, RuntimeError):
                connection.terminate()

    def _slots_of_this_loop(self) -> asyncio.Semaphore:
        # Connections belong to the event loop that opened them; a runtime used from
        # another loop (a CLI command after the server's) starts afresh.
        loop = asyncio.get_running_loop()
        if loop is not self._loop or self._slots is None:
            for connection in self._idle:
                connection.terminate()
            self._idle = []
            self._loop = loop
            self._slots = asyncio.Semaphore(self._size)
        return self._slots

    async def _connect(self) -> asyncpg.Connection:
        try:
            connection: asyncpg.Connection = await asyncpg.connect(
                self._dsn, timeout=CONNECT_TIMEOUT_SECONDS
            )
        except _UNREACHABLE as error:
            raise ConnectionError("the database is unreachable") from error
        try:
            # `tuple` of a tuple is that tuple: nothing is made per value but the tuple.
            await connection.set_type_codec(
                "timestamp",
                schema="pg_catalog",
                encoder=_raw_timestamp,
                decoder=tuple,
                format="tuple",
            )
        except BaseException as error:
            connection.terminate()
            if isinstance(error, _UNREACHABLE):
                raise ConnectionError("the database is unreachable") from error
            raise
        return connection
