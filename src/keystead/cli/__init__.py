"""The `keystead` command: serve, db, account, token, terms, demo, keys, jobs, mail, audit,
and the guarded API's own commands (the trading API's: `bots`, `serve-trading`).

Each command's module is imported only when that command runs (`lazy.py`), so
`keystead --help` and `keystead <command> --help` start fast. To add a command:

- to a group: decorate a function with the group's `typer.Typer` (`@accounts.command("list")`
  in `admin.py`). From a module of its own, give that module its own `typer.Typer` and
  merge it into the group with `accounts.add_typer(that_app)` (no name: Typer merges).
- a new group or top-level command: a line in `COMMANDS` below, naming its `typer.Typer`
  (or function) as `module:attribute`, with the line `keystead --help` shows for it.

Keep a command module cheap to import: what only the command needs at run time
(the runtime, the web stack) is imported inside `common.run` or the command itself.
`tests/cli/test_startup.py` checks that `--help` imports none of it.
"""

from __future__ import annotations

from collections.abc import Sequence

import typer

from keystead.cli.lazy import LazyGroup
from keystead.config import GuardedApiSetting
from keystead.errors import ConfigurationError
from keystead.guarded_api import LazyCommand, guarded_commands

COMMANDS = (
    LazyCommand(
        "serve", "keystead.cli.serve:serve", "Run keystead: applies migrations, then serves HTTP."
    ),
    LazyCommand("db", "keystead.cli.db:app", "Database migrations."),
    LazyCommand(
        "account",
        "keystead.cli.admin:accounts",
        "Find, create, suspend and unsuspend accounts; help an owner reset a password.",
    ),
    LazyCommand("token", "keystead.cli.admin:tokens", "Create, list and revoke API tokens."),
    LazyCommand("terms", "keystead.cli.admin:terms", "Publish API terms versions."),
    LazyCommand("demo", "keystead.cli.demo:app", "Demo data."),
    LazyCommand("keys", "keystead.cli.keys:app", "Assertion signing keys (Ed25519)."),
    LazyCommand("jobs", "keystead.cli.jobs:jobs", "Background jobs."),
    LazyCommand("mail", "keystead.cli.jobs:mail", "The mail outbox."),
    LazyCommand(
        "audit",
        "keystead.cli.audit:audit",
        "Show the audit log: tokens created, edited, revoked and leaked; keys generated and "
        "disabled; sign-ins; terms accepted; suspensions. It never holds a secret.",
    ),
)
"""keystead's own commands, in the order `keystead --help` lists them."""


class KeysteadGroup(LazyGroup):
    declared = COMMANDS

    def more_commands(self) -> Sequence[LazyCommand | tuple[str, typer.Typer]]:
        """The guarded API's commands, read only when the listing or a name needs them.
        A guarded API that cannot load is reported by the command that needs it
        (`serve`, `token create`), so the rest of the CLI keeps working."""
        try:
            return guarded_commands(GuardedApiSetting().guarded_api)
        except ConfigurationError:
            return ()


app = typer.Typer(
    name="keystead",
    cls=KeysteadGroup,
    help="keystead: self-hosted API access platform (operator CLI).",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def _group() -> None:
    """Typer makes a group of an app with a callback; its commands are `COMMANDS`."""


def main() -> None:
    app()
