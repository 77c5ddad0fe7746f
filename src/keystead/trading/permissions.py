"""The trading API's permissions: the ids its routes require and how the token page
names them (CONTRACT §3)."""

from __future__ import annotations

from enum import StrEnum

from keystead.access.permissions import PermissionInfo


class Permission(StrEnum):
    BOTS_READ = "bots:read"
    BOTS_WRITE = "bots:write"
    POSITIONS_READ = "positions:read"
    POSITIONS_WRITE = "positions:write"
    REPORTS_READ = "reports:read"
    REPORTS_WRITE = "reports:write"
    ORDERS_READ = "orders:read"
    VARIABLES_READ = "variables:read"
    VARIABLES_WRITE = "variables:write"
    BROKER_CONNECTIONS_READ = "broker_connections:read"


CATALOGUE: tuple[PermissionInfo, ...] = (
    PermissionInfo(Permission.BOTS_READ, "Read Bots", "Bots", "GET /v1/bots…, performance history"),
    PermissionInfo(Permission.BOTS_WRITE, "Write Bots", "Bots", "enable, disable, modify bots"),
    PermissionInfo(
        Permission.POSITIONS_READ, "Read Positions", "Positions", "GET /v1/bots/positions…"
    ),
    PermissionInfo(
        Permission.POSITIONS_WRITE, "Write Positions", "Positions", "open and close positions"
    ),
    PermissionInfo(Permission.REPORTS_READ, "Read Reports", "Reports", "GET /v1/bots/reports…"),
    PermissionInfo(
        Permission.REPORTS_WRITE, "Write Reports", "Reports", "create, edit, run reports"
    ),
    PermissionInfo(Permission.ORDERS_READ, "Read Orders", "Orders", "GET /v1/bots/orders…"),
    PermissionInfo(
        Permission.VARIABLES_READ, "Read Variables", "Variables", "GET /v1/bots/variables…"
    ),
    PermissionInfo(Permission.VARIABLES_WRITE, "Write Variables", "Variables", "edit a variable"),
    PermissionInfo(
        Permission.BROKER_CONNECTIONS_READ,
        "Read Broker Connections",
        "Broker Connections",
        "GET /v1/broker_connections…",
    ),
)
