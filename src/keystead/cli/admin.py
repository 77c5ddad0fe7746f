"""Operator commands: accounts, tokens, terms.

The views of `keystead.api.schemas` and the runtime are imported inside the commands
that print or need them: importing `keystead.api` imports the web stack, which
`keystead account --help` should not wait for.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from keystead.cli.account_lookup import lookup
from keystead.cli.common import (
    await_propagation,
    compact_time,
    console,
    fail,
    operator,
    print_json,
    run,
)
from keystead.clock import isoformat
from keystead.config import Settings
from keystead.errors import ConfigurationError, NotFound
from keystead.guarded_api import mounted_api

if TYPE_CHECKING:
    from keystead.runtime import Runtime
    from keystead.store.models import Account

accounts = typer.Typer(
    help="Find, create, suspend and unsuspend accounts; help an owner reset a password.",
    no_args_is_help=True,
)
accounts.add_typer(lookup)  # account list, show, reset-password
tokens = typer.Typer(help="Create, list and revoke API tokens.", no_args_is_help=True)
terms = typer.Typer(help="Publish API terms versions.", no_args_is_help=True)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
AccountArg = Annotated[str, typer.Argument(help="Account email or number.")]


async def _account(runtime: Runtime, email_or_number: str) -> Account:
    account = await runtime.accounts.find(email_or_number)
    if account is None:
        raise NotFound("Account")
    return account


@accounts.command("create")
def account_create(
    email: Annotated[str, typer.Option(help="Email address to sign in with.")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
    accept_terms: Annotated[
        bool, typer.Option(help="Record acceptance of the current API terms for the user.")
    ] = False,
    json: JsonFlag = False,
) -> None:
    """Create an account with a password."""
    from keystead.api.schemas import account_view

    async def action(runtime: Runtime) -> Account:
        account = await runtime.accounts.register(email, password)
        if accept_terms:
            current = await runtime.terms.current()
            account = await runtime.terms.accept(account.id, current.version, by=operator())
        return account

    account = run(action)
    if json:
        print_json(account_view(account))
    else:
        console.print(f"created account {account.number} ({account.email})", highlight=False)


def _set_suspended(email_or_number: str, suspended: bool, json: bool) -> None:
    from keystead.api.schemas import account_view

    async def action(runtime: Runtime) -> Account:
        account = await runtime.accounts.set_suspended(email_or_number, suspended, by=operator())
        await await_propagation(runtime)
        return account

    account = run(action)
    if json:
        print_json({**account_view(account), "suspended": suspended})
    else:
        state = "suspended" if suspended else "active again"
        console.print(f"account {account.number} is {state}", highlight=False)


@accounts.command("suspend")
def account_suspend(account: AccountArg, json: JsonFlag = False) -> None:
    """Suspend an account: every token, key and session of it answers 401 at once."""
    _set_suspended(account, True, json)


@accounts.command("unsuspend")
def account_unsuspend(account: AccountArg, json: JsonFlag = False) -> None:
    """Lift a suspension."""
    _set_suspended(account, False, json)


def _known_permissions(values: list[str]) -> list[str]:
    """Checked before anything runs, so a typo is a usage error naming the valid ids."""
    from keystead.runtime import permission_catalogue

    try:
        catalogue = permission_catalogue(mounted_api(Settings.load()))
        return catalogue.normalise(values)
    except (ValueError, ConfigurationError) as error:
        raise typer.BadParameter(str(error)) from error


@tokens.command("create")
def token_create(
    account: Annotated[str, typer.Option("--account", "--email", help="Account email or number.")],
    name: Annotated[str, typer.Option(help="A name that says where the token is used.")],
    permission: Annotated[
        list[str],
        typer.Option(
            "--permission",
            "-p",
            help="Repeat for each permission.",
            callback=_known_permissions,
        ),
    ],
    expires_at: Annotated[
        datetime | None,
        typer.Option(help="Expiry (UTC); default one year from now.", formats=["%Y-%m-%d"]),
    ] = None,
    json: JsonFlag = False,
) -> None:
    """Mint a token for an account. The plain token is printed once."""
    from datetime import UTC

    from keystead.api.schemas import token_view

    async def action(runtime: Runtime) -> tuple[dict[str, object], str]:
        owner = await _account(runtime, account)
        when = expires_at.replace(tzinfo=UTC) if expires_at else None
        token, plain = await runtime.tokens.create(owner.id, name, permission, when, by=operator())
        return token_view(token, runtime.tokens.now(), runtime.tokens.policy.unused_after), plain

    view, plain = run(action)
    if json:
        print_json({**view, "token": plain})
        return
    console.print(f"token {view['id']} created, expires {view['expires_at']}", highlight=False)
    console.print("Copy it now; it will not be shown again:", style="yellow")
    sys.stdout.write(plain + "\n")


@tokens.command("list")
def token_list(account: AccountArg, json: JsonFlag = False) -> None:
    """List an account's tokens (previews only, never secrets)."""
    from keystead.api.schemas import token_view

    async def action(runtime: Runtime) -> list[dict[str, object]]:
        owner = await _account(runtime, account)
        now = runtime.tokens.now()
        return [
            token_view(token, now, runtime.tokens.policy.unused_after)
            for token in await runtime.tokens.for_account(owner.id)
        ]

    views = run(action)
    if json:
        print_json(views)
        return
    table = Table()
    for column in ("id", "name", "preview", "permissions", "status", "expires", "last used"):
        table.add_column(column, no_wrap=column in {"id", "preview", "status"})
    for view in views:
        table.add_row(
            str(view["id"]),
            str(view["name"]),
            str(view["preview"]),
            ", ".join(view["permissions"]),  # type: ignore[arg-type]
            str(view["status"]),
            compact_time(view["expires_at"]),  # type: ignore[arg-type]
            compact_time(view["last_used_at"], "never"),  # type: ignore[arg-type]
        )
    console.print(table)


@tokens.command("revoke")
def token_revoke(
    token_id: Annotated[str, typer.Argument(help="The token's id, e.g. GZH7QT03FD.")],
    json: JsonFlag = False,
) -> None:
    """Revoke any account's token; it fails on the very next request."""
    from keystead.api.schemas import token_view

    async def action(runtime: Runtime) -> dict[str, object]:
        token = await runtime.tokens.revoke(None, token_id, by=operator())
        await await_propagation(runtime)
        return token_view(token, runtime.tokens.now(), runtime.tokens.policy.unused_after)

    view = run(action)
    if json:
        print_json(view)
    else:
        console.print(f"token {view['id']} revoked", highlight=False)


@terms.command("publish")
def terms_publish(
    source: Annotated[str, typer.Argument(help="A text or Markdown file, or - for stdin.")],
    json: JsonFlag = False,
) -> None:
    """Publish a new API terms version; users must accept it before managing tokens."""
    if source == "-":
        text = sys.stdin.read()
    else:
        path = Path(source)
        if not path.is_file():
            fail(f"no such file: {source}", 2)
        text = path.read_text(encoding="utf-8")
    published = run(lambda runtime: runtime.terms.publish(text, by=operator()))
    if json:
        print_json(
            {"version": published.version, "published_at": isoformat(published.published_at)}
        )
    else:
        console.print(f"published API terms version {published.version}:", highlight=False)
        console.print(_preview(published.text), highlight=False, markup=False)


def _preview(text: str, lines: int = 5, characters: int = 400) -> str:
    """The start of a text, indented, so the operator sees what was published."""
    shown = "\n".join(text.splitlines()[:lines])[:characters]
    more = " …" if len(shown) < len(text) else ""
    return "\n".join(f"  {line}" for line in (shown + more).splitlines())
