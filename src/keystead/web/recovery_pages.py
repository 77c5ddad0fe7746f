"""Forgotten passwords and the links keystead mails: ask for a reset link, choose a new
password with it, confirm an email address. Each form posts to its own address."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from keystead.api.deps import AppRuntime, client_address
from keystead.errors import InvalidInput, KeysteadError
from keystead.services.account_links import MAX_SECRET_LENGTH
from keystead.services.accounts import check_password
from keystead.services.email_verification import VERIFY_PAGE
from keystead.services.passwords import FORGOT_PAGE, RESET_PAGE
from keystead.web.flash import Flash
from keystead.web.forms import PASSWORDS_DIFFER, FieldErrors, checked_form, text
from keystead.web.page_route import PageRoute, pages_of, readable
from keystead.web.visitor import AnyVisitor, Visitor

router = APIRouter(route_class=PageRoute, include_in_schema=False)

LinkToken = Annotated[str, Query(alias="token", max_length=MAX_SECRET_LENGTH)]
RESET_LABELS = {"password": "New password", "password_again": "New password again"}
SENT = (
    "If an account uses {email}, a link to reset its password is on its way. "
    "It works once, for 30 minutes. No mail? Check the spam folder, or ask again."
)


def _forgot_page(
    request: Request,
    visitor: Visitor,
    *,
    email: str,
    errors: FieldErrors,
    sent: str | None,
    status: int = 200,
) -> Response:
    return pages_of(request).render(
        request,
        visitor,
        "password_forgot.html",
        status=status,
        email=email,
        errors=errors,
        sent=sent,
    )


@router.get(FORGOT_PAGE)
async def forgot_page(request: Request, visitor: AnyVisitor) -> Response:
    return _forgot_page(request, visitor, email="", errors=FieldErrors({}), sent=None)


@router.post(FORGOT_PAGE)
async def forgot(request: Request, visitor: AnyVisitor, runtime: AppRuntime) -> Response:
    form = await checked_form(request, visitor, runtime.sessions)
    email = text(form, "email").strip()
    errors = FieldErrors({"email": "Email"})
    try:
        await runtime.passwords.request(email, client_address(request))
    except InvalidInput as error:
        errors.add_invalid(error)
    except KeysteadError as error:
        errors.add("email", readable(error))
    if errors:
        return _forgot_page(request, visitor, email=email, errors=errors, sent=None, status=422)
    return _forgot_page(request, visitor, email="", errors=errors, sent=SENT.format(email=email))


def _reset_page(
    request: Request,
    visitor: Visitor,
    *,
    token: str,
    live: bool,
    errors: FieldErrors,
    status: int = 200,
) -> Response:
    return pages_of(request).render(
        request,
        visitor,
        "password_reset.html",
        status=status,
        token=token,
        live=live,
        errors=errors,
    )


@router.get(RESET_PAGE)
async def reset_page(
    request: Request, visitor: AnyVisitor, runtime: AppRuntime, token: LinkToken = ""
) -> Response:
    live = await runtime.passwords.link_works(token)
    errors = FieldErrors(RESET_LABELS)
    return _reset_page(
        request, visitor, token=token, live=live, errors=errors, status=200 if live else 410
    )


@router.post(RESET_PAGE)
async def reset(
    request: Request, visitor: AnyVisitor, runtime: AppRuntime, token: LinkToken = ""
) -> Response:
    form = await checked_form(request, visitor, runtime.sessions)
    password = text(form, "password")
    errors = FieldErrors(RESET_LABELS)
    errors.check(lambda: check_password(password))
    if password != text(form, "password_again"):
        errors.add("password_again", PASSWORDS_DIFFER)
    if not errors:
        try:
            await runtime.passwords.reset(token, password, client_address(request))
        except InvalidInput as error:
            if any(item["field"] == "token" for item in error.data["errors"]):
                return _reset_page(
                    request, visitor, token=token, live=False, errors=errors, status=410
                )
            errors.add_invalid(error)
        else:
            done = Flash(
                "Your password is reset and every session was signed out. "
                "Sign in with the new password."
            )
            return pages_of(request).redirect_with("/login", done, visitor.csrf_token)
    return _reset_page(request, visitor, token=token, live=True, errors=errors, status=422)


@router.get(VERIFY_PAGE)
async def verify_page(request: Request, visitor: AnyVisitor, token: LinkToken = "") -> Response:
    # Confirmed by a button, not by opening the link: mail scanners open links too.
    return pages_of(request).render(
        request, visitor, "verify_email.html", token=token, verified=None, problem=None
    )


@router.post(VERIFY_PAGE)
async def verify(
    request: Request, visitor: AnyVisitor, runtime: AppRuntime, token: LinkToken = ""
) -> Response:
    await checked_form(request, visitor, runtime.sessions)
    try:
        account = await runtime.email_verification.verify(token, client_address(request))
    except InvalidInput:
        problem = (
            "This link was used, has expired or was replaced by a newer one. "
            "Ask for a new one on your account page."
        )
        return pages_of(request).render(
            request,
            visitor,
            "verify_email.html",
            status=410,
            token=token,
            verified=None,
            problem=problem,
        )
    return pages_of(request).render(
        request, visitor, "verify_email.html", token="", verified=account.email, problem=None
    )
