"""[5] The trading API's `/v1` URL map. Order matters under /v1/bots: the fixed
segments (positions, orders, reports, variables) come before `/v1/bots/{number}` so
they are not taken for a bot number."""

from __future__ import annotations

from fastapi import APIRouter

from keystead.trading.api import bots, broker_connections, orders, positions, reports, variables

ROUTERS: tuple[APIRouter, ...] = (
    positions.router,  # /v1/bots/positions[/{number}[/close]]
    orders.router,  # /v1/bots/orders[/{number}], /v1/bots/{number}/orders
    reports.router,  # /v1/bots/reports[/{number}[/run]]
    variables.router,  # /v1/bots/variables[/{number}]
    bots.router,  # /v1/bots[/{number}[/enable|disable|open|close|…]]
    broker_connections.router,  # /v1/broker_connections[/{number}]
)
