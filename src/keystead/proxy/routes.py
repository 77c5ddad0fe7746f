"""The upstream's permissions and routes: `KEYSTEAD_UPSTREAM_ROUTES`, or the table of
the API keystead would otherwise mount.

The file is TOML::

    [[permissions]]
    id = "reports:read"
    label = "Read reports"
    description = "Daily and monthly reports"   # optional: shown on the token page
    resource = "Reports"                        # optional: the token page's group

    [[routes]]
    method = "GET"
    path = "/v1/reports/{day}"
    permission = "reports:read"

It is checked whole at start-up; the first thing wrong stops start-up with its file,
line and reason, since a route that silently went missing would be a 404 in
production and a permission that went missing a token nobody can create.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, NoReturn

from fastapi import APIRouter
from fastapi.routing import iter_route_contexts
from starlette.routing import compile_path

from keystead.access.authorize import declared_permission
from keystead.access.permissions import ACCOUNT_READ, PermissionInfo
from keystead.errors import ConfigurationError
from keystead.paths import GUARDED_PREFIX

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_PERMISSION_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}")
PARAMETER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(:path)?\}")
_LITERAL = re.compile(r"[A-Za-z0-9._~!$&'()*+,=:@-]*")
"""What a literal segment may hold: unreserved and sub-delimiter characters, never
`%` (a route matches decoded paths) or `;` (refused in requests)."""
_PREFIX = GUARDED_PREFIX + "/"
_OWN_PATH = GUARDED_PREFIX + "/account"
_PERMISSION_KEYS = frozenset({"id", "label", "description", "resource"})
_ROUTE_KEYS = frozenset({"method", "path", "permission"})


@dataclass(frozen=True, slots=True)
class UpstreamRoute:
    method: str
    path: str
    """A path template: literal segments, `{name}` for one segment, `{name:path}` last."""
    permission: str


@dataclass(frozen=True)
class RouteTable:
    permissions: tuple[PermissionInfo, ...]
    routes: tuple[UpstreamRoute, ...]
    """Most specific first: a literal segment is tried before a parameter in its place."""


def specificity(route: UpstreamRoute) -> tuple[int, ...]:
    return tuple(
        2 if segment.endswith(":path}") else 1 if segment.startswith("{") else 0
        for segment in route.path.split("/")
    )


def table_of_routers(
    permissions: Iterable[PermissionInfo], routers: Iterable[APIRouter]
) -> RouteTable:
    """The route table of an API's own routers (the built-in trading API's, when no
    file is given): what an upstream speaking that API answers."""
    routes: list[UpstreamRoute] = []
    for router in routers:
        for context in iter_route_contexts(list(router.routes)):
            permission = declared_permission(context.endpoint)
            if context.path is None or permission is None:
                continue
            routes.extend(
                UpstreamRoute(method, context.path, permission)
                for method in sorted(context.methods or ())
            )
    return RouteTable(tuple(permissions), tuple(sorted(routes, key=specificity)))


def load_routes(path: Path) -> RouteTable:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigurationError(
            f"KEYSTEAD_UPSTREAM_ROUTES: cannot read {path} ({error})"
        ) from error
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigurationError(f"KEYSTEAD_UPSTREAM_ROUTES: {path}: {error}") from error
    return _Reader(path, text).table(document)


class _Reader:
    """Validates a parsed file, naming the line of whatever is wrong."""

    def __init__(self, path: Path, text: str) -> None:
        self._path = path
        self._lines = text.splitlines()

    def table(self, document: dict[str, Any]) -> RouteTable:
        unknown = sorted(set(document) - {"permissions", "routes"})
        if unknown:
            self._fail(
                None, None, f"unknown key {unknown[0]!r}: only [[permissions]] and [[routes]]"
            )
        permissions = [
            self._permission(index, entry)
            for index, entry in enumerate(self._entries(document, "permissions"))
        ]
        ids = {ACCOUNT_READ}
        for index, info in enumerate(permissions):
            if info.id in ids:
                self._fail(("permissions", index), "id", f"permission {info.id!r} declared twice")
            ids.add(info.id)
        routes: list[UpstreamRoute] = []
        seen: dict[tuple[str, str], int] = {}
        for index, entry in enumerate(self._entries(document, "routes")):
            route = self._route(index, entry, ids)
            # `{a}` and `{a:path}` in one place overlap: one would hide the other.
            shape = (route.method, PARAMETER.sub("{}", route.path))
            if shape in seen:
                self._fail(
                    ("routes", index),
                    "path",
                    f"duplicate route: {route.method} {route.path} "
                    f"(already declared by route {seen[shape] + 1})",
                )
            seen[shape] = index
            routes.append(route)
        if not routes:
            self._fail(None, None, "declares no [[routes]]: nothing would be forwarded")
        return RouteTable(
            tuple(
                replace(info, guards=info.guards or _guards(info.id, routes))
                for info in permissions
            ),
            tuple(sorted(routes, key=specificity)),
        )

    def _entries(self, document: dict[str, Any], kind: str) -> list[Any]:
        entries = document.get(kind, [])
        if not isinstance(entries, list):
            self._fail(None, None, f"{kind!r} must be an array of tables: [[{kind}]]")
        return entries

    def _permission(self, index: int, entry: Any) -> PermissionInfo:
        where = ("permissions", index)
        fields = self._fields(where, entry, _PERMISSION_KEYS)
        permission_id = self._text(where, fields, "id")
        if not _PERMISSION_ID.fullmatch(permission_id):
            self._fail(
                where,
                "id",
                f"permission id {permission_id!r} must be 1 to 64 letters, digits and "
                "'_.:-', starting with a letter or digit (no spaces: scopes are space-separated)",
            )
        label = self._text(where, fields, "label")
        description = self._text(where, fields, "description", required=False)
        resource = self._text(where, fields, "resource", required=False)
        default_resource = permission_id.partition(":")[0].replace("_", " ").title()
        return PermissionInfo(permission_id, label, resource or default_resource, description)

    def _route(self, index: int, entry: Any, permissions: set[str]) -> UpstreamRoute:
        where = ("routes", index)
        fields = self._fields(where, entry, _ROUTE_KEYS)
        method = self._text(where, fields, "method").upper()
        if method not in METHODS:
            self._fail(
                where, "method", f"method {method!r} must be one of {', '.join(sorted(METHODS))}"
            )
        path = self._text(where, fields, "path")
        problem = _path_problem(path)
        if problem:
            self._fail(where, "path", f"path {path!r} {problem}")
        permission = self._text(where, fields, "permission")
        if permission not in permissions or permission == ACCOUNT_READ:
            self._fail(
                where,
                "permission",
                f"unknown permission {permission!r}: declare it in a [[permissions]] table",
            )
        return UpstreamRoute(method, path, permission)

    def _fields(
        self, where: tuple[str, int], entry: Any, allowed: frozenset[str]
    ) -> dict[str, Any]:
        if not isinstance(entry, dict):
            self._fail(where, None, "each entry must be a table")
        unknown = sorted(set(entry) - allowed)
        if unknown:
            self._fail(
                where,
                unknown[0],
                f"unknown key {unknown[0]!r}; allowed: {', '.join(sorted(allowed))}",
            )
        return entry

    def _text(
        self, where: tuple[str, int], fields: dict[str, Any], key: str, required: bool = True
    ) -> str:
        value = fields.get(key)
        if value is None and not required:
            return ""
        if not isinstance(value, str) or not value.strip():
            self._fail(where, key, f"{key!r} must be a non-empty string")
        if any(ord(char) < 0x20 or ord(char) == 0x7F for char in value) or len(value) > 500:
            self._fail(
                where, key, f"{key!r} must be at most 500 characters, without control characters"
            )
        return value.strip()

    def _fail(self, where: tuple[str, int] | None, key: str | None, reason: str) -> NoReturn:
        line = self._line(where, key)
        if line is None:
            raise ConfigurationError(f"KEYSTEAD_UPSTREAM_ROUTES: {self._path}: {reason}")
        raise ConfigurationError(
            f"KEYSTEAD_UPSTREAM_ROUTES: {self._path}:{line}: {reason}: "
            f"{self._lines[line - 1].strip()}"
        )

    def _line(self, where: tuple[str, int] | None, key: str | None) -> int | None:
        """The 1-based line of entry `where` (its `key = …` line if there is one)."""
        if where is None:
            return None
        kind, index = where
        header = re.compile(rf"\s*\[\[\s*{kind}\s*\]\]")
        starts = [number for number, text in enumerate(self._lines) if header.match(text)]
        if index >= len(starts):
            return None  # written another way (an inline array): no line to point at
        start = starts[index]
        if key is not None:
            assignment = re.compile(rf"\s*{re.escape(key)}\s*=")
            for number in range(start + 1, len(self._lines)):
                if self._lines[number].lstrip().startswith("["):
                    break
                if assignment.match(self._lines[number]):
                    return number + 1
        return start + 1


def _path_problem(path: str) -> str | None:
    if not path.startswith(_PREFIX):
        return f"must begin with {_PREFIX}"
    if path == _OWN_PATH or path.startswith(_OWN_PATH + "/"):
        return f"is keystead's own ({_OWN_PATH})"
    segments = path[len(_PREFIX) :].split("/")
    names = []
    for position, segment in enumerate(segments):
        parameter = PARAMETER.fullmatch(segment)
        if parameter:
            if parameter[2] and position != len(segments) - 1:
                return "may use {name:path} only as its last segment"
            names.append(parameter[1])
        elif (
            not _LITERAL.fullmatch(segment)
            or segment in (".", "..")
            or (not segment and position != len(segments) - 1)
        ):
            return "must be literal segments and {name} parameters, without spaces, %, ;, ? or #"
    if len(names) != len(set(names)):
        return "names a parameter twice"
    pattern, _, _ = compile_path(path)
    if any(pattern.match(own) for own in (_OWN_PATH, _OWN_PATH + "/")):
        return f"would take keystead's own {_OWN_PATH}"
    return None


def _guards(permission: str, routes: Iterable[UpstreamRoute]) -> str:
    """What the token page shows under a permission the file does not describe."""
    return ", ".join(
        f"{route.method} {route.path}" for route in routes if route.permission == permission
    )
