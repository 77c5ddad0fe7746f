"""Wallet accounts: the account API key panel (reveal and copy, regenerate, disable)."""

from __future__ import annotations

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
    if member.account.wallet_address is None:
        raise NotFound("Account API key")
    return member


async def _key_page(
    request: Request,
    member: Member,
    runtime: AppRuntime,
    error: str | None = None,
    status: int = 200,
) -> Response:
    key = await runtime.account_keys.reveal(member.account.id)
    generated_at = member.account.account_key_generated_at
    next_allowed = generated_at + COOLDOWN if generated_at else None
    if next_allowed is not None and next_allowed <= runtime.clock.now():
        next_allowed = None
    return pages_of(request).render(
        request,
        member.visitor,
        "wallet_key.html",
        status=status,
        key=key,
        generated_at=generated_at,
        next_allowed=next_allowed,
        error=error,
    )


@router.get(KEY_PAGE)
async def key_page(request: Request, member: SignedIn, runtime: AppRuntime) -> Response:
    return await _key_page(request, _wallet_member(member), runtime)


@router.post(KEY_PAGE + "/key/generate")
async def generate_key(request: Request, member: SignedIn, runtime: AppRuntime) -> Response:
    member = _wallet_member(member)
    await checked_form(request, member.visitor, runtime.sessions)
    try:
        await runtime.account_keys.generate(member.account.id)
    except RegenerationCooldown as error:
        return await _key_page(request, member, runtime, error.message, error.status)
    generated = Flash("A new API key was generated. The previous key stopped working.")
    return pages_of(request).redirect(KEY_PAGE, member.visitor, generated)


@router.get(KEY_PAGE + "/key/disable")
async def disable_page(request: Request, member: SignedIn, runtime: AppRuntime) -> Response:
    member = _wallet_member(member)
    return pages_of(request).render(request, member.visitor, "key_disable.html")


@router.post(KEY_PAGE + "/key/disable")
async def disable_key(request: Request, member: SignedIn, runtime: AppRuntime) -> Response:
    member = _wallet_member(member)
    await checked_form(request, member.visitor, runtime.sessions)
    await runtime.account_keys.disable(member.account.id)
    disabled = Flash("The API key is disabled. Requests made with it are refused from now on.")
    return pages_of(request).redirect(KEY_PAGE, member.visitor, disabled)
