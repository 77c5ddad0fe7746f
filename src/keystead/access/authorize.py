"""[3] Which permission each `/v1` route needs, declared at the route, compiled at start-up
into the one table the guard matches a request against (and dispatches it by)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi.routing import RouteContext, iter_route_contexts
from starlette.routing import BaseRoute, Match
from starlette.types import Scope

from keystead.access.dispatch import DirectEndpoint, direct_endpoint
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


@dataclass(frozen=True, slots=True)
class RouteMatch:
    """The `/v1` route a request reaches: the permission it needs, its path parameters,
    and its endpoint to call directly (None: FastAPI calls it)."""

    permission: str
    path_params: dict[str, Any]
    endpoint: DirectEndpoint | None


class PermissionTable:
    """The compiled `/v1` route table the guard reads on every request: which route a
    request reaches, the permission it needs, and how its endpoint is called."""

    def __init__(self, routes: Iterable[BaseRoute]) -> None:
        self._entries: list[tuple[RouteContext, str, DirectEndpoint | None]] = []
        self._known: dict[tuple[str, str], RouteMatch | None] = {}
        missing = []
        # Included routers are nested; iter_route_contexts flattens them with full paths,
        # in the order the router tries them.
        for route in iter_route_contexts(list(routes)):
            if route.path is None or not is_guarded(route.path):
                continue
            permission = declared_permission(route.endpoint)
            if permission is None:
                missing.append(f"{sorted(route.methods or [])} {route.path}")
                continue
            self._entries.append((route, permission, direct_endpoint(route)))
        if missing:
            raise RuntimeError(f"/v1 routes without a declared permission: {missing}")

    def __iter__(self) -> Iterator[tuple[RouteContext, str]]:
        return ((route, permission) for route, permission, _endpoint in self._entries)

    def permission_for(self, scope: Scope) -> str | None:
        """The permission of the route this request will reach; None if no route matches."""
        found = self.route_for(scope)
        return None if found is None else found.permission

    def route_for(self, scope: Scope) -> RouteMatch | None:
        """The route this request reaches; None if no route matches."""
        # Matching is a regex per route; the answer depends only on method and path,
        # so it is remembered (bounded: a flood of distinct paths only empties it).
        key = (scope["method"], scope["path"])
        try:
            return self._known[key]
        except KeyError:
            pass
        found = self._match(scope)
        if len(self._known) >= _KNOWN_PATHS:
            self._known.clear()
        self._known[key] = found
        return found

    def _match(self, scope: Scope) -> RouteMatch | None:
        for route, permission, endpoint in self._entries:
            match, child = route.matches(scope)
            if match is Match.FULL:
                return RouteMatch(permission, child.get("path_params", {}), endpoint)
        return None


def authorize(principal: Principal, permission: str | None) -> None:
    # A StrEnum member hashes and compares as its id, so it is looked up directly
    # (`.value` is a descriptor call on every request).
    if permission is not None and permission not in principal.permissions:
        raise InvalidPermissions
