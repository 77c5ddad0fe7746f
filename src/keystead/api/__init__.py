"""[5] The whole URL map on one screen: keystead's own routes, then the guarded API's
`/v1` routes, in the order its routers give (fixed segments before `{number}`)."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter, FastAPI

from keystead.access.permissions import PermissionCatalogue
from keystead.api import (
    account,
    account_security,
    api_tokens,
    auth,
    docs,
    forward_auth,
    health,
    introspect,
    jwks,
    openapi,
    recovery,
    security,
    user_api,
    v1_account,
    wallet,
)
from keystead.api.responses import failures

# Signed-in and guarded routes meet the same failures: credential, permission or
# terms, object, state, limit.
SIGNED_IN = failures(401, 403, 404, 409, 429)


def include_routers(
    app: FastAPI, guarded: Sequence[APIRouter], catalogue: PermissionCatalogue
) -> None:
    openapi.install(app, lambda: app.state.permissions, catalogue)
    app.include_router(health.router, responses=failures())  # /healthz /readyz /metrics
    app.include_router(docs.router)  # /docs (the OpenAPI schema rendered, no CDN)
    # /auth/register /auth/login /auth/logout
    app.include_router(auth.router, responses=failures(401, 403, 409, 429))
    # /auth/password-reset[/confirm] /auth/verify-email (the links keystead mails)
    app.include_router(recovery.router, responses=failures(429))
    # /auth/wallet/challenge /auth/wallet/login /auth/wallet/logout
    app.include_router(wallet.router, responses=failures(401, 403, 429))
    # /user/api[/generate|/disable] (account-key envelope)
    app.include_router(user_api.router, responses=failures(401, 429, account_key=True))
    # /account /account/api-terms /account/audit
    app.include_router(account.router, responses=SIGNED_IN)
    # /account/password /account/email/verification /account/sessions[/{id}]
    app.include_router(account_security.router, responses=SIGNED_IN)
    # /account/api-tokens[/{id}[/extend]]
    app.include_router(api_tokens.router, responses=SIGNED_IN)
    # /security/leaked-tokens (the operator's scanner secret)
    app.include_router(security.router, responses=failures(401))
    # /auth/forward[/{path}] (nginx, Traefik, Envoy ask about a /v1 request)
    app.include_router(forward_auth.router)
    app.include_router(jwks.router)  # /.well-known/jwks.json (verifies Keystead-Assertion)
    # /oauth/introspect (RFC 7662; the operator's introspection secret)
    app.include_router(introspect.router, responses=failures(401, 429))
    app.include_router(v1_account.router, responses=SIGNED_IN)  # /v1/account
    # The guarded API, behind the access path: bearer token, permission, rate limit.
    for router in guarded:
        app.include_router(router, responses=SIGNED_IN)
