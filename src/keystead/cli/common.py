"""What every CLI command shares: settings, a migrated runtime, errors as clean exits."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

import orjson
import typer
from rich.console import Console

from keystead.config import Settings
from keystead.errors import ConfigurationError, KeysteadError

if TYPE_CHECKING:
    from keystead.audit import Actor
    from keystead.runtime import Runtime

Result = TypeVar("Result")

console = Console()
errors = Console(stderr=True)


def fail(message: str, code: int = 1) -> None:
    # One line however long (soft_wrap): rich would otherwise break it at 80 columns
    # wherever stderr is not a terminal (a service's journal, a script's capture).
    errors.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def load_settings() -> Settings:
    """The settings; ones keystead cannot start with exit 2 naming the variable."""
    try:
        return Settings.load()
    except ConfigurationError as error:
        fail(str(error), 2)
        raise  # unreachable; fail() exits


def run(action: Callable[[Runtime], Awaitable[Result]], settings: Settings | None = None) -> Result:
    """Migrate, build a runtime, run `action`, close. Domain errors exit 1 with their message."""
    # Imported here, where a command first needs them, so that `--help` does not.
    from keystead.observability import configure_logging
    from keystead.runtime import build_runtime
    from keystead.store.migrate import upgrade

    try:
        settings = settings or Settings.load()
        configure_logging(settings.log_level)  # to stderr: stdout is for results (--json)
        runtime = build_runtime(settings)
        upgrade(settings.database_url)
    except ConfigurationError as error:
        fail(str(error), 2)
        raise  # unreachable; fail() exits

    async def main() -> Result:
        try:
            return await action(runtime)
        finally:
            await runtime.close()

    try:
        return asyncio.run(main())
    except KeysteadError as error:
        fail(error.message)
        raise


def operator() -> Actor:
    """Who the audit log records as making a change from the CLI."""
    from keystead.audit import Actor  # SQLAlchemy: imported once a command runs

    return Actor.operator()


async def await_propagation(runtime: Runtime) -> None:
    """Return only once running instances have read the invalidation journal.

    Each instance polls it every `invalidation_poll_seconds`; waiting two periods
    lets an operator trust that the change holds on the next request anywhere.
    """
    await asyncio.sleep(2 * runtime.settings.invalidation_poll_seconds + 0.05)


def compact_time(value: str | datetime | None, absent: str = "—") -> str:
    """A time for a table: UTC to the minute, so it fits (`--json` keeps the full form)."""
    if value is None:
        return absent
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%MZ")


def print_json(value: Any) -> None:
    sys.stdout.write(orjson.dumps(value, option=orjson.OPT_INDENT_2).decode() + "\n")
