"""Alembic environment: async engines, URL handed in by `keystead.store.migrate`."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from keystead.config import GuardedApiSetting
from keystead.guarded_api import load_guarded_api
from keystead.store.models import Base

# Loading the guarded API registers its tables too, for `alembic revision --autogenerate`.
load_guarded_api(GuardedApiSetting().guarded_api)
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
