"""[5] The whole URL map on one screen."""

from __future__ import annotations

from fastapi import FastAPI

from keystead.api import account, api_tokens, auth, docs, health, v1_account


def include_routers(app: FastAPI) -> None:
    app.include_router(health.router)  # /healthz /readyz /metrics
    app.include_router(docs.router)  # /docs (the OpenAPI schema rendered, no CDN)
    app.include_router(auth.router)  # /auth/register /auth/login /auth/logout
    app.include_router(account.router)  # /account /account/api-terms
    app.include_router(api_tokens.router)  # /account/api-tokens[/{id}[/extend]]
    app.include_router(v1_account.router)  # /v1/account  (guarded)
