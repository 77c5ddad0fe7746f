"""A command group that imports each command only when it runs.

Its listing (`keystead --help`) shows each command by the name and line of help it
is declared with (`LazyCommand`), so listing them imports none of them; naming one
(`keystead account …`, `keystead account --help`) imports its module alone.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import typer
from typer.core import TyperCommand, TyperGroup
from typer.main import get_group

from keystead.cli.common import fail
from keystead.guarded_api import LazyCommand

if TYPE_CHECKING:
    # The Click that Typer's group is typed with: its own copy since Typer 0.2x.
    from typer._click import Command, Context


class LazyGroup(TyperGroup):
    """Typer's group, its commands declared by `declared` (listed in that order) and
    `more_commands()` (asked for only when a listing or a name not declared needs it)."""

    declared: ClassVar[tuple[LazyCommand, ...]] = ()

    def __init__(self, **attributes: Any) -> None:
        super().__init__(**attributes)
        for command in self.declared:
            self.commands[command.name] = _Listed(command)
        self._more_added = False

    def more_commands(self) -> Sequence[LazyCommand | tuple[str, typer.Typer]]:
        return ()

    def list_commands(self, ctx: Context) -> list[str]:
        self._add_more()
        return super().list_commands(ctx)

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        if cmd_name not in self.commands:
            self._add_more()
        return super().get_command(ctx, cmd_name)

    def resolve_command(
        self, ctx: Context, args: list[str]
    ) -> tuple[str | None, Command | None, list[str]]:
        """The command about to run (or show its help): imported now."""
        name, command, rest = super().resolve_command(ctx, args)
        if name is not None and isinstance(command, _Listed):
            command = self.commands[name] = command.load()
        return name, command, rest

    def _add_more(self) -> None:
        if self._more_added:
            return
        self._more_added = True
        for command in self.more_commands():
            if isinstance(command, LazyCommand):
                self.commands.setdefault(command.name, _Listed(command))
            else:  # (name, typer.Typer): imported already
                name, group = command
                self.commands.setdefault(name, _mounted(name, group))


class _Listed(TyperCommand):
    """A command in its group's listing: its name and help, not yet imported."""

    def __init__(self, declared: LazyCommand) -> None:
        super().__init__(declared.name, help=declared.help)
        self.declared = declared

    def load(self) -> Command:
        name, path = self.declared.name, self.declared.target
        module, _, attribute = path.partition(":")
        try:
            target = getattr(importlib.import_module(module), attribute)
        except (ImportError, AttributeError) as error:
            fail(f"keystead {name}: cannot load {path} ({error})")
            raise  # unreachable; fail() exits
        return _mounted(name, target)


def _mounted(name: str, target: typer.Typer | Callable[..., Any]) -> Command:
    """`target` (a `typer.Typer`, or a function for one command) as Typer mounts it under
    `name`: the same command `app.add_typer(target, name=name)` would make."""
    holder = typer.Typer()
    if isinstance(target, typer.Typer):
        holder.add_typer(target, name=name)
    else:
        holder.command(name)(target)
    return get_group(holder).commands[name]
