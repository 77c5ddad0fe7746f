"""/v1/bots/orders and /v1/bots/{number}/orders: listings with filters and pages, one order."""

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

router = APIRouter(prefix="/v1/bots", tags=["v1 orders"])

BotFilter = Annotated[str | None, Query(description="A bot's number.")]
StatusFilter = Annotated[
    str | None,
    Query(
        pattern="^(?i:working|filled|canceled|expired|rejected)$",
        description="WORKING, FILLED, CANCELED, EXPIRED or REJECTED.",
    ),
]


@collection(router, "GET", "/orders")
@requires(Permission.ORDERS_READ)
async def list_orders(
    request: Request,
    bot: BotFilter = None,
    status: StatusFilter = None,
    from_date: FromDate = None,
    to_date: ToDate = None,
    page: Page = 1,
) -> Response:
    orders = await get_runtime(request).orders.for_account(
        principal_of(request).account_id,
        bot_number=bot,
        status=status,
        from_date=from_date,
        to_date=to_date,
        page=page,
    )
    return ok([v1_views.order(item) for item in orders], "Orders retrieved")


@router.get("/orders/{number}")
@requires(Permission.ORDERS_READ)
async def get_order(request: Request, number: str) -> Response:
    order = await get_runtime(request).orders.get(principal_of(request).account_id, number)
    return ok(v1_views.order(order), "Order retrieved")


@router.get("/{number}/orders")
@requires(Permission.ORDERS_READ)
async def bot_orders(request: Request, number: str, page: Page = 1) -> Response:
    orders = await get_runtime(request).orders.for_account(
        principal_of(request).account_id, bot_number=number, page=page
    )
    return ok([v1_views.order(item) for item in orders], "Orders retrieved")
