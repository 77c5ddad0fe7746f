"""/v1/bots/orders and /v1/bots/{number}/orders: listings with filters and pages, one order."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from keystead.access.authorize import requires
from keystead.access.permissions import Permission
from keystead.api import v1_views
from keystead.api.collection import collection
from keystead.api.deps import get_runtime, principal_of
from keystead.api.v1_params import Filters
from keystead.envelope import ok

router = APIRouter(prefix="/v1/bots", tags=["v1 orders"])


@collection(router, "GET", "/orders")
@requires(Permission.ORDERS_READ)
async def list_orders(request: Request, filters: Filters) -> Response:
    orders = await get_runtime(request).orders.for_account(
        principal_of(request).account_id, filters.listing()
    )
    return ok([v1_views.order(item) for item in orders], "Orders retrieved")


@router.get("/orders/{number}")
@requires(Permission.ORDERS_READ)
async def get_order(request: Request, number: str) -> Response:
    order = await get_runtime(request).orders.get(principal_of(request).account_id, number)
    return ok(v1_views.order(order), "Order retrieved")


@router.get("/{number}/orders")
@requires(Permission.ORDERS_READ)
async def bot_orders(request: Request, number: str, filters: Filters) -> Response:
    orders = await get_runtime(request).orders.for_account(
        principal_of(request).account_id, filters.listing(bot_number=number)
    )
    return ok([v1_views.order(item) for item in orders], "Orders retrieved")
