"""Account settings, API section: the current API terms and their acknowledgement."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from keystead.api.deps import AppRuntime
from keystead.errors import Conflict
from keystead.web.flash import Flash
from keystead.web.forms import checked_form, text
from keystead.web.page_route import PageRoute, pages_of
from keystead.web.visitor import Member, SignedIn

router = APIRouter(route_class=PageRoute, include_in_schema=False)

TERMS_PAGE = "/settings/api"


async def _terms_page(
    request: Request, member: Member, runtime: AppRuntime, error: str | None, status: int = 200
) -> Response:
    terms = await runtime.terms.current()
    return pages_of(request).render(
        request,
        member.visitor,
        "terms.html",
        status=status,
        terms=terms,
        accepted=member.account.terms_accepted_version == terms.version,
        error=error,
    )


@router.get(TERMS_PAGE)
async def terms_page(request: Request, member: SignedIn, runtime: AppRuntime) -> Response:
    return await _terms_page(request, member, runtime, None)


@router.post(TERMS_PAGE)
async def accept_terms(request: Request, member: SignedIn, runtime: AppRuntime) -> Response:
    form = await checked_form(request, member.visitor, runtime.sessions)
    if text(form, "agree") != "yes":
        problem = "Tick the box to confirm that you have read and agree to the API terms."
        return await _terms_page(request, member, runtime, problem, status=422)
    try:
        version = int(text(form, "version"))
        await runtime.terms.accept(member.account.id, version, by=member.actor)
    except ValueError:
        return await _terms_page(request, member, runtime, "Reload the page and try again.", 422)
    except Conflict as error:
        return await _terms_page(request, member, runtime, error.message, status=409)
    accepted = Flash(f"You accepted the API terms (version {version}). You can create tokens now.")
    return pages_of(request).redirect_with("/api", accepted, member.visitor.csrf_token)
