"""The seam between keystead and the API it guards.

A guarded API is a `GuardedApi`: the permissions it declares and its `/v1` routes
(each marked with `@requires`), and optionally its services, pages, page templates,
demo data and CLI commands. keystead mounts the one that `KEYSTEAD_GUARDED_API` names
(`module:attribute`; default: the built-in trading API, `keystead.trading:api`) or the
one handed to `create_app(api=…)`. The platform never imports a guarded API's package:
everything it knows of one passes through this object, so an operator's own API takes
the trading API's place without an edit to keystead.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter

from keystead.access.permissions import PermissionInfo
from keystead.errors import ConfigurationError

if TYPE_CHECKING:
    import typer

    from keystead.runtime import Runtime
    from keystead.store.models import Account


@dataclass(frozen=True, slots=True)
class NavLink:
    """A link in the signed-in page header."""

    label: str
    path: str


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
    commands: tuple[tuple[str, typer.Typer], ...] = ()
    """Operator commands, mounted as `keystead <name> …`."""


@cache
def load_guarded_api(path: str) -> GuardedApi:
    """The `GuardedApi` that `module:attribute` names."""
    module_name, _, attribute = path.partition(":")
    if not module_name or not attribute:
        raise ConfigurationError(
            f"KEYSTEAD_GUARDED_API={path!r} must name `module:attribute` "
            "(e.g. keystead.trading:api)"
        )
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise ConfigurationError(
            f"KEYSTEAD_GUARDED_API: cannot import {module_name!r} ({error})"
        ) from error
    api = getattr(module, attribute, None)
    if not isinstance(api, GuardedApi):
        raise ConfigurationError(
            f"KEYSTEAD_GUARDED_API: {path!r} is not a keystead GuardedApi "
            f"(found {type(api).__name__})"
        )
    return api
