"""The permission catalogue the suite runs with: keystead's own and the trading API's."""

from __future__ import annotations

from keystead.access.permissions import PLATFORM_PERMISSIONS, PermissionCatalogue
from keystead.trading.permissions import CATALOGUE as TRADING_PERMISSIONS

CATALOGUE = PermissionCatalogue((*PLATFORM_PERMISSIONS, *TRADING_PERMISSIONS))
ALL_PERMISSIONS = frozenset(CATALOGUE.ids)
