"""Reads on the hot path: statements compiled once, rows typed as the ORM types them.

An ORM read through an `AsyncSession` costs some 1.8 million instructions, whatever
it reads: a session, a pooled connection, a trip to aiosqlite's thread and back
for each step, the identity map. A `/v1` answer that only reads needs none of it.
`Query` compiles a Core statement once, for the database's dialect, and keeps each
column's result processor, so a row comes back with the same Python values the ORM
would give (aware datetimes, parsed JSON, booleans) under the same attribute names.

On SQLite (the embedded default) a read-only `sqlite3` connection runs the
statement on the event loop itself: an indexed read of a few rows takes tens of
microseconds, less than one trip to a driver thread. In WAL mode a reader never
waits for a writer; a read that finds the file busy (a checkpoint, another
process recovering it) goes through the engine instead of blocking the loop.
On PostgreSQL it runs on asyncpg connections of keystead's own (hot_postgres.py).
Bound values go through each column type's bind processing, as SQLAlchemy's would.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar
from urllib.parse import quote

import orjson
from sqlalchemy import JSON, DateTime, Select
from sqlalchemy.engine import Dialect
from sqlalchemy.engine.url import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from keystead.store.hot_postgres import (
    PostgresReads,
    asyncpg_dsn,
    microseconds,
    naive_microseconds,
)
from keystead.store.models import UTCDateTime

Processor = Callable[[Any], Any] | None
Statement = Select[*tuple[Any, ...]]


def _processor(column_type: Any, dialect: Dialect) -> Processor:
    """What SQLAlchemy does to a column's value as this dialect's raw driver gives it."""
    if isinstance(column_type, JSON):
        return _json  # text from sqlite3, and from asyncpg without SQLAlchemy's codec
    if dialect.name == "postgresql" and isinstance(column_type, DateTime | UTCDateTime):
        # A `timestamp` comes as the raw tuple of hot_postgres's connections.
        if isinstance(column_type, UTCDateTime):
            return microseconds
        if not column_type.timezone:
            return naive_microseconds
    if isinstance(column_type, UTCDateTime):
        # Its own step reads the driver's value, text from sqlite3 included (C's
        # fromisoformat, not the SQLite dialect's regular expression first).
        utc = column_type
        return lambda value: utc.process_result_value(value, dialect)
    if dialect.name == "sqlite":
        processor: Processor = column_type._cached_result_processor(dialect, None)
        return processor
    # asyncpg gives native values; its numbers' conversions would need its type codes,
    # and none is needed by the columns read here (the parity test holds them to it).
    return None


def _json(text: str | None) -> Any:
    """A JSON column's value, as SQLAlchemy's JSON type gives it, parsed by orjson (some
    five times faster); what orjson refuses (NaN, integers beyond 64 bits) by json."""
    if text is None:
        return None
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


ROWS_KEPT = 2048
"""Rows kept per statement by their raw values; all are let go of when it is full."""


class Row:
    """One row: its columns as attributes, under the statement's names. The same row
    may answer many requests: nothing may change it (or what its values hold)."""

    __slots__ = ("__dict__", "__weakref__")

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__ = values

    def __getattr__(self, name: str) -> Any:
        # Only for names the row does not have (the others are found first): says so,
        # and lets a type checker accept the statement's column names.
        raise AttributeError(f"this row has no column {name!r}")


Made = TypeVar("Made")


class MadeOnce(Generic[Made]):
    """What is made of a hot-read row, made once per row object: a row is the same
    object while its stored values are the same, so what is made of it can be too
    (and whatever is kept by that object's identity stays valid exactly as long)."""

    def __init__(self, make: Callable[[Row], Made]) -> None:
        self._make = make
        self._made: dict[int, tuple[Row, Made]] = {}

    def __call__(self, row: Row) -> Made:
        found = self._made.get(id(row))
        if found is not None and found[0] is row:
            return found[1]
        if len(self._made) >= ROWS_KEPT:
            self._made.clear()
        made = self._make(row)
        # The row is held with what was made of it, so its id is not reused meanwhile.
        self._made[id(row)] = (row, made)
        return made


class Query:
    """A Core select compiled for one dialect; its bound values are passed by name."""

    def __init__(self, statement: Statement, dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        self.statement = statement
        self.sql = str(compiled)
        self._order: tuple[str, ...] = tuple(compiled.positiontup or ())
        self.names = tuple(str(column.key) for column in statement.selected_columns)
        self._rows: dict[Sequence[Any], Row] = {}
        self._processors: tuple[Processor, ...] = tuple(
            _processor(column.type, dialect) for column in statement.selected_columns
        )
        self._binders: tuple[Processor, ...] = tuple(
            compiled.binds[name].type._cached_bind_processor(dialect) for name in self._order
        )

    def arguments(self, values: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(
            values[name] if binder is None else binder(values[name])
            for name, binder in zip(self._order, self._binders, strict=True)
        )

    def row(self, raw: Sequence[Any]) -> Row:  # a tuple or an asyncpg record
        """The row of these raw values: the same `Row` as last time while the stored
        values are the same (so what is built from a row can be kept by its identity),
        a new one as soon as one of them differs."""
        try:
            # sqlite3's tuples and asyncpg's records hash and compare by their values.
            found = self._rows.get(raw)
        except TypeError:  # a value that cannot be a key: nothing to keep
            return self._process(raw)
        if found is None:
            if len(self._rows) >= ROWS_KEPT:
                self._rows.clear()
            found = self._rows[raw] = self._process(raw)
        return found

    def _process(self, raw: Sequence[Any]) -> Row:
        return Row(
            {
                name: value if processor is None else processor(value)
                for name, processor, value in zip(self.names, self._processors, raw, strict=True)
            }
        )


class HotReads:
    """`all` and `one` of a compiled `Query`, the cheapest way this database allows."""

    def __init__(self, engine: AsyncEngine, pool_size: int) -> None:
        self._engine = engine
        self._dialect = engine.dialect
        self._queries: dict[int, Query] = {}
        self._sqlite: sqlite3.Connection | None = None
        url = make_url(engine.url)
        database = url.database or ":memory:"
        in_a_file = url.get_backend_name() == "sqlite" and database != ":memory:"
        self._sqlite_path = database if in_a_file else None
        self._postgres: PostgresReads | None = None
        if url.get_backend_name() == "postgresql" and url.get_driver_name() == "asyncpg":
            self._postgres = PostgresReads(asyncpg_dsn(url), pool_size)

    def query(self, statement: Statement) -> Query:
        """`statement` compiled for this database, once per statement object."""
        key = id(statement)
        found = self._queries.get(key)
        if found is None or found.statement is not statement:
            found = self._queries[key] = Query(statement, self._dialect)
        return found

    async def all(self, statement: Statement, **values: Any) -> list[Row]:
        query = self.query(statement)
        raws = await self._raw(query, values)
        if raws is not None:
            return [query.row(raw) for raw in raws]
        async with self._engine.connect() as connection:
            result = await connection.execute(query.statement, values)
            return [Row(dict(raw._mapping)) for raw in result.all()]

    async def _raw(self, query: Query, values: dict[str, Any]) -> Sequence[Any] | None:
        """The driver's own rows, or None: read them through the engine instead."""
        if self._sqlite_path:
            try:
                return self._read_sqlite(query.sql, query.arguments(values))
            except sqlite3.Error:
                pass  # busy, gone or unreadable: the engine reads it, or reports it as always
        if self._postgres is not None:
            return await self._postgres.fetch(query.sql, query.arguments(values))
        return None

    async def one(self, statement: Statement, **values: Any) -> Row | None:
        rows = await self.all(statement, **values)
        return rows[0] if rows else None

    def _read_sqlite(self, sql: str, arguments: tuple[Any, ...]) -> list[Any]:
        if self._sqlite is None:
            self._sqlite = _read_only(str(self._sqlite_path))
        return self._sqlite.execute(sql, arguments).fetchall()

    async def close(self) -> None:
        if self._sqlite is not None:
            self._sqlite.close()
            self._sqlite = None
        if self._postgres is not None:
            await self._postgres.close()


def _read_only(path: str) -> sqlite3.Connection:
    # Quoted: a `?` or `#` in the file's name would otherwise be read as the URI's own.
    connection = sqlite3.connect(
        f"file:{quote(path)}?mode=ro", uri=True, check_same_thread=False, isolation_level=None
    )
    # Never wait on the loop: a busy file is read through the engine instead.
    connection.execute("PRAGMA busy_timeout=0")
    connection.execute("PRAGMA query_only=ON")
    return connection
