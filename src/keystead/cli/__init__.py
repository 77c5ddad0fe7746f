"""The `keystead` command: serve, db, account, token, terms, demo, keys, jobs, mail, audit,
and the guarded API's own commands (the trading API's: `bots`)."""

from __future__ import annotations

import typer

from keystead.cli import admin, audit, db, demo, jobs, keys, serve
from keystead.config import GuardedApiSetting
from keystead.errors import ConfigurationError
from keystead.guarded_api import load_guarded_api

app = typer.Typer(
    name="keystead",
    help="keystead: self-hosted API access platform (operator CLI).",
    no_args_is_help=True,
    add_completion=False,
)
app.command("serve")(serve.serve)
app.add_typer(db.app, name="db")
app.add_typer(admin.accounts, name="account")
app.add_typer(admin.tokens, name="token")
app.add_typer(admin.terms, name="terms")
app.add_typer(demo.app, name="demo")
app.add_typer(keys.app, name="keys")
app.add_typer(jobs.jobs, name="jobs")
app.add_typer(jobs.mail, name="mail")
app.command("audit")(audit.audit)


def _add_guarded_api_commands() -> None:
    # A guarded API that cannot load is reported by the command that needs it
    # (`serve`, `token create`), so the rest of the CLI keeps working.
    try:
        guarded = load_guarded_api(GuardedApiSetting().guarded_api)
    except ConfigurationError:
        return
    for name, commands in guarded.commands:
        app.add_typer(commands, name=name)


_add_guarded_api_commands()


def main() -> None:
    app()
