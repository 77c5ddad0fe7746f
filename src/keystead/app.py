"""[1] create_app(settings): open backends, mount routers, handlers, middleware, lifespan."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

from keystead.access.authorize import PermissionTable
from keystead.access.guard import AccessGuard, AccessPath
from keystead.api import include_routers
from keystead.clock import Clock
from keystead.config import Settings
from keystead.envelope import install_error_handlers
from keystead.observability import Metrics, RequestLog, configure_logging
from keystead.runtime import Runtime, build_runtime
from keystead.version import __version__
from keystead.web import include_pages

DESCRIPTION = (
    "keystead guards an API with accounts, API terms, scoped expiring bearer tokens, "
    "per-account rate limits and a fixed JSON envelope."
)


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    runtime: Runtime | None = None,
    routers: Sequence[APIRouter] = (),
) -> FastAPI:
    """The keystead app. `routers` are more routes to serve; their `/v1` routes sit
    behind the access path and declare their permission with `@requires`."""
    settings = settings or Settings()
    configure_logging(settings.log_level)
    runtime = runtime or build_runtime(settings, clock)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await runtime.bus.start()
        await runtime.journal.start()
        background = [
            asyncio.create_task(runtime.journal.run()),
            asyncio.create_task(runtime.last_used.run()),
            asyncio.create_task(runtime.jobs.run()),
        ]
        try:
            yield
        finally:
            for task in background:
                task.cancel()
            await asyncio.gather(*background, return_exceptions=True)
            await runtime.last_used.flush()
            await runtime.close()

    app = FastAPI(
        title="keystead",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    # A redirect has no envelope and breaks clients that do not follow it for PUT;
    # the /v1 collections answer with and without the slash explicitly instead.
    app.router.redirect_slashes = False
    app.state.runtime = runtime
    app.state.metrics = Metrics()
    # The operator's routes first: they are the traffic, and are matched before ours.
    for router in routers:
        app.include_router(router)
    include_routers(app)
    include_pages(app)
    install_error_handlers(app)
    app.state.permissions = PermissionTable(app.routes)
    # Added last = outermost: the request log sees every response, guard answers included.
    app.add_middleware(
        AccessGuard,
        access=AccessPath(
            authenticator=runtime.authenticator,
            permissions=app.state.permissions,
            limiter=runtime.rate_limiter,
            last_used=runtime.last_used,
        ),
    )
    app.add_middleware(RequestLog, metrics=app.state.metrics)
    return app
