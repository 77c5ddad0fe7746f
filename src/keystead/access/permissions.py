"""The permission catalogue: ids, labels and what each one guards (CONTRACT §3)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Permission(StrEnum):
    ACCOUNT_READ = "account:read"
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


@dataclass(frozen=True, slots=True)
class PermissionInfo:
    id: Permission
    label: str
    resource: str
    guards: str


CATALOGUE: tuple[PermissionInfo, ...] = (
    PermissionInfo(Permission.ACCOUNT_READ, "Read Account", "Account", "GET /v1/account"),
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

ALL_PERMISSIONS: frozenset[str] = frozenset(p.value for p in Permission)


def normalise(requested: list[str]) -> list[str]:
    """Known ids, deduplicated, in catalogue order. Raises ValueError naming unknown ones."""
    unknown = sorted(set(requested) - ALL_PERMISSIONS)
    if unknown:
        raise ValueError(
            f"unknown permission(s): {', '.join(unknown)}; "
            f"valid ones are {', '.join(p.value for p in Permission)}"
        )
    if not requested:
        raise ValueError("at least one permission is required")
    wanted = set(requested)
    return [p.value for p in Permission if p.value in wanted]
