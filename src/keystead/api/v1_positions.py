"""/v1/bots/positions: listings with filters and pages, one position, closing one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from keystead.access.authorize import requires
from keystead.access.permissions import Permission
from keystead.api import v1_views
from keystead.api.collection import collection
from keystead.api.deps import get_runtime, principal_of
from keystead.api.v1_params import FromDate, Page, ToDate
from keystead.envelope import ok

router = APIRouter(prefix="/v1/bots/positions", tags=["v1 positions"])

BotFilter = Annotated[str | None, Query(description="A bot's number.")]
StatusFilter = Annotated[
    str | None, Query(pattern="^(?i:open|closed|close)$", description="OPEN or CLOSED.")
]


@collection(router, "GET", "")
@requires(Permission.POSITIONS_READ)
async def list_positions(
    request: Request,
    bot: BotFilter = None,
    status: StatusFilter = None,
    from_date: FromDate = None,
    to_date: ToDate = None,
    page: Page = 1,
) -> Response:
    positions = await get_runtime(request).positions.for_account(
        principal_of(request).account_id,
        bot_number=bot,
        status=status,
        from_date=from_date,
        to_date=to_date,
        page=page,
    )
    return ok([v1_views.position(item) for item in positions], "Positions retrieved")


@router.get("/{number}")
@requires(Permission.POSITIONS_READ)
async def get_position(request: Request, number: str) -> Response:
    position = await get_runtime(request).positions.get(principal_of(request).account_id, number)
    return ok(v1_views.position(position), "Position retrieved")


@router.put("/{number}/close")
@requires(Permission.POSITIONS_WRITE)
async def close_position(request: Request, number: str) -> Response:
    position = await get_runtime(request).positions.close(principal_of(request).account_id, number)
    return ok(v1_views.position(position), "Position closed")
