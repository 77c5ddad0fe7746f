"""/v1/bots/reports: list, one report, create, edit, run."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from keystead.access.authorize import requires
from keystead.access.permissions import Permission
from keystead.api import v1_views
from keystead.api.collection import collection
from keystead.api.deps import get_runtime, principal_of
from keystead.clock import isoformat
from keystead.envelope import ok
from keystead.services.reports import ReportDetails, ReportFields

router = APIRouter(prefix="/v1/bots/reports", tags=["v1 reports"])


class ReportEditIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, max_length=100)
    start_date: date | None = None
    end_date: date | None = None
    run_until_latest_date: bool | None = None
    symbol: str | None = Field(default=None, max_length=16)
    nlv_source: str | None = None
    nlv_amount: float | None = None
    is_public: bool | None = None
    bot_statuses: list[str] | None = None
    bots: list[str] | None = Field(default=None, description="Bot numbers; empty means all.")
    bot_tags: list[str] | None = None
    bot_position_tags: list[str] | None = None

    def fields(self) -> ReportFields:
        return ReportFields(**self.model_dump())


class ReportCreateIn(ReportEditIn):
    name: str = Field(min_length=1, max_length=100)
    start_date: date


def report(details: ReportDetails) -> dict[str, Any]:
    row = details.report
    return {
        "number": row.number,
        "name": row.name,
        "status": row.status,
        "completed_at": isoformat(row.completed_at),
        "start_date": row.start_date,
        "end_date": row.end_date,
        "run_until_latest_date": row.run_until_latest_date,
        "is_public": row.is_public,
        "symbol": row.symbol,
        "nlv_source": row.nlv_source,
        "nlv_amount": row.nlv_amount,
        "bot_statuses": list(row.bot_statuses),
        "brokers": [v1_views.base_broker(broker) for broker in details.brokers],
        "bots": [v1_views.basic_bot(bot) for bot in details.bots],
        "bot_tags": list(row.bot_tags),
        "bot_position_tags": list(row.bot_position_tags),
        "results": details.results,
    }


@collection(router, "GET", "")
@requires(Permission.REPORTS_READ)
async def list_reports(request: Request) -> Response:
    reports = await get_runtime(request).reports.for_account(principal_of(request).account_id)
    return ok([report(item) for item in reports], "Reports retrieved")


@collection(router, "POST", "", status_code=201)
@requires(Permission.REPORTS_WRITE)
async def create_report(request: Request, body: ReportCreateIn) -> Response:
    created = await get_runtime(request).reports.create(
        principal_of(request).account_id, body.fields()
    )
    return ok(report(created), "Report created", status=201)


@router.get("/{number}")
@requires(Permission.REPORTS_READ)
async def get_report(request: Request, number: str) -> Response:
    found = await get_runtime(request).reports.get(principal_of(request).account_id, number)
    return ok(report(found), "Report retrieved")


@router.put("/{number}")
@requires(Permission.REPORTS_WRITE)
async def edit_report(request: Request, number: str, body: ReportEditIn) -> Response:
    edited = await get_runtime(request).reports.edit(
        principal_of(request).account_id, number, body.fields()
    )
    return ok(report(edited), "Report updated")


@router.put("/{number}/run")
@requires(Permission.REPORTS_WRITE)
async def run_report(request: Request, number: str) -> Response:
    ran = await get_runtime(request).reports.run(principal_of(request).account_id, number)
    return ok(report(ran), "Report run")
