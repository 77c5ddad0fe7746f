"""Account settings, account section: the email address and its verification, the
password, and where the account is signed in. Every form posts to the page's own
address, so a refused form keeps its URL and a reload shows the page again."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from keystead.api.deps import AppRuntime
from keystead.errors import Conflict, InvalidInput, KeysteadError, NotFound, TooManyAttempts
from keystead.services.accounts import check_password
from keystead.web.flash import ERROR, Flash
from keystead.web.forms import PASSWORDS_DIFFER, FieldErrors, checked_form, text
from keystead.web.page_route import PageRoute, pages_of, readable
from keystead.web.visitor import Member, SignedIn

router = APIRouter(route_class=PageRoute, include_in_schema=False)

ACCOUNT_PAGE = "/settings/account"
PASSWORD_LABELS = {
    "current_password": "Current password",
    "new_password": "New password",
    "new_password_again": "New password again",
}


async def _account_page(
    request: Request,
    member: Member,
    runtime: AppRuntime,
    errors: FieldErrors | None = None,
    status: int = 200,
) -> Response:
    sessions = await runtime.signed_in.listing(member.account.id, member.secret)
    return pages_of(request).render(
        request,
        member.visitor,
        "account.html",
        status=status,
        sessions=sessions,
        errors=errors or FieldErrors(PASSWORD_LABELS),
    )


@router.get(ACCOUNT_PAGE)
async def account_page(request: Request, member: SignedIn, runtime: AppRuntime) -> Response:
    return await _account_page(request, member, runtime)


@router.post(ACCOUNT_PAGE)
async def account_action(request: Request, member: SignedIn, runtime: AppRuntime) -> Response:
    form = await checked_form(request, member.visitor, runtime.sessions)
    action = text(form, "action")
    pages = pages_of(request)
    try:
        if action == "password":
            return await _change_password(request, member, runtime, form)
        if action == "verify":
            await runtime.email_verification.resend(member.account.id, by=member.actor)
            hours = runtime.settings.email_verification_hours
            done = Flash(
                f"A link to verify {member.account.email} is on its way. "
                f"It works for {hours} hours."
            )
        elif action == "sign-out-others":
            ended = await runtime.signed_in.end_others(
                member.account.id, member.secret, by=member.actor
            )
            done = Flash(_signed_out(ended))
        elif action == "end":
            await runtime.signed_in.end(member.account.id, text(form, "session"), by=member.actor)
            done = Flash("That session is signed out.")
        else:
            raise InvalidInput("action", "is not one this page offers; reload the page")
    except (Conflict, NotFound, TooManyAttempts, InvalidInput) as error:
        done = Flash(readable(error), ERROR)
    return pages.redirect_with(ACCOUNT_PAGE, done, member.visitor.csrf_token)


def _signed_out(ended: int) -> str:
    if ended == 0:
        return "You were signed in nowhere else."
    return f"Signed out {ended} other session{'' if ended == 1 else 's'}."


async def _change_password(
    request: Request, member: Member, runtime: AppRuntime, form: FormData
) -> Response:
    current, new = text(form, "current_password"), text(form, "new_password")
    errors = FieldErrors(PASSWORD_LABELS)
    if not current:
        errors.add("current_password", "Type your current password.")
    errors.check(lambda: check_password(new))
    if new != text(form, "new_password_again"):
        errors.add("new_password_again", PASSWORDS_DIFFER)
    if not errors:
        try:
            ended = await runtime.passwords.change(
                member.account.id, current, new, keep=member.secret, client=member.visitor.client
            )
        except InvalidInput as error:
            errors.add_invalid(error)
        except KeysteadError as error:
            errors.add("current_password", readable(error))
        else:
            done = Flash(f"Your password is changed. {_signed_out(ended)}")
            return pages_of(request).redirect_with(ACCOUNT_PAGE, done, member.visitor.csrf_token)
    return await _account_page(request, member, runtime, errors, status=422)
