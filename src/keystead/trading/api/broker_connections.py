"""/v1/broker_connections: list and one connection."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from keystead.access.authorize import requires
from keystead.api.collection import collection
from keystead.api.deps import principal_of
from keystead.api.schemas import Envelope
from keystead.envelope import ok
from keystead.trading.api import views
from keystead.trading.context import from_request
from keystead.trading.permissions import Permission
from keystead.trading.wire import BrokerConnectionResponse

router = APIRouter(prefix="/v1/broker_connections", tags=["v1 broker connections"])


@collection(router, "GET", "", response_model=Envelope[list[BrokerConnectionResponse]])
@requires(Permission.BROKER_CONNECTIONS_READ)
async def list_broker_connections(request: Request) -> Response:
    brokers = await from_request(request).brokers.for_account(principal_of(request).account_id)
    return ok([views.broker_connection(item) for item in brokers], "Broker connections retrieved")


@router.get("/{number}", response_model=Envelope[BrokerConnectionResponse])
@requires(Permission.BROKER_CONNECTIONS_READ)
async def get_broker_connection(request: Request, number: str) -> Response:
    broker = await from_request(request).brokers.get(principal_of(request).account_id, number)
    return ok(views.broker_connection(broker), "Broker connection retrieved")
