"""`keystead jobs run-once` and `keystead mail outbox`."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from keystead.cli.common import console, print_json, run
from keystead.clock import isoformat

if TYPE_CHECKING:
    from keystead.jobs.runner import JobsReport
    from keystead.runtime import Runtime
    from keystead.store.models import MailMessage

jobs = typer.Typer(help="Background jobs.", no_args_is_help=True)
mail = typer.Typer(help="The mail outbox.", no_args_is_help=True)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]


@jobs.command("run-once")
def run_once(json: JsonFlag = False) -> None:
    """Queue due expiry and unused-token reminders, revoke unused tokens (if the
    operator opted in), prune old usage figures, and send what the outbox holds."""

    async def action(runtime: Runtime) -> JobsReport:
        return await runtime.jobs.run_once()

    report = run(action)
    if json:
        print_json(dataclasses.asdict(report))
    else:
        console.print(
            f"reminders queued: {report.reminders_queued}; unused tokens flagged: "
            f"{report.unused_flagged}, revoked: {report.unused_revoked}; usage rows pruned: "
            f"{report.usage_rows_pruned}; mail sent: {report.mail_sent}, "
            f"failed (kept for retry): {report.mail_failed}",
            highlight=False,
        )


def _view(message: MailMessage) -> dict[str, object]:
    return {
        "id": message.id,
        "to": message.to_address,
        "subject": message.subject,
        "created_at": isoformat(message.created_at),
        "sent_at": isoformat(message.sent_at),
        "attempts": message.attempts,
        "last_error": message.last_error,
        "text": "(sealed: carries a one-time link)" if message.sealed else message.text_body,
    }


@mail.command("outbox")
def outbox_command(
    include_sent: Annotated[bool, typer.Option("--all", help="Include sent messages.")] = False,
    json: JsonFlag = False,
) -> None:
    """List the messages waiting in the outbox (newest first)."""
    from keystead.mail.outbox import listing  # the database layer: imported when it runs

    async def action(runtime: Runtime) -> list[MailMessage]:
        return await listing(runtime.db, include_sent=include_sent)

    views = [_view(message) for message in run(action)]
    if json:
        print_json(views)
        return
    table = Table()
    for column in ("id", "to", "subject", "state"):
        table.add_column(column, no_wrap=column in {"id", "to"})
    for view in views:
        state = f"sent {view['sent_at']}" if view["sent_at"] else "waiting"
        if view["attempts"]:
            state += f" ({view['attempts']} attempts, last: {view['last_error']})"
        table.add_row(str(view["id"]), str(view["to"]), str(view["subject"]), state)
    console.print(table)
