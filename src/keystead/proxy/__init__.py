"""The upstream proxy: keystead in front of the operator's own HTTP API.

With `KEYSTEAD_UPSTREAM_URL` set, this is the guarded API keystead mounts (through
the same seam as the built-in trading API, `keystead.guarded_api`): its permissions
and routes come from `KEYSTEAD_UPSTREAM_ROUTES`, or are the trading API's when no
file is given, and every admitted `/v1` request is forwarded to the upstream with a
signed `Keystead-Assertion`. A request no declared route matches never leaves keystead.
"""

from __future__ import annotations

from typing import Any

from keystead.config import Settings
from keystead.guarded_api import GuardedApi, load_guarded_api
from keystead.proxy.endpoints import router_for
from keystead.proxy.routes import RouteTable, load_routes, table_of_routers
from keystead.proxy.upstream import Upstream
from keystead.runtime import Runtime


def route_table(settings: Settings) -> RouteTable:
    if settings.upstream_routes is not None:
        return load_routes(settings.upstream_routes)
    # An upstream that speaks the API keystead would otherwise serve itself.
    api = load_guarded_api(settings.guarded_api)
    return table_of_routers(api.permissions, api.routers)


def _start(runtime: Runtime) -> Upstream:
    settings = runtime.settings
    assert settings.upstream_url is not None
    return Upstream(
        settings.upstream_url,
        timeout=settings.upstream_timeout_seconds,
        pool_size=settings.upstream_pool_size,
        health_path=settings.upstream_health_path,
        assertions=runtime.assertions,
        clock=runtime.clock,
    )


async def _ready(upstream: Any) -> dict[str, str]:
    assert isinstance(upstream, Upstream)
    return await upstream.ready()


async def _stop(upstream: Any) -> None:
    if isinstance(upstream, Upstream):
        await upstream.close()


def upstream_api(settings: Settings) -> GuardedApi:
    """The guarded API that forwards to `KEYSTEAD_UPSTREAM_URL` (`guarded_api.mounted_api`)."""
    table = route_table(settings)
    return GuardedApi(
        name="upstream",
        permissions=table.permissions,
        routers=(router_for(table),),
        start=_start,
        ready=_ready,
        stop=_stop,
    )
