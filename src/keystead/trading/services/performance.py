"""Performance figures for bot reports, in the shapes of the Whispertrades v1 API.

Pure arithmetic over closed trades and the underlying's daily closing prices: no I/O, no
clock, no randomness. Each figure is built through its model in ``keystead.trading.wire``
(ResultByDay, ResultByTimeframe, ResultByYear, Results, BotReportDetail), which checks
every key and type, and returned as that model's dict; dates are ``datetime.date``
objects for the caller to serialise.

Conventions shared by every figure:

* Percentages are percent: 1.5 means 1.5 %.
* A trading day is a Monday to Friday; there is no holiday calendar.
* A trade counts when ``start <= closed_on <= end``, with its profit on the day it closed.
  A trade closed on a Saturday or Sunday counts on the following Monday when that Monday is
  within the range, otherwise on the preceding Friday. A range without any trading day
  counts no trade at all.
* Equity starts at ``starting_nlv``; each trading day adds the profits counted on it.
* The underlying series starts from its closing price on the first trading day, so the
  first day's underlying return is 0.
* A percentage taken against a base that is not positive (a zero starting balance, an
  account wiped out) is 0.0, and a ratio whose denominator is 0 is 0.0. Values too large
  for a float saturate at the largest float. No value is ever NaN or infinite.
* Inputs must be finite numbers; ``ValueError`` is raised otherwise.
"""

from __future__ import annotations

import math
import statistics
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import chain, groupby, pairwise
from typing import Any, get_args

from keystead.trading.wire import (
    BotReportDetail,
    Month,
    ResultByDay,
    ResultByTimeframe,
    ResultByYear,
    Results,
)

TRADING_DAYS_PER_YEAR = 252
DAYS_PER_YEAR = 365.25
MONTH_NAMES: tuple[Month, ...] = get_args(Month)

_LARGEST = sys.float_info.max
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


def daily_history(
    trades: Iterable[Trade],
    *,
    start: date,
    end: date,
    starting_nlv: float,
    underlying: Mapping[date, float],
) -> list[dict[str, Any]]:
    """One ResultByDay dict per trading day from ``start`` to ``end``.

    * ``profit``: the summed profit of the trades counted on the day.
    * ``day_return_percent``: profit / equity before the day * 100 (0.0 when that equity is
      not positive).
    * ``total_return_percent``: (equity / starting_nlv - 1) * 100.
    * ``current_drawdown_dollars``: equity - running peak, where the peak starts at
      ``starting_nlv``; ``current_drawdown_percent``: (equity / peak - 1) * 100. Both <= 0.
    * ``underlying_*``: the same on the underlying's closing prices, based on the first
      trading day's price; ``underlying_current_drawdown_days`` is the number of calendar
      days since the underlying's last peak (0 at a peak).

    Raises ValueError naming the first trading day missing from ``underlying``.
    """
    days = _day_records(_timeline(trades, start, end, starting_nlv, underlying))
    return [day.model_dump() for day in days]


def results(
    trades: Iterable[Trade],
    *,
    start: date,
    end: date,
    starting_nlv: float,
    underlying: Mapping[date, float],
    include_days: bool = True,
    include_years: bool = True,
    include_bots: bool = True,
) -> dict[str, Any]:
    """A Results dict for the trades counted from ``start`` to ``end``.

    Trades: ``winning_trades`` have profit > 0, ``losing_trades`` profit < 0 and
    ``win_percent`` = winning / total * 100 (all 0 when nothing was traded).
    ``average_gain``, ``average_win`` and ``average_loss`` are the mean profit of all, of the
    winning and of the losing trades, None when there is nothing to average.
    ``broker_fees`` and ``premium_collected`` are sums; ``premium_retained`` is the summed
    profit and ``premium_retained_percent`` = retained / collected * 100 (0.0 when nothing
    was collected).

    Equity: ``starting_net_liquidation_value`` and ``ending_net_liquidation_value`` are the
    equity before the first and after the last trading day (both ``starting_nlv`` when the
    range has no trading day). Returns and drawdowns are as in ``daily_history``;
    ``max_drawdown_dollars`` and ``max_drawdown_percent`` are the least current drawdowns.
    ``max_drawdown_days`` is the longest run of calendar days from a peak until equity
    regains it, or until the last trading day when it never does; 0 if never under water.
    The ``starting_nlv`` peak is dated the calendar day before the first trading day, the
    underlying's first peak on the first trading day.

    Ratios over the daily returns r = day_return_percent / 100:

    * ``annualized_volatility`` = population standard deviation of r * sqrt(252) * 100;
    * ``sharpe`` = mean(r) / std(r) * sqrt(252), 0.0 when std(r) is 0;
    * ``sortino`` = mean(r) / sqrt(mean(min(r, 0) ** 2)) * sqrt(252), 0.0 when that
      downside deviation is 0;
    * ``sharpe`` and ``sortino`` are 0.0 with fewer than two trading days;
    * ``cagr`` = ((ending / starting) ** (365.25 / calendar_days) - 1) * 100, where
      calendar_days = (last trading day - first trading day).days + 1; 0.0 when there are no
      trading days or either value is not positive;
    * ``mar`` = cagr / abs(max_drawdown_percent), 0.0 when there was no drawdown;
    * ``correlation``: Pearson correlation of the strategy's and the underlying's daily
      returns, 0.0 when either is constant; ``beta`` = cov / var(underlying), 0.0 when the
      underlying's returns are constant.

    The ``underlying_*`` figures apply the same definitions to the underlying's prices.

    ``days`` lists the ResultByDay dicts of ``daily_history``. ``years`` maps each calendar
    year to a ResultByYear dict whose ``months`` maps each month's English name to a
    ResultByTimeframe dict, for the months that have trading days. A year or month starts
    from the equity and underlying price where the previous one ended, measures drawdowns
    from a peak reset to that start, and counts the trades counted on its own days; its
    ``date`` is its first trading day. ``bots`` has one BotReportDetail per bot number,
    ordered by name then number. Each of the three keys is present only when its flag is set.

    Raises ValueError naming the first trading day missing from ``underlying``.
    """
    timeline = _timeline(trades, start, end, starting_nlv, underlying)
    parts: dict[str, Any] = {}
    if include_bots:
        parts["bots"] = _bots(timeline.counted)
    if include_years:
        parts["years"] = _years(timeline)
    if include_days:
        parts["days"] = _day_records(timeline)
    return Results(**_summary(timeline), **parts).model_dump(exclude_unset=True)


@dataclass(frozen=True, slots=True)
class _Path:
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

    def part(self, start: int, stop: int) -> _Path:
        """Days ``start`` to ``stop``, based on the close just before them."""
        base, base_day = (
            (self.values[start - 1], self.days[start - 1]) if start else (self.base, self.base_day)
        )
        return _Path(
            base,
            base_day,
            self.days[start:stop],
            self.values[start:stop],
            self.day_returns[start:stop],
        )


@dataclass(frozen=True, slots=True)
class _Timeline:
    """The trading days of a period with what was counted on each."""

    days: tuple[date, ...]
    trades: tuple[tuple[Trade, ...], ...]
    profits: tuple[float, ...]
    equity: _Path
    underlying: _Path

    @property
    def counted(self) -> list[Trade]:
        return list(chain.from_iterable(self.trades))

    @property
    def calendar_days(self) -> int:
        return (self.days[-1] - self.days[0]).days + 1 if self.days else 0

    def part(self, start: int, stop: int) -> _Timeline:
        return _Timeline(
            self.days[start:stop],
            self.trades[start:stop],
            self.profits[start:stop],
            self.equity.part(start, stop),
            self.underlying.part(start, stop),
        )

    def split(self, key: Callable[[date], int]) -> Iterator[tuple[int, _Timeline]]:
        """Consecutive runs of days sharing ``key``, each as its own period."""
        for value, run in groupby(range(len(self.days)), key=lambda index: key(self.days[index])):
            indices = list(run)
            yield value, self.part(indices[0], indices[-1] + 1)


@dataclass(frozen=True, slots=True)
class _Drawdown:
    dollars: float
    percent: float
    days: int


def _timeline(
    trades: Iterable[Trade],
    start: date,
    end: date,
    starting_nlv: float,
    underlying: Mapping[date, float],
) -> _Timeline:
    _require_finite("starting_nlv", starting_nlv)
    days = tuple(trading_days(start, end))
    prices = _closing_prices(days, underlying)
    by_day = _trades_by_day(trades, start, end)
    per_day = tuple(tuple(by_day.get(day, ())) for day in days)
    profits = tuple(math.fsum(trade.profit for trade in counted) for counted in per_day)
    first_day = days[0] if days else start
    return _Timeline(
        days,
        per_day,
        profits,
        _equity_path(days, profits, float(starting_nlv), first_day - _ONE_DAY),
        _underlying_path(days, prices, first_day),
    )


def _require_finite(name: str, value: float) -> None:
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, not {value!r}")


def _closing_prices(days: Sequence[date], underlying: Mapping[date, float]) -> list[float]:
    missing = next((day for day in days if day not in underlying), None)
    if missing is not None:
        raise ValueError(f"no underlying closing price for {missing.isoformat()}")
    for day in days:
        _require_finite(f"underlying price on {day.isoformat()}", underlying[day])
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
        _require_finite(f"{name} of a trade of bot {trade.bot_number}", getattr(trade, name))


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


def _equity_path(
    days: tuple[date, ...], profits: Sequence[float], starting_nlv: float, base_day: date
) -> _Path:
    equity = starting_nlv
    values: list[float] = []
    returns: list[float] = []
    for profit in profits:
        returns.append(_day_return(profit, equity))
        equity += profit
        values.append(equity)
    return _Path(starting_nlv, base_day, days, tuple(values), tuple(returns))


def _underlying_path(days: tuple[date, ...], prices: Sequence[float], first_day: date) -> _Path:
    base = prices[0] if prices else 0.0
    later = [_day_return(price - before, before) for before, price in pairwise(prices)]
    returns = [0.0, *later] if prices else []
    return _Path(base, first_day, days, tuple(prices), tuple(returns))


def _day_return(change: float, before: float) -> float:
    return _saturate(change / before * 100) if before > 0 else 0.0


def _percent_change(value: float, base: float) -> float:
    return _saturate((value / base - 1) * 100) if base > 0 else 0.0


def _ratio(numerator: float, denominator: float) -> float:
    return _saturate(numerator / denominator) if denominator else 0.0


def _saturate(value: float) -> float:
    return max(-_LARGEST, min(_LARGEST, value))


def _drawdowns(path: _Path) -> list[_Drawdown]:
    """The drawdown at each close against the running peak, which starts at the base."""
    peak, peak_day = path.base, path.base_day
    drawdowns: list[_Drawdown] = []
    for day, value in zip(path.days, path.values, strict=True):
        if value >= peak:
            peak, peak_day = value, day
        percent = _percent_change(value, peak)
        drawdowns.append(_Drawdown(value - peak, percent, (day - peak_day).days))
    return drawdowns


def _longest_drawdown_days(path: _Path) -> int:
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


def _max_drawdown(path: _Path) -> tuple[float, float]:
    """The least drawdown in dollars and in percent (each 0.0 or below)."""
    drawdowns = _drawdowns(path)
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
    return _saturate(scale * statistics.pstdev(unit) * math.sqrt(TRADING_DAYS_PER_YEAR) * 100)


def _sharpe(returns: Sequence[float]) -> float:
    if len(returns) < 2:
        return 0.0
    unit = _scaled(returns)[1]
    annual_mean = statistics.fmean(unit) * math.sqrt(TRADING_DAYS_PER_YEAR)
    return _ratio(annual_mean, statistics.pstdev(unit))


def _sortino(returns: Sequence[float]) -> float:
    if len(returns) < 2:
        return 0.0
    unit = _scaled(returns)[1]
    downside = math.sqrt(statistics.fmean(min(r, 0.0) ** 2 for r in unit))
    annual_mean = statistics.fmean(unit) * math.sqrt(TRADING_DAYS_PER_YEAR)
    return _ratio(annual_mean, downside)


def _cagr(starting: float, ending: float, calendar_days: int) -> float:
    if calendar_days <= 0 or starting <= 0 or ending <= 0:
        return 0.0
    try:
        growth = (ending / starting) ** (DAYS_PER_YEAR / calendar_days)
    except OverflowError:
        return _LARGEST
    return _saturate((growth - 1) * 100)


def _correlation(strategy: Sequence[float], underlying: Sequence[float]) -> float:
    if len(strategy) < 2:
        return 0.0
    unit_strategy, unit_underlying = _scaled(strategy)[1], _scaled(underlying)[1]
    if not statistics.pvariance(unit_strategy) or not statistics.pvariance(unit_underlying):
        return 0.0
    try:
        return max(-1.0, min(1.0, statistics.correlation(unit_strategy, unit_underlying)))
    except statistics.StatisticsError:
        return 0.0


def _beta(strategy: Sequence[float], underlying: Sequence[float]) -> float:
    if len(strategy) < 2:
        return 0.0
    strategy_scale, unit_strategy = _scaled(strategy)
    underlying_scale, unit_underlying = _scaled(underlying)
    covariance = statistics.covariance(unit_strategy, unit_underlying)
    unit_beta = _ratio(covariance, statistics.variance(unit_underlying))
    if not unit_beta:
        return 0.0
    return _saturate(unit_beta * strategy_scale / underlying_scale)


def _performance(path: _Path, calendar_days: int) -> dict[str, Any]:
    """The figures Results reports both for the strategy and for the underlying."""
    returns = path.fractional_returns
    max_drawdown_percent = _max_drawdown(path)[1]
    cagr = _cagr(path.base, path.end, calendar_days)
    return {
        "total_return_percent": _percent_change(path.end, path.base),
        "max_drawdown_percent": max_drawdown_percent,
        "max_drawdown_days": _longest_drawdown_days(path),
        "cagr": cagr,
        "sharpe": _sharpe(returns),
        "sortino": _sortino(returns),
        "mar": _ratio(cagr, abs(max_drawdown_percent)),
        "annualized_volatility": _annualized_volatility(returns),
    }


def _trade_counts(trades: Sequence[Trade]) -> dict[str, Any]:
    total = len(trades)
    winning = sum(1 for trade in trades if trade.profit > 0)
    losing = sum(1 for trade in trades if trade.profit < 0)
    return {
        "total_trades": total,
        "winning_trades": winning,
        "losing_trades": losing,
        "win_percent": winning / total * 100 if total else 0.0,
    }


def _mean(values: Sequence[float], empty: float | None) -> float | None:
    return statistics.fmean(values) if values else empty


def _profit_averages(trades: Sequence[Trade], empty: float | None) -> dict[str, Any]:
    profits = [trade.profit for trade in trades]
    return {
        "average_gain": _mean(profits, empty),
        "average_win": _mean([profit for profit in profits if profit > 0], empty),
        "average_loss": _mean([profit for profit in profits if profit < 0], empty),
    }


def _premiums(trades: Sequence[Trade]) -> dict[str, float]:
    collected = math.fsum(trade.premium for trade in trades)
    retained = math.fsum(trade.profit for trade in trades)
    return {
        "premium_collected": collected,
        "premium_retained": retained,
        "premium_retained_percent": _saturate(retained / collected * 100) if collected else 0.0,
    }


def _broker_fees(trades: Sequence[Trade]) -> float:
    return math.fsum(trade.broker_fee for trade in trades)


def _summary(timeline: _Timeline) -> dict[str, Any]:
    trades = timeline.counted
    equity, underlying = timeline.equity, timeline.underlying
    strategy_returns = equity.fractional_returns
    underlying_returns = underlying.fractional_returns
    underlying_figures = _performance(underlying, timeline.calendar_days)
    return {
        **_trade_counts(trades),
        "starting_net_liquidation_value": equity.base,
        "ending_net_liquidation_value": equity.end,
        **_profit_averages(trades, None),
        "broker_fees": _broker_fees(trades),
        **_premiums(trades),
        "total_return_dollars": equity.end - equity.base,
        "max_drawdown_dollars": _max_drawdown(equity)[0],
        **_performance(equity, timeline.calendar_days),
        "correlation": _correlation(strategy_returns, underlying_returns),
        "beta": _beta(strategy_returns, underlying_returns),
        **{f"underlying_{name}": value for name, value in underlying_figures.items()},
    }


def _timeframe(timeline: _Timeline) -> ResultByTimeframe:
    """A period holding at least one trading day."""
    trades = timeline.counted
    equity, underlying = timeline.equity, timeline.underlying
    max_drawdown_dollars, max_drawdown_percent = _max_drawdown(equity)
    return ResultByTimeframe(
        **_trade_counts(trades),
        date=timeline.days[0],
        starting_net_liquidation_value=equity.base,
        ending_net_liquidation_value=equity.end,
        broker_fees=_broker_fees(trades),
        total_return_dollars=equity.end - equity.base,
        total_return_percent=_percent_change(equity.end, equity.base),
        max_drawdown_dollars=max_drawdown_dollars,
        max_drawdown_percent=max_drawdown_percent,
        underlying_max_drawdown_percent=_max_drawdown(underlying)[1],
        underlying_total_return_percent=_percent_change(underlying.end, underlying.base),
    )


def _years(timeline: _Timeline) -> dict[int, ResultByYear]:
    years: dict[int, ResultByYear] = {}
    for year, period in timeline.split(lambda day: day.year):
        months = {
            MONTH_NAMES[month - 1]: _timeframe(part)
            for month, part in period.split(lambda day: day.month)
        }
        years[year] = ResultByYear(**dict(_timeframe(period)), months=months)
    return years


def _bots(trades: Sequence[Trade]) -> list[BotReportDetail]:
    by_number: dict[str, list[Trade]] = {}
    for trade in trades:
        by_number.setdefault(trade.bot_number, []).append(trade)
    details = [_bot_detail(number, group) for number, group in by_number.items()]
    return sorted(details, key=lambda detail: (detail.name, detail.number))


def _bot_detail(number: str, trades: Sequence[Trade]) -> BotReportDetail:
    """One bot's figures; the name is the one on the bot's latest closed trade."""
    latest = sorted(trades, key=lambda trade: trade.closed_on)[-1]
    return BotReportDetail(
        **_trade_counts(trades),
        name=latest.bot_name,
        number=number,
        average_entry_price=statistics.fmean(trade.entry_price for trade in trades),
        average_exit_price=statistics.fmean(trade.exit_price for trade in trades),
        average_profit_price=statistics.fmean(
            trade.entry_price - trade.exit_price for trade in trades
        ),
        **_profit_averages(trades, 0.0),
        **_premiums(trades),
        total_profit=math.fsum(trade.profit for trade in trades),
    )


def _day_records(timeline: _Timeline) -> list[ResultByDay]:
    equity, underlying = timeline.equity, timeline.underlying
    return [
        ResultByDay(
            date=timeline.days[index],
            current_drawdown_dollars=equity_drawdown.dollars,
            current_drawdown_percent=equity_drawdown.percent,
            day_return_percent=equity.day_returns[index],
            profit=timeline.profits[index],
            total_return_percent=_percent_change(equity.values[index], equity.base),
            underlying_current_drawdown_days=underlying_drawdown.days,
            underlying_current_drawdown_percent=underlying_drawdown.percent,
            underlying_day_return_percent=underlying.day_returns[index],
            underlying_total_return_percent=_percent_change(
                underlying.values[index], underlying.base
            ),
        )
        for index, (equity_drawdown, underlying_drawdown) in enumerate(
            zip(_drawdowns(equity), _drawdowns(underlying), strict=True)
        )
    ]
