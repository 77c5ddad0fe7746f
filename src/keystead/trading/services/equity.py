"""A value day by day (the account's equity or the underlying's closing price) and the
measures taken over it: returns, drawdowns, volatility, Sharpe, Sortino, CAGR,
correlation and beta. Pure arithmetic; the conventions are those of `performance`."""

from __future__ import annotations

import math
import statistics
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from itertools import pairwise
from typing import Any

TRADING_DAYS_PER_YEAR = 252
DAYS_PER_YEAR = 365.25
_LARGEST = sys.float_info.max


@dataclass(frozen=True, slots=True)
class ValuePath:
    """A value at each trading day's close, after ``base`` observed on ``base_day``."""

    base: float
    base_day: date
    days: tuple[date, ...]
    values: tuple[float, ...]
    day_returns: tuple[float, ...]

    @property
    def end(self) -> float:
        return self.values[-1] if self.values else self.base

    @property
    def fractional_returns(self) -> list[float]:
        return [percent / 100 for percent in self.day_returns]

    def part(self, start: int, stop: int) -> ValuePath:
        """Days ``start`` to ``stop``, based on the close just before them."""
        base, base_day = (
            (self.values[start - 1], self.days[start - 1]) if start else (self.base, self.base_day)
        )
        return ValuePath(
            base,
            base_day,
            self.days[start:stop],
            self.values[start:stop],
            self.day_returns[start:stop],
        )


@dataclass(frozen=True, slots=True)
class Drawdown:
    dollars: float
    percent: float
    days: int


def equity_path(
    days: tuple[date, ...], profits: Sequence[float], starting_nlv: float, base_day: date
) -> ValuePath:
    equity = starting_nlv
    values: list[float] = []
    returns: list[float] = []
    for profit in profits:
        returns.append(day_return(profit, equity))
        equity += profit
        values.append(equity)
    return ValuePath(starting_nlv, base_day, days, tuple(values), tuple(returns))


def underlying_path(days: tuple[date, ...], prices: Sequence[float], first_day: date) -> ValuePath:
    base = prices[0] if prices else 0.0
    later = [day_return(price - before, before) for before, price in pairwise(prices)]
    returns = [0.0, *later] if prices else []
    return ValuePath(base, first_day, days, tuple(prices), tuple(returns))


def day_return(change: float, before: float) -> float:
    return saturate(change / before * 100) if before > 0 else 0.0


def percent_change(value: float, base: float) -> float:
    return saturate((value / base - 1) * 100) if base > 0 else 0.0


def ratio(numerator: float, denominator: float) -> float:
    return saturate(numerator / denominator) if denominator else 0.0


def saturate(value: float) -> float:
    return max(-_LARGEST, min(_LARGEST, value))


def drawdowns_of(path: ValuePath) -> list[Drawdown]:
    """The drawdown at each close against the running peak, which starts at the base."""
    peak, peak_day = path.base, path.base_day
    drawdowns: list[Drawdown] = []
    for day, value in zip(path.days, path.values, strict=True):
        if value >= peak:
            peak, peak_day = value, day
        percent = percent_change(value, peak)
        drawdowns.append(Drawdown(value - peak, percent, (day - peak_day).days))
    return drawdowns


def longest_drawdown_days(path: ValuePath) -> int:
    """Calendar days of the longest stay under a peak, to recovery or to the last day."""
    longest, under_water = 0, False
    peak, peak_day = path.base, path.base_day
    for day, value in zip(path.days, path.values, strict=True):
        recovered = value >= peak
        if under_water or not recovered:
            longest = max(longest, (day - peak_day).days)
        if recovered:
            peak, peak_day = value, day
        under_water = not recovered
    return longest


def max_drawdown(path: ValuePath) -> tuple[float, float]:
    """The least drawdown in dollars and in percent (each 0.0 or below)."""
    drawdowns = drawdowns_of(path)
    dollars = min((drawdown.dollars for drawdown in drawdowns), default=0.0)
    percent = min((drawdown.percent for drawdown in drawdowns), default=0.0)
    return dollars, percent


def _scaled(values: Sequence[float]) -> tuple[float, list[float]]:
    """The largest magnitude in ``values`` and the values divided by it.

    Statistics are taken on values within [-1, 1], where squaring cannot overflow even for
    the returns of a nearly empty account, and scaled back where they are not scale-free.
    """
    scale = max((abs(value) for value in values), default=0.0) or 1.0
    return scale, [value / scale for value in values]


def _annualized_volatility(returns: Sequence[float]) -> float:
    if not returns:
        return 0.0
    scale, unit = _scaled(returns)
    return saturate(scale * statistics.pstdev(unit) * math.sqrt(TRADING_DAYS_PER_YEAR) * 100)


def _sharpe(returns: Sequence[float]) -> float:
    if len(returns) < 2:
        return 0.0
    unit = _scaled(returns)[1]
    annual_mean = statistics.fmean(unit) * math.sqrt(TRADING_DAYS_PER_YEAR)
    return ratio(annual_mean, statistics.pstdev(unit))


def _sortino(returns: Sequence[float]) -> float:
    if len(returns) < 2:
        return 0.0
    unit = _scaled(returns)[1]
    downside = math.sqrt(statistics.fmean(min(r, 0.0) ** 2 for r in unit))
    annual_mean = statistics.fmean(unit) * math.sqrt(TRADING_DAYS_PER_YEAR)
    return ratio(annual_mean, downside)


def _cagr(starting: float, ending: float, calendar_days: int) -> float:
    if calendar_days <= 0 or starting <= 0 or ending <= 0:
        return 0.0
    try:
        growth = (ending / starting) ** (DAYS_PER_YEAR / calendar_days)
    except OverflowError:
        return _LARGEST
    return saturate((growth - 1) * 100)


def correlation(strategy: Sequence[float], underlying: Sequence[float]) -> float:
    if len(strategy) < 2:
        return 0.0
    unit_strategy, unit_underlying = _scaled(strategy)[1], _scaled(underlying)[1]
    if not statistics.pvariance(unit_strategy) or not statistics.pvariance(unit_underlying):
        return 0.0
    try:
        return max(-1.0, min(1.0, statistics.correlation(unit_strategy, unit_underlying)))
    except statistics.StatisticsError:
        return 0.0


def beta(strategy: Sequence[float], underlying: Sequence[float]) -> float:
    if len(strategy) < 2:
        return 0.0
    strategy_scale, unit_strategy = _scaled(strategy)
    underlying_scale, unit_underlying = _scaled(underlying)
    covariance = statistics.covariance(unit_strategy, unit_underlying)
    unit_beta = ratio(covariance, statistics.variance(unit_underlying))
    if not unit_beta:
        return 0.0
    return saturate(unit_beta * strategy_scale / underlying_scale)


def path_figures(path: ValuePath, calendar_days: int) -> dict[str, Any]:
    """The figures Results reports both for the strategy and for the underlying."""
    returns = path.fractional_returns
    max_drawdown_percent = max_drawdown(path)[1]
    cagr = _cagr(path.base, path.end, calendar_days)
    return {
        "total_return_percent": percent_change(path.end, path.base),
        "max_drawdown_percent": max_drawdown_percent,
        "max_drawdown_days": longest_drawdown_days(path),
        "cagr": cagr,
        "sharpe": _sharpe(returns),
        "sortino": _sortino(returns),
        "mar": ratio(cagr, abs(max_drawdown_percent)),
        "annualized_volatility": _annualized_volatility(returns),
    }
