"""Plain helper functions: users, sessions and tokens through the real API; accounts,
tokens and the trading API's rows (broker connections, bots, variables, positions,
orders, reports) written directly, with valid defaults, for the tests that need them."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from keystead.access import tokens
from keystead.access.sessions import SESSION_COOKIE
from keystead.audit import Actor
from keystead.cli.demo import seed_demo
from keystead.runtime import Runtime
from keystead.store.models import Account, Base
from keystead.trading.services import demo_data
from keystead.trading.services.bot_settings import (
    AdjustmentSettings,
    validated,
)
from keystead.trading.tables import Bot, BrokerConnection, Order, Position, Report, Variable
from keystead.trading.wire import Fill, Leg, Notification, PositionLeg, Submission
from tests.catalogue import ALL_PERMISSIONS

PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)


@dataclass
class User:
    """A signed-in user: its own cookie jar and CSRF token, over a shared transport."""

    client: httpx.AsyncClient
    email: str
    number: str
    csrf_token: str
    session_id: str

    async def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        headers = {
            "X-CSRF-Token": self.csrf_token,
            "Cookie": f"{SESSION_COOKIE}={self.session_id}",
            **kwargs.pop("headers", {}),
        }
        return await self.client.request(method, url, headers=headers, **kwargs)

    async def accept_terms(self) -> None:
        current = (await self.request("GET", "/account/api-terms")).json()["data"]["version"]
        response = await self.request("POST", "/account/api-terms", json={"version": current})
        assert response.status_code == 200, response.text

    async def create_token(
        self, permissions: list[str] | None = None, name: str = "test token", **extra: Any
    ) -> dict[str, Any]:
        body = {"name": name, "permissions": permissions or sorted(ALL_PERMISSIONS), **extra}
        response = await self.request("POST", "/account/api-tokens", json=body)
        assert response.status_code == 201, response.text
        data: dict[str, Any] = response.json()["data"]
        return data


async def sign_up(
    client: httpx.AsyncClient, email: str | None = None, *, accept_terms: bool = True
) -> User:
    email = email or f"user{next(_counter)}@example.com"
    registered = await client.post("/auth/register", json={"email": email, "password": PASSWORD})
    assert registered.status_code == 201, registered.text
    login = await client.post("/auth/login", json={"email": email, "password": PASSWORD})
    assert login.status_code == 200, login.text
    # Each user sends its own cookie, so several users can share one client.
    session_id = login.cookies[SESSION_COOKIE]
    client.cookies.clear()
    data = login.json()["data"]
    user = User(client, email, data["account"]["number"], data["csrf_token"], session_id)
    if accept_terms:
        await user.accept_terms()
    return user


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# ---------------------------------------------------------------------------------------
# Accounts and tokens made through the services (no HTTP), and the trading API's rows.
#
# Each `make_*` writes one row with a valid default for every required column and
# returns it; keyword overrides replace single columns (an unknown name is a TypeError).
# `store` is the runtime (the row is written in a transaction of its own) or an open
# session (the row is added and flushed there, for many rows in one transaction).
# Defaults describe one SPX put credit spread, as the demo data and the paper engine do.
# ---------------------------------------------------------------------------------------

Store = Runtime | AsyncSession
Row = TypeVar("Row", bound=Base)

SYMBOL = "SPX"
SPREAD = "Put Credit Spread"
SHORT_STRIKE = 5500.0
WIDTH = 25.0
QUANTITY = 1
SHORT_ENTRY, LONG_ENTRY = 1.90, 0.70  # the legs' prices: a credit of 1.20
SHORT_EXIT, LONG_EXIT = 0.60, 0.20  # closed for 0.40
FEE_PER_ORDER = 1.30  # 0.65 a contract a leg
STARTING_BALANCE = 100_000.0
UNDERLYING, VIX = 5600.0, 16.5


def _now(store: Store) -> datetime:
    """The runtime's clock; a bare session has none, so the wall clock."""
    return store.clock.now() if isinstance(store, Runtime) else datetime.now(UTC)


async def _save(store: Store, row: Row) -> Row:
    if isinstance(store, AsyncSession):
        store.add(row)
        await store.flush()
        return row
    async with store.db.transaction() as session:
        session.add(row)
        await session.flush()
    return row


async def make_account(
    runtime: Runtime, email: str | None = None, *, accept_terms: bool = True
) -> Account:
    """An account with PASSWORD, the current API terms accepted unless told otherwise
    (and no verification mail waiting: `sign_up` registers as a user does)."""
    account = await runtime.accounts.register(
        email or f"trader{next(_counter)}@example.com", PASSWORD, verify_email=False
    )
    if accept_terms:
        terms = await runtime.terms.current()
        account = await runtime.terms.accept(account.id, terms.version, by=Actor.operator())
    return account


async def make_token(
    runtime: Runtime, account_id: int, permissions: list[str] | None = None, name: str = "tests"
) -> str:
    """A bearer token of the account (every permission unless told); its plain text."""
    _, plain = await runtime.tokens.create(
        account_id, name, permissions or sorted(ALL_PERMISSIONS), by=Actor.operator()
    )
    return plain


async def demo_token(runtime: Runtime, permissions: list[str]) -> tuple[int, str]:
    """The seeded demo account (`keystead demo seed`) and a token of it: for tests about
    the demo data itself. Other tests build what they need with the factories below."""
    credentials = await seed_demo(runtime)
    account = await runtime.accounts.find(credentials.email)
    assert account is not None
    return account.id, await make_token(runtime, account.id, permissions)


def entry_condition(**overrides: Any) -> dict[str, Any]:
    """A complete, valid entry condition as stored: the demo's, at the factories' sizes."""
    sized = {
        "contract_quantity": QUANTITY,
        "minimum_days_to_expiration": 5,
        "put_spread_target_width_points": WIDTH,
    }
    return demo_data.entry_condition(**{**sized, **overrides})


def exit_condition(**overrides: Any) -> dict[str, Any]:
    """A complete, valid exit condition as stored (the demo's)."""
    return demo_data.exit_condition(**overrides)


def adjustment(**overrides: Any) -> dict[str, Any]:
    """A complete, valid adjustment (close the position near expiry) as stored."""
    fields: dict[str, Any] = dict.fromkeys(AdjustmentSettings.model_fields)
    fields.update(
        number=tokens.new_id(),
        status="Enabled",
        type="Close Position",
        days_of_week="Monday, Wednesday, Friday",
        days_to_expiration=1,
        time_of_day="15:30 to 15:55",
        minimum_position_profit_percent="25",
        variables=[],
    )
    fields.update(overrides)
    return validated(AdjustmentSettings, fields, "adjustments").model_dump(mode="json")


def notification(event: str = "Order Filled") -> dict[str, Any]:
    """An email notification of `event` as stored."""
    fields = {"number": tokens.new_id(), "event": event, "type": "Email"}
    return validated(Notification, fields, "notifications").model_dump(mode="json")


def reference(variable: Variable, condition: str = "Equal To") -> dict[str, Any]:
    """A condition's reference to a variable, for `entry_condition(variables=[...])`."""
    return {"number": variable.number, "condition": condition}


async def make_broker_connection(
    store: Store, account_id: int, **overrides: Any
) -> BrokerConnection:
    """An active paper broker connection worth STARTING_BALANCE."""
    fields: dict[str, Any] = {
        "number": tokens.new_id(),
        "account_id": account_id,
        "name": "Paper Trading",
        "account_number": "PAPER-0001",
        "broker": "Paper",
        "status": "Active",
        "net_liquidation_value": STARTING_BALANCE,
        "expires_at": None,
    }
    return await _save(store, BrokerConnection(**{**fields, **overrides}))


async def make_bot(
    store: Store, account_id: int, *, broker: BrokerConnection | None = None, **overrides: Any
) -> Bot:
    """An Enabled paper bot trading a weekly SPX put credit spread, with an adjustment
    and a notification; on `broker`, or on a new paper broker connection. A Disabled
    bot is disabled now unless `disabled_at` says otherwise."""
    if broker is None and "broker_connection_id" not in overrides:
        broker = await make_broker_connection(store, account_id)
    now = _now(store)
    status = overrides.get("status", "Enabled")
    fields: dict[str, Any] = {
        "number": tokens.new_id(),
        "account_id": account_id,
        "broker_connection_id": broker.id if broker is not None else None,
        "name": f"SPX Weekly Put Spread {next(_counter)}",
        "is_paper": True,
        "status": status,
        "symbol": SYMBOL,
        "type": SPREAD,
        "notes": "A test bot.",
        "tags": "test,paper",
        "last_active_at": None,
        "disabled_at": now if status == "Disabled" else None,
        "entry_condition": entry_condition(),
        "exit_condition": exit_condition(),
        "adjustments": [adjustment()],
        "notifications": [notification()],
        "created_at": now - timedelta(days=30),
    }
    return await _save(store, Bot(**{**fields, **overrides}))


async def make_variable(
    store: Store, account_id: int, *, bot: Bot | None = None, **overrides: Any
) -> Variable:
    """A free-text variable the user sets; with `bot`, one computed from that bot (its
    open position count)."""
    fields: dict[str, Any] = {
        "number": tokens.new_id(),
        "account_id": account_id,
        "bot_id": None,
        "name": "Market Regime",
        "value": "Bullish",
        "free_text_value": "Bullish",
        "bot_value_to_set": "Free Text",
        "conditions": [{"condition": "Equal To", "value": "Bullish"}],
        "last_updated_at": _now(store),
    }
    if bot is not None:
        fields.update(
            bot_id=bot.id,
            name=f"{bot.name} Open Positions",
            value="0",
            free_text_value=None,
            bot_value_to_set="Bot Open Position Count",
            conditions=[{"condition": "Less Than", "value": "3"}],
        )
    return await _save(store, Variable(**{**fields, **overrides}))


def _expiration(entered_at: datetime) -> date:
    day = entered_at.date() + timedelta(days=7)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def position_legs(
    symbol: str, entered_at: datetime, exited_at: datetime | None = None
) -> list[dict[str, Any]]:
    """The two legs of a put credit spread (short SHORT_STRIKE, WIDTH wide), entered
    for a credit of 1.20 and, when `exited_at` is given, closed there for 0.40."""
    expiration = _expiration(entered_at)
    closed = exited_at is not None
    exit_dte = (expiration - exited_at.date()).days if exited_at is not None else None
    legs = []
    for short, strike, entry, exit_ in (
        (True, SHORT_STRIKE, SHORT_ENTRY, SHORT_EXIT),
        (False, SHORT_STRIKE - WIDTH, LONG_ENTRY, LONG_EXIT),
    ):
        sign = -1 if short else 1
        leg = PositionLeg(
            status="CLOSED" if closed else "OPEN",
            type="PUT",
            action="SELL_TO_OPEN" if short else "BUY_TO_OPEN",
            instrument=f"{symbol}{expiration:%y%m%d}P{round(strike * 1000):08d}",
            expiration_date=expiration,
            days_to_expiration=(expiration - entered_at.date()).days,
            days_to_expiration_at_exit=exit_dte,
            strike_price=strike,
            quantity=QUANTITY,
            quantity_open=0 if closed else QUANTITY,
            entered_at=entered_at,
            exited_at=exited_at,
            entry_bid=round(entry - 0.05, 2),
            entry_ask=round(entry + 0.05, 2),
            entry_price=entry,
            exit_bid=round(exit_ - 0.05, 2) if closed else None,
            exit_ask=round(exit_ + 0.05, 2) if closed else None,
            exit_price=exit_ if closed else None,
            current_bid=None,
            current_mid=None,
            current_ask=None,
            current_profit=None,
            current_delta=None,
            profit_dollars=round(sign * (exit_ - entry) * QUANTITY * 100, 2) if closed else None,
            delta_at_entry=sign * (0.16 if short else 0.09),
            delta_at_exit=sign * (0.08 if short else 0.04) if closed else None,
            iv_at_entry=0.18 if short else 0.2,
            iv_at_exit=0.17 if closed else None,
            held_to_expiration=False if closed else None,
            assigned=False if closed else None,
            exercised=False if closed else None,
        )
        legs.append(leg.model_dump(mode="json"))
    return legs


async def make_position(store: Store, bot: Bot, **overrides: Any) -> Position:
    """The bot's put credit spread, OPEN since now; with `status="CLOSED"`, closed six
    hours after it was entered, for a profit of 77.40 (credit 120.00, debit 40.00, fees
    2.60)."""
    entered_at: datetime = overrides.get("entered_at", _now(store))
    closed = overrides.get("status", "OPEN") == "CLOSED"
    exited_at: datetime | None = overrides.get(
        "exited_at", entered_at + timedelta(hours=6) if closed else None
    )
    credit, debit = SHORT_ENTRY - LONG_ENTRY, SHORT_EXIT - LONG_EXIT
    entry_value = round(credit * QUANTITY * 100, 2)
    exit_value = round(debit * QUANTITY * 100, 2)
    fees = FEE_PER_ORDER * (2 if closed else 1)
    profit = round(entry_value - exit_value - fees, 2)
    fields: dict[str, Any] = {
        "number": tokens.new_id(),
        "account_id": bot.account_id,
        "bot_id": bot.id,
        "status": "CLOSED" if closed else "OPEN",
        "tags": bot.tags,
        "symbol": bot.symbol,
        "type": bot.type,
        "entered_at": entered_at,
        "exited_at": exited_at,
        "entry_bid": round(credit - 0.05, 2),
        "entry_ask": round(credit + 0.05, 2),
        "entry_price": round(credit, 2),
        "exit_bid": round(debit - 0.05, 2) if closed else None,
        "exit_ask": round(debit + 0.05, 2) if closed else None,
        "exit_price": round(debit, 2) if closed else None,
        "broker_fee": fees,
        "entry_value": entry_value,
        "exit_value": exit_value if closed else None,
        "max_risk": round((WIDTH - credit) * QUANTITY * 100, 2),
        "profit_dollars": profit if closed else None,
        "starting_balance": STARTING_BALANCE,
        "ending_balance": round(STARTING_BALANCE + profit, 2) if closed else None,
        "underlying_at_entry": UNDERLYING,
        "underlying_at_exit": UNDERLYING + 10 if closed else None,
        "vix_at_entry": VIX,
        "vix_at_exit": VIX - 0.5 if closed else None,
        "legs": position_legs(bot.symbol, entered_at, exited_at),
    }
    return await _save(store, Position(**{**fields, **overrides}))


_CLOSING = {"SELL_TO_OPEN": "BUY_TO_CLOSE", "BUY_TO_OPEN": "SELL_TO_CLOSE"}


async def make_order(
    store: Store, bot: Bot, *, position: Position | None = None, **overrides: Any
) -> Order:
    """A FILLED order of the bot: with `type="CLOSING"` the one that closed `position`,
    otherwise the one that opened it (or a new spread without a position), submitted ten
    seconds before the position's entry (or exit) and filled seven seconds later."""
    closing = overrides.get("type", "OPENING") == "CLOSING"
    if position is not None:
        legs = position.legs
        when = position.exited_at if closing else position.entered_at
        at = (when or _now(store)) - timedelta(seconds=10)
    else:
        at = overrides.get("submitted_at", _now(store))
        legs = position_legs(bot.symbol, at, at if closing else None)
    price_of = "exit_price" if closing else "entry_price"
    filled_at = at + timedelta(seconds=7)
    order_legs, fills = [], []
    for index, leg in enumerate(legs, start=1):
        price = float(leg[price_of])
        quote = {"bid": round(price - 0.05, 2), "mid": price, "ask": round(price + 0.05, 2)}
        order_legs.append(
            Leg(
                number=index,
                type=leg["type"],
                instrument=leg["instrument"],
                expiration_date=datetime.combine(
                    date.fromisoformat(leg["expiration_date"]), time(20, 0, tzinfo=UTC)
                ),
                strike_price=leg["strike_price"],
                instruction=_CLOSING[leg["action"]] if closing else leg["action"],
                quantity=leg["quantity"],
                **quote,
            ).model_dump(mode="json")
        )
        fills.append(
            Fill(
                leg_number=index,
                quantity=leg["quantity"],
                price=price,
                filled_at=filled_at,
                **quote,
            ).model_dump(mode="json")
        )
    price = round(float(legs[0][price_of]) - float(legs[1][price_of]), 2)
    submission = Submission(
        quantity=QUANTITY,
        price=price,
        bid=round(price - 0.05, 2),
        mid=price,
        ask=round(price + 0.05, 2),
        submitted_at=at,
    )
    fields: dict[str, Any] = {
        "number": tokens.new_id(),
        "account_id": bot.account_id,
        "bot_id": bot.id,
        "position_id": position.id if position is not None else None,
        "broker_order_number": str(next(_counter) + 1_000_000),
        "status": "FILLED",
        "type": "CLOSING" if closing else "OPENING",
        "duration": "DAY",
        "is_paper": bot.is_paper,
        "symbol": bot.symbol,
        "original_quantity": QUANTITY,
        "current_quantity": 0,
        "filled_quantity": QUANTITY,
        "order_price": price,
        "fill_price": price,
        "broker_fee": FEE_PER_ORDER,
        "submitted_at": at,
        "filled_at": filled_at,
        "canceled_at": None,
        "legs": order_legs,
        "submissions": [submission.model_dump(mode="json")],
        "fills": fills,
    }
    return await _save(store, Order(**{**fields, **overrides}))


async def make_report(store: Store, account_id: int, **overrides: Any) -> Report:
    """A complete report of the last 365 days, of every Enabled and Disabled bot, on the
    brokers' actual value."""
    now = _now(store)
    fields: dict[str, Any] = {
        "number": tokens.new_id(),
        "account_id": account_id,
        "name": "Last 12 months, all bots",
        "status": "Complete",
        "completed_at": now,
        "start_date": now.date() - timedelta(days=365),
        "end_date": now.date(),
        "run_until_latest_date": True,
        "is_public": False,
        "symbol": SYMBOL,
        "nlv_source": "Actual NLV",
        "nlv_amount": None,
        "bot_statuses": ["Enabled", "Disabled"],
        "bot_numbers": [],
        "bot_tags": [],
        "bot_position_tags": [],
        "created_at": now,
    }
    return await _save(store, Report(**{**fields, **overrides}))
