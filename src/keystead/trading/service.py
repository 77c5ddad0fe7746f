"""The trading API as a service of its own, behind a keystead gateway
(`keystead serve-trading`): the reference upstream.

It serves the trading API's `/v1` routes alone, trusting a request only through the
`Keystead-Assertion` the gateway signed (`gateway/trust.py`): no tokens, no pages,
no rate limits of its own, since the gateway did all of that before it forwarded.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import structlog
from fastapi import FastAPI

from keystead.access.authorize import PermissionTable
from keystead.api import health
from keystead.app import install_edge
from keystead.clock import Clock, SystemClock
from keystead.config import Settings
from keystead.edge.front import REQUEST_LINES
from keystead.errors import ConfigurationError
from keystead.gateway.trust import GatewayTrust, LocalAccounts
from keystead.gateway.verification import JWKS_SUFFIX, AssertionVerifier, JwksKeys
from keystead.guarded_api import GuardedApi
from keystead.observability import FRAMEWORK_TELEMETRY_OFF, Metrics, configure_logging
from keystead.runtime import build_runtime
from keystead.version import __version__

logger = structlog.get_logger("keystead.trading")


def gateway_issuer(jwks_url: str) -> str:
    """The gateway's `iss`: its public URL, which its JWK Set sits under."""
    if not jwks_url.endswith(JWKS_SUFFIX):
        raise ConfigurationError(f"KEYSTEAD_GATEWAY_JWKS_URL must end with {JWKS_SUFFIX}")
    return jwks_url[: -len(JWKS_SUFFIX)]


class JwksSet:
    """The gateway's JWK Set, read over HTTP."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._session: aiohttp.ClientSession | None = None

    async def fetch(self) -> Any:
        if self._session is None:  # made on first use, in the serving event loop
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=5.0), trust_env=False
            )
        async with self._session.get(self._url, allow_redirects=False) as answer:
            answer.raise_for_status()
            return await answer.json(content_type=None)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


def create_trading_service(
    settings: Settings,
    api: GuardedApi,
    clock: Clock | None = None,
    fetch_keys: Callable[[], Awaitable[Any]] | None = None,
) -> FastAPI:
    """The trading API's routes behind `GatewayTrust`; `fetch_keys` reads the
    gateway's JWK Set (default: over HTTP from `KEYSTEAD_GATEWAY_JWKS_URL`)."""
    if settings.gateway_jwks_url is None:
        raise ConfigurationError(
            "KEYSTEAD_GATEWAY_JWKS_URL must be set: the gateway's /.well-known/jwks.json"
        )
    issuer = settings.gateway_issuer or gateway_issuer(settings.gateway_jwks_url)
    audience = settings.upstream_audience or f"http://{settings.host}:{settings.port}"
    configure_logging(settings.log_level)
    clock = clock or SystemClock()
    runtime = build_runtime(settings, clock, api)
    # Named at start-up: a mismatch would otherwise show only as 401s.
    logger.info(
        "trusting the gateway", jwks=settings.gateway_jwks_url, issuer=issuer, audience=audience
    )
    keys = JwksSet(settings.gateway_jwks_url)
    verifier = AssertionVerifier(JwksKeys(fetch_keys or keys.fetch, clock), issuer, audience, clock)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await keys.close()
            await runtime.close()
            REQUEST_LINES.flush()

    app = FastAPI(
        title="keystead trading API",
        version=__version__,
        description="The trading API, served behind a keystead gateway.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        telemetry=FRAMEWORK_TELEMETRY_OFF,
    )
    app.router.redirect_slashes = False
    app.state.runtime = runtime
    app.state.metrics = Metrics()
    app.include_router(health.router)
    for router in api.routers:
        app.include_router(router)
    permissions = PermissionTable(app.routes)
    app.add_middleware(
        GatewayTrust,
        verifier=verifier,
        accounts=LocalAccounts(runtime.db, clock),
        permissions=permissions,
    )
    install_edge(app, settings)
    return app
