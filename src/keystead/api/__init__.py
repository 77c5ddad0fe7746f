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
    openapi,
    security,
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
from keystead.api.responses import failures


def include_routers(app: FastAPI) -> None:
    # Signed-in and guarded routes meet the same failures: credential, permission or
    # terms, object, state, limit.
    signed_in = failures(401, 403, 404, 409, 429)
    openapi.install(app, lambda: app.state.permissions)
    app.include_router(health.router, responses=failures())  # /healthz /readyz /metrics
    app.include_router(docs.router)  # /docs (the OpenAPI schema rendered, no CDN)
    # /auth/register /auth/login /auth/logout
    app.include_router(auth.router, responses=failures(401, 403, 409, 429))
    # /auth/wallet/challenge /auth/wallet/login /auth/wallet/logout
    app.include_router(wallet.router, responses=failures(401, 403, 429))
    # /user/api[/generate|/disable] (account-key envelope)
    app.include_router(user_api.router, responses=failures(401, 429, account_key=True))
    # /account /account/api-terms /account/audit
    app.include_router(account.router, responses=signed_in)
    # /account/api-tokens[/{id}[/extend]]
    app.include_router(api_tokens.router, responses=signed_in)
    # /security/leaked-tokens (the operator's scanner secret)
    app.include_router(security.router, responses=failures(401))
    # Guarded by the access path: bearer token, permission, rate limit.
    app.include_router(v1_account.router, responses=signed_in)  # /v1/account
    # /v1/bots/positions[/{number}[/close]]
    app.include_router(v1_positions.router, responses=signed_in)
    # /v1/bots/orders[/{number}], /v1/bots/{number}/orders
    app.include_router(v1_orders.router, responses=signed_in)
    # /v1/bots/reports[/{number}[/run]]
    app.include_router(v1_reports.router, responses=signed_in)
    # /v1/bots/variables[/{number}]
    app.include_router(v1_variables.router, responses=signed_in)
    # /v1/bots[/{number}[/enable|disable|open|close|…]]
    app.include_router(v1_bots.router, responses=signed_in)
    # /v1/broker_connections[/{number}]
    app.include_router(v1_broker_connections.router, responses=signed_in)
