"""The Alembic migrations and the SQLAlchemy models describe the same schema."""

from __future__ import annotations

from pathlib import Path

from alembic import command

from keystead.store.migrate import alembic_config
from keystead.trading import tables  # noqa: F401 - the trading tables, compared too


def test_models_match_migrations(migrated_template: Path) -> None:
    # Raises if autogenerate would produce any operation.
    command.check(alembic_config(f"sqlite+aiosqlite:///{migrated_template}"))
