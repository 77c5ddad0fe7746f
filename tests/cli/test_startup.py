"""`keystead --help` starts fast: it imports no command's module and none of the web
stack, and still lists every command; each command's module is imported when it runs.
(How fast, in seconds: `bench/run --only cli`.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
import typer
from typer.main import get_command
from typer.testing import CliRunner

from keystead.cli import COMMANDS, app
from keystead.cli.lazy import LazyGroup
from keystead.guarded_api import GuardedApi, LazyCommand
from keystead.trading import COMMANDS as TRADING_COMMANDS

runner = CliRunner()
EVERY_COMMAND = COMMANDS + TRADING_COMMANDS

HEAVY = ("fastapi", "starlette", "uvicorn", "eth_account", "aiohttp", "alembic", "httpx")
"""What no `--help` needs: the web stack, wallet sign-in, migrations, HTTP clients."""
KEYSTEAD_HEAVY = ("keystead.app", "keystead.runtime", "keystead.api", "keystead.web")

# Runs `keystead ARGS…` in a fresh interpreter for each list of ARGS, then prints the
# names of the modules it imported, as the last line.
SCRIPT = """
import json, sys
from keystead.cli import main
for args in json.loads(sys.argv[1]):
    sys.argv = ["keystead", *args]
    try:
        main()
    except SystemExit as stop:
        assert stop.code in (0, None), (args, stop.code)
print(json.dumps(sorted(sys.modules)))
"""


def keystead_help(tmp_path: Path, *commands: list[str]) -> tuple[str, set[str]]:
    """What `keystead … --help` printed for each of `commands`, and what it imported."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("KEYSTEAD_")}
    env.update(COLUMNS="200", TERMINAL_WIDTH="200")  # one line per command's help
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps(commands)],
        cwd=tmp_path,  # no .env
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    output, _, modules = done.stdout.rstrip().rpartition("\n")
    return output, set(json.loads(modules))


def loaded(modules: set[str], *names: str) -> list[str]:
    return sorted(m for m in modules if any(m == n or m.startswith(f"{n}.") for n in names))


def test_help_lists_every_command_and_imports_none_of_them(tmp_path: Path) -> None:
    output, modules = keystead_help(tmp_path, ["--help"])
    listed = " ".join(output.split())
    for command in EVERY_COMMAND:
        assert f"{command.name} {command.help}" in listed
    assert loaded(modules, "sqlalchemy", *HEAVY, *KEYSTEAD_HEAVY) == []
    # The trading API's package alone, for its COMMANDS: neither its routes nor its CLI.
    assert loaded(modules, "keystead.trading") == ["keystead.trading"]
    assert loaded(modules, "keystead.cli") == [
        "keystead.cli",
        "keystead.cli.common",
        "keystead.cli.lazy",
    ]


def test_each_command_help_imports_that_command_alone(tmp_path: Path) -> None:
    # `audit` names the audit log's actions in its help: it imports keystead.audit.
    helped = [command for command in EVERY_COMMAND if command.name != "audit"]
    output, modules = keystead_help(tmp_path, *([command.name, "--help"] for command in helped))
    for command in helped:
        assert f"Usage: keystead {command.name} [OPTIONS]" in output
    assert loaded(modules, "sqlalchemy", *HEAVY, *KEYSTEAD_HEAVY) == []
    assert loaded(modules, "keystead.trading.api", "keystead.trading.services") == []
    _, modules = keystead_help(tmp_path, ["audit", "--help"])
    assert loaded(modules, *HEAVY, *KEYSTEAD_HEAVY) == []


def test_the_trading_api_is_built_on_first_use_even_after_its_api_subpackage() -> None:
    # Importing `keystead.trading.api` (its routes) binds that name on the package;
    # the package keeps it for the GuardedApi, as when it was built on import.
    script = (
        "import keystead.trading.api.views\n"
        "from keystead.guarded_api import GuardedApi, load_guarded_api\n"
        "assert isinstance(load_guarded_api('keystead.trading:api'), GuardedApi)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("command", EVERY_COMMAND, ids=lambda command: command.name)
def test_each_command_help_is_the_command_s_own(command: LazyCommand) -> None:
    group = get_command(app)
    assert isinstance(group, LazyGroup)
    context = group.make_context("keystead", [command.name])
    _, real, _ = group.resolve_command(context, [command.name])
    assert real is not None
    assert real.help is not None
    assert " ".join(real.help.split("\n\n")[0].split()) == command.help  # the listed line
    shown = runner.invoke(app, [command.name, "--help"], env={"COLUMNS": "200"})
    assert shown.exit_code == 0
    for name in getattr(real, "commands", {}):  # a group's commands, one row each
        assert f"│ {name} " in shown.output


def guarded_module(monkeypatch: pytest.MonkeyPatch, **attributes: object) -> None:
    """A guarded API's module `guarded_test`, named by KEYSTEAD_GUARDED_API."""
    module = ModuleType("guarded_test")
    for name, value in attributes.items():
        setattr(module, name, value)
    monkeypatch.setitem(sys.modules, "guarded_test", module)
    monkeypatch.setenv("KEYSTEAD_GUARDED_API", "guarded_test:api")


def test_a_guarded_api_that_cannot_load_leaves_the_rest_working(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KEYSTEAD_GUARDED_API", "no_such_module:api")
    listed = runner.invoke(app, ["--help"])
    assert listed.exit_code == 0
    assert "account" in listed.output
    assert "bots" not in listed.output
    assert runner.invoke(app, ["db", "--help"]).exit_code == 0


def test_a_guarded_api_s_commands_as_pairs_are_listed_once_it_is_loaded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    widgets = typer.Typer(help="Widgets.", no_args_is_help=True)
    widgets.command("count")(lambda: print(3))
    guarded_module(monkeypatch, api=GuardedApi("widgets", (), commands=(("widgets", widgets),)))
    assert "Widgets." in runner.invoke(app, ["--help"]).output
    assert runner.invoke(app, ["widgets", "count"]).output == "3\n"


def test_a_listed_command_that_cannot_be_imported_is_a_clean_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    guarded_module(monkeypatch, COMMANDS=(LazyCommand("gone", "no_such_module:app", "Gone."),))
    assert "Gone." in runner.invoke(app, ["--help"]).output
    failed = runner.invoke(app, ["gone", "--help"])
    assert failed.exit_code == 1
    assert "keystead gone: cannot load no_such_module:app" in failed.output
    assert "Traceback" not in failed.output
