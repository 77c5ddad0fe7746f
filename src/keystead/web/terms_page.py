"""Account settings, API section: the current API terms and their acknowledgement."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from keystead.api.deps import AppRuntime
from keystead.errors import Conflict
from keystead.web.flash import Flash
from keystead.web.forms import checked_form, local_path, text
from keystead.web.page_route import PageRoute, pages_of
from keystead.web.visitor import Member, SignedIn

router = APIRouter(route_class=PageRoute, include_in_schema=False)

TERMS_PAGE = "/settings/api"
AFTER_TERMS = "/api"
WALLET_KEY_PAGE = "/wallet"
"""A page that needs the terms links here with `?next=` and is shown again after."""


async def _terms_page(
    request: Request,
    member: Member,
    runtime: AppRuntime,
    error: str | None,
    next_path: str,
    status: int = 200,
) -> Response:
    terms = await runtime.terms.current()
    return pages_of(request).render(
        request,
        member.visitor,
        "terms.html",
        status=status,
        terms=terms,
        accepted=member.account.terms_accepted_version == terms.version,
        errors={"agree": error} if error else {},
        next=next_path,
    )


@router.get(TERMS_PAGE)
async def terms_page(
    request: Request,
    member: SignedIn,
    runtime: AppRuntime,
    next_path: Annotated[str, Query(alias="next")] = AFTER_TERMS,
) -> Response:
    return await _terms_page(request, member, runtime, None, local_path(next_path, AFTER_TERMS))


@router.post(TERMS_PAGE)
async def accept_terms(request: Request, member: SignedIn, runtime: AppRuntime) -> Response:
    form = await checked_form(request, member.visitor, runtime.sessions)
    after = local_path(text(form, "next"), AFTER_TERMS)
    if text(form, "agree") != "yes":
        problem = "Tick the box to confirm that you have read and agree to the API terms."
        return await _terms_page(request, member, runtime, problem, after, status=422)
    try:
        version = int(text(form, "version"))
        await runtime.terms.accept(member.account.id, version, by=member.actor)
    except ValueError:
        reload = "Reload the page and try again."
        return await _terms_page(request, member, runtime, reload, after, status=422)
    except Conflict as error:
        return await _terms_page(request, member, runtime, error.message, after, status=409)
    can = "make your account API key" if after == WALLET_KEY_PAGE else "create tokens"
    accepted = Flash(f"You accepted the API terms (version {version}). You can {can} now.")
    return pages_of(request).redirect_with(after, accepted, member.visitor.csrf_token)
