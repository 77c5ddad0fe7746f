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

UPSTREAM_PROXY = "keystead.proxy:upstream_api"
"""The factory of the guarded API that forwards to `KEYSTEAD_UPSTREAM_URL`."""

if TYPE_CHECKING:
    import typer

    from keystead.config import Settings
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


def _attribute(path: str) -> Any:
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
    return getattr(module, attribute, None)
