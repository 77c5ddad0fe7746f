"""The built-in trading API (Whispertrades v1 shape), guarded by keystead.

It is mounted through the same seam as an operator's own API would be
(`keystead.guarded_api.GuardedApi`, named by `KEYSTEAD_GUARDED_API`, default
`keystead.trading:api`): its permissions, its `/v1` routes, its services over the
platform's database and clock, its pages, its demo data, `keystead bots import`, and
`keystead serve-trading` (the API alone, behind a gateway: `service.py`).
Its execution engine is a setting (`trading/engine.py`). Nothing outside this package
imports it.

Importing this package is cheap: `api` is built on first use, so `keystead --help`
reads `COMMANDS` without importing the routes, the services or the web stack.
"""

from __future__ import annotations

import sys
from functools import cache
from types import ModuleType
from typing import TYPE_CHECKING

from keystead.guarded_api import GuardedApi, LazyCommand, NavLink

if TYPE_CHECKING:
    from keystead.runtime import Runtime
    from keystead.store.models import Account

    api: GuardedApi

COMMANDS = (
    LazyCommand("bots", "keystead.trading.cli:app", "Bots, positions and orders."),
    LazyCommand(
        "serve-trading",
        "keystead.trading.serve:app",
        "Serve the trading API alone, trusting only requests a keystead gateway signed.",
    ),
)


async def seed_demo(runtime: Runtime, account: Account) -> None:
    """Bots, positions, orders, reports and a broker connection for the demo account."""
    from keystead.trading.services.demo_data import has_trading_data, seed_trading

    async with runtime.db.transaction() as session:
        if not await has_trading_data(session, account.id):
            await seed_trading(
                session,
                account.id,
                account.email or "",
                runtime.clock.now(),
                runtime.settings.secret_bytes,
            )


@cache
def _build() -> GuardedApi:
    from keystead.trading import context, pages
    from keystead.trading.api import ROUTERS
    from keystead.trading.permissions import CATALOGUE

    return GuardedApi(
        name="trading",
        permissions=CATALOGUE,
        routers=ROUTERS,
        start=context.start,
        pages=(pages.router,),
        templates="keystead.trading",
        nav=(NavLink("Bots", pages.BOTS_PAGE),),
        seed_demo=seed_demo,
        commands=COMMANDS,
    )


class _Package(ModuleType):
    """This package as a module whose `api` is built on first use. (A module
    `__getattr__` would not do: importing the `api` subpackage binds that name.)"""

    @property
    def api(self) -> GuardedApi:
        return _build()

    @api.setter
    def api(self, _subpackage: ModuleType) -> None:
        """The import system binds the `api` subpackage here; the name stays the API's."""


sys.modules[__name__].__class__ = _Package
