"""Performance charts as plain SVG geometry: no script, no library, nothing to fetch.

Pure functions from a daily series to coordinates; the template draws them.
Trading days are spaced evenly (weekends do not leave gaps).

The plot is drawn in a WIDTH × HEIGHT box stretched to the width of the page, and
its height is HEIGHT pixels: the labels are text in CSS pixels around it, so they
read the same on a phone as on a wide screen. An x label sits at a fraction of the
width; those that would crowd each other on a narrow chart are marked `minor`
(the stylesheet hides them there).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

WIDTH = 720
HEIGHT = 240
_LEFT, _RIGHT, _TOP, _BOTTOM = 0, 4, 20, 28
_CHAR_PX = 7.5
"""Width of one label character at the charts' 12 px type, a little generous."""
_LABEL_GAP_PX = 14
_WIDE_PX = 500
"""The narrowest plot showing every label: a chart under 34rem hides the minor ones."""
_NARROW_PX = 290
"""The plot on a 360 px phone."""


@dataclass(frozen=True, slots=True)
class Tick:
    at: float
    label: str
    minor: bool = False
    """Left out where the chart is narrow (a phone), so the labels never overlap."""


@dataclass(frozen=True, slots=True)
class Chart:
    title: str
    description: str
    line: str
    """`x,y x,y …`: one point per day, for a `<polyline>`."""
    area: str | None
    """The same points closed along the zero line, for a filled `<polygon>`; or None."""
    point_count: int
    zero_y: float
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = _LEFT
    right: int = WIDTH - _RIGHT
    top: int = _TOP
    bottom: int = HEIGHT - _BOTTOM


def nice_step(span: float, wanted_ticks: int = 4) -> float:
    """The round step (1, 2 or 5 × 10ⁿ) nearest to cutting `span` into `wanted_ticks` parts."""
    raw = span / wanted_ticks
    magnitude: float = 10.0 ** math.floor(math.log10(raw))
    candidates = [multiple * magnitude for multiple in (1, 2, 5, 10)]
    return min(candidates, key=lambda step: abs(math.log(step / raw)))


def _value_ticks(low: float, high: float) -> list[float]:
    step = nice_step(high - low)
    first = math.floor(low / step)
    last = math.ceil(high / step)
    return [round(index * step, 10) for index in range(first, last + 1)]


def _spaced(candidates: Sequence[Tick], plot_px: float) -> list[Tick]:
    """The candidates, left to right, that fit on a plot `plot_px` wide: each label
    clear of the one before it and inside the right edge."""
    kept: list[Tick] = []
    end = -math.inf
    for tick in candidates:
        start = tick.at / WIDTH * plot_px
        width = len(tick.label) * _CHAR_PX
        if start >= end and start + width <= plot_px:
            kept.append(tick)
            end = start + width + _LABEL_GAP_PX
    return kept


def x_ticks(candidates: Sequence[Tick]) -> list[Tick]:
    """The labels a wide chart has room for; those a phone-wide one has not are minor."""
    wide = _spaced(candidates, _WIDE_PX)
    narrow = {tick.at for tick in _spaced(wide, _NARROW_PX)}
    return [Tick(tick.at, tick.label, minor=tick.at not in narrow) for tick in wide]


def _month_ticks(days: Sequence[date], x_of: Callable[[int], float]) -> list[Tick]:
    starts = [
        index
        for index, day in enumerate(days)
        if index == 0 or (day.year, day.month) != (days[index - 1].year, days[index - 1].month)
    ]
    return x_ticks([Tick(x_of(index), days[index].strftime("%b %Y")) for index in starts])


def line_chart(
    title: str,
    days: Sequence[date],
    values: Sequence[float],
    label: Callable[[float], str],
    *,
    filled: bool = False,
) -> Chart | None:
    """The chart of `values` (one per day in `days`), or None when there is no day."""
    if not days:
        return None
    if len(days) != len(values):
        raise ValueError("one value per day is needed")
    low, high = min(0.0, *values), max(0.0, *values)
    if high == low:
        high = low + 1
    ticks = _value_ticks(low, high)
    bottom_value, top_value = ticks[0], ticks[-1]
    plot_width = WIDTH - _LEFT - _RIGHT
    plot_height = HEIGHT - _TOP - _BOTTOM

    def x_of(index: int) -> float:
        return _LEFT + (plot_width * index / (len(days) - 1) if len(days) > 1 else plot_width / 2)

    def y_of(value: float) -> float:
        return _TOP + plot_height * (top_value - value) / (top_value - bottom_value)

    points = [f"{x_of(i):.1f},{y_of(v):.1f}" for i, v in enumerate(values)]
    zero_y = y_of(0.0)
    area = None
    if filled:
        area = " ".join(
            [f"{x_of(0):.1f},{zero_y:.1f}", *points, f"{x_of(len(days) - 1):.1f},{zero_y:.1f}"]
        )
    description = (
        f"{len(days)} trading days from {days[0]:%d %b %Y} to {days[-1]:%d %b %Y}: "
        f"starts at {label(values[0])}, ends at {label(values[-1])}, "
        f"lowest {label(min(values))}, highest {label(max(values))}."
    )
    return Chart(
        title=title,
        description=description,
        line=" ".join(points),
        area=area,
        point_count=len(points),
        zero_y=zero_y,
        y_ticks=[Tick(y_of(value), label(value)) for value in ticks],
        x_ticks=_month_ticks(days, x_of),
    )


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    series: str
    """Which series the segment belongs to: its CSS class suffix and legend entry."""
    title: str


@dataclass(frozen=True, slots=True)
class BarChart:
    title: str
    description: str
    bars: list[Bar]
    series: list[str]
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = _LEFT
    right: int = WIDTH - _RIGHT
    bottom: int = HEIGHT - _BOTTOM


def stacked_bar_chart(
    title: str,
    labels: Sequence[str],
    stacks: Sequence[Sequence[int]],
    series: Sequence[str],
    marks: Sequence[str] | None = None,
) -> BarChart:
    """One bar per label, each stacked from its counts (one per series, bottom up).

    `marks` are the axis labels that may be written under the bars, one per bar (""
    for none); by default the labels themselves, as many as there is room for.
    """
    marks = labels if marks is None else marks
    if len(labels) != len(stacks) or any(len(stack) != len(series) for stack in stacks):
        raise ValueError("one stack per label and one count per series are needed")
    if len(marks) != len(labels):
        raise ValueError("one mark per label is needed")
    highest = max([sum(stack) for stack in stacks] + [1])
    ticks = _value_ticks(0, highest)
    top_value = ticks[-1]
    plot_width = WIDTH - _LEFT - _RIGHT
    plot_height = HEIGHT - _TOP - _BOTTOM
    slot = plot_width / max(1, len(labels))
    bar_width = max(1.0, slot * 0.8)
    bars = []
    for index, (label, stack) in enumerate(zip(labels, stacks, strict=True)):
        base = 0
        for name, count in zip(series, stack, strict=True):
            if count:
                y_top = _TOP + plot_height * (top_value - base - count) / top_value
                height = plot_height * count / top_value
                x = _LEFT + slot * index + (slot - bar_width) / 2
                bars.append(Bar(x, y_top, bar_width, height, name, f"{label}: {count} {name}"))
            base += count
    candidates = [Tick(_LEFT + slot * index, mark) for index, mark in enumerate(marks) if mark]
    totals = [sum(stack) for stack in stacks]
    description = (
        f"{len(labels)} bars from {labels[0]} to {labels[-1]}: {sum(totals)} requests in all, "
        f"at most {max(totals)} in one."
        if labels
        else "No data."
    )
    return BarChart(
        title=title,
        description=description,
        bars=bars,
        series=list(series),
        y_ticks=[Tick(_TOP + plot_height * (top_value - v) / top_value, f"{v:g}") for v in ticks],
        x_ticks=x_ticks(candidates),
    )
