"""/v1/bots: list, one bot, modify, enable, disable, open and close positions, performance."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from keystead.access.authorize import requires
from keystead.access.permissions import Permission
from keystead.api import v1_views
from keystead.api.collection import collection
from keystead.api.deps import get_runtime, principal_of
from keystead.api.v1_params import FromDate, IncludeDetails, ToDate, flag
from keystead.envelope import ok
from keystead.errors import InvalidInput
from keystead.services.bots import STATUSES, BotChanges
from keystead.services.positions import PositionDetails

router = APIRouter(prefix="/v1", tags=["v1 bots"])

Statuses = Annotated[
    list[str] | None,
    Query(alias="statuses[]", description="Repeat to filter: Enabled, Disabled, Disable on Close."),
]


class BotModifyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, max_length=100)
    notes: str | None = Field(default=None, max_length=5000)
    entry_condition: dict[str, Any] | None = None
    exit_condition: dict[str, Any] | None = None


@collection(router, "GET", "/bots")
@requires(Permission.BOTS_READ)
async def list_bots(
    request: Request, statuses: Statuses = None, include_details: IncludeDetails = None
) -> Response:
    unknown = sorted(set(statuses or []) - set(STATUSES))
    if unknown:
        raise InvalidInput(
            "statuses[]", f"unknown status {unknown[0]!r}; use {', '.join(STATUSES)}"
        )
    details = flag(include_details, "include_details")
    bots = await get_runtime(request).bots.for_account(
        principal_of(request).account_id, statuses, details
    )
    return ok([v1_views.bot(item, details) for item in bots], "Bots retrieved")


@router.get("/bots/{number}")
@requires(Permission.BOTS_READ)
async def get_bot(
    request: Request, number: str, include_details: IncludeDetails = None
) -> Response:
    details = flag(include_details, "include_details")
    bot = await get_runtime(request).bots.get(principal_of(request).account_id, number, details)
    return ok(v1_views.bot(bot, details), "Bot retrieved")


@router.put("/bots/{number}")
@requires(Permission.BOTS_WRITE)
async def modify_bot(request: Request, number: str, body: BotModifyIn) -> Response:
    changes = BotChanges(
        name=body.name,
        notes=body.notes,
        entry_condition=body.entry_condition,
        exit_condition=body.exit_condition,
    )
    bot = await get_runtime(request).bots.modify(principal_of(request).account_id, number, changes)
    return ok(v1_views.bot(bot), "Bot updated")


@router.put("/bots/{number}/enable")
@requires(Permission.BOTS_WRITE)
async def enable_bot(request: Request, number: str) -> Response:
    bot = await get_runtime(request).bots.enable(principal_of(request).account_id, number)
    return ok(v1_views.bot(bot), "Bot enabled")


@router.put("/bots/{number}/disable")
@requires(Permission.BOTS_WRITE)
async def disable_bot(request: Request, number: str) -> Response:
    bot = await get_runtime(request).bots.disable(principal_of(request).account_id, number)
    return ok(v1_views.bot(bot), "Bot disabled")


async def _open(request: Request, number: str) -> Response:
    position, bot = await get_runtime(request).bots.open_position(
        principal_of(request).account_id, number
    )
    return ok(v1_views.position(PositionDetails(position, bot.bot, bot.broker)), "Position opened")


@router.post("/bots/{number}/open")
@requires(Permission.POSITIONS_WRITE)
async def open_position(request: Request, number: str) -> Response:
    return await _open(request, number)


@router.put("/bots/{number}/open_position")
@requires(Permission.POSITIONS_WRITE)
async def open_position_put(request: Request, number: str) -> Response:
    return await _open(request, number)


async def _close(request: Request, number: str) -> Response:
    bot = await get_runtime(request).bots.close_positions(principal_of(request).account_id, number)
    return ok(v1_views.bot(bot), "Positions closed")


@router.put("/bots/{number}/close")
@requires(Permission.POSITIONS_WRITE)
async def close_positions(request: Request, number: str) -> Response:
    return await _close(request, number)


@router.put("/bots/{number}/close_position")
@requires(Permission.POSITIONS_WRITE)
async def close_positions_alias(request: Request, number: str) -> Response:
    return await _close(request, number)


@router.get("/bots/{number}/performance")
@requires(Permission.BOTS_READ)
async def bot_performance(
    request: Request, number: str, from_date: FromDate = None, to_date: ToDate = None
) -> Response:
    runtime = get_runtime(request)
    end = to_date or runtime.clock.now().date()
    start = from_date or end - timedelta(days=365)
    if start > end:
        raise InvalidInput("from_date", "must not be after to_date")
    days = await runtime.reports.bot_history(principal_of(request).account_id, number, start, end)
    return ok(days, "Performance retrieved")
