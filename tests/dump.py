"""Every row of every table as text, on either engine: for "no secret at rest" checks.

`dump_tables` reads through a running keystead; `sqlite_tables` and `postgres_tables`
read a database directly, with no app around it (the suite-wide secret scan).
"""

from __future__ import annotations

import asyncio
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from sqlalchemy import select

from keystead.runtime import Runtime
from keystead.store.models import Base
from keystead.trading import tables  # noqa: F401 - registers the trading tables
from tests.backends import PG_HOST, PG_PORT


async def dump_tables(runtime: Runtime) -> str:
    lines = []
    async with runtime.db.read() as session:
        for table in Base.metadata.sorted_tables:
            for row in (await session.execute(select(table))).all():
                lines.append(f"{table.name}: {tuple(row)!r}")
    return "\n".join(lines)


@dataclass(frozen=True)
class TableText:
    """One table's text and binary values: a line per row, values joined by \\x1f.

    Numbers, dates and booleans cannot hold a secret; leaving them out, and building
    the text inside the database engine, keeps tables of demo trades cheap to read.
    The separator, which no secret contains, keeps one value's tail and the next
    one's head from forming a match that is in neither.
    """

    table: str
    rows: int
    text: str


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def sqlite_tables(path: Path) -> list[TableText]:
    """Every table of a SQLite file. Opened read-write so a leftover WAL is replayed."""
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA query_only = 1")
        names = [
            name
            for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        dumped = []
        for name in names:
            columns = [row[1] for row in connection.execute(f"PRAGMA table_info({_quoted(name)})")]
            values = [
                f"CASE WHEN typeof({_quoted(column)}) IN ('text', 'blob')"
                f" THEN {_quoted(column)} ELSE '' END"
                for column in columns
            ]
            row = " || char(31) || ".join(values) or "''"
            rows, text = connection.execute(
                f"SELECT count(*), group_concat({row}, char(10)) FROM {_quoted(name)}"
            ).fetchone()
            dumped.append(TableText(name, rows, text or ""))
        return dumped
    finally:
        connection.close()


# Type categories that hold no text: numeric, date/time, boolean, timespan.
_POSTGRES_COLUMNS = """
SELECT n.nspname, c.relname, a.attname, t.typname
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
JOIN pg_type t ON t.oid = a.atttypid
WHERE c.relkind IN ('r', 'p')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg_toast%'
  AND t.typcategory NOT IN ('N', 'D', 'B', 'T')
ORDER BY n.nspname, c.relname, a.attnum
"""
_POSTGRES_TABLES = """
SELECT n.nspname, c.relname
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg_toast%'
"""


async def _postgres_tables(database: str) -> list[TableText] | None:
    try:
        connection = await asyncpg.connect(host=PG_HOST, port=PG_PORT, database=database)
    except asyncpg.InvalidCatalogNameError:
        return None
    try:
        columns: dict[tuple[str, str], list[str]] = {
            (schema, table): [] for schema, table in await connection.fetch(_POSTGRES_TABLES)
        }
        for schema, table, column, type_name in await connection.fetch(_POSTGRES_COLUMNS):
            value = _quoted(column)
            # bytea as text would be hex; escape format keeps printable bytes as they are.
            columns[schema, table].append(
                f"encode({value}, 'escape')" if type_name == "bytea" else f"{value}::text"
            )
        if not columns:
            return []
        query = " UNION ALL ".join(
            f"SELECT {index}, count(*),"
            f" string_agg(concat_ws(chr(31), {', '.join(values) or 'NULL'}), chr(10))"
            f" FROM {_quoted(schema)}.{_quoted(table)}"
            for index, ((schema, table), values) in enumerate(columns.items())
        )
        names = [table for _, table in columns]
        return [
            TableText(names[index], rows, text or "")
            for index, rows, text in await connection.fetch(query)
        ]
    finally:
        await connection.close()


# One thread of its own: the caller may be inside pytest-asyncio's running loop,
# where a second loop cannot be started.
_postgres_reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="postgres-dump")


def postgres_tables(database: str) -> list[TableText] | None:
    """Every table of a PostgreSQL database, or None if there is no such database."""
    return _postgres_reader.submit(asyncio.run, _postgres_tables(database)).result(timeout=60)
