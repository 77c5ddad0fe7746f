"""Every row of every table as text, on either engine: for "no secret at rest" checks."""

from __future__ import annotations

from sqlalchemy import select

from keystead.runtime import Runtime
from keystead.store import trading  # noqa: F401 - registers the trading tables
from keystead.store.models import Base


async def dump_tables(runtime: Runtime) -> str:
    lines = []
    async with runtime.db.read() as session:
        for table in Base.metadata.sorted_tables:
            for row in (await session.execute(select(table))).all():
                lines.append(f"{table.name}: {tuple(row)!r}")
    return "\n".join(lines)
