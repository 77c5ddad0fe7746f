"""The built-in trading API (Whispertrades v1 shape), guarded by keystead.

It is mounted through the same seam as an operator's own API would be
(`keystead.guarded_api.GuardedApi`, named by `KEYSTEAD_GUARDED_API`, default
`keystead.trading:api`): its permissions, its `/v1` routes, its services over the
platform's database and clock, its pages, its demo data, `keystead bots import`, and
`keystead serve-trading` (the API alone, behind a gateway: `service.py`).
Its execution engine is a setting (`trading/engine.py`). Nothing outside this package
imports it.
"""

from __future__ import annotations

from keystead.guarded_api import GuardedApi, NavLink
from keystead.runtime import Runtime
from keystead.store.models import Account
from keystead.trading import cli, context, pages, serve
from keystead.trading.api import ROUTERS
from keystead.trading.permissions import CATALOGUE
from keystead.trading.services.demo_data import has_trading_data, seed_trading


async def seed_demo(runtime: Runtime, account: Account) -> None:
    """Bots, positions, orders, reports and a broker connection for the demo account."""
    async with runtime.db.transaction() as session:
        if not await has_trading_data(session, account.id):
            await seed_trading(
                session,
                account.id,
                account.email or "",
                runtime.clock.now(),
                runtime.settings.secret_bytes,
            )


api = GuardedApi(
    name="trading",
    permissions=CATALOGUE,
    routers=ROUTERS,
    start=context.start,
    pages=(pages.router,),
    templates="keystead.trading",
    nav=(NavLink("Bots", pages.BOTS_PAGE),),
    seed_demo=seed_demo,
    commands=(("bots", cli.app), ("serve-trading", serve.app)),
)
