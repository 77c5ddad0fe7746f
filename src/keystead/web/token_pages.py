"""The API page: create tokens (shown once), list them, edit, extend, roll and revoke them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from fastapi import APIRouter, Request
from starlette.responses import Response

from keystead.access.permissions import PermissionCatalogue
from keystead.api.deps import AppRuntime
from keystead.errors import Conflict, InvalidInput, KeysteadError, TermsNotAccepted
from keystead.runtime import API_PAGE
from keystead.services.api_tokens import (
    GracePeriod,
    TokenChanges,
    TokenStatus,
    in_grace,
    is_unused,
    status_of,
)
from keystead.services.usage import UsageWindow
from keystead.store.models import ApiToken
from keystead.web.flash import Flash
from keystead.web.forms import checked_form, text
from keystead.web.page_route import PageRoute, pages_of, readable
from keystead.web.token_form import TokenForm, checked, expiry_choice, form_of, grouped
from keystead.web.usage_page import daily_chart
from keystead.web.visitor import Member, SignedIn

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@dataclass(frozen=True, slots=True)
class TokenRow:
    id: str
    name: str
    preview: str
    permissions: list[str]
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    status: str
    expiring_soon: bool
    unused: bool
    allowed_ips: list[str]
    previous_preview: str | None
    """After a roll, while the old secret still works: its preview and end."""
    previous_until: datetime | None


def _row(
    token: ApiToken,
    now: datetime,
    warn_within: timedelta,
    unused_after: timedelta,
    catalogue: PermissionCatalogue,
) -> TokenRow:
    status = status_of(token, now)
    # A revoked or expired token's old secret works no more than its new one.
    grace = status == TokenStatus.ACTIVE and in_grace(token, now)
    soon = (
        status == TokenStatus.ACTIVE
        and token.expires_at is not None
        and token.expires_at - now <= warn_within
    )
    return TokenRow(
        id=token.id,
        name=token.name,
        preview=token.preview,
        permissions=[catalogue.label(p) for p in token.permissions],
        created_at=token.created_at,
        expires_at=token.expires_at,
        last_used_at=token.last_used_at,
        status=status,
        expiring_soon=soon,
        unused=is_unused(token, now, unused_after),
        allowed_ips=list(token.allowed_ips or []),
        previous_preview=token.previous_preview if grace else None,
        previous_until=token.previous_expires_at if grace else None,
    )


def _rows(runtime: AppRuntime, tokens: list[ApiToken]) -> list[TokenRow]:
    now = runtime.clock.now()
    warn_within = timedelta(days=max(runtime.settings.reminder_days))
    unused_after = runtime.tokens.policy.unused_after
    return [_row(token, now, warn_within, unused_after, runtime.permissions) for token in tokens]


def _explain(into: TokenForm, error: KeysteadError) -> None:
    if isinstance(error, InvalidInput):
        into.errors.add_invalid(error)
    else:
        into.problem = readable(error)


async def _api_page(
    request: Request,
    member: Member,
    runtime: AppRuntime,
    form: TokenForm | None = None,
    status: int = 200,
) -> Response:
    # Show this instance's latest uses, not the ones still waiting to be written.
    await runtime.usage.flush()
    tokens = await runtime.tokens.for_account(member.account.id)
    terms = await runtime.terms.current()
    warn_within = timedelta(days=max(runtime.settings.reminder_days))
    expiry = expiry_choice(runtime)
    usage = await runtime.usage_reports.for_account(member.account.id, UsageWindow(days=30))
    return pages_of(request).render(
        request,
        member.visitor,
        "api.html",
        status=status,
        tokens=_rows(runtime, tokens),
        usage_chart=daily_chart("Requests per day, all credentials", usage),
        unused_days=runtime.tokens.policy.unused_after.days,
        terms_accepted=member.account.terms_accepted_version == terms.version,
        terms_version=terms.version,
        groups=grouped(runtime.permissions),
        form=form or TokenForm(expires_on=expiry.default_date),
        form_open=form is not None,
        warn_days=warn_within.days,
        expiry=expiry,
    )


@router.get(API_PAGE)
async def api_page(request: Request, member: SignedIn, runtime: AppRuntime) -> Response:
    return await _api_page(request, member, runtime)


@router.get(API_PAGE + "/tokens")
async def tokens_address(request: Request) -> Response:
    """Where the create form was sent before it posted to the page itself."""
    return pages_of(request).redirect(API_PAGE)


# The form posts to the page's own address, so a failed submit stays there; the
# older address still takes forms from pages opened before.
@router.post(API_PAGE)
@router.post(API_PAGE + "/tokens")
async def create_token(request: Request, member: SignedIn, runtime: AppRuntime) -> Response:
    form = form_of(await checked_form(request, member.visitor, runtime.sessions))
    # The default day itself is exactly the policy's lifetime, to the second.
    default_day = expiry_choice(runtime).default_date
    fields = checked(runtime, form, keep_day=default_day, day_required=False)
    if fields is None:
        return await _api_page(request, member, runtime, form, status=422)
    try:
        token, plain = await runtime.tokens.create(
            member.account.id,
            form.name,
            sorted(form.permissions),
            fields.expires_at,
            fields.allowed_ips,
            by=member.actor,
        )
    except (InvalidInput, Conflict, TermsNotAccepted) as error:
        _explain(form, error)
        return await _api_page(request, member, runtime, form, status=error.status)
    created = Flash(f"Token “{token.name}” created.", secret=plain)
    return pages_of(request).redirect_with(API_PAGE, created, member.visitor.csrf_token)


async def _edit_page(
    request: Request,
    member: Member,
    runtime: AppRuntime,
    token: ApiToken,
    form: TokenForm,
    status: int = 200,
) -> Response:
    now = runtime.clock.now()
    return pages_of(request).render(
        request,
        member.visitor,
        "token_edit.html",
        status=status,
        token=_rows(runtime, [token])[0],
        groups=grouped(runtime.permissions),
        form=form,
        extended_until=now + runtime.tokens.policy.default_lifetime,
        expiry=expiry_choice(runtime),
    )


@router.get(API_PAGE + "/tokens/{token_id}/edit")
async def edit_page(
    request: Request, token_id: str, member: SignedIn, runtime: AppRuntime
) -> Response:
    token = await runtime.tokens.get(member.account.id, token_id)
    if token.revoked_at is not None:
        raise Conflict("Token is revoked; create a new one instead")
    current = TokenForm(
        name=token.name,
        permissions=set(token.permissions),
        expires_on=token.expires_at.date().isoformat() if token.expires_at else "",
        allowed_ips="\n".join(token.allowed_ips or []),
    )
    return await _edit_page(request, member, runtime, token, current)


@router.post(API_PAGE + "/tokens/{token_id}/edit")
async def edit_token(
    request: Request, token_id: str, member: SignedIn, runtime: AppRuntime
) -> Response:
    form = form_of(await checked_form(request, member.visitor, runtime.sessions))
    token = await runtime.tokens.get(member.account.id, token_id)
    current_day = token.expires_at.date().isoformat() if token.expires_at else ""
    fields = checked(runtime, form, keep_day=current_day, day_required=True)
    if fields is None:
        return await _edit_page(request, member, runtime, token, form, status=422)
    try:
        changes = TokenChanges(
            form.name, sorted(form.permissions), fields.expires_at, fields.allowed_ips
        )
        token = await runtime.tokens.update(member.account.id, token_id, changes, by=member.actor)
    except (InvalidInput, Conflict, TermsNotAccepted) as error:
        _explain(form, error)
        return await _edit_page(request, member, runtime, token, form, status=error.status)
    saved = Flash(f"Token “{token.name}” saved. The change applies to its next request.")
    return pages_of(request).redirect_with(API_PAGE, saved, member.visitor.csrf_token)


@router.get(API_PAGE + "/tokens/{token_id}/extend")
async def extend_address(request: Request, token_id: str) -> Response:
    """Extend is a button on the edit page: reopening its address shows that page."""
    return pages_of(request).redirect(f"{API_PAGE}/tokens/{token_id}/edit")


@router.post(API_PAGE + "/tokens/{token_id}/extend")
async def extend_token(
    request: Request, token_id: str, member: SignedIn, runtime: AppRuntime
) -> Response:
    await checked_form(request, member.visitor, runtime.sessions)
    token = await runtime.tokens.extend(member.account.id, token_id, by=member.actor)
    assert token.expires_at is not None
    extended = Flash(f"Token “{token.name}” now expires on {token.expires_at:%d %b %Y}.")
    return pages_of(request).redirect_with(API_PAGE, extended, member.visitor.csrf_token)


@router.get(API_PAGE + "/tokens/{token_id}/revoke")
async def revoke_page(
    request: Request, token_id: str, member: SignedIn, runtime: AppRuntime
) -> Response:
    token = await runtime.tokens.get(member.account.id, token_id)
    if token.revoked_at is not None:
        return pages_of(request).redirect(API_PAGE)
    row = _rows(runtime, [token])[0]
    return pages_of(request).render(request, member.visitor, "token_revoke.html", token=row)


@router.post(API_PAGE + "/tokens/{token_id}/revoke")
async def revoke_token(
    request: Request, token_id: str, member: SignedIn, runtime: AppRuntime
) -> Response:
    await checked_form(request, member.visitor, runtime.sessions)
    token = await runtime.tokens.revoke(member.account.id, token_id, by=member.actor)
    revoked = Flash(f"Token “{token.name}” revoked. It no longer works, from its next request.")
    return pages_of(request).redirect_with(API_PAGE, revoked, member.visitor.csrf_token)


GRACE_CHOICES = [
    (GracePeriod.NONE, "None: the old secret stops now"),
    (GracePeriod.HOUR, "1 hour"),
    (GracePeriod.DAY, "24 hours"),
    (GracePeriod.WEEK, "7 days"),
]


async def _roll_page(
    request: Request,
    member: Member,
    runtime: AppRuntime,
    token: ApiToken,
    error: str | None = None,
) -> Response:
    return pages_of(request).render(
        request,
        member.visitor,
        "token_roll.html",
        status=422 if error else 200,
        token=_rows(runtime, [token])[0],
        choices=GRACE_CHOICES,
        chosen=GracePeriod.HOUR,
        errors={"grace_period": error} if error else {},
    )


@router.get(API_PAGE + "/tokens/{token_id}/roll")
async def roll_page(
    request: Request, token_id: str, member: SignedIn, runtime: AppRuntime
) -> Response:
    token = await runtime.tokens.get(member.account.id, token_id)
    if token.revoked_at is not None:
        return pages_of(request).redirect(API_PAGE)
    return await _roll_page(request, member, runtime, token)


@router.post(API_PAGE + "/tokens/{token_id}/roll")
async def roll_token(
    request: Request, token_id: str, member: SignedIn, runtime: AppRuntime
) -> Response:
    form = await checked_form(request, member.visitor, runtime.sessions)
    try:
        grace = GracePeriod(text(form, "grace_period"))
    except ValueError:
        token = await runtime.tokens.get(member.account.id, token_id)
        unchosen = "Choose how long the current secret keeps working."
        return await _roll_page(request, member, runtime, token, unchosen)
    token, plain = await runtime.tokens.roll(member.account.id, token_id, grace, by=member.actor)
    if grace is GracePeriod.NONE:
        said = "The old secret no longer works."
    else:
        assert token.previous_expires_at is not None
        said = f"The old secret works until {token.previous_expires_at:%d %b %Y, %H:%M} UTC."
    rolled = Flash(f"Token “{token.name}” has a new secret. {said}", secret=plain)
    return pages_of(request).redirect_with(API_PAGE, rolled, member.visitor.csrf_token)
