"""Closed trades laid on the trading days of a period: which day each trade counts on,
the profits of each day, and the equity and underlying paths they make."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import chain, groupby

from keystead.trading.services.equity import ValuePath, equity_path, underlying_path

_ONE_DAY = timedelta(days=1)
_SATURDAY = 5


@dataclass(frozen=True, slots=True)
class Trade:
    """One closed position, reduced to what the performance figures need.

    ``profit`` is realised and already net of ``broker_fee``; prices are per unit (a credit
    is positive); ``premium`` is the dollars collected at entry (0 for debit trades).
    """

    bot_number: str
    bot_name: str
    closed_on: date
    profit: float
    broker_fee: float
    entry_price: float
    exit_price: float
    premium: float


def trading_days(start: date, end: date) -> list[date]:
    """Every Monday to Friday from ``start`` to ``end`` inclusive (no holiday calendar)."""
    calendar = (start + timedelta(days=offset) for offset in range((end - start).days + 1))
    return [day for day in calendar if day.weekday() < _SATURDAY]


@dataclass(frozen=True, slots=True)
class Timeline:
    """The trading days of a period with what was counted on each."""

    days: tuple[date, ...]
    trades: tuple[tuple[Trade, ...], ...]
    profits: tuple[float, ...]
    equity: ValuePath
    underlying: ValuePath

    @property
    def counted(self) -> list[Trade]:
        return list(chain.from_iterable(self.trades))

    @property
    def calendar_days(self) -> int:
        return (self.days[-1] - self.days[0]).days + 1 if self.days else 0

    def part(self, start: int, stop: int) -> Timeline:
        return Timeline(
            self.days[start:stop],
            self.trades[start:stop],
            self.profits[start:stop],
            self.equity.part(start, stop),
            self.underlying.part(start, stop),
        )

    def split(self, key: Callable[[date], int]) -> Iterator[tuple[int, Timeline]]:
        """Consecutive runs of days sharing ``key``, each as its own period."""
        for value, run in groupby(range(len(self.days)), key=lambda index: key(self.days[index])):
            indices = list(run)
            yield value, self.part(indices[0], indices[-1] + 1)


def timeline_of(
    trades: Iterable[Trade],
    start: date,
    end: date,
    starting_nlv: float,
    underlying: Mapping[date, float],
) -> Timeline:
    require_finite("starting_nlv", starting_nlv)
    days = tuple(trading_days(start, end))
    prices = _closing_prices(days, underlying)
    by_day = _trades_by_day(trades, start, end)
    per_day = tuple(tuple(by_day.get(day, ())) for day in days)
    profits = tuple(math.fsum(trade.profit for trade in counted) for counted in per_day)
    first_day = days[0] if days else start
    return Timeline(
        days,
        per_day,
        profits,
        equity_path(days, profits, float(starting_nlv), first_day - _ONE_DAY),
        underlying_path(days, prices, first_day),
    )


def require_finite(name: str, value: float) -> None:
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, not {value!r}")


def _closing_prices(days: Sequence[date], underlying: Mapping[date, float]) -> list[float]:
    missing = next((day for day in days if day not in underlying), None)
    if missing is not None:
        raise ValueError(f"no underlying closing price for {missing.isoformat()}")
    for day in days:
        require_finite(f"underlying price on {day.isoformat()}", underlying[day])
    return [float(underlying[day]) for day in days]


def _trades_by_day(trades: Iterable[Trade], start: date, end: date) -> dict[date, list[Trade]]:
    by_day: dict[date, list[Trade]] = {}
    for trade in trades:
        _check_trade(trade)
        if not start <= trade.closed_on <= end:
            continue
        day = _counting_day(trade.closed_on, start, end)
        if day is not None:
            by_day.setdefault(day, []).append(trade)
    return by_day


def _check_trade(trade: Trade) -> None:
    for name in ("profit", "broker_fee", "entry_price", "exit_price", "premium"):
        require_finite(f"{name} of a trade of bot {trade.bot_number}", getattr(trade, name))


def _counting_day(closed_on: date, start: date, end: date) -> date | None:
    """The trading day a trade closed on ``closed_on`` counts on, None if there is none."""
    weekday = closed_on.weekday()
    if weekday < _SATURDAY:
        return closed_on
    monday = closed_on + timedelta(days=7 - weekday)
    if monday <= end:
        return monday
    friday = closed_on - timedelta(days=weekday - 4)
    return friday if friday >= start else None
