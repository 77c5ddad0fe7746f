"""Performance figures: hand-computed cases, then properties over random trade lists."""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keystead.trading.services.performance import Trade, daily_history, results, trading_days

# Field types copied from the tables of /work/shared/WHISPERTRADES_V1.md. Optional[int] and
# Optional[float] trade counts always come back as numbers; see the module's docstrings.
COUNTS = {
    "total_trades": int,
    "winning_trades": int,
    "losing_trades": int,
    "win_percent": float,
}
RESULT_BY_DAY: dict[str, Any] = {
    "date": date,
    "current_drawdown_dollars": float,
    "current_drawdown_percent": float,
    "day_return_percent": float,
    "profit": float,
    "total_return_percent": float,
    "underlying_current_drawdown_days": int,
    "underlying_current_drawdown_percent": float,
    "underlying_day_return_percent": float,
    "underlying_total_return_percent": float,
}
RESULT_BY_TIMEFRAME: dict[str, Any] = {
    **COUNTS,
    "date": date,
    "starting_net_liquidation_value": float,
    "ending_net_liquidation_value": float,
    "broker_fees": float,
    "total_return_dollars": float,
    "total_return_percent": float,
    "max_drawdown_dollars": float,
    "max_drawdown_percent": float,
    "underlying_max_drawdown_percent": float,
    "underlying_total_return_percent": float,
}
RESULT_BY_YEAR: dict[str, Any] = {**RESULT_BY_TIMEFRAME, "months": dict}
BOT_REPORT_DETAIL: dict[str, Any] = {
    **COUNTS,
    "name": str,
    "number": str,
    "average_entry_price": float,
    "average_exit_price": float,
    "average_profit_price": float,
    "average_gain": float,
    "average_win": float,
    "average_loss": float,
    "premium_collected": float,
    "premium_retained": float,
    "premium_retained_percent": float,
    "total_profit": float,
}
RESULTS: dict[str, Any] = {
    **COUNTS,
    "starting_net_liquidation_value": float,
    "ending_net_liquidation_value": float,
    "average_gain": (float, type(None)),
    "average_win": (float, type(None)),
    "average_loss": (float, type(None)),
    "broker_fees": (float, type(None)),
    "premium_collected": (float, type(None)),
    "premium_retained": (float, type(None)),
    "premium_retained_percent": (float, type(None)),
    "total_return_dollars": float,
    "total_return_percent": float,
    "max_drawdown_dollars": float,
    "max_drawdown_percent": float,
    "max_drawdown_days": int,
    "cagr": float,
    "sharpe": float,
    "sortino": float,
    "mar": float,
    "annualized_volatility": float,
    "correlation": float,
    "beta": float,
    "underlying_total_return_percent": float,
    "underlying_max_drawdown_percent": float,
    "underlying_max_drawdown_days": int,
    "underlying_cagr": float,
    "underlying_sharpe": float,
    "underlying_sortino": float,
    "underlying_mar": float,
    "underlying_annualized_volatility": float,
}
OPTIONAL_RESULTS = {"bots": list, "years": dict, "days": list}
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]

MONDAY = date(2024, 1, 8)
TUESDAY = MONDAY + timedelta(days=1)
WEDNESDAY = MONDAY + timedelta(days=2)
SATURDAY = MONDAY + timedelta(days=5)


def trade(
    closed_on: date,
    profit: float,
    *,
    bot: tuple[str, str] = ("BOT0000001", "Bot one"),
    fee: float = 0.0,
    entry: float = 1.0,
    exit_: float = 0.5,
    premium: float = 0.0,
) -> Trade:
    number, name = bot
    return Trade(number, name, closed_on, profit, fee, entry, exit_, premium)


def flat_underlying(start: date, end: date, price: float = 100.0) -> dict[date, float]:
    return dict.fromkeys(trading_days(start, end), price)


def check_shape(record: Mapping[str, Any], table: Mapping[str, Any]) -> None:
    """Exactly the table's keys, each of exactly its type (no int for float, no bool)."""
    assert set(record) == set(table)
    for key, expected in table.items():
        kinds = expected if isinstance(expected, tuple) else (expected,)
        assert type(record[key]) in kinds, (key, record[key])
        if type(record[key]) is float:
            assert math.isfinite(record[key]), (key, record[key])


def check_results_shape(summary: Mapping[str, Any]) -> None:
    check_shape({k: v for k, v in summary.items() if k not in OPTIONAL_RESULTS}, RESULTS)
    for key, kind in OPTIONAL_RESULTS.items():
        assert type(summary[key]) is kind
    for day in summary["days"]:
        check_shape(day, RESULT_BY_DAY)
    for bot in summary["bots"]:
        check_shape(bot, BOT_REPORT_DETAIL)
    for year, record in summary["years"].items():
        assert type(year) is int
        check_shape(record, RESULT_BY_YEAR)
        assert list(record["months"]) == [m for m in MONTHS if m in record["months"]]
        for month in record["months"].values():
            check_shape(month, RESULT_BY_TIMEFRAME)


def timeframes(summary: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    years = list(summary["years"].values())
    return [*years, *(month for year in years for month in year["months"].values())]


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float:
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    covariance = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    spread_x = math.sqrt(sum((x - mx) ** 2 for x in xs))
    spread_y = math.sqrt(sum((y - my) ** 2 for y in ys))
    return covariance / (spread_x * spread_y)


# Three trading days, profits +100, -200, +50 on 10_000; two bots.
THREE_DAYS = [
    trade(MONDAY, 100.0, bot=("Z000000001", "Alpha"), fee=1.0, entry=2.0, exit_=1.0, premium=150.0),
    trade(
        TUESDAY, -200.0, bot=("A000000001", "Zeta"), fee=2.0, entry=3.0, exit_=5.0, premium=300.0
    ),
    trade(
        WEDNESDAY, 50.0, bot=("Z000000001", "Alpha"), fee=0.5, entry=1.5, exit_=1.0, premium=80.0
    ),
]
THREE_PRICES = {MONDAY: 100.0, TUESDAY: 98.0, WEDNESDAY: 101.0}


def three_day_results() -> dict[str, Any]:
    return results(
        THREE_DAYS,
        start=MONDAY,
        end=WEDNESDAY,
        starting_nlv=10_000,
        underlying=THREE_PRICES,
    )


def test_trading_days_skip_weekends_and_empty_ranges() -> None:
    assert trading_days(date(2024, 1, 5), date(2024, 1, 9)) == [
        date(2024, 1, 5),
        MONDAY,
        TUESDAY,
    ]
    assert trading_days(SATURDAY, SATURDAY + timedelta(days=1)) == []
    assert trading_days(TUESDAY, MONDAY) == []


def test_daily_history_hand_computed() -> None:
    days = daily_history(
        THREE_DAYS, start=MONDAY, end=WEDNESDAY, starting_nlv=10_000, underlying=THREE_PRICES
    )
    assert days == [
        {
            "date": MONDAY,
            "current_drawdown_dollars": 0.0,
            "current_drawdown_percent": 0.0,
            "day_return_percent": 100 / 10_000 * 100,
            "profit": 100.0,
            "total_return_percent": (10_100 / 10_000 - 1) * 100,
            "underlying_current_drawdown_days": 0,
            "underlying_current_drawdown_percent": 0.0,
            "underlying_day_return_percent": 0.0,
            "underlying_total_return_percent": 0.0,
        },
        {
            "date": TUESDAY,
            "current_drawdown_dollars": -200.0,
            "current_drawdown_percent": (9_900 / 10_100 - 1) * 100,
            "day_return_percent": -200 / 10_100 * 100,
            "profit": -200.0,
            "total_return_percent": (9_900 / 10_000 - 1) * 100,
            "underlying_current_drawdown_days": 1,
            "underlying_current_drawdown_percent": (98 / 100 - 1) * 100,
            "underlying_day_return_percent": (98 - 100) / 100 * 100,
            "underlying_total_return_percent": (98 / 100 - 1) * 100,
        },
        {
            "date": WEDNESDAY,
            "current_drawdown_dollars": -150.0,
            "current_drawdown_percent": (9_950 / 10_100 - 1) * 100,
            "day_return_percent": 50 / 9_900 * 100,
            "profit": 50.0,
            "total_return_percent": (9_950 / 10_000 - 1) * 100,
            "underlying_current_drawdown_days": 0,
            "underlying_current_drawdown_percent": 0.0,
            "underlying_day_return_percent": (101 - 98) / 98 * 100,
            "underlying_total_return_percent": (101 / 100 - 1) * 100,
        },
    ]
    for day in days:
        check_shape(day, RESULT_BY_DAY)


def test_results_trades_and_equity_hand_computed() -> None:
    summary = three_day_results()
    check_results_shape(summary)
    assert summary["days"] == daily_history(
        THREE_DAYS, start=MONDAY, end=WEDNESDAY, starting_nlv=10_000, underlying=THREE_PRICES
    )
    assert summary["total_trades"] == 3
    assert summary["winning_trades"] == 2
    assert summary["losing_trades"] == 1
    assert summary["win_percent"] == pytest.approx(66.67, abs=0.01)
    assert summary["starting_net_liquidation_value"] == 10_000.0
    assert summary["ending_net_liquidation_value"] == 9_950.0
    assert summary["average_gain"] == pytest.approx(-50 / 3)
    assert summary["average_win"] == 75.0
    assert summary["average_loss"] == -200.0
    assert summary["broker_fees"] == 3.5
    assert summary["premium_collected"] == 530.0
    assert summary["premium_retained"] == -50.0
    assert summary["premium_retained_percent"] == -50 / 530 * 100
    assert summary["total_return_dollars"] == -50.0
    assert summary["total_return_percent"] == (9_950 / 10_000 - 1) * 100
    assert summary["max_drawdown_dollars"] == -200.0
    assert summary["max_drawdown_percent"] == (9_900 / 10_100 - 1) * 100
    assert summary["max_drawdown_days"] == 2  # peak on Monday, still under water Wednesday
    assert summary["underlying_total_return_percent"] == (101 / 100 - 1) * 100
    assert summary["underlying_max_drawdown_percent"] == (98 / 100 - 1) * 100
    assert summary["underlying_max_drawdown_days"] == 2  # peak Monday, regained Wednesday


def test_results_ratios_hand_computed() -> None:
    summary = three_day_results()
    r = [100 / 10_000, -200 / 10_100, 50 / 9_900]
    u = [0.0, -2 / 100, 3 / 98]
    mean_r = sum(r) / 3
    std_r = math.sqrt(sum((x - mean_r) ** 2 for x in r) / 3)
    downside = math.sqrt(sum(min(x, 0) ** 2 for x in r) / 3)
    cagr = ((9_950 / 10_000) ** (365.25 / 3) - 1) * 100
    assert summary["annualized_volatility"] == pytest.approx(std_r * math.sqrt(252) * 100)
    assert summary["sharpe"] == pytest.approx(mean_r / std_r * math.sqrt(252))
    assert summary["sortino"] == pytest.approx(mean_r / downside * math.sqrt(252))
    assert summary["cagr"] == pytest.approx(cagr)
    assert summary["mar"] == pytest.approx(cagr / abs((9_900 / 10_100 - 1) * 100))
    assert summary["correlation"] == pytest.approx(pearson(r, u))
    mean_u = sum(u) / 3
    covariance = sum((x - mean_r) * (y - mean_u) for x, y in zip(r, u, strict=True)) / 3
    variance_u = sum((y - mean_u) ** 2 for y in u) / 3
    assert summary["beta"] == pytest.approx(covariance / variance_u)
    underlying_cagr = ((101 / 100) ** (365.25 / 3) - 1) * 100
    assert summary["underlying_cagr"] == pytest.approx(underlying_cagr)
    assert summary["underlying_mar"] == pytest.approx(underlying_cagr / 2.0)
    assert summary["underlying_sharpe"] == pytest.approx(
        statistics.fmean(u) / statistics.pstdev(u) * math.sqrt(252)
    )


def test_bots_are_ordered_by_name_and_hand_computed() -> None:
    alpha, zeta = three_day_results()["bots"]
    assert alpha == {
        "total_trades": 2,
        "winning_trades": 2,
        "losing_trades": 0,
        "win_percent": 100.0,
        "name": "Alpha",
        "number": "Z000000001",
        "average_entry_price": 1.75,
        "average_exit_price": 1.0,
        "average_profit_price": 0.75,
        "average_gain": 75.0,
        "average_win": 75.0,
        "average_loss": 0.0,
        "premium_collected": 230.0,
        "premium_retained": 150.0,
        "premium_retained_percent": 150 / 230 * 100,
        "total_profit": 150.0,
    }
    assert zeta["number"] == "A000000001"
    assert (zeta["average_win"], zeta["average_loss"]) == (0.0, -200.0)
    assert zeta["average_profit_price"] == -2.0


def test_bot_name_comes_from_its_latest_trade() -> None:
    trades = [
        trade(TUESDAY, 1.0, bot=("B000000001", "Renamed")),
        trade(MONDAY, 1.0, bot=("B000000001", "Original")),
    ]
    summary = results(
        trades,
        start=MONDAY,
        end=TUESDAY,
        starting_nlv=1_000,
        underlying=flat_underlying(MONDAY, TUESDAY),
    )
    assert [bot["name"] for bot in summary["bots"]] == ["Renamed"]


def test_weekend_trade_counts_on_the_following_monday() -> None:
    end = SATURDAY + timedelta(days=3)
    summary = results(
        [trade(SATURDAY, 25.0)],
        start=MONDAY,
        end=end,
        starting_nlv=1_000,
        underlying=flat_underlying(MONDAY, end),
    )
    by_day = {day["date"]: day["profit"] for day in summary["days"]}
    assert by_day[SATURDAY + timedelta(days=2)] == 25.0
    assert by_day[SATURDAY - timedelta(days=1)] == 0.0
    assert summary["total_trades"] == 1


def test_weekend_trade_at_the_end_counts_on_the_preceding_friday() -> None:
    sunday = SATURDAY + timedelta(days=1)
    days = daily_history(
        [trade(sunday, 25.0)],
        start=MONDAY,
        end=sunday,
        starting_nlv=1_000,
        underlying=flat_underlying(MONDAY, sunday),
    )
    assert days[-1]["date"] == SATURDAY - timedelta(days=1)
    assert days[-1]["profit"] == 25.0


def test_trades_outside_the_range_do_not_count() -> None:
    trades = [trade(MONDAY - timedelta(days=1), 10.0), trade(WEDNESDAY, 10.0)]
    summary = results(
        trades,
        start=MONDAY,
        end=TUESDAY,
        starting_nlv=1_000,
        underlying=flat_underlying(MONDAY, TUESDAY),
    )
    assert summary["total_trades"] == 0
    assert summary["ending_net_liquidation_value"] == 1_000.0
    assert (summary["average_gain"], summary["average_win"], summary["average_loss"]) == (
        None,
        None,
        None,
    )
    assert summary["win_percent"] == 0.0


def test_first_day_loss_is_a_drawdown_from_the_day_before() -> None:
    summary = results(
        [trade(MONDAY, -100.0), trade(TUESDAY, 150.0)],
        start=MONDAY,
        end=WEDNESDAY,
        starting_nlv=1_000,
        underlying=flat_underlying(MONDAY, WEDNESDAY),
    )
    assert summary["days"][0]["current_drawdown_dollars"] == -100.0
    assert summary["max_drawdown_percent"] == (900 / 1_000 - 1) * 100
    assert summary["max_drawdown_days"] == 2  # from Sunday's starting peak to Tuesday
    assert summary["underlying_max_drawdown_days"] == 0
    assert summary["correlation"] == 0.0
    assert summary["beta"] == 0.0


def test_month_boundary_gives_two_months_chained() -> None:
    start, end = date(2024, 1, 30), date(2024, 2, 2)
    prices = {
        date(2024, 1, 30): 100.0,
        date(2024, 1, 31): 110.0,
        date(2024, 2, 1): 99.0,
        date(2024, 2, 2): 105.0,
    }
    trades = [
        trade(date(2024, 1, 30), 100.0, fee=1.0),
        trade(date(2024, 2, 1), -300.0, fee=2.0),
        trade(date(2024, 2, 2), 50.0, fee=3.0),
    ]
    summary = results(trades, start=start, end=end, starting_nlv=10_000, underlying=prices)
    check_results_shape(summary)
    assert list(summary["years"]) == [2024]
    year = summary["years"][2024]
    assert list(year["months"]) == ["January", "February"]
    january, february = year["months"]["January"], year["months"]["February"]
    assert january == {
        "total_trades": 1,
        "winning_trades": 1,
        "losing_trades": 0,
        "win_percent": 100.0,
        "date": start,
        "starting_net_liquidation_value": 10_000.0,
        "ending_net_liquidation_value": 10_100.0,
        "broker_fees": 1.0,
        "total_return_dollars": 100.0,
        "total_return_percent": (10_100 / 10_000 - 1) * 100,
        "max_drawdown_dollars": 0.0,
        "max_drawdown_percent": 0.0,
        "underlying_max_drawdown_percent": 0.0,
        "underlying_total_return_percent": (110 / 100 - 1) * 100,
    }
    assert february == {
        "total_trades": 2,
        "winning_trades": 1,
        "losing_trades": 1,
        "win_percent": 50.0,
        "date": date(2024, 2, 1),
        "starting_net_liquidation_value": 10_100.0,
        "ending_net_liquidation_value": 9_850.0,
        "broker_fees": 5.0,
        "total_return_dollars": -250.0,
        "total_return_percent": (9_850 / 10_100 - 1) * 100,
        "max_drawdown_dollars": -300.0,
        "max_drawdown_percent": (9_800 / 10_100 - 1) * 100,
        "underlying_max_drawdown_percent": (99 / 110 - 1) * 100,
        "underlying_total_return_percent": (105 / 110 - 1) * 100,
    }
    assert year["date"] == start
    assert year["total_trades"] == 3
    assert year["broker_fees"] == 6.0
    assert year["ending_net_liquidation_value"] == 9_850.0
    assert year["max_drawdown_dollars"] == -300.0
    assert year["underlying_max_drawdown_percent"] == (99 / 110 - 1) * 100


def test_year_boundary_chains_years() -> None:
    start, end = date(2023, 12, 28), date(2024, 1, 3)
    summary = results(
        [trade(date(2023, 12, 29), 40.0), trade(date(2024, 1, 2), -10.0)],
        start=start,
        end=end,
        starting_nlv=1_000,
        underlying=flat_underlying(start, end),
    )
    years = summary["years"]
    assert list(years) == [2023, 2024]
    assert list(years[2023]["months"]) == ["December"]
    assert years[2024]["starting_net_liquidation_value"] == 1_040.0
    assert years[2024]["date"] == date(2024, 1, 1)
    assert years[2024]["max_drawdown_dollars"] == -10.0


def test_empty_range() -> None:
    sunday = SATURDAY + timedelta(days=1)
    trades = [trade(SATURDAY, 10.0, premium=5.0, fee=1.0)]
    assert daily_history(trades, start=SATURDAY, end=sunday, starting_nlv=500, underlying={}) == []
    summary = results(trades, start=SATURDAY, end=sunday, starting_nlv=500, underlying={})
    check_results_shape(summary)
    assert (summary["days"], summary["years"], summary["bots"]) == ([], {}, [])
    assert summary["starting_net_liquidation_value"] == 500.0
    assert summary["ending_net_liquidation_value"] == 500.0
    nothing_to_average = {"average_gain", "average_win", "average_loss"}
    nlv = {"starting_net_liquidation_value", "ending_net_liquidation_value"}
    for key in set(RESULTS) - nothing_to_average - nlv:
        assert summary[key] == 0, key
    for key in nothing_to_average:
        assert summary[key] is None


def test_flags_leave_out_the_optional_keys() -> None:
    summary = results(
        THREE_DAYS,
        start=MONDAY,
        end=WEDNESDAY,
        starting_nlv=10_000,
        underlying=THREE_PRICES,
        include_days=False,
        include_years=False,
        include_bots=False,
    )
    assert set(summary) == set(RESULTS)
    only_years = results(
        THREE_DAYS,
        start=MONDAY,
        end=WEDNESDAY,
        starting_nlv=10_000,
        underlying=THREE_PRICES,
        include_days=False,
        include_bots=False,
    )
    assert set(only_years) == {*RESULTS, "years"}


def test_missing_underlying_day_is_named() -> None:
    with pytest.raises(ValueError, match="2024-01-09"):
        results([], start=MONDAY, end=WEDNESDAY, starting_nlv=1_000, underlying={MONDAY: 1.0})


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_inputs_are_refused(bad: float) -> None:
    prices = flat_underlying(MONDAY, TUESDAY)
    with pytest.raises(ValueError, match="finite"):
        results([trade(MONDAY, bad)], start=MONDAY, end=TUESDAY, starting_nlv=1, underlying=prices)
    with pytest.raises(ValueError, match="finite"):
        results([], start=MONDAY, end=TUESDAY, starting_nlv=bad, underlying=prices)
    with pytest.raises(ValueError, match="finite"):
        results([], start=MONDAY, end=TUESDAY, starting_nlv=1, underlying={**prices, MONDAY: bad})


def test_huge_short_term_growth_stays_finite() -> None:
    summary = results(
        [trade(MONDAY, 1_000_000.0)],
        start=MONDAY,
        end=MONDAY,
        starting_nlv=1,
        underlying={MONDAY: 10.0},
    )
    check_results_shape(summary)
    assert summary["cagr"] > 1e300


def test_wiped_out_equity_gives_zero_returns_not_errors() -> None:
    summary = results(
        [trade(MONDAY, -1_000.0), trade(TUESDAY, 50.0)],
        start=MONDAY,
        end=WEDNESDAY,
        starting_nlv=1_000,
        underlying=flat_underlying(MONDAY, WEDNESDAY),
    )
    check_results_shape(summary)
    assert summary["days"][1]["day_return_percent"] == 0.0
    assert summary["max_drawdown_percent"] == -100.0
    assert summary["cagr"] == pytest.approx(-100.0)
    wiped = results(
        [trade(MONDAY, -1_000.0)],
        start=MONDAY,
        end=WEDNESDAY,
        starting_nlv=1_000,
        underlying=flat_underlying(MONDAY, WEDNESDAY),
    )
    assert (wiped["cagr"], wiped["mar"]) == (0.0, 0.0)


# Properties over random trade lists and ranges.

FIRST_START = date(2023, 12, 1)


@st.composite
def scenarios(draw: st.DrawFn, *, gentle: bool = False) -> dict[str, Any]:
    """A range of up to six weeks across a year end, trades in and around it, prices."""
    start = FIRST_START + timedelta(days=draw(st.integers(0, 60)))
    end = start + timedelta(days=draw(st.integers(-1, 40)))
    span = max((end - start).days + 1, 0)
    if gentle:
        starting_nlv: float = draw(st.floats(1_000, 100_000))
        profit = st.floats(-30, 30)
    else:
        starting_nlv = draw(st.integers(0, 50_000) | st.floats(0.01, 50_000))
        profit = st.floats(-5_000, 5_000) | st.integers(-100, 100).map(float)
    trade_strategy = st.builds(
        Trade,
        bot_number=st.sampled_from(["B000000001", "B000000002", "B000000003"]),
        bot_name=st.sampled_from(["one", "two"]),
        closed_on=st.integers(-3, span + 3).map(lambda offset: start + timedelta(days=offset)),
        profit=profit,
        broker_fee=st.floats(0, 5),
        entry_price=st.floats(-10, 10),
        exit_price=st.floats(-10, 10),
        premium=st.floats(0, 500) | st.just(0.0),
    )
    prices = draw(
        st.lists(st.floats(1, 1_000) | st.integers(1, 1_000), min_size=span, max_size=span)
    )
    return {
        "trades": draw(st.lists(trade_strategy, max_size=25)),
        "start": start,
        "end": end,
        "starting_nlv": starting_nlv,
        "underlying": {start + timedelta(days=i): price for i, price in enumerate(prices)},
    }


@settings(max_examples=100, deadline=None)
@given(scenarios(gentle=True))
def test_total_return_is_the_compounded_daily_returns(scenario: dict[str, Any]) -> None:
    days = daily_history(**scenario)
    for series in ("", "underlying_"):
        growth = math.prod(1 + day[f"{series}day_return_percent"] / 100 for day in days)
        last = days[-1][f"{series}total_return_percent"] if days else 0.0
        assert last == pytest.approx((growth - 1) * 100, rel=1e-6, abs=1e-9)


@settings(max_examples=100, deadline=None)
@given(scenarios())
def test_shapes_types_and_finiteness(scenario: dict[str, Any]) -> None:
    summary = results(**scenario)
    check_results_shape(summary)
    for record in [summary, *timeframes(summary), *summary["bots"]]:
        assert record["winning_trades"] + record["losing_trades"] <= record["total_trades"]
    assert sum(bot["total_trades"] for bot in summary["bots"]) == summary["total_trades"]
    assert len(summary["days"]) == len(trading_days(scenario["start"], scenario["end"]))


@settings(max_examples=100, deadline=None)
@given(scenarios())
def test_drawdowns_are_never_positive_and_max_is_the_least(scenario: dict[str, Any]) -> None:
    summary = results(**scenario)
    current = ("current_drawdown_dollars", "current_drawdown_percent")
    underlying_current = "underlying_current_drawdown_percent"
    for day in summary["days"]:
        assert all(day[key] <= 0 for key in (*current, underlying_current))
        assert summary["max_drawdown_dollars"] <= day["current_drawdown_dollars"]
        assert summary["max_drawdown_percent"] <= day["current_drawdown_percent"]
        assert summary["underlying_max_drawdown_percent"] <= day[underlying_current]
        assert day["underlying_current_drawdown_days"] >= 0
    maxima = ("max_drawdown_dollars", "max_drawdown_percent", "underlying_max_drawdown_percent")
    for record in [summary, *timeframes(summary)]:
        assert all(record[key] <= 0 for key in maxima)
        assert record["max_drawdown_dollars"] >= summary["max_drawdown_dollars"]
    assert summary["max_drawdown_days"] >= 0
    assert summary["underlying_max_drawdown_days"] >= 0
    assert (summary["max_drawdown_days"] == 0) == (summary["max_drawdown_dollars"] == 0)
