"""[5] The whole URL map on one screen.

Order matters under /v1/bots: the fixed segments (positions, orders, reports,
variables) are registered before `/v1/bots/{number}` so they are not taken for
a bot number.
"""

from __future__ import annotations

from fastapi import FastAPI

from keystead.api import (
    account,
    api_tokens,
    auth,
    docs,
    health,
    user_api,
    v1_account,
    v1_bots,
    v1_broker_connections,
    v1_orders,
    v1_positions,
    v1_reports,
    v1_variables,
    wallet,
)


def include_routers(app: FastAPI) -> None:
    app.include_router(health.router)  # /healthz /readyz /metrics
    app.include_router(docs.router)  # /docs (the OpenAPI schema rendered, no CDN)
    app.include_router(auth.router)  # /auth/register /auth/login /auth/logout
    app.include_router(
        wallet.router
    )  # /auth/wallet/challenge /auth/wallet/login /auth/wallet/logout
    app.include_router(user_api.router)  # /user/api[/generate|/disable] (account-key envelope)
    app.include_router(account.router)  # /account /account/api-terms
    app.include_router(api_tokens.router)  # /account/api-tokens[/{id}[/extend]]
    # Guarded by the access path: bearer token, permission, rate limit.
    app.include_router(v1_account.router)  # /v1/account
    app.include_router(v1_positions.router)  # /v1/bots/positions[/{number}[/close]]
    app.include_router(v1_orders.router)  # /v1/bots/orders[/{number}], /v1/bots/{number}/orders
    app.include_router(v1_reports.router)  # /v1/bots/reports[/{number}[/run]]
    app.include_router(v1_variables.router)  # /v1/bots/variables[/{number}]
    app.include_router(v1_bots.router)  # /v1/bots[/{number}[/enable|disable|open|close|…]]
    app.include_router(v1_broker_connections.router)  # /v1/broker_connections[/{number}]
