"""Alembic environment: async engines, URL handed in by `keystead.store.migrate`."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from keystead.store.models import Base

# The guarded API's tables join this metadata when its package is imported; the process
# that compares models with migrations (tests/unit/test_migrations.py) imports it.
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async(url: str) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await engine.dispose()


def run_migrations_online() -> None:
    url = context.config.attributes.get("database_url")
    if not isinstance(url, str):
        raise SystemExit("no database URL: run migrations through `keystead db upgrade`")
    asyncio.run(_run_async(url))


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `keystead db upgrade`")
run_migrations_online()
