"""/v1/bots/reports: list, one report, create, edit, run."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field, StrictBool
from starlette.responses import Response

from keystead.access.authorize import requires
from keystead.api.collection import collection
from keystead.api.deps import principal_of
from keystead.api.schemas import Envelope, IsoDate
from keystead.envelope import ok
from keystead.trading.api import views
from keystead.trading.api.params import MARKET_DAYS
from keystead.trading.context import from_request
from keystead.trading.permissions import Permission
from keystead.trading.services.reports import ReportFields
from keystead.trading.wire import ReportResponse

router = APIRouter(prefix="/v1/bots/reports", tags=["v1 reports"])


ReportDay = Annotated[IsoDate, MARKET_DAYS]
Names = Annotated[list[Annotated[str, Field(max_length=100)]], Field(max_length=200)]


class ReportEditIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, max_length=100)
    start_date: ReportDay | None = None
    end_date: ReportDay | None = None
    run_until_latest_date: StrictBool | None = None
    symbol: str | None = Field(default=None, max_length=16)
    nlv_source: str | None = Field(default=None, max_length=32)
    nlv_amount: Annotated[float, Field(strict=True, allow_inf_nan=False, gt=0)] | None = None
    is_public: StrictBool | None = None
    bot_statuses: Names | None = None
    bots: Names | None = Field(default=None, description="Bot numbers; empty means all.")
    bot_tags: Names | None = None
    bot_position_tags: Names | None = None

    def fields(self) -> ReportFields:
        return ReportFields(**self.model_dump())


class ReportCreateIn(ReportEditIn):
    name: str = Field(min_length=1, max_length=100)
    start_date: ReportDay


@collection(router, "GET", "", response_model=Envelope[list[ReportResponse]])
@requires(Permission.REPORTS_READ)
async def list_reports(request: Request) -> Response:
    """The account's reports, newest first; their results without the daily `days`."""
    reports = await from_request(request).reports.for_account(principal_of(request).account_id)
    return ok([views.report(item) for item in reports], "Reports retrieved")


@collection(router, "POST", "", status_code=201, response_model=Envelope[ReportResponse])
@requires(Permission.REPORTS_WRITE)
async def create_report(request: Request, body: ReportCreateIn) -> Response:
    created = await from_request(request).reports.create(
        principal_of(request).account_id, body.fields()
    )
    return ok(views.report(created), "Report created", status=201)


@router.get("/{number}", response_model=Envelope[ReportResponse])
@requires(Permission.REPORTS_READ)
async def get_report(request: Request, number: str) -> Response:
    found = await from_request(request).reports.get(principal_of(request).account_id, number)
    return ok(views.report(found), "Report retrieved")


@router.put("/{number}", response_model=Envelope[ReportResponse])
@requires(Permission.REPORTS_WRITE)
async def edit_report(request: Request, number: str, body: ReportEditIn) -> Response:
    edited = await from_request(request).reports.edit(
        principal_of(request).account_id, number, body.fields()
    )
    return ok(views.report(edited), "Report updated")


@router.put("/{number}/run", response_model=Envelope[ReportResponse])
@requires(Permission.REPORTS_WRITE)
async def run_report(request: Request, number: str) -> Response:
    ran = await from_request(request).reports.run(principal_of(request).account_id, number)
    return ok(views.report(ran), "Report run")
