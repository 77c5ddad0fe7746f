"""The demo account's trading data: broker connections, bots in every status with
full settings, a year of positions and orders through the paper backend's own
pricing, variables and a report. Deterministic: the same email and day give the
same data on one server (numbers are keyed by its secret)."""

from __future__ import annotations

import hashlib
import random
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from keystead.access.tokens import ID_ALPHABET, ID_LENGTH
from keystead.trading import paper
from keystead.trading.services.bot_settings import (
    AdjustmentSettings,
    EntryConditionSettings,
    ExitConditionSettings,
    validated,
)
from keystead.trading.services.performance import trading_days
from keystead.trading.tables import Bot, BrokerConnection, Order, Position, Report, Variable
from keystead.trading.wire import Notification

HISTORY_DAYS = 365
OPEN_AT = time(14, 45)  # 09:45 New York, in UTC (standard time)
CLOSE_AT = time(20, 45)  # 15:45 New York


def entry_condition(**overrides: Any) -> dict[str, Any]:
    """A complete entry condition: every field of the shape, defaults for a put spread."""
    fields: dict[str, Any] = dict.fromkeys(EntryConditionSettings.model_fields)
    fields.update(
        frequency="Daily",
        allocation_type="Contract Quantity",
        contract_quantity=1,
        entry_speed="Normal",
        maximum_concurrent_positions=5,
        maximum_entries_per_day=1,
        earliest_time_of_day="09:45:00",
        latest_time_of_day="15:00:00",
        days_of_week="All",
        minutes_between_positions=30,
        minimum_days_to_expiration=0,
        target_days_to_expiration=7,
        maximum_days_to_expiration=10,
        move_strike_selection_with_conflict=False,
        variables=[],
        put_short_strike_type="Delta",
        put_short_strike_minimum_delta=0.1,
        put_short_strike_target_delta=0.16,
        put_short_strike_maximum_delta=0.2,
        put_spread_target_width_points=25.0,
        restrict_put_spread_width_by="Points",
        call_spread_smart_width=False,
        put_spread_smart_width=True,
        avoid_fomc="Avoid",
        minimum_starting_premium="0.50",
    )
    fields.update(overrides)
    return validated(EntryConditionSettings, fields, "entry_condition").model_dump(mode="json")


def exit_condition(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = dict.fromkeys(ExitConditionSettings.model_fields)
    fields.update(
        exit_speed="Normal",
        profit_target_percent="50",
        stop_loss_percent="200",
        monitored_stop_sensitivity="Normal",
        variables=[],
        close_short_strike_only=False,
        sell_abandoned_long_strike=True,
        trailing_stop_sensitivity="Normal",
    )
    fields.update(overrides)
    return validated(ExitConditionSettings, fields, "exit_condition").model_dump(mode="json")


def adjustment(number: str, variables: list[dict[str, Any]]) -> dict[str, Any]:
    fields: dict[str, Any] = dict.fromkeys(AdjustmentSettings.model_fields)
    fields.update(
        number=number,
        status="Enabled",
        type="Close Position",
        days_of_week="Monday, Wednesday, Friday",
        days_to_expiration=1,
        time_of_day="15:30 to 15:55",
        minimum_position_profit_percent="25",
        variables=variables,
    )
    return validated(AdjustmentSettings, fields, "adjustments").model_dump(mode="json")


def notification(number: str, event: str) -> dict[str, Any]:
    return validated(
        Notification, {"number": number, "event": event, "type": "Email"}, "notifications"
    ).model_dump(mode="json")


@dataclass(frozen=True, slots=True)
class BotPlan:
    name: str
    broker: int  # index into the broker list
    is_paper: bool
    status: str
    symbol: str
    type: str
    dte: int
    hold_days: int  # trading days a position is held (0: closes the day it opens)
    every: int  # opens on one trading day in `every`
    stopped_days_ago: int  # history ends this many days ago (a disabled bot)
    open_now: bool
    quantity: int
    width: float


# fmt: off
PLANS = (
    BotPlan(
        name="SPX 0DTE Put Spread", broker=0, is_paper=True, status="Enabled", symbol="SPX",
        type="Put Credit Spread", dte=0, hold_days=0, every=1, stopped_days_ago=0,
        open_now=True, quantity=1, width=25.0,
    ),
    BotPlan(
        name="SPX Weekly Put Spread", broker=0, is_paper=True, status="Enabled", symbol="SPX",
        type="Put Credit Spread", dte=7, hold_days=3, every=5, stopped_days_ago=0,
        open_now=True, quantity=2, width=25.0,
    ),
    BotPlan(
        name="QQQ Call Spread", broker=0, is_paper=True, status="Disabled", symbol="QQQ",
        type="Call Credit Spread", dte=5, hold_days=2, every=3, stopped_days_ago=60,
        open_now=False, quantity=3, width=3.0,
    ),
    BotPlan(
        name="SPX 45 DTE Put Spread", broker=1, is_paper=False, status="Disable on Close",
        symbol="SPX", type="Put Credit Spread", dte=45, hold_days=20, every=10,
        stopped_days_ago=0, open_now=True, quantity=1, width=50.0,
    ),
    BotPlan(
        name="RUT Put Spread", broker=1, is_paper=False, status="Enabled", symbol="RUT",
        type="Put Credit Spread", dte=14, hold_days=5, every=5, stopped_days_ago=0,
        open_now=False, quantity=1, width=10.0,
    ),
)
# fmt: on


def _spread_settings(plan: BotPlan) -> dict[str, Any]:
    if plan.type == "Call Credit Spread":
        return {
            "put_short_strike_type": None,
            "put_spread_target_width_points": None,
            "call_short_strike_type": "Delta",
            "call_short_strike_target_delta": 0.16,
            "call_spread_target_width_points": plan.width,
            "restrict_call_spread_width_by": "Points",
        }
    return {"put_spread_target_width_points": plan.width}


def _numbers(seed: str) -> Callable[[], str]:
    rng = random.Random(zlib.crc32(seed.encode()))
    return lambda: "".join(rng.choice(ID_ALPHABET) for _ in range(ID_LENGTH))


async def has_trading_data(session: AsyncSession, account_id: int) -> bool:
    count = await session.scalar(
        select(func.count()).select_from(Bot).where(Bot.account_id == account_id)
    )
    return bool(count)


async def seed_trading(
    session: AsyncSession, account_id: int, email: str, now: datetime, secret: bytes
) -> None:
    """Create the demo's trading data for the account (call once; see has_trading_data)."""
    # Repeatable on one server, unguessable elsewhere: object numbers are not secrets,
    # but nobody should be able to compute another deployment's.
    new_number = _numbers(f"keystead-demo:{email}:{hashlib.sha256(secret).hexdigest()}")
    today = now.date()
    brokers = [
        BrokerConnection(
            number=new_number(),
            account_id=account_id,
            name="Paper Trading",
            account_number="PAPER-0001",
            broker="Paper",
            status="Active",
            net_liquidation_value=100_000.0,
            expires_at=None,
        ),
        BrokerConnection(
            number=new_number(),
            account_id=account_id,
            name="Schwab Individual",
            account_number="8841-2207",
            broker="Schwab",
            status="Active",
            net_liquidation_value=250_000.0,
            expires_at=now + timedelta(days=80),
        ),
        BrokerConnection(
            number=new_number(),
            account_id=account_id,
            name="Tastytrade IRA",
            account_number="5WT91724",
            broker="Tastytrade",
            status="Inactive",
            net_liquidation_value=48_500.0,
            expires_at=now - timedelta(days=12),
        ),
    ]
    session.add_all(brokers)
    await session.flush()

    regime = Variable(
        number=new_number(),
        account_id=account_id,
        bot_id=None,
        name="Market Regime",
        value="Bullish",
        free_text_value="Bullish",
        bot_value_to_set="Free Text",
        conditions=[{"condition": "Equal To", "value": "Bullish"}],
        last_updated_at=now,
    )
    session.add(regime)

    bots: list[tuple[BotPlan, Bot]] = []
    for plan in PLANS:
        bot = Bot(
            number=new_number(),
            account_id=account_id,
            broker_connection_id=brokers[plan.broker].id,
            name=plan.name,
            is_paper=plan.is_paper,
            status=plan.status,
            symbol=plan.symbol,
            type=plan.type,
            notes=f"Demo bot: {plan.type.lower()} on {plan.symbol}, {plan.dte} DTE.",
            tags="demo,paper" if plan.is_paper else "demo,live",
            last_active_at=None,
            disabled_at=now - timedelta(days=plan.stopped_days_ago)
            if plan.status == "Disabled"
            else None,
            entry_condition=entry_condition(
                target_days_to_expiration=plan.dte,
                minimum_days_to_expiration=max(0, plan.dte - 2),
                maximum_days_to_expiration=plan.dte + 3,
                contract_quantity=plan.quantity,
                **_spread_settings(plan),
                frequency="Daily" if plan.every == 1 else "Weekly",
                variables=[{"number": regime.number, "condition": "Equal To"}],
            ),
            exit_condition=exit_condition(),
            adjustments=[adjustment(new_number(), [])],
            notifications=[
                notification(new_number(), "Order Filled"),
                notification(new_number(), "Position % Loss"),
            ],
            created_at=now - timedelta(days=HISTORY_DAYS + 30),
        )
        session.add(bot)
        bots.append((plan, bot))
    await session.flush()
    for plan, bot in bots:
        session.add(
            Variable(
                number=new_number(),
                account_id=account_id,
                bot_id=bot.id,
                name=f"{plan.name} Open Positions",
                value="0",
                free_text_value=None,
                bot_value_to_set="Bot Open Position Count",
                conditions=[{"condition": "Less Than", "value": "3"}],
                last_updated_at=now,
            )
        )

    positions: list[tuple[Position, Bot]] = []
    orders: list[tuple[Order, Position]] = []
    days = trading_days(today - timedelta(days=HISTORY_DAYS), today)
    latest = len(days) - 1  # the last trading day up to today: "now" for open positions
    for plan, bot in bots:
        last_day = today - timedelta(days=plan.stopped_days_ago)
        for index, day in enumerate(days):
            # Counted back from the latest day, so a bot that holds a position open
            # now has opened one on the latest day, whatever the date.
            if day > last_day or (latest - index) % plan.every:
                continue
            close_index = index + plan.hold_days
            stays_open = plan.open_now and close_index >= latest
            if close_index >= latest and not stays_open and index == latest:
                continue  # a bot that holds nothing open today opens nothing today
            opened = paper.open_spread(bot, 0.0, datetime.combine(day, OPEN_AT, UTC), new_number)
            orders.append((opened.order, opened.position))
            positions.append((opened.position, bot))
            if stays_open:
                continue
            close_day = min(days[min(close_index, latest)], last_day)
            at = datetime.combine(close_day, CLOSE_AT, UTC)
            closing = paper.close_spread(opened.position, bot, at, new_number)
            orders.append((closing, opened.position))
    _settle_balances(positions, brokers)
    session.add_all(position for position, _ in positions)
    await session.flush()
    for order, position in orders:
        order.position_id = position.id
        session.add(order)
    for _plan, bot in bots:
        mine = [p for p, owner in positions if owner is bot]
        if mine:
            bot.last_active_at = max(p.exited_at or p.entered_at for p in mine)
    session.add(
        Report(
            number=new_number(),
            account_id=account_id,
            name="Last 12 months, all bots",
            status="Complete",
            completed_at=now,
            start_date=today - timedelta(days=HISTORY_DAYS),
            end_date=today,
            run_until_latest_date=True,
            is_public=False,
            symbol="SPX",
            nlv_source="Actual NLV",
            nlv_amount=None,
            bot_statuses=["Enabled", "Disabled"],
            bot_numbers=[],
            bot_tags=[],
            bot_position_tags=[],
            created_at=now,
        )
    )


def _settle_balances(
    positions: list[tuple[Position, Bot]], brokers: list[BrokerConnection]
) -> None:
    """Give each position the broker balance at entry and exit, and each broker its
    value today: its starting value plus every realised profit."""
    by_id = {broker.id: broker for broker in brokers}
    for broker in brokers:
        mine = [(p, b) for p, b in positions if b.broker_connection_id == broker.id]
        closes = sorted(
            (p.exited_at, p.profit_dollars or 0.0) for p, _ in mine if p.exited_at is not None
        )
        start = broker.net_liquidation_value

        def balance_at(
            moment: datetime, closes: list[tuple[datetime, float]] = closes, start: float = start
        ) -> float:
            return start + sum(profit for when, profit in closes if when < moment)

        for position, _ in mine:
            position.starting_balance = round(balance_at(position.entered_at), 2)
            if position.exited_at is not None and position.profit_dollars is not None:
                position.ending_balance = round(
                    balance_at(position.exited_at) + position.profit_dollars, 2
                )
        by_id[broker.id].net_liquidation_value = round(
            start + sum(profit for _, profit in closes), 2
        )
