"""Sign up, sign in (email and password, or an Ethereum wallet), sign out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from keystead.access.sessions import clear_session_cookie, set_session_cookie
from keystead.api.deps import AppRuntime, client_address
from keystead.errors import InvalidCredentials, InvalidInput, KeysteadError
from keystead.services.accounts import MAX_PASSWORD_LENGTH, check_password, valid_email
from keystead.web.flash import Flash
from keystead.web.forms import PASSWORDS_DIFFER, FieldErrors, checked_form, local_path, text
from keystead.web.page_route import PageRoute, pages_of, readable
from keystead.web.visitor import FORM_COOKIE, AnyVisitor, SignedIn, Visitor

router = APIRouter(route_class=PageRoute, include_in_schema=False)

HOME = "/api"
MAX_EMAIL_LENGTH = 320
REGISTER_LABELS = {"email": "Email", "password": "Password", "password_again": "Password again"}


async def _signed_in(
    request: Request, runtime: AppRuntime, account_id: int, to: str, flash: Flash | None = None
) -> Response:
    started = await runtime.sessions.start(
        account_id, client=client_address(request), user_agent=request.headers.get("user-agent")
    )
    pages = pages_of(request)
    response = pages.redirect_with(to, flash, started.csrf_token) if flash else pages.redirect(to)
    set_session_cookie(response, started.secret, started.max_age_seconds, runtime.settings.is_https)
    # The pre-session secret has done its work; the next visit starts a new one.
    response.delete_cookie(FORM_COOKIE, httponly=True, samesite="strict")
    return response


@router.get("/")
async def home(request: Request, visitor: AnyVisitor) -> Response:
    return pages_of(request).redirect(HOME if visitor.account else "/login")


@router.get("/login")
async def login_page(
    request: Request,
    visitor: AnyVisitor,
    next_path: Annotated[str, Query(alias="next")] = HOME,
    signed_out: bool = False,
) -> Response:
    target = local_path(next_path, HOME)
    if visitor.account is not None:
        return pages_of(request).redirect(target)
    notice = "You are signed out." if signed_out else None
    return pages_of(request).render(
        request, visitor, "login.html", next=target, email="", error=None, notice=notice
    )


@router.post("/login")
async def login(request: Request, visitor: AnyVisitor, runtime: AppRuntime) -> Response:
    form = await checked_form(request, visitor, runtime.sessions)
    email, password = text(form, "email"), text(form, "password")
    target = local_path(text(form, "next"), HOME)
    try:
        if len(email) > MAX_EMAIL_LENGTH or len(password) > MAX_PASSWORD_LENGTH:
            # The bounds of POST /auth/login: no oversized key reaches the limiter or Argon2.
            raise InvalidCredentials
        account = await runtime.accounts.login(email, password, client_address(request))
    except KeysteadError as error:
        return pages_of(request).render(
            request,
            visitor,
            "login.html",
            status=error.status,
            next=target,
            email=email,
            error=readable(error),
            notice=None,
        )
    return await _signed_in(request, runtime, account.id, target)


@router.get("/register")
async def register_page(request: Request, visitor: AnyVisitor) -> Response:
    if visitor.account is not None:
        return pages_of(request).redirect(HOME)
    return _register_form(request, visitor, email="", errors={})


def _register_form(
    request: Request,
    visitor: Visitor,
    *,
    email: str,
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    return pages_of(request).render(
        request, visitor, "register.html", status=status, email=email, errors=errors
    )


@router.post("/register")
async def register(request: Request, visitor: AnyVisitor, runtime: AppRuntime) -> Response:
    form = await checked_form(request, visitor, runtime.sessions)
    email, password = text(form, "email"), text(form, "password")
    # Every field checked before anything is written, so all mistakes show at once.
    errors = FieldErrors(REGISTER_LABELS)
    errors.check(lambda: valid_email(email))
    errors.check(lambda: check_password(password))
    if password != text(form, "password_again"):
        errors.add("password_again", PASSWORDS_DIFFER)
    if errors:
        return _register_form(request, visitor, email=email, errors=errors, status=422)
    try:
        account = await runtime.accounts.register(email, password)
    except InvalidInput as error:
        errors.add_invalid(error)
        return _register_form(request, visitor, email=email, errors=errors, status=422)
    except KeysteadError as error:
        errors.add("email", readable(error))
        return _register_form(request, visitor, email=email, errors=errors, status=error.status)
    welcome = Flash("Welcome to keystead. Read and accept the API terms to create tokens.")
    return await _signed_in(request, runtime, account.id, "/settings/api", welcome)


@router.get("/logout")
async def logout_address(request: Request) -> Response:
    """Signing out is a form; its address reopened leads home."""
    return pages_of(request).redirect("/")


@router.post("/logout")
async def logout(request: Request, member: SignedIn, runtime: AppRuntime) -> Response:
    await checked_form(request, member.visitor, runtime.sessions)
    await runtime.sessions.end(member.secret)
    response = pages_of(request).redirect("/login?signed_out=1")
    clear_session_cookie(response, runtime.settings.is_https)
    return response
