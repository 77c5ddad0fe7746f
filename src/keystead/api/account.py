"""/account and /account/api-terms: the signed-in account and its API terms acceptance."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from keystead.api.bounds import LARGEST_ROW_ID
from keystead.api.deps import AppRuntime, CurrentSession
from keystead.api.schemas import (
    AcceptTermsIn,
    AccountOut,
    AuditEventOut,
    Envelope,
    TermsOut,
    UsageOut,
    account_view,
    audit_view,
    terms_view,
    usage_view,
)
from keystead.audit import MAX_PAGE
from keystead.envelope import ok
from keystead.services.usage import MAX_DAYS, MAX_HOURS, UsageWindow

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
    account = await runtime.terms.accept(session.account.id, body.version, by=session.actor)
    terms = await runtime.terms.current()
    return ok(terms_view(terms, account), "API terms accepted")


@router.get("/audit", response_model=Envelope[list[AuditEventOut]])
async def audit_log(
    session: CurrentSession,
    runtime: AppRuntime,
    before: Annotated[
        int | None,
        Query(
            ge=1, le=LARGEST_ROW_ID, description="Only entries older than this entry id (paging)."
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Entries per page.")] = 50,
) -> Response:
    """The account's security events, newest first."""
    events = await runtime.audit.for_account(session.account.id, before=before, limit=limit)
    return ok([audit_view(event) for event in events], "Audit log retrieved")


@router.get("/usage", response_model=Envelope[UsageOut])
async def account_usage(
    session: CurrentSession,
    runtime: AppRuntime,
    hours: Annotated[int, Query(ge=1, le=MAX_HOURS, description="Hourly buckets.")] = 48,
    days: Annotated[int, Query(ge=1, le=MAX_DAYS, description="Daily buckets.")] = 30,
) -> Response:
    """Every credential of the account together: its tokens and its account key."""
    await runtime.usage.flush()
    window = UsageWindow(hours=hours, days=days)
    usage = await runtime.usage_reports.for_account(session.account.id, window)
    return ok(usage_view(usage), "Usage retrieved")
