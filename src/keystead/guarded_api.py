"""The seam between keystead and the API it guards.

A guarded API is a `GuardedApi`: the permissions it declares and its `/v1` routes
(each marked with `@requires`), and optionally its services, pages, page templates,
demo data and CLI commands. keystead mounts the one that `KEYSTEAD_GUARDED_API` names
(`module:attribute`; default: the built-in trading API, `keystead.trading:api`) or the
one handed to `create_app(api=…)`. The platform never imports a guarded API's package:
everything it knows of one passes through this object, so an operator's own API takes
the trading API's place without an edit to keystead.

In proxy mode (`KEYSTEAD_UPSTREAM_URL`) the mounted API is the upstream proxy
(`keystead.proxy`), built from the settings: the same seam, its routes forwarded.

Its CLI commands are `LazyCommand`s: a name, the one line `keystead --help` shows, and
the `typer.Typer` to import when the command runs. So that `keystead --help` lists them
without building the API, its module may declare them as `COMMANDS` and build the
`GuardedApi` only when it is asked for (the trading API's `__init__.py` does both);
otherwise the CLI loads the API to list them.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import cache
from types import ModuleType
from typing import TYPE_CHECKING, Any

from keystead.access.permissions import PermissionInfo
from keystead.errors import ConfigurationError

UPSTREAM_PROXY = "keystead.proxy:upstream_api"
"""The factory of the guarded API that forwards to `KEYSTEAD_UPSTREAM_URL`."""

if TYPE_CHECKING:
    import typer
    from fastapi import APIRouter

    from keystead.config import Settings
    from keystead.runtime import Runtime
    from keystead.store.models import Account


@dataclass(frozen=True, slots=True)
class NavLink:
    """A link in the signed-in page header."""

    label: str
    path: str


@dataclass(frozen=True, slots=True)
class LazyCommand:
    """A CLI command, `keystead <name> …`, imported only when it runs."""

    name: str
    target: str
    """`module:attribute`: a `typer.Typer` (a group of commands) or a function (one command)."""
    help: str
    """What `keystead --help` shows for it: the first paragraph of the target's own help."""


@dataclass(frozen=True)
class GuardedApi:
    """What a guarded API brings to keystead."""

    name: str
    permissions: tuple[PermissionInfo, ...]
    """Its entries of the permission catalogue, in the order the token page lists them."""
    routers: tuple[APIRouter, ...] = ()
    """Its `/v1` routes: behind the access path, each declaring its permission."""
    start: Callable[[Runtime], Any] | None = None
    """Builds its services once the platform's runtime exists; the result is
    `runtime.guarded_services`, built once per process (and per CLI command)."""
    pages: tuple[APIRouter, ...] = ()
    """Its web pages (signed-in members, the same services)."""
    templates: str | None = None
    """The package whose `templates/` folder holds its page templates."""
    nav: tuple[NavLink, ...] = ()
    seed_demo: Callable[[Runtime, Account], Awaitable[None]] | None = None
    """Gives the demo account data to look at (`keystead serve --demo`); idempotent."""
    commands: tuple[LazyCommand | tuple[str, typer.Typer], ...] = ()
    """Operator commands, mounted as `keystead <name> …`: `LazyCommand`s, or
    `(name, typer.Typer)` pairs, which `keystead --help` lists only by loading the API."""
    ready: Callable[[Any], Awaitable[dict[str, str]]] | None = None
    """Given its services: what `/readyz` reports of it, each check `ok` or why not."""
    stop: Callable[[Any], Awaitable[None]] | None = None
    """Given its services: releases what `start` opened (connections), at shutdown."""


def mounted_api(settings: Settings) -> GuardedApi:
    """The API this configuration guards: the upstream proxy when `KEYSTEAD_UPSTREAM_URL`
    is set, otherwise the one `KEYSTEAD_GUARDED_API` names."""
    if settings.upstream_url is None:
        return load_guarded_api(settings.guarded_api)
    factory = _attribute(UPSTREAM_PROXY)
    api = factory(settings)
    if not isinstance(api, GuardedApi):  # pragma: no cover - keystead's own factory
        raise ConfigurationError(f"{UPSTREAM_PROXY} did not build a GuardedApi")
    return api


@cache
def load_guarded_api(path: str) -> GuardedApi:
    """The `GuardedApi` that `module:attribute` names."""
    api = _attribute(path)
    if not isinstance(api, GuardedApi):
        raise ConfigurationError(
            f"KEYSTEAD_GUARDED_API: {path!r} is not a keystead GuardedApi "
            f"(found {type(api).__name__})"
        )
    return api


def guarded_commands(path: str) -> tuple[LazyCommand | tuple[str, typer.Typer], ...]:
    """The CLI commands of the guarded API that `module:attribute` names: the module's
    `COMMANDS` when it declares them, which imports that module alone, or else the
    loaded API's `commands`."""
    declared = getattr(_module(path), "COMMANDS", None)
    if declared is None:
        return load_guarded_api(path).commands
    if not isinstance(declared, tuple) or not all(isinstance(c, LazyCommand) for c in declared):
        raise ConfigurationError(f"{path!r}: COMMANDS must be a tuple of LazyCommands")
    return declared


def _attribute(path: str) -> Any:
    return getattr(_module(path), path.partition(":")[2], None)


def _module(path: str) -> ModuleType:
    module_name, _, attribute = path.partition(":")
    if not module_name or not attribute:
        raise ConfigurationError(
            f"KEYSTEAD_GUARDED_API={path!r} must name `module:attribute` "
            "(e.g. keystead.trading:api)"
        )
    try:
        return importlib.import_module(module_name)
    except ImportError as error:
        raise ConfigurationError(
            f"KEYSTEAD_GUARDED_API: cannot import {module_name!r} ({error})"
        ) from error
