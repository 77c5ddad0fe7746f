"""The demo's trading data holds what it promises on any day it is seeded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from keystead.runtime import Runtime
from keystead.trading.services.demo_data import PLANS, seed_trading
from keystead.trading.tables import Bot, Position


async def test_every_bot_meant_to_hold_a_position_holds_one_whatever_the_date(
    runtime: Runtime,
) -> None:
    # Seven days in a row cover every weekday and every phase of the bots'
    # five-day opening cycles.
    first = datetime(2026, 11, 16, 18, 0, tzinfo=UTC)
    holding = {plan.name for plan in PLANS if plan.open_now}
    for offset in range(7):
        now = first + timedelta(days=offset)
        email = f"demo-{offset}@example.com"
        account = await runtime.accounts.register(email, "a long enough password")
        async with runtime.db.transaction() as session:
            await seed_trading(session, account.id, email, now, b"secret")
        async with runtime.db.read() as session:
            rows = await session.execute(
                select(Bot.name)
                .join(Position, Position.bot_id == Bot.id)
                .where(Position.account_id == account.id, Position.status == "OPEN")
            )
            open_bots = {name for (name,) in rows}
        assert open_bots == holding, f"seeded on {now:%A %Y-%m-%d}"
