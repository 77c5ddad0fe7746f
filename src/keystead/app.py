"""[1] create_app(settings): open backends, mount routers, handlers, middleware, lifespan."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import structlog
from fastapi import APIRouter, FastAPI
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from keystead.access.authorize import PermissionTable
from keystead.access.guard import AccessGuard, AccessPath
from keystead.api import include_routers
from keystead.api.forward_auth import ForwardAuth
from keystead.background import Background
from keystead.clock import Clock
from keystead.config import Settings
from keystead.edge.front import REQUEST_LINES, Front
from keystead.edge.head import HeadAsGet
from keystead.edge.headers import default_headers
from keystead.edge.limits import RequestLimitPolicy, RequestLimits
from keystead.envelope import install_error_handlers
from keystead.guarded_api import GuardedApi
from keystead.observability import FRAMEWORK_TELEMETRY_OFF, Metrics, configure_logging
from keystead.runtime import Runtime, build_runtime
from keystead.version import __version__
from keystead.web import include_pages

logger = structlog.get_logger("keystead.app")

DESCRIPTION = (
    "keystead guards an API with accounts, API terms, scoped expiring bearer tokens, "
    "per-account rate limits and a fixed JSON envelope."
)


def _freeze_startup_heap() -> None:
    """Keep what start-up made out of the cyclic garbage collector's full passes.

    The app, its models, routes and compiled statements are some 190,000 objects that
    live as long as the process. A full collection walks all of them, 50 to 100 ms
    on this machine, and it comes whenever enough newer objects have outlived two
    younger passes: under steady load, every so often, as a request's stall of tens
    of milliseconds. Frozen, they are never walked again; what requests make is
    collected as before. Not for tests, which start many apps in one process."""
    gc.collect()
    gc.freeze()


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    runtime: Runtime | None = None,
    api: GuardedApi | None = None,
    routers: Sequence[APIRouter] = (),
    freeze_startup_heap: bool = False,
) -> FastAPI:
    """The keystead app guarding `api` (default: the one `KEYSTEAD_GUARDED_API` names).

    `routers` are more routes to serve, matched before everything else; their `/v1`
    routes sit behind the access path and declare their permission with `@requires`.
    A server process passes `freeze_startup_heap` (see `_freeze_startup_heap`).
    """
    settings = settings or Settings()
    configure_logging(settings.log_level)
    runtime = runtime or build_runtime(settings, clock, api)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await runtime.bus.start()
        await runtime.journal.start()
        background = Background()
        background.every(runtime.journal.interval, runtime.journal.poll, "journal poll")
        background.every(runtime.usage.interval, runtime.usage.flush, "usage flush")
        background.every(runtime.jobs.interval, runtime.jobs.run_once, "jobs run")
        delivery = runtime.jobs.delivery
        background.every(runtime.settings.mail_delivery_seconds, delivery.run_once, "mail delivery")
        if freeze_startup_heap:
            _freeze_startup_heap()
        try:
            yield
        finally:
            await background.stop()
            try:
                await runtime.usage.flush()
            except Exception as error:  # closing the runtime must not depend on it
                logger.error("usage flush at shutdown failed", error_type=type(error).__name__)
            await runtime.close()
            REQUEST_LINES.flush()

    app = FastAPI(
        title="keystead",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        telemetry=FRAMEWORK_TELEMETRY_OFF,
    )
    # A redirect has no envelope and breaks clients that do not follow it for PUT;
    # the /v1 collections answer with and without the slash explicitly instead.
    app.router.redirect_slashes = False
    app.state.runtime = runtime
    app.state.metrics = Metrics()
    # The operator's routes first: they are the traffic, and are matched before ours.
    for router in routers:
        app.include_router(router)
    include_routers(app, runtime.api.routers, runtime.permissions)
    include_pages(app, runtime.api)
    app.state.permissions = PermissionTable(app.routes)
    # Added last = outermost. Outside in: request log and security headers, HEAD as GET,
    # request limits, access guard; the log and the headers see every answer.
    access = AccessPath(
        authenticator=runtime.authenticator,
        permissions=app.state.permissions,
        limiter=runtime.rate_limiter,
        usage=runtime.usage,
        clock=runtime.clock,
    )
    # Forward-auth runs the same access path for a proxy the operator already runs.
    app.state.forward_auth = ForwardAuth(access, runtime.assertions)
    app.add_middleware(AccessGuard, access=access)
    install_edge(app, settings)
    return app


def install_edge(app: FastAPI, settings: Settings) -> None:
    """The envelope for every error, and the middleware around whatever guards the app
    (added last = outermost): every keystead app answers its edge the same way."""
    install_error_handlers(
        app,
        {name.decode(): value.decode() for name, value in default_headers(settings.is_https)},
    )
    app.add_middleware(
        RequestLimits,
        policy=RequestLimitPolicy(
            max_header_bytes=settings.max_request_header_bytes,
            max_body_bytes=settings.max_request_body_bytes,
            max_json_depth=settings.max_json_depth,
        ),
    )
    app.add_middleware(HeadAsGet)
    app.add_middleware(Front, metrics=app.state.metrics, headers=default_headers(settings.is_https))
    if settings.trusted_proxies:
        # Outermost, so the log, the limits and the access path all see the real client.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)
