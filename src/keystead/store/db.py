"""Database: the async engine and its transactions. The URL picks SQLite or PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from keystead.store.hot_reads import HotReads

_IMMEDIATE = "keystead_sqlite_immediate"


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event, not the driver, decide how a transaction starts.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # A write transaction takes the write lock up front: upgrading a read lock
        # later fails at once (SQLITE_BUSY) instead of waiting when writers race.
        # Reads run in autocommit (each statement sees one consistent snapshot),
        # which saves a round trip to the driver's thread per read.
        if connection.get_execution_options().get(_IMMEDIATE, False):
            connection.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    """One engine per process; `transaction()` for writes, `read()` for reads."""

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        options: dict[str, Any] = {}
        if not self.is_sqlite:
            options = {"pool_size": pool_size, "max_overflow": pool_size, "pool_pre_ping": True}
        self.engine = create_async_engine(url, **options)
        writer = self.engine
        if self.is_sqlite:
            _configure_sqlite(self.engine)
            writer = self.engine.execution_options(**{_IMMEDIATE: True})
        self._reader = async_sessionmaker(self.engine, expire_on_commit=False)
        self.hot = HotReads(self.engine, pool_size)
        """Reads on the hot path, without a session (store/hot_reads.py)."""
        self._writer = async_sessionmaker(writer, expire_on_commit=False)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A write transaction: commits whole when the block ends, rolls back on error."""
        async with self._writer() as session, session.begin():
            yield session

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """Reads only. On SQLite each statement is its own snapshot: keep reads to one."""
        async with self._reader() as session, session.begin():
            yield session

    async def ping(self) -> None:
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.hot.close()
        await self.engine.dispose()
