"""/account and /account/api-terms: the signed-in account and its API terms acceptance."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from keystead.api.deps import AppRuntime, CurrentSession
from keystead.api.schemas import (
    AcceptTermsIn,
    AccountOut,
    Envelope,
    TermsOut,
    account_view,
    terms_view,
)
from keystead.envelope import ok

router = APIRouter(prefix="/account", tags=["account"])


@router.get("", response_model=Envelope[AccountOut])
async def get_account(session: CurrentSession) -> Response:
    return ok(account_view(session.account), "Account retrieved")


@router.get("/api-terms", response_model=Envelope[TermsOut])
async def get_terms(session: CurrentSession, runtime: AppRuntime) -> Response:
    terms = await runtime.terms.current()
    return ok(terms_view(terms, session.account), "API terms retrieved")


@router.post("/api-terms", response_model=Envelope[TermsOut])
async def accept_terms(
    body: AcceptTermsIn, session: CurrentSession, runtime: AppRuntime
) -> Response:
    account = await runtime.terms.accept(session.account.id, body.version)
    terms = await runtime.terms.current()
    return ok(terms_view(terms, account), "API terms accepted")
