"""What a run found: figures, the targets they are checked against, and their output
(a table on stdout, `results.md`, `results.json` and `chart.png` in the output folder)."""

from __future__ import annotations

import json
import os
import platform
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path


@dataclass(frozen=True)
class Figure:
    section: str
    name: str
    value: float
    unit: str
    detail: str = ""


@dataclass(frozen=True)
class Check:
    target: str
    measured: str
    met: bool


@dataclass
class Results:
    figures: list[Figure] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    series: dict[str, dict[str, float]] = field(default_factory=dict)
    """Chart data: one named bar group or line per entry."""

    def add(self, section: str, name: str, value: float, unit: str, detail: str = "") -> None:
        self.figures.append(Figure(section, name, value, unit, detail))

    def check(self, target: str, ratio: float, floor: float) -> None:
        shown = f"{ratio:.3f}×" if ratio < 10 else f"{ratio:,.0f}×"
        self.checks.append(Check(target, shown, ratio >= floor))

    def check_at_most(self, target: str, value: float, ceiling: float, unit: str) -> None:
        self.checks.append(Check(target, f"{value:.2f} {unit}", value <= ceiling))

    def plot(self, series: str, key: str, value: float) -> None:
        self.series.setdefault(series, {})[key] = value

    def table(self) -> str:
        lines = []
        section = None
        width = max((len(f.name) for f in self.figures), default=10)
        for figure in self.figures:
            if figure.section != section:
                section = figure.section
                lines.append(f"\n{section}")
            value = _number(figure.value, figure.unit)
            lines.append(f"  {figure.name:<{width}}  {value:>10} {figure.unit:<6} {figure.detail}")
        if self.checks:
            lines.append("\nTargets (ratios measured in this run)")
            for check in self.checks:
                verdict = "met" if check.met else "NOT MET"
                lines.append(f"  {verdict:<8} {check.measured:>10}  {check.target}")
        lines.extend(f"\nnote: {note}" for note in self.notes)
        return "\n".join(lines).lstrip("\n")

    def save(self, folder: Path, command: str) -> list[Path]:
        folder.mkdir(parents=True, exist_ok=True)
        when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        machine = f"{platform.machine()}, {_cores()} cores, Python {platform.python_version()}"
        markdown = folder / "results.md"
        markdown.write_text(
            f"# keystead benchmark, {when}\n\n{machine}. Reproduce: `{command}`\n\n"
            f"```\n{self.table()}\n```\n"
        )
        data = folder / "results.json"
        data.write_text(
            json.dumps(
                {
                    "when": when,
                    "machine": machine,
                    "command": command,
                    "figures": [asdict(f) for f in self.figures],
                    "checks": [asdict(c) for c in self.checks],
                    "notes": self.notes,
                },
                indent=2,
            )
        )
        written = [markdown, data]
        chart = folder / "chart.png"
        if _draw(self.series, chart, f"keystead benchmark, {when} ({machine})"):
            written.append(chart)
        return written


def _cores() -> int:
    return os.cpu_count() or 1


def _number(value: float, unit: str) -> str:
    if unit == "×":
        return f"{value:.2f}"
    return f"{value:,.1f}" if abs(value) < 100 else f"{value:,.0f}"


def _draw(series: dict[str, dict[str, float]], path: Path, title: str) -> bool:
    """One panel per series: bars of named values (a log scale when they span decades)."""
    if not series:
        return False
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(len(series), 1, figsize=(10, 3.2 * len(series)), squeeze=False)
    for axis, (name, values) in zip(axes[:, 0], series.items(), strict=True):
        labels, heights = list(values), list(values.values())
        bars = axis.barh(labels, heights, color="#3b6ea8")
        axis.invert_yaxis()
        axis.set_title(name, loc="left", fontsize=10)
        positive = [h for h in heights if h > 0]
        if positive and max(positive) / min(positive) > 100:
            axis.set_xscale("log")
        axis.bar_label(
            bars,
            labels=[f"{h:,.1f}" if h < 100 else f"{h:,.0f}" for h in heights],
            padding=3,
            fontsize=8,
        )
        axis.tick_params(labelsize=8)
        axis.margins(x=0.15)
    figure.suptitle(title, fontsize=9)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return True
