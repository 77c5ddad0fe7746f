"""`keystead db upgrade | current`."""

from __future__ import annotations

import asyncio

import typer

from keystead.cli.common import console, load_settings

app = typer.Typer(help="Database migrations.", no_args_is_help=True)


@app.command("upgrade")
def upgrade_command() -> None:
    """Apply every migration not yet applied (safe to repeat)."""
    from keystead.store.migrate import upgrade  # Alembic: imported when it runs

    settings = load_settings()
    upgrade(settings.database_url)
    console.print("database is up to date")


@app.command("current")
def current_command() -> None:
    """Print the applied migration revision."""
    from keystead.store.migrate import current_revision

    settings = load_settings()
    console.print(asyncio.run(current_revision(settings.database_url)) or "none")
