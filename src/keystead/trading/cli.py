"""`keystead bots import FILE --email E`: load bots, positions and orders from JSON."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from keystead.cli.common import console, fail, print_json, run
from keystead.errors import KeysteadError, NotFound

if TYPE_CHECKING:
    from keystead.runtime import Runtime
    from keystead.trading.services.importer import ImportSummary

app = typer.Typer(help="Bots, positions and orders.", no_args_is_help=True)


@app.command("import")
def import_command(
    source: Annotated[Path, typer.Argument(help="A JSON file in the /v1 API's shapes.")],
    email: Annotated[str, typer.Option("--email", "--account", help="Owner: email or number.")],
    json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Import broker connections, bots, positions and orders; all or nothing.

    The file is an object with any of the lists `broker_connections`, `bots`,
    `positions` and `orders`, each record in the shape the API returns. Every
    record is validated first; the first bad one is named with its place in the
    file and nothing is written.
    """
    from keystead.trading.services.importer import Importer, parse  # models, tables

    if not source.is_file():
        fail(f"no such file: {source}", 2)
    try:
        with console.status("validating…"):
            data = parse(source.read_bytes())
    except KeysteadError as error:
        fail(f"{source}: {error.message}; nothing was imported")
        return

    async def action(runtime: Runtime) -> ImportSummary:
        owner = await runtime.accounts.find(email)
        if owner is None:
            raise NotFound("Account")
        total = (
            len(data.broker_connections) + len(data.bots) + len(data.positions) + len(data.orders)
        )
        importer = Importer(runtime.db, runtime.clock)
        if total == 0:  # nothing to show progress of
            return await importer.run(owner.id, data, lambda done: None)
        with Progress(
            TextColumn("importing"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=json,
        ) as progress:
            task = progress.add_task("records", total=total)
            return await importer.run(owner.id, data, lambda done: progress.advance(task, done))

    summary = run(action)
    if json:
        print_json(
            {
                "broker_connections": summary.broker_connections,
                "bots": summary.bots,
                "positions": summary.positions,
                "orders": summary.orders,
            }
        )
    else:
        console.print(
            f"imported {summary.broker_connections} broker connections, {summary.bots} bots, "
            f"{summary.positions} positions and {summary.orders} orders",
            highlight=False,
        )
