"""`keystead audit`: the security events of every account, or of one, newest first."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from keystead.audit import MAX_PAGE, AuditAction, AuditRecord
from keystead.cli.common import compact_time, console, fail, print_json, run
from keystead.errors import NotFound

if TYPE_CHECKING:
    from keystead.runtime import Runtime


def audit(
    account: Annotated[
        str | None, typer.Option("--account", help="Only this account (email or number).")
    ] = None,
    action: Annotated[
        str | None,
        typer.Option(help=f"Only this action: {', '.join(a.value for a in AuditAction)}."),
    ] = None,
    before: Annotated[
        int | None, typer.Option(min=1, help="Only entries older than this entry id (paging).")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=MAX_PAGE, help="How many entries.")] = 50,
    json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Show the audit log: tokens created, edited, revoked and leaked; keys generated and
    disabled; sign-ins; terms accepted; suspensions. It never holds a secret."""
    from keystead.api.schemas import audit_view  # `keystead.api` imports the web stack

    if action is not None and action not in set(AuditAction):
        fail(f"unknown action {action!r}; use one of {', '.join(a.value for a in AuditAction)}")

    async def query(runtime: Runtime) -> list[AuditRecord]:
        account_id = None
        if account is not None:
            found = await runtime.accounts.find(account)
            if found is None:
                raise NotFound("Account")
            account_id = found.id
        return await runtime.audit.search(account_id, action=action, before=before, limit=limit)

    records = run(query)
    if json:
        print_json([{**audit_view(item.event), "account": item.account_number} for item in records])
        return
    table = Table()
    for column in ("id", "at", "account", "action", "actor", "client", "credential", "details"):
        table.add_column(column, no_wrap=column in {"id", "action", "credential"})
    for item in records:
        event = item.event
        table.add_row(
            str(event.id),
            compact_time(event.created_at),
            item.account_number or "—",
            event.action,
            event.actor,
            event.client or "—",
            event.credential_preview or "—",
            ", ".join(f"{key}={value}" for key, value in event.details.items()),
        )
    console.print(table)
    if len(records) == limit:
        older = records[-1].event.id
        console.print(f"older entries: --before {older}", style="dim", highlight=False)
