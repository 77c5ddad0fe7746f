"""The `keystead` command: serve, db, account, token, terms, bots, demo, jobs, mail, audit."""

from __future__ import annotations

import typer

from keystead.cli import admin, audit, bots, db, demo, jobs, serve

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
app.add_typer(bots.app, name="bots")
app.add_typer(demo.app, name="demo")
app.add_typer(jobs.jobs, name="jobs")
app.add_typer(jobs.mail, name="mail")
app.command("audit")(audit.audit)


def main() -> None:
    app()
