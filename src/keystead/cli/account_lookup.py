"""`keystead account list`, `account show` and `account reset-password`: finding an
account and helping its owner back in."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from keystead.cli.common import compact_time, console, operator, print_json, run
from keystead.clock import isoformat

if TYPE_CHECKING:
    from keystead.runtime import Runtime
    from keystead.services.account_directory import AccountOverview
    from keystead.store.models import Account

lookup = typer.Typer()
"""Merged into the `account` group (`admin.accounts`)."""

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _row(account: Account) -> dict[str, object]:
    return {
        "number": account.number,
        "email": account.email,
        "wallet_address": account.wallet_address,
        "email_verified_at": isoformat(account.email_verified_at),
        "suspended_at": isoformat(account.suspended_at),
        "terms_accepted_version": account.terms_accepted_version,
        "created_at": isoformat(account.created_at),
    }


@lookup.command("list")
def account_list(
    search: Annotated[
        str,
        typer.Argument(help="Part of an email, wallet address or account number (any case)."),
    ] = "",
    limit: Annotated[int, typer.Option(min=1, max=1000, help="At most this many.")] = 50,
    json: JsonFlag = False,
) -> None:
    """List accounts, newest first, or those matching SEARCH."""

    async def action(runtime: Runtime) -> list[Account]:
        return await runtime.directory.search(search, limit=limit)

    accounts = run(action)
    if json:
        print_json([_row(account) for account in accounts])
        return
    if not accounts:
        console.print("No account matches." if search else "No accounts yet.")
        return
    table = Table()
    # Terms and the rest are in `account show`: an address must fit whole on a line.
    for column in ("number", "email or wallet", "verified", "state", "created"):
        table.add_column(column, no_wrap=column in {"number", "email or wallet", "created"})
    for account in accounts:
        table.add_row(
            account.number,
            account.email or account.wallet_address or "",
            "yes" if account.email_verified_at else ("—" if account.email is None else "no"),
            "suspended" if account.suspended_at else "active",
            compact_time(account.created_at),
        )
    console.print(table)


@lookup.command("show")
def account_show(
    account: Annotated[str, typer.Argument(help="Email, account number or wallet address.")],
    json: JsonFlag = False,
) -> None:
    """Everything about one account an operator may see (never a secret)."""

    async def action(runtime: Runtime) -> AccountOverview:
        return await runtime.directory.overview(account)

    overview = run(action)
    view = {
        **_row(overview.account),
        "terms_accepted_at": isoformat(overview.account.terms_accepted_at),
        "active_tokens": overview.active_tokens,
        "tokens": overview.tokens,
        "account_key": overview.has_account_key,
        "live_sessions": overview.live_sessions,
        "last_sign_in": isoformat(overview.last_sign_in),
    }
    if json:
        print_json(view)
        return
    table = Table(show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value")
    for name, value in view.items():
        if name.endswith("_at") or name == "last_sign_in":
            shown = compact_time(value if isinstance(value, str) else None)
        else:
            shown = "—" if value is None else str(value)
        table.add_row(name.replace("_", " "), shown)
    console.print(table)


@lookup.command("reset-password")
def account_reset_password(
    account: Annotated[str, typer.Argument(help="Email or account number.")],
    print_link: Annotated[
        bool,
        typer.Option(
            "--print-link",
            help="Also print the link, to hand to the owner another way (it opens the account "
            "for 30 minutes: treat it as a password).",
        ),
    ] = False,
    json: JsonFlag = False,
) -> None:
    """Mail the owner a single-use link to choose a new password (30 minutes)."""

    async def action(runtime: Runtime) -> tuple[Account, str]:
        return await runtime.passwords.issue_for(account, by=operator())

    owner, link = run(action)
    if json:
        print_json(
            {"number": owner.number, "email": owner.email, "link": link if print_link else None}
        )
        return
    console.print(
        f"A link to reset the password of {owner.email} ({owner.number}) is queued for mail; "
        "it works once, for 30 minutes, and signs out every session.",
        highlight=False,
    )
    if print_link:
        console.print(link, highlight=False, soft_wrap=True)
