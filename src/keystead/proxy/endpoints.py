"""[5] The upstream's routes as keystead routes: each declares its permission, so the
access path guards them like any `/v1` route, and forwards what it admitted."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request
from starlette.responses import Response

from keystead.access.authorize import requires
from keystead.api.deps import principal_of
from keystead.errors import NotFound
from keystead.proxy.routes import PARAMETER, RouteTable, UpstreamRoute
from keystead.proxy.upstream import Upstream


def upstream_of(request: Request) -> Upstream:
    services = request.app.state.runtime.guarded_services
    if not isinstance(services, Upstream):  # pragma: no cover - mounted only with it
        raise RuntimeError("the upstream proxy is not the API this app guards")
    return services


def _readings(path: str) -> set[str]:
    """How servers that ignore case, or read `.json` as a format, could read a path."""
    folded = path.lower()
    head, _, last = folded.rpartition("/")
    stem = last.rpartition(".")[0] if "." in last else last
    return {folded, f"{head}/{stem}"} - {path}


def _unambiguous(request: Request, permission: str) -> None:
    """A parameter that another reading turns into a route of another permission
    (`/v1/widgets/EXPORT` beside `GET /v1/widgets/export`) is not forwarded: the
    upstream might serve the other route for the permission of this one."""
    table = request.app.state.permissions
    for reading in _readings(request.scope["path"]):
        other = table.permission_for({**request.scope, "path": reading})
        if other is not None and other != permission:
            raise NotFound("Route")


def _forwarder(permission: str) -> Callable[[Request], Awaitable[Response]]:
    @requires(permission)
    async def forward(request: Request) -> Response:
        _unambiguous(request, permission)
        return await upstream_of(request).forward(request, principal_of(request))

    return forward


def _documented(route: UpstreamRoute) -> dict[str, object]:
    parameters = [
        {"name": match[1], "in": "path", "required": True, "schema": {"type": "string"}}
        for match in PARAMETER.finditer(route.path)
    ]
    return {"parameters": parameters} if parameters else {}


def router_for(table: RouteTable) -> APIRouter:
    router = APIRouter(tags=["upstream"])
    for route in table.routes:
        router.add_api_route(
            route.path,
            _forwarder(route.permission),
            methods=[route.method],
            name=f"upstream {route.method} {route.path}",
            summary=f"{route.method} {route.path}: forwarded to the upstream",
            description=f"Needs `{route.permission}`. The upstream's own answer: its status, "
            "headers and body; 502 `Upstream unavailable` or 504 `Upstream timed out` "
            "when it cannot give one.",
            openapi_extra=_documented(route),
        )
    return router
