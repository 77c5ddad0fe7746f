"""/v1/bots: list, one bot, modify, enable, disable, open and close positions, performance."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from keystead.access.authorize import requires
from keystead.api.collection import collection
from keystead.api.deps import principal_of
from keystead.api.schemas import Envelope
from keystead.envelope import ok, ok_serialised
from keystead.errors import InvalidInput
from keystead.trading.api import views
from keystead.trading.api.params import (
    FromDate,
    IncludeDetails,
    Statuses,
    StatusesBracketed,
    ToDate,
    bot_statuses,
    flag,
)
from keystead.trading.context import from_request
from keystead.trading.permissions import Permission
from keystead.trading.services import market
from keystead.trading.services.bots import BotChanges
from keystead.trading.services.positions import PositionDetails
from keystead.trading.wire import BotResponse, PositionResponse, ResultByDay

router = APIRouter(prefix="/v1", tags=["v1 bots"])


class BotModifyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, max_length=100)
    notes: str | None = Field(default=None, max_length=5000)
    entry_condition: dict[str, Any] | None = Field(
        default=None,
        description="Fields of the bot's EntryCondition to change, as the API shows them; "
        "the rest are kept and the whole condition is checked.",
        examples=[{"days_of_week": "Monday, Wednesday, Friday", "target_days_to_expiration": 7}],
    )
    exit_condition: dict[str, Any] | None = Field(
        default=None,
        description="Fields of the bot's ExitCondition to change, as for `entry_condition`.",
        examples=[{"profit_target_percent": "50"}],
    )


@collection(router, "GET", "/bots", response_model=Envelope[list[BotResponse]])
@requires(Permission.BOTS_READ)
async def list_bots(
    request: Request,
    statuses: Statuses = None,
    statuses_bracketed: StatusesBracketed = None,
    include_details: IncludeDetails = None,
) -> Response:
    """The account's bots, by name."""
    wanted = bot_statuses({"statuses": statuses, "statuses[]": statuses_bracketed})
    details = flag(include_details, "include_details")
    trading = from_request(request)
    bots = await trading.bots.for_account(principal_of(request).account_id, wanted, details)
    return ok_serialised(trading.bot_answers.list(bots, details), "Bots retrieved")


@router.get("/bots/{number}", response_model=Envelope[BotResponse])
@requires(Permission.BOTS_READ)
async def get_bot(
    request: Request, number: str, include_details: IncludeDetails = None
) -> Response:
    details = flag(include_details, "include_details")
    trading = from_request(request)
    bot = await trading.bots.get(principal_of(request).account_id, number, details)
    return ok_serialised([trading.bot_answers.json(bot, details)], "Bot retrieved")


@router.put("/bots/{number}", response_model=Envelope[BotResponse])
@requires(Permission.BOTS_WRITE)
async def modify_bot(request: Request, number: str, body: BotModifyIn) -> Response:
    changes = BotChanges(
        name=body.name,
        notes=body.notes,
        entry_condition=body.entry_condition,
        exit_condition=body.exit_condition,
    )
    bot = await from_request(request).bots.modify(principal_of(request).account_id, number, changes)
    return ok(views.bot(bot), "Bot updated")


@router.put("/bots/{number}/enable", response_model=Envelope[BotResponse])
@requires(Permission.BOTS_WRITE)
async def enable_bot(request: Request, number: str) -> Response:
    bot = await from_request(request).bots.enable(principal_of(request).account_id, number)
    return ok(views.bot(bot), "Bot enabled")


@router.put("/bots/{number}/disable", response_model=Envelope[BotResponse])
@requires(Permission.BOTS_WRITE)
async def disable_bot(request: Request, number: str) -> Response:
    bot = await from_request(request).bots.disable(principal_of(request).account_id, number)
    return ok(views.bot(bot), "Bot disabled")


async def _open(request: Request, number: str) -> Response:
    position, bot = await from_request(request).bots.open_position(
        principal_of(request).account_id, number
    )
    return ok(views.position(PositionDetails(position, bot.bot, bot.broker)), "Position opened")


@router.post("/bots/{number}/open", response_model=Envelope[PositionResponse])
@requires(Permission.POSITIONS_WRITE)
async def open_position(request: Request, number: str) -> Response:
    return await _open(request, number)


@router.put("/bots/{number}/open_position", response_model=Envelope[PositionResponse])
@requires(Permission.POSITIONS_WRITE)
async def open_position_put(request: Request, number: str) -> Response:
    return await _open(request, number)


async def _close(request: Request, number: str) -> Response:
    bot = await from_request(request).bots.close_positions(principal_of(request).account_id, number)
    return ok(views.bot(bot), "Positions closed")


@router.put("/bots/{number}/close", response_model=Envelope[BotResponse])
@requires(Permission.POSITIONS_WRITE)
async def close_positions(request: Request, number: str) -> Response:
    return await _close(request, number)


@router.put("/bots/{number}/close_position", response_model=Envelope[BotResponse])
@requires(Permission.POSITIONS_WRITE)
async def close_positions_alias(request: Request, number: str) -> Response:
    return await _close(request, number)


@router.get("/bots/{number}/performance", response_model=Envelope[list[ResultByDay]])
@requires(Permission.BOTS_READ)
async def bot_performance(
    request: Request, number: str, from_date: FromDate = None, to_date: ToDate = None
) -> Response:
    trading = from_request(request)
    end = to_date or trading.clock.now().date()
    start = from_date or max(market.BASE_DAY, end - timedelta(days=365))
    if start > end:
        raise InvalidInput("from_date", "must not be after to_date")
    days = await trading.reports.bot_history(principal_of(request).account_id, number, start, end)
    return ok(days, "Performance retrieved")
