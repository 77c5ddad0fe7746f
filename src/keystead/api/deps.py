"""Annotated dependency aliases for the session routes. `/v1` uses the guard instead."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from keystead.access.authenticate import bearer_value
from keystead.access.principal import Principal
from keystead.access.sessions import (
    ANY_KIND,
    CSRF_HEADER,
    SAFE_METHODS,
    SESSION_COOKIE,
    WALLET,
    cookie_name,
)
from keystead.audit import Actor
from keystead.errors import CsrfRejected, KeysteadError, NotAuthenticated, Unauthorized
from keystead.runtime import Runtime
from keystead.services.wallet_login import session_secret
from keystead.store.models import Account


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


AppRuntime = Annotated[Runtime, Depends(get_runtime)]


@dataclass(frozen=True, slots=True)
class SessionContext:
    account: Account
    secret: str
    client: str

    @property
    def actor(self) -> Actor:
        """The account's owner, as the audit log names who made a change."""
        return Actor.owner(self.client)


async def _session(
    request: Request,
    runtime: Runtime,
    kinds: frozenset[str],
    missing: type[KeysteadError],
    bearer_allowed: bool,
) -> SessionContext:
    """A session from the cookie (writes need the CSRF header) or, for wallet sessions,
    from `Authorization: Bearer <signature>` (no cookie, so no CSRF to forge)."""
    signature = bearer_value(request.headers.get("authorization")) if bearer_allowed else None
    cookie = cookie_name(SESSION_COOKIE, runtime.settings.is_https)
    secret = session_secret(signature) if signature else request.cookies.get(cookie)
    account = await runtime.sessions.account_for(secret, kinds) if secret else None
    if account is None or secret is None:
        raise missing
    if (
        signature is None
        and request.method not in SAFE_METHODS
        and not runtime.sessions.csrf_matches(secret, request.headers.get(CSRF_HEADER))
    ):
        raise CsrfRejected
    return SessionContext(account, secret, client_address(request))


async def current_session(request: Request, runtime: AppRuntime) -> SessionContext:
    """The signed-in account (email or wallet sign-in), from the session cookie."""
    return await _session(request, runtime, ANY_KIND, NotAuthenticated, bearer_allowed=False)


async def wallet_session(request: Request, runtime: AppRuntime) -> SessionContext:
    """A wallet session, as `/user/*` requires: 401 `Unauthorized` otherwise."""
    return await _session(request, runtime, frozenset({WALLET}), Unauthorized, bearer_allowed=True)


async def wallet_session_for_logout(request: Request, runtime: AppRuntime) -> SessionContext:
    return await _session(
        request, runtime, frozenset({WALLET}), NotAuthenticated, bearer_allowed=True
    )


CurrentSession = Annotated[SessionContext, Depends(current_session)]
WalletSession = Annotated[SessionContext, Depends(wallet_session)]
WalletLogoutSession = Annotated[SessionContext, Depends(wallet_session_for_logout)]


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def principal_of(request: Request) -> Principal:
    """The Principal the access guard attached to this `/v1` request."""
    principal: Principal = request.scope["state"]["principal"]
    return principal
