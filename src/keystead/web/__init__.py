"""[web] The pages people use: server-rendered, calling the same services as `api/`.
The guarded API adds its own pages, templates and header links."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles

from keystead.guarded_api import GuardedApi
from keystead.web import (
    account_pages,
    audit_page,
    auth_pages,
    key_page,
    recovery_pages,
    terms_page,
    token_pages,
    usage_page,
)
from keystead.web.error_pages import install_error_pages
from keystead.web.rendering import Pages


def include_pages(app: FastAPI, api: GuardedApi) -> None:
    app.state.pages = Pages(app.state.runtime.settings, api)
    app.include_router(auth_pages.router)  # / /login /register /logout
    app.include_router(terms_page.router)  # /settings/api
    app.include_router(account_pages.router)  # /settings/account (password, email, sessions)
    app.include_router(recovery_pages.router)  # /password/forgot /password/reset /verify-email
    app.include_router(audit_page.router)  # /settings/security (the account's audit log)
    app.include_router(token_pages.router)  # /api /api/tokens[/{id}/edit|extend|roll|revoke]
    app.include_router(usage_page.router)  # /api/tokens/{id}/usage
    app.include_router(key_page.router)  # /wallet /wallet/key/generate|disable
    for router in api.pages:
        app.include_router(router)
    app.mount("/static", StaticFiles(packages=[("keystead.web", "static")]), name="static")
    install_error_pages(app)  # a browser's 404 and 405 outside the JSON surfaces: pages
