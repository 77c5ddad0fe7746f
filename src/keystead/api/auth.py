"""/auth: register, log in, log out (cookie sessions)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from keystead.access.sessions import clear_session_cookie, set_session_cookie
from keystead.api.deps import AppRuntime, CurrentSession, client_address
from keystead.api.schemas import AccountOut, Envelope, LoginIn, LoginOut, RegisterIn, account_view
from keystead.envelope import ok

router = APIRouter(prefix="/auth", tags=["session"])


@router.post("/register", status_code=201, response_model=Envelope[AccountOut])
async def register(body: RegisterIn, runtime: AppRuntime) -> Response:
    account = await runtime.accounts.register(body.email, body.password)
    return ok(account_view(account), "Account registered", status=201)


@router.post("/login", response_model=Envelope[LoginOut])
async def login(body: LoginIn, request: Request, runtime: AppRuntime) -> Response:
    client = client_address(request)
    account = await runtime.accounts.login(body.email, body.password, client)
    user_agent = request.headers.get("user-agent")
    started = await runtime.sessions.start(account.id, client=client, user_agent=user_agent)
    response = ok({"account": account_view(account), "csrf_token": started.csrf_token}, "Logged in")
    set_session_cookie(response, started.secret, started.max_age_seconds, runtime.settings.is_https)
    return response


@router.post("/logout", response_model=Envelope[None])
async def logout(session: CurrentSession, runtime: AppRuntime) -> Response:
    await runtime.sessions.end(session.secret)
    response = ok(None, "Logged out")
    clear_session_cookie(response, runtime.settings.is_https)
    return response
