"""/v1/bots/orders and /v1/bots/{number}/orders: listings with filters and pages, one order."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from keystead.access.authorize import requires
from keystead.api.collection import collection
from keystead.api.deps import principal_of
from keystead.api.schemas import Envelope
from keystead.envelope import ok
from keystead.trading.api import views
from keystead.trading.api.params import Filters
from keystead.trading.context import from_request
from keystead.trading.permissions import Permission
from keystead.trading.wire import OrderResponse

router = APIRouter(prefix="/v1/bots", tags=["v1 orders"])


@collection(router, "GET", "/orders", response_model=Envelope[list[OrderResponse]])
@requires(Permission.ORDERS_READ)
async def list_orders(request: Request, filters: Filters) -> Response:
    """The account's orders, newest first, 100 a page."""
    orders = await from_request(request).orders.for_account(
        principal_of(request).account_id, filters.listing()
    )
    return ok([views.order(item) for item in orders], "Orders retrieved")


@router.get("/orders/{number}", response_model=Envelope[OrderResponse])
@requires(Permission.ORDERS_READ)
async def get_order(request: Request, number: str) -> Response:
    order = await from_request(request).orders.get(principal_of(request).account_id, number)
    return ok(views.order(order), "Order retrieved")


@router.get("/{number}/orders", response_model=Envelope[list[OrderResponse]])
@requires(Permission.ORDERS_READ)
async def bot_orders(request: Request, number: str, filters: Filters) -> Response:
    """One bot's orders, newest first, 100 a page."""
    orders = await from_request(request).orders.for_account(
        principal_of(request).account_id, filters.listing(bot_number=number)
    )
    return ok([views.order(item) for item in orders], "Orders retrieved")


# The `whispertrades` client asks for a bot's orders at `bots/{number}orders/` (it
# joins the bot number and `orders/` without a slash); answered as the same listing.
collection(
    router,
    "GET",
    "/{number}orders",
    response_model=Envelope[list[OrderResponse]],
    deprecated=True,
    summary="Bot orders (the path the whispertrades client asks for)",
    description="The same listing as `/v1/bots/{number}/orders`, at the path the "
    "`whispertrades` Python client builds. New clients use `/v1/bots/{number}/orders`.",
)(bot_orders)
