"""Who is looking at a page: a signed-in member, or someone about to sign in.

Every form carries a CSRF token derived (HMAC) from a secret the browser holds in
an HttpOnly cookie: the session secret once signed in, before that a random
pre-session secret, so the sign-in and sign-up forms cannot be forged either.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from keystead.access.sessions import SESSION_COOKIE, cookie_name
from keystead.api.deps import AppRuntime, client_address
from keystead.audit import Actor
from keystead.errors import NotAuthenticated
from keystead.store.models import Account

FORM_COOKIE = "keystead_form"
_MAX_SECRET_LENGTH = 200


@dataclass(frozen=True, slots=True)
class Visitor:
    account: Account | None
    secret: str
    """The session secret, or the pre-session secret of a signed-out browser."""
    csrf_token: str
    client: str = "unknown"
    new_form_secret: bool = False
    """The pre-session secret was made for this request and must be set as a cookie."""

    @property
    def is_wallet(self) -> bool:
        return self.account is not None and self.account.wallet_address is not None


@dataclass(frozen=True, slots=True)
class Member:
    """A signed-in visitor."""

    account: Account
    visitor: Visitor

    @property
    def secret(self) -> str:
        return self.visitor.secret

    @property
    def actor(self) -> Actor:
        """The account's owner at this browser's address, as the audit log names them."""
        return Actor.owner(self.visitor.client)


async def current_visitor(request: Request, runtime: AppRuntime) -> Visitor:
    sessions = runtime.sessions
    client = client_address(request)
    secure = runtime.settings.is_https
    session_secret = request.cookies.get(cookie_name(SESSION_COOKIE, secure))
    if session_secret and len(session_secret) <= _MAX_SECRET_LENGTH:
        account = await sessions.account_for(session_secret)
        if account is not None:
            return Visitor(account, session_secret, sessions.csrf_token(session_secret), client)
    form_secret = request.cookies.get(cookie_name(FORM_COOKIE, secure))
    if form_secret and len(form_secret) <= _MAX_SECRET_LENGTH:
        return Visitor(None, form_secret, sessions.csrf_token(form_secret), client)
    fresh = secrets.token_urlsafe(32)
    return Visitor(None, fresh, sessions.csrf_token(fresh), client, new_form_secret=True)


async def current_member(visitor: Annotated[Visitor, Depends(current_visitor)]) -> Member:
    if visitor.account is None:
        raise NotAuthenticated
    return Member(visitor.account, visitor)


AnyVisitor = Annotated[Visitor, Depends(current_visitor)]
SignedIn = Annotated[Member, Depends(current_member)]
