"""Wallet accounts: the account API key panel (reveal and copy, regenerate, disable)."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import APIRouter, Request
from starlette.responses import Response

from keystead.api.deps import AppRuntime
from keystead.errors import NotFound, RegenerationCooldown
from keystead.services.account_keys import COOLDOWN
from keystead.web.flash import Flash
from keystead.web.forms import checked_form
from keystead.web.page_route import PageRoute, pages_of
from keystead.web.visitor import Member, SignedIn

router = APIRouter(route_class=PageRoute, include_in_schema=False)

KEY_PAGE = "/wallet"


def _wallet_member(member: Member) -> Member:
    # The account key belongs to wallet sign-in, as `/user/api` does.
    if not member.visitor.is_wallet:
        raise NotFound("Account API key")
    return member


async def _key_page(
    request: Request,
    member: Member,
    runtime: AppRuntime,
    refused: RegenerationCooldown | None = None,
) -> Response:
    key = await runtime.account_keys.reveal(member.account.id)
    now = runtime.clock.now()
    generated_at = member.account.account_key_generated_at
    next_allowed = generated_at + COOLDOWN if generated_at else None
    if refused is not None:
        # The refusal knows best: another tab may have generated a key meanwhile.
        next_allowed = now + timedelta(seconds=refused.retry_after)
    if next_allowed is not None and next_allowed <= now:
        next_allowed = None
    if next_allowed is not None:
        # Shown to the minute, so round up: "after 13:01" must not be refused.
        next_allowed = _next_minute(next_allowed)
    return pages_of(request).render(
        request,
        member.visitor,
        "wallet_key.html",
        status=refused.status if refused else 200,
        key=key,
        generated_at=generated_at,
        next_allowed=next_allowed,
        error=refused.message if refused else None,
    )


def _next_minute(moment: datetime) -> datetime:
    whole = moment.replace(second=0, microsecond=0)
    return whole if whole == moment else whole + timedelta(minutes=1)


@router.get(KEY_PAGE)
async def key_page(request: Request, member: SignedIn, runtime: AppRuntime) -> Response:
    return await _key_page(request, _wallet_member(member), runtime)


@router.post(KEY_PAGE + "/key/generate")
async def generate_key(request: Request, member: SignedIn, runtime: AppRuntime) -> Response:
    member = _wallet_member(member)
    await checked_form(request, member.visitor, runtime.sessions)
    try:
        await runtime.account_keys.generate(member.account.id, by=member.actor)
    except RegenerationCooldown as refused:
        return await _key_page(request, member, runtime, refused)
    generated = Flash("A new API key was generated. The previous key stopped working.")
    return pages_of(request).redirect_with(KEY_PAGE, generated, member.visitor.csrf_token)


@router.get(KEY_PAGE + "/key/disable")
async def disable_page(request: Request, member: SignedIn, runtime: AppRuntime) -> Response:
    member = _wallet_member(member)
    return pages_of(request).render(request, member.visitor, "key_disable.html")


@router.post(KEY_PAGE + "/key/disable")
async def disable_key(request: Request, member: SignedIn, runtime: AppRuntime) -> Response:
    member = _wallet_member(member)
    await checked_form(request, member.visitor, runtime.sessions)
    await runtime.account_keys.disable(member.account.id, by=member.actor)
    disabled = Flash("The API key is disabled. Requests made with it are refused from now on.")
    return pages_of(request).redirect_with(KEY_PAGE, disabled, member.visitor.csrf_token)
