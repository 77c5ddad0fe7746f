"""/account/api-tokens: list, mint, edit, extend, revoke (session; terms for mint and edit)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from keystead.api.deps import AppRuntime, CurrentSession
from keystead.api.schemas import (
    Envelope,
    TokenCreatedOut,
    TokenCreateIn,
    TokenOut,
    TokenUpdateIn,
    token_view,
)
from keystead.envelope import NO_STORE, ok
from keystead.services.api_tokens import TokenChanges

router = APIRouter(prefix="/account/api-tokens", tags=["api tokens"])


@router.get("", response_model=Envelope[list[TokenOut]])
async def list_tokens(session: CurrentSession, runtime: AppRuntime) -> Response:
    # Show this instance's latest uses, not the ones still waiting to be written.
    await runtime.last_used.flush()
    tokens = await runtime.tokens.for_account(session.account.id)
    now = runtime.tokens.now()
    return ok([token_view(token, now) for token in tokens], "Tokens retrieved")


@router.post("", status_code=201, response_model=Envelope[TokenCreatedOut])
async def create_token(
    body: TokenCreateIn, session: CurrentSession, runtime: AppRuntime
) -> Response:
    token, plain = await runtime.tokens.create(
        session.account.id, body.name, [p.value for p in body.permissions], body.expires_at
    )
    data = {**token_view(token, runtime.tokens.now()), "token": plain}
    return ok(data, "Token created", status=201, headers=NO_STORE)


@router.patch("/{token_id}", response_model=Envelope[TokenOut])
async def update_token(
    token_id: str, body: TokenUpdateIn, session: CurrentSession, runtime: AppRuntime
) -> Response:
    changes = TokenChanges(
        name=body.name,
        permissions=[p.value for p in body.permissions] if body.permissions else None,
        expires_at=body.expires_at,
    )
    token = await runtime.tokens.update(session.account.id, token_id, changes)
    return ok(token_view(token, runtime.tokens.now()), "Token updated")


@router.post("/{token_id}/extend", response_model=Envelope[TokenOut])
async def extend_token(token_id: str, session: CurrentSession, runtime: AppRuntime) -> Response:
    token = await runtime.tokens.extend(session.account.id, token_id)
    return ok(token_view(token, runtime.tokens.now()), "Token extended")


@router.delete("/{token_id}", response_model=Envelope[TokenOut])
async def revoke_token(token_id: str, session: CurrentSession, runtime: AppRuntime) -> Response:
    token = await runtime.tokens.revoke(session.account.id, token_id)
    return ok(token_view(token, runtime.tokens.now()), "Token revoked")
