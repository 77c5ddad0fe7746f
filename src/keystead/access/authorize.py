"""[3] Which permission each `/v1` route needs, declared at the route, compiled at start-up."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from fastapi.routing import RouteContext, iter_route_contexts
from starlette.routing import BaseRoute, Match
from starlette.types import Scope

from keystead.access.principal import Principal
from keystead.errors import InvalidPermissions
from keystead.paths import is_guarded

_ATTRIBUTE = "__keystead_permission__"
_KNOWN_PATHS = 4096

Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def requires(permission: str) -> Callable[[Endpoint], Endpoint]:
    """Declare the permission a `/v1` endpoint needs. Put it under the route decorator."""

    def mark(endpoint: Endpoint) -> Endpoint:
        setattr(endpoint, _ATTRIBUTE, permission)
        return endpoint

    return mark


def declared_permission(endpoint: object) -> str | None:
    """The permission `@requires` put on an endpoint, if any."""
    permission: str | None = getattr(endpoint, _ATTRIBUTE, None)
    return permission


class PermissionTable:
    """The compiled route → permission table the guard reads on every request."""

    def __init__(self, routes: Iterable[BaseRoute]) -> None:
        self._entries: list[tuple[RouteContext, str]] = []
        self._known: dict[tuple[str, str], str | None] = {}
        missing = []
        # Included routers are nested; iter_route_contexts flattens them with full paths.
        for route in iter_route_contexts(list(routes)):
            if route.path is None or not is_guarded(route.path):
                continue
            permission = declared_permission(route.endpoint)
            if permission is None:
                missing.append(f"{sorted(route.methods or [])} {route.path}")
                continue
            self._entries.append((route, permission))
        if missing:
            raise RuntimeError(f"/v1 routes without a declared permission: {missing}")

    def __iter__(self) -> Any:
        return iter(self._entries)

    def permission_for(self, scope: Scope) -> str | None:
        """The permission of the route this request will reach; None if no route matches."""
        # Matching is a regex per route; the answer depends only on method and path,
        # so it is remembered (bounded: a flood of distinct paths only empties it).
        key = (scope["method"], scope["path"])
        try:
            return self._known[key]
        except KeyError:
            pass
        permission = self._match(scope)
        if len(self._known) >= _KNOWN_PATHS:
            self._known.clear()
        self._known[key] = permission
        return permission

    def _match(self, scope: Scope) -> str | None:
        for route, permission in self._entries:
            match, _ = route.matches(scope)
            if match is Match.FULL:
                return permission
        return None


def authorize(principal: Principal, permission: str | None) -> None:
    # A StrEnum member hashes and compares as its id, so it is looked up directly
    # (`.value` is a descriptor call on every request).
    if permission is not None and permission not in principal.permissions:
        raise InvalidPermissions
