"""Wallet accounts: the account API key panel (reveal and copy, regenerate, disable).

Making a key needs the current API terms, as tokens do. Regenerating asks first (the
key in use stops at once), and for the hour after a key was made the page says when
the next one can be made instead of offering a button that would be refused.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from fastapi import APIRouter, Request
from starlette.responses import Response

from keystead.api.deps import AppRuntime
from keystead.errors import NotFound, RegenerationCooldown
from keystead.services.account_keys import COOLDOWN
from keystead.web.flash import Flash
from keystead.web.forms import checked_form, text
from keystead.web.page_route import PageRoute, pages_of
from keystead.web.visitor import Member, SignedIn

router = APIRouter(route_class=PageRoute, include_in_schema=False)

KEY_PAGE = "/wallet"
GENERATE = KEY_PAGE + "/key/generate"


@dataclass(frozen=True, slots=True)
class KeyState:
    key: str | None
    generated_at: datetime | None
    next_allowed: datetime | None
    """When the next key can be made, to the minute; None: now."""
    wait_minutes: int
    terms_accepted: bool
    terms_version: int

    @property
    def can_make(self) -> bool:
        return self.terms_accepted and self.next_allowed is None


def _wallet_member(member: Member) -> Member:
    # The account key belongs to wallet sign-in, as `/user/api` does.
    if not member.visitor.is_wallet:
        raise NotFound("Account API key")
    return member


def _next_minute(moment: datetime) -> datetime:
    whole = moment.replace(second=0, microsecond=0)
    return whole if whole == moment else whole + timedelta(minutes=1)


async def _state(
    member: Member, runtime: AppRuntime, refused: RegenerationCooldown | None = None
) -> KeyState:
    now = runtime.clock.now()
    generated_at = member.account.account_key_generated_at
    next_allowed = generated_at + COOLDOWN if generated_at else None
    if refused is not None:
        # The refusal knows best: another tab may have made a key meanwhile.
        next_allowed = now + timedelta(seconds=refused.retry_after)
    if next_allowed is not None and next_allowed <= now:
        next_allowed = None
    wait_minutes = 0
    if next_allowed is not None:
        # Shown to the minute, so round up: "again at 13:01" must not be refused.
        next_allowed = _next_minute(next_allowed)
        wait_minutes = math.ceil((next_allowed - now).total_seconds() / 60)
    terms = await runtime.terms.current()
    return KeyState(
        key=await runtime.account_keys.reveal(member.account.id),
        generated_at=generated_at,
        next_allowed=next_allowed,
        wait_minutes=wait_minutes,
        terms_accepted=member.account.terms_accepted_version == terms.version,
        terms_version=terms.version,
    )


@router.get(KEY_PAGE)
async def key_page(request: Request, member: SignedIn, runtime: AppRuntime) -> Response:
    member = _wallet_member(member)
    state = await _state(member, runtime)
    return pages_of(request).render(request, member.visitor, "wallet_key.html", state=state)


async def _generate_page(
    request: Request, member: Member, state: KeyState, status: int = 200
) -> Response:
    return pages_of(request).render(
        request, member.visitor, "key_generate.html", status=status, state=state
    )


@router.get(GENERATE)
async def generate_page(request: Request, member: SignedIn, runtime: AppRuntime) -> Response:
    """Asks before a new key replaces the one in use; says why not when it cannot."""
    member = _wallet_member(member)
    return await _generate_page(request, member, await _state(member, runtime))


@router.post(GENERATE)
async def generate_key(request: Request, member: SignedIn, runtime: AppRuntime) -> Response:
    member = _wallet_member(member)
    form = await checked_form(request, member.visitor, runtime.sessions)
    state = await _state(member, runtime)
    if state.key is not None and text(form, "confirmed") != "yes":
        # A key in use is replaced only from the page that says what that means.
        return pages_of(request).redirect(GENERATE)
    if not state.terms_accepted:
        return await _generate_page(request, member, state, status=403)
    try:
        await runtime.account_keys.generate(member.account.id, by=member.actor)
    except RegenerationCooldown as refused:
        refused_state = await _state(member, runtime, refused)
        return await _generate_page(request, member, refused_state, status=refused.status)
    if state.key is None:
        made = Flash("Your account API key is ready. Reveal it below to copy it.")
    else:
        made = Flash("A new API key was made. The previous key stopped working.")
    return pages_of(request).redirect_with(KEY_PAGE, made, member.visitor.csrf_token)


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
