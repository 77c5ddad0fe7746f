"""Annotated dependency aliases for the session routes. `/v1` uses the guard instead."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from keystead.access.principal import Principal
from keystead.access.sessions import CSRF_HEADER, SAFE_METHODS, SESSION_COOKIE
from keystead.errors import CsrfRejected, NotAuthenticated
from keystead.runtime import Runtime
from keystead.store.models import Account


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


AppRuntime = Annotated[Runtime, Depends(get_runtime)]


@dataclass(frozen=True, slots=True)
class SessionContext:
    account: Account
    secret: str


async def current_session(request: Request, runtime: AppRuntime) -> SessionContext:
    """The signed-in account; state-changing requests must also carry the CSRF header."""
    secret = request.cookies.get(SESSION_COOKIE)
    account = await runtime.sessions.account_for(secret) if secret else None
    if account is None or secret is None:
        raise NotAuthenticated
    if request.method not in SAFE_METHODS and not runtime.sessions.csrf_matches(
        secret, request.headers.get(CSRF_HEADER)
    ):
        raise CsrfRejected
    return SessionContext(account, secret)


CurrentSession = Annotated[SessionContext, Depends(current_session)]


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def principal_of(request: Request) -> Principal:
    """The Principal the access guard attached to this `/v1` request."""
    principal: Principal = request.scope["state"]["principal"]
    return principal
