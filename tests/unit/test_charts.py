"""Chart geometry: one point per day, the zero line where zero is, round tick values,
and axis labels that fit the chart they are on."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from keystead.trading.pages import monthly
from keystead.trading.services.performance import trading_days
from keystead.web.charts import HEIGHT, WIDTH, Tick, line_chart, nice_step, stacked_bar_chart


def points(line: str) -> list[tuple[float, float]]:
    return [(float(x), float(y)) for x, y in (pair.split(",") for pair in line.split())]


@pytest.mark.parametrize(
    ("span", "step"), [(1.0, 0.2), (3.7, 1.0), (10.0, 2.0), (0.06, 0.02), (850.0, 200.0)]
)
def test_ticks_are_round_numbers(span: float, step: float) -> None:
    assert nice_step(span) == pytest.approx(step)


def test_one_point_per_day_left_to_right_inside_the_plot() -> None:
    days = trading_days(date(2026, 1, 1), date(2026, 3, 31))
    values = [index % 7 - 3.0 for index in range(len(days))]
    chart = line_chart("t", days, values, str)
    assert chart is not None
    drawn = points(chart.line)
    assert len(drawn) == chart.point_count == len(days)
    xs = [x for x, _ in drawn]
    assert xs == sorted(xs)
    assert xs[0] == chart.left
    assert xs[-1] == pytest.approx(chart.right)
    assert all(chart.top <= y <= chart.bottom for _, y in drawn)
    # Higher values are drawn higher (smaller y); zero sits on the zero line.
    by_value = {value: y for value, (_, y) in zip(values, drawn, strict=True)}
    assert by_value[3.0] < by_value[0.0] < by_value[-3.0]
    assert by_value[0.0] == pytest.approx(chart.zero_y, abs=0.05)
    assert [tick.label for tick in chart.x_ticks] == ["Jan 2026", "Feb 2026", "Mar 2026"]
    assert all(0 <= tick.at <= WIDTH for tick in chart.x_ticks)


def test_filled_chart_closes_along_the_zero_line() -> None:
    days = trading_days(date(2026, 5, 4), date(2026, 5, 8))
    chart = line_chart("drawdown", days, [0.0, -1.0, -2.5, -1.0, 0.0], str, filled=True)
    assert chart is not None
    assert chart.area is not None
    outline = points(chart.area)
    assert outline[0][1] == outline[-1][1] == pytest.approx(chart.zero_y, abs=0.05)
    assert len(outline) == len(days) + 2
    assert all(0 <= y <= HEIGHT for _, y in outline)


def test_flat_and_empty_series() -> None:
    assert line_chart("none", [], [], str) is None
    flat = line_chart("flat", [date(2026, 5, 4)], [0.0], str)
    assert flat is not None
    assert flat.point_count == 1
    with pytest.raises(ValueError, match="one value per day"):
        line_chart("bad", [date(2026, 5, 4)], [], str)


def test_monthly_rows_sum_profit_and_keep_the_deepest_drawdown() -> None:
    start = date(2026, 1, 29)
    history = [
        {
            "date": start + timedelta(days=offset),
            "profit": 10.0,
            "total_return_percent": float(offset),
            "current_drawdown_percent": -float(offset % 3),
        }
        for offset in range(5)
    ]
    january, february = monthly(history)
    assert (january.month, january.profit, january.total_return_percent) == (
        date(2026, 1, 1),
        30.0,
        2.0,
    )
    assert january.worst_drawdown_percent == -2.0
    assert (february.profit, february.total_return_percent) == (20.0, 4.0)
    assert february.worst_drawdown_percent == -1.0


def starts_px(ticks: list[Tick], plot_px: float) -> list[tuple[float, float]]:
    """Each label's left and right end on a plot `plot_px` wide, at 7 px a character
    (12 px system type)."""
    return [(t.at / WIDTH * plot_px, t.at / WIDTH * plot_px + 7 * len(t.label)) for t in ticks]


def test_axis_labels_never_crowd_a_wide_chart_and_fewer_show_on_a_phone() -> None:
    days = trading_days(date(2025, 12, 8), date(2026, 12, 4))
    chart = line_chart("a year", days, [float(i % 9) for i in range(len(days))], str)
    assert chart is not None
    for ticks, plot_px in ((chart.x_ticks, 500), ([t for t in chart.x_ticks if not t.minor], 290)):
        ends = starts_px(ticks, plot_px)
        assert all(right <= plot_px for _, right in ends), (plot_px, ends)
        assert all(ends[i][1] < ends[i + 1][0] for i in range(len(ends) - 1)), (plot_px, ends)
    shown_on_a_phone = [t.label for t in chart.x_ticks if not t.minor]
    assert 2 <= len(shown_on_a_phone) < len(chart.x_ticks) <= 12
    assert shown_on_a_phone[0] == "Dec 2025"


def test_bars_are_labelled_only_where_marked() -> None:
    labels = [f"{hour:02d}:00" for hour in range(24)]
    marks = [label if hour % 6 == 0 else "" for hour, label in enumerate(labels)]
    chart = stacked_bar_chart("a day", labels, [[1, 0]] * 24, ["2xx", "4xx"], marks)
    assert [t.label for t in chart.x_ticks] == ["00:00", "06:00", "12:00", "18:00"]
    assert [bar.title for bar in chart.bars][:2] == ["00:00: 1 2xx", "01:00: 1 2xx"]
    with pytest.raises(ValueError, match="one mark per label"):
        stacked_bar_chart("bad", labels, [[1, 0]] * 24, ["2xx", "4xx"], marks[:3])
