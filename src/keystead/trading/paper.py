"""The simulated paper backend: credit spreads filled at deterministic quotes.

Prices come from `market` (the same day always gives the same underlying and
VIX) and from a random generator seeded by the position's number, so a paper
position always opens and closes at the same prices. The demo builds its year
of history through these same functions.
"""

from __future__ import annotations

import math
import random
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

from keystead.access import tokens
from keystead.trading.engine import Opened
from keystead.trading.services import market
from keystead.trading.tables import Bot, Order, Position
from keystead.trading.wire import (
    Fill,
    Instruction,
    Leg,
    OptionType,
    PositionLeg,
    Submission,
)

FEE_PER_CONTRACT_LEG = 0.65
WIN_PROBABILITY = 0.78
CALL_TYPES = frozenset({"Call Credit Spread"})
EXPIRES_AT = time(20, 0, tzinfo=UTC)  # the moment of day an order leg's expiration names


def _round_to(value: float, step: float) -> float:
    return round(round(value / step) * step, 2)


def _next_weekday(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _rng(number: str) -> random.Random:
    return random.Random(zlib.crc32(number.encode()))


@dataclass(frozen=True, slots=True)
class Spread:
    kind: str  # "PUT" or "CALL"
    short_strike: float
    long_strike: float
    expiration: date
    quantity: int
    credit: float

    @property
    def width(self) -> float:
        return abs(self.short_strike - self.long_strike)


def _instrument(symbol: str, expiration: date, kind: str, strike: float) -> str:
    return f"{symbol}{expiration:%y%m%d}{kind[0]}{round(strike * 1000):08d}"


def design_spread(bot: Bot, day: date, rng: random.Random) -> Spread:
    """The spread a bot's entry condition asks for on `day`, at that day's prices."""
    entry = bot.entry_condition
    underlying = market.close(bot.symbol, day)
    volatility = market.vix(day) / 100
    dte = int(entry.get("target_days_to_expiration") or 7)
    expiration = _next_weekday(day + timedelta(days=dte))
    step = 5.0 if underlying > 1000 else 1.0
    kind = "CALL" if bot.type in CALL_TYPES else "PUT"
    asked = entry.get(f"{kind.lower()}_spread_target_width_points")
    width = max(step, _round_to(float(asked or underlying * 0.006), step))
    distance = underlying * volatility * math.sqrt(max(dte, 1) / 365) * rng.uniform(0.9, 1.3)
    short = _round_to(underlying + distance if kind == "CALL" else underlying - distance, step)
    long = short + width if kind == "CALL" else short - width
    credit = max(0.05, _round_to(width * (0.08 + 0.5 * volatility) * rng.uniform(0.85, 1.15), 0.05))
    quantity = int(entry.get("contract_quantity") or 1)
    return Spread(kind, short, long, expiration, quantity, credit)


def _fee(spread: Spread) -> float:
    return round(FEE_PER_CONTRACT_LEG * 2 * spread.quantity, 2)


def _leg(
    spread: Spread, symbol: str, short: bool, at: datetime, credit_share: float
) -> dict[str, Any]:
    strike = spread.short_strike if short else spread.long_strike
    price = round(spread.credit * credit_share, 2)
    entry_bid, entry_ask = _quote(price)
    sign = -1 if spread.kind == "PUT" else 1
    leg = PositionLeg(
        status="OPEN",
        type=_option_type(spread.kind),
        action="SELL_TO_OPEN" if short else "BUY_TO_OPEN",
        instrument=_instrument(symbol, spread.expiration, spread.kind, strike),
        expiration_date=spread.expiration,
        days_to_expiration=(spread.expiration - at.date()).days,
        days_to_expiration_at_exit=None,
        strike_price=strike,
        quantity=spread.quantity,
        quantity_open=spread.quantity,
        entered_at=at,
        exited_at=None,
        entry_bid=entry_bid,
        entry_ask=entry_ask,
        entry_price=price,
        exit_bid=None,
        exit_ask=None,
        exit_price=None,
        current_bid=None,
        current_mid=None,
        current_ask=None,
        current_profit=None,
        current_delta=None,
        profit_dollars=None,
        delta_at_entry=round(sign * (0.16 if short else 0.09), 3),
        delta_at_exit=None,
        iv_at_entry=round(market.vix(at.date()) / 100 * (1.1 if short else 1.2), 4),
        iv_at_exit=None,
        held_to_expiration=None,
        assigned=None,
        exercised=None,
    )
    return leg.model_dump(mode="json")


def _option_type(kind: str) -> OptionType:
    return "CALL" if kind == "CALL" else "PUT"


def _instruction(leg: dict[str, Any], closing: bool) -> Instruction:
    opened_short = leg["action"] == "SELL_TO_OPEN"
    if closing:
        return "BUY_TO_CLOSE" if opened_short else "SELL_TO_CLOSE"
    return "SELL_TO_OPEN" if opened_short else "BUY_TO_OPEN"


def _quote(price: float) -> tuple[float, float]:
    """Bid and ask five cents either side of a price (never a negative bid)."""
    return round(max(0.0, price - 0.05), 2), round(price + 0.05, 2)


def _order(
    *,
    number: str,
    bot: Bot,
    kind: Literal["OPENING", "CLOSING"],
    spread: Spread,
    legs: list[dict[str, Any]],
    price: float,
    at: datetime,
) -> Order:
    closing = kind == "CLOSING"
    filled_at = at + timedelta(seconds=7)
    order_legs, fills = [], []
    for index, leg in enumerate(legs, start=1):
        leg_price = leg["exit_price"] if closing else leg["entry_price"]
        bid, ask = _quote(leg_price)
        expires = datetime.combine(date.fromisoformat(leg["expiration_date"]), EXPIRES_AT)
        order_legs.append(
            Leg(
                number=index,
                type=leg["type"],
                instrument=leg["instrument"],
                expiration_date=expires,
                strike_price=leg["strike_price"],
                instruction=_instruction(leg, closing),
                quantity=spread.quantity,
                bid=bid,
                mid=leg_price,
                ask=ask,
            )
        )
        fills.append(
            Fill(
                leg_number=index,
                quantity=spread.quantity,
                price=leg_price,
                filled_at=filled_at,
                bid=bid,
                mid=leg_price,
                ask=ask,
            )
        )
    bid, ask = _quote(price)
    submission = Submission(
        quantity=spread.quantity, price=price, bid=bid, mid=price, ask=ask, submitted_at=at
    )
    return Order(
        number=number,
        account_id=bot.account_id,
        bot_id=bot.id,
        broker_order_number=str(zlib.crc32(number.encode())),
        status="FILLED",
        type=kind,
        duration="DAY",
        is_paper=bot.is_paper,
        symbol=bot.symbol,
        original_quantity=spread.quantity,
        current_quantity=0,
        filled_quantity=spread.quantity,
        order_price=price,
        fill_price=price,
        broker_fee=_fee(spread),
        submitted_at=at,
        filled_at=filled_at,
        canceled_at=None,
        legs=[item.model_dump(mode="json") for item in order_legs],
        submissions=[submission.model_dump(mode="json")],
        fills=[item.model_dump(mode="json") for item in fills],
    )


def open_spread(bot: Bot, balance: float, at: datetime, new_number: Callable[[], str]) -> Opened:
    """A filled opening order and the open position it creates."""
    number = new_number()
    spread = design_spread(bot, at.date(), _rng(number))
    entry_bid, entry_ask = _quote(spread.credit)
    legs = [
        _leg(spread, bot.symbol, True, at, 1.6),
        _leg(spread, bot.symbol, False, at, 0.6),
    ]
    fee = _fee(spread)
    position = Position(
        number=number,
        account_id=bot.account_id,
        bot_id=bot.id,
        status="OPEN",
        tags=bot.tags,
        symbol=bot.symbol,
        type=bot.type,
        entered_at=at,
        exited_at=None,
        entry_bid=entry_bid,
        entry_ask=entry_ask,
        entry_price=spread.credit,
        exit_bid=None,
        exit_ask=None,
        exit_price=None,
        broker_fee=fee,
        entry_value=round(spread.credit * spread.quantity * 100, 2),
        exit_value=None,
        max_risk=round((spread.width - spread.credit) * spread.quantity * 100, 2),
        profit_dollars=None,
        starting_balance=round(balance, 2),
        ending_balance=None,
        underlying_at_entry=market.close(bot.symbol, at.date()),
        underlying_at_exit=None,
        vix_at_entry=market.vix(at.date()),
        vix_at_exit=None,
        legs=legs,
    )
    order = _order(
        number=new_number(),
        bot=bot,
        kind="OPENING",
        spread=spread,
        legs=legs,
        price=spread.credit,
        at=at - timedelta(seconds=10),
    )
    return Opened(position, order)


def exit_price(position: Position) -> float:
    """Where a paper position closes: mostly for a profit, sometimes for a loss."""
    rng = _rng(position.number + ":exit")
    credit = position.entry_price
    width = abs(float(position.legs[0]["strike_price"]) - float(position.legs[1]["strike_price"]))
    if rng.random() < WIN_PROBABILITY:
        return max(0.0, _round_to(credit * rng.uniform(0.05, 0.5), 0.05))
    return min(width, _round_to(credit * rng.uniform(1.4, 3.2), 0.05))


def close_spread(
    position: Position, bot: Bot, at: datetime, new_number: Callable[[], str]
) -> Order:
    """Close a paper position in place at its deterministic exit price."""
    price = exit_price(position)
    quantity = position.legs[0]["quantity"]
    spread = Spread(
        position.legs[0]["type"],
        position.legs[0]["strike_price"],
        position.legs[1]["strike_price"],
        date.fromisoformat(position.legs[0]["expiration_date"]),
        quantity,
        position.entry_price,
    )
    open_fee = position.broker_fee or 0.0
    fees = round(open_fee + _fee(spread), 2)
    exit_value = round(price * quantity * 100, 2)
    profit = round(position.entry_value - exit_value - fees, 2)
    closed_legs = []
    for leg, share in zip(position.legs, (1.6, 0.6), strict=True):
        leg_exit = round(price * share, 2)
        sign = -1 if leg["action"] == "SELL_TO_OPEN" else 1
        exit_bid, exit_ask = _quote(leg_exit)
        closed = PositionLeg.model_validate(
            {
                **leg,
                "status": "CLOSED",
                "quantity_open": 0,
                "exited_at": at,
                "days_to_expiration_at_exit": (spread.expiration - at.date()).days,
                "exit_bid": exit_bid,
                "exit_ask": exit_ask,
                "exit_price": leg_exit,
                "profit_dollars": round(sign * (leg_exit - leg["entry_price"]) * quantity * 100, 2),
                "delta_at_exit": round(
                    leg["delta_at_entry"] * (1.5 if price > position.entry_price else 0.5), 3
                ),
                "iv_at_exit": round(market.vix(at.date()) / 100 * 1.1, 4),
                "held_to_expiration": at.date() >= spread.expiration,
                "assigned": False,
                "exercised": False,
            }
        )
        closed_legs.append(closed.model_dump(mode="json"))
    position.status = "CLOSED"
    position.exited_at = at
    position.exit_bid, position.exit_ask = _quote(price)
    position.exit_price = price
    position.exit_value = exit_value
    position.broker_fee = fees
    position.profit_dollars = profit
    position.ending_balance = round(position.starting_balance + profit, 2)
    position.underlying_at_exit = market.close(position.symbol, at.date())
    position.vix_at_exit = market.vix(at.date())
    position.legs = closed_legs
    return _order(
        number=new_number(),
        bot=bot,
        kind="CLOSING",
        spread=spread,
        legs=closed_legs,
        price=price,
        at=at - timedelta(seconds=10),
    )


class PaperBackend:
    """The ExecutionBackend for paper bots and the demo."""

    async def open_position(self, bot: Bot, balance: float, at: datetime) -> Opened:
        return open_spread(bot, balance, at, tokens.new_id)

    async def close_position(self, position: Position, bot: Bot, at: datetime) -> Order:
        return close_spread(position, bot, at, tokens.new_id)
