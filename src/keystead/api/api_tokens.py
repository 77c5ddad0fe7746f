"""/account/api-tokens: list, mint, edit, extend, roll, revoke, usage (session; terms
for mint, edit and roll)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from keystead.api.deps import AppRuntime, CurrentSession
from keystead.api.schemas import (
    Envelope,
    TokenCreatedOut,
    TokenCreateIn,
    TokenOut,
    TokenRollIn,
    TokenUpdateIn,
    UsageOut,
    token_view,
    usage_view,
)
from keystead.envelope import NO_STORE, ok
from keystead.runtime import Runtime
from keystead.services.api_tokens import TokenChanges
from keystead.services.usage import MAX_DAYS, MAX_HOURS, UsageWindow
from keystead.store.models import ApiToken

router = APIRouter(prefix="/account/api-tokens", tags=["api tokens"])

Hours = Annotated[int, Query(ge=1, le=MAX_HOURS, description="Hourly buckets.")]
Days = Annotated[int, Query(ge=1, le=MAX_DAYS, description="Daily buckets.")]


def _view(runtime: Runtime, token: ApiToken) -> dict[str, object]:
    return token_view(token, runtime.tokens.now(), runtime.tokens.policy.unused_after)


@router.get("", response_model=Envelope[list[TokenOut]])
async def list_tokens(session: CurrentSession, runtime: AppRuntime) -> Response:
    # Show this instance's latest uses, not the ones still waiting to be written.
    await runtime.usage.flush()
    tokens = await runtime.tokens.for_account(session.account.id)
    return ok([_view(runtime, token) for token in tokens], "Tokens retrieved")


@router.post("", status_code=201, response_model=Envelope[TokenCreatedOut])
async def create_token(
    body: TokenCreateIn, session: CurrentSession, runtime: AppRuntime
) -> Response:
    token, plain = await runtime.tokens.create(
        session.account.id,
        body.name,
        list(body.permissions),
        body.expires_at,
        body.allowed_ips,
        by=session.actor,
    )
    data = {**_view(runtime, token), "token": plain}
    return ok(data, "Token created", status=201, headers=NO_STORE)


@router.patch("/{token_id}", response_model=Envelope[TokenOut])
async def update_token(
    token_id: str, body: TokenUpdateIn, session: CurrentSession, runtime: AppRuntime
) -> Response:
    changes = TokenChanges(
        name=body.name,
        permissions=list(body.permissions) if body.permissions else None,
        expires_at=body.expires_at,
        allowed_ips=body.allowed_ips,
    )
    token = await runtime.tokens.update(session.account.id, token_id, changes, by=session.actor)
    return ok(_view(runtime, token), "Token updated")


@router.post("/{token_id}/extend", response_model=Envelope[TokenOut])
async def extend_token(token_id: str, session: CurrentSession, runtime: AppRuntime) -> Response:
    token = await runtime.tokens.extend(session.account.id, token_id, by=session.actor)
    return ok(_view(runtime, token), "Token extended")


@router.post("/{token_id}/roll", response_model=Envelope[TokenCreatedOut])
async def roll_token(
    token_id: str, session: CurrentSession, runtime: AppRuntime, body: TokenRollIn | None = None
) -> Response:
    """A new secret for the token; the old one works for the chosen grace period."""
    grace = (body or TokenRollIn()).grace_period
    token, plain = await runtime.tokens.roll(session.account.id, token_id, grace, by=session.actor)
    data = {**_view(runtime, token), "token": plain}
    return ok(data, "Token rolled", headers=NO_STORE)


@router.delete("/{token_id}", response_model=Envelope[TokenOut])
async def revoke_token(token_id: str, session: CurrentSession, runtime: AppRuntime) -> Response:
    token = await runtime.tokens.revoke(session.account.id, token_id, by=session.actor)
    return ok(_view(runtime, token), "Token revoked")


@router.get("/{token_id}/usage", response_model=Envelope[UsageOut])
async def token_usage(
    token_id: str, session: CurrentSession, runtime: AppRuntime, hours: Hours = 48, days: Days = 30
) -> Response:
    """Requests per hour and per day by status class, distinct client addresses, last use."""
    await runtime.usage.flush()
    usage = await runtime.usage_reports.for_token(
        session.account.id, token_id, UsageWindow(hours=hours, days=days)
    )
    return ok(usage_view(usage), "Usage retrieved")
