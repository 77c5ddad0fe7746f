"""/v1/bots/positions: listings with filters and pages, one position, closing one."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from keystead.access.authorize import requires
from keystead.api.collection import collection
from keystead.api.deps import principal_of
from keystead.api.schemas import Envelope
from keystead.envelope import ok, ok_serialised
from keystead.trading.api import views
from keystead.trading.api.params import Filters
from keystead.trading.context import from_request
from keystead.trading.permissions import Permission
from keystead.trading.wire import PositionResponse

router = APIRouter(prefix="/v1/bots/positions", tags=["v1 positions"])


@collection(router, "GET", "", response_model=Envelope[list[PositionResponse]])
@requires(Permission.POSITIONS_READ)
async def list_positions(request: Request, filters: Filters) -> Response:
    """The account's positions, newest first, 100 a page: fetch the next page while a page
    is full."""
    trading = from_request(request)
    answers = trading.position_answers
    page = await trading.positions.page(
        principal_of(request).account_id, filters.listing(), answers.held
    )
    missing = answers.missing(page)
    while missing:  # each round reads rows, so the page is complete within 100 rounds
        page = await trading.positions.complete(page, missing)
        # Other requests may have let go of more kept ones while those were read.
        missing = answers.missing(page)
    return ok_serialised(answers.pieces(page), "Positions retrieved")


@router.get("/{number}", response_model=Envelope[PositionResponse])
@requires(Permission.POSITIONS_READ)
async def get_position(request: Request, number: str) -> Response:
    position = await from_request(request).positions.get(principal_of(request).account_id, number)
    return ok(views.position(position), "Position retrieved")


@router.put("/{number}/close", response_model=Envelope[PositionResponse])
@requires(Permission.POSITIONS_WRITE)
async def close_position(request: Request, number: str) -> Response:
    position = await from_request(request).positions.close(principal_of(request).account_id, number)
    return ok(views.position(position), "Position closed")
