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
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any, get_args

from keystead.trading.services.equity import (
    beta,
    correlation,
    drawdowns_of,
    max_drawdown,
    path_figures,
    percent_change,
    saturate,
)
from keystead.trading.services.timeline import Timeline, Trade, timeline_of, trading_days
from keystead.trading.wire import (
    BotReportDetail,
    Month,
    ResultByDay,
    ResultByTimeframe,
    ResultByYear,
    Results,
)

__all__ = ["Trade", "daily_history", "results", "trading_days"]


MONTH_NAMES: tuple[Month, ...] = get_args(Month)


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
    days = _day_records(timeline_of(trades, start, end, starting_nlv, underlying))
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
    timeline = timeline_of(trades, start, end, starting_nlv, underlying)
    parts: dict[str, Any] = {}
    if include_bots:
        parts["bots"] = _bots(timeline.counted)
    if include_years:
        parts["years"] = _years(timeline)
    if include_days:
        parts["days"] = _day_records(timeline)
    return Results(**_summary(timeline), **parts).model_dump(exclude_unset=True)


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
        "premium_retained_percent": saturate(retained / collected * 100) if collected else 0.0,
    }


def _broker_fees(trades: Sequence[Trade]) -> float:
    return math.fsum(trade.broker_fee for trade in trades)


def _summary(timeline: Timeline) -> dict[str, Any]:
    trades = timeline.counted
    equity, underlying = timeline.equity, timeline.underlying
    strategy_returns = equity.fractional_returns
    underlying_returns = underlying.fractional_returns
    underlying_figures = path_figures(underlying, timeline.calendar_days)
    return {
        **_trade_counts(trades),
        "starting_net_liquidation_value": equity.base,
        "ending_net_liquidation_value": equity.end,
        **_profit_averages(trades, None),
        "broker_fees": _broker_fees(trades),
        **_premiums(trades),
        "total_return_dollars": equity.end - equity.base,
        "max_drawdown_dollars": max_drawdown(equity)[0],
        **path_figures(equity, timeline.calendar_days),
        "correlation": correlation(strategy_returns, underlying_returns),
        "beta": beta(strategy_returns, underlying_returns),
        **{f"underlying_{name}": value for name, value in underlying_figures.items()},
    }


def _timeframe(timeline: Timeline) -> ResultByTimeframe:
    """A period holding at least one trading day."""
    trades = timeline.counted
    equity, underlying = timeline.equity, timeline.underlying
    max_drawdown_dollars, max_drawdown_percent = max_drawdown(equity)
    return ResultByTimeframe(
        **_trade_counts(trades),
        date=timeline.days[0],
        starting_net_liquidation_value=equity.base,
        ending_net_liquidation_value=equity.end,
        broker_fees=_broker_fees(trades),
        total_return_dollars=equity.end - equity.base,
        total_return_percent=percent_change(equity.end, equity.base),
        max_drawdown_dollars=max_drawdown_dollars,
        max_drawdown_percent=max_drawdown_percent,
        underlying_max_drawdown_percent=max_drawdown(underlying)[1],
        underlying_total_return_percent=percent_change(underlying.end, underlying.base),
    )


def _years(timeline: Timeline) -> dict[int, ResultByYear]:
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


def _day_records(timeline: Timeline) -> list[ResultByDay]:
    equity, underlying = timeline.equity, timeline.underlying
    return [
        ResultByDay(
            date=timeline.days[index],
            current_drawdown_dollars=equity_drawdown.dollars,
            current_drawdown_percent=equity_drawdown.percent,
            day_return_percent=equity.day_returns[index],
            profit=timeline.profits[index],
            total_return_percent=percent_change(equity.values[index], equity.base),
            underlying_current_drawdown_days=underlying_drawdown.days,
            underlying_current_drawdown_percent=underlying_drawdown.percent,
            underlying_day_return_percent=underlying.day_returns[index],
            underlying_total_return_percent=percent_change(
                underlying.values[index], underlying.base
            ),
        )
        for index, (equity_drawdown, underlying_drawdown) in enumerate(
            zip(drawdowns_of(equity), drawdowns_of(underlying), strict=True)
        )
    ]
