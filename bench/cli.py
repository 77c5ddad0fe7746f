"""How long the operator waits for `keystead --help`: the wall time of the installed
command, from start to exit, in a fresh process each time.

The commands run in turn, round after round, so a machine that slows down slows each
alike; each figure is the median of its runs. The interpreter alone (`python -c pass`)
is the floor. Run from an empty folder with no KEYSTEAD_* variable: the help of
keystead as shipped, guarding the trading API.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.results import Results

TARGET_SECONDS = 1.0
"""Issue 21: `keystead --help` starts in under a second."""


def keystead_command() -> list[str]:
    """The `keystead` script installed next to this interpreter, else `python -m keystead`."""
    script = Path(sys.executable).parent / "keystead"
    return [str(script)] if script.exists() else [sys.executable, "-m", "keystead"]


def measure_cli(workdir: Path, results: Results, runs: int) -> None:
    keystead = keystead_command()
    commands = {
        "keystead --help": [*keystead, "--help"],
        "keystead account --help": [*keystead, "account", "--help"],
        "keystead bots --help (the guarded API's)": [*keystead, "bots", "--help"],
        "python -c pass (the interpreter alone)": [sys.executable, "-c", "pass"],
    }
    env = {name: value for name, value in os.environ.items() if not name.startswith("KEYSTEAD_")}
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            started = time.perf_counter()
            subprocess.run(command, cwd=workdir, env=env, stdout=subprocess.DEVNULL, check=True)
            times[name].append(time.perf_counter() - started)
    section = f"CLI start-up, wall time, median of {runs} runs"
    for name, seconds in times.items():
        median = statistics.median(seconds)
        spread = f"(min {min(seconds) * 1000:,.0f}, max {max(seconds) * 1000:,.0f} ms)"
        results.add(section, name, median * 1000, "ms", spread)
        results.plot("CLI start-up, ms (median)", name, median * 1000)
    results.check_at_most(
        f"keystead --help under {TARGET_SECONDS:.0f} s (median)",
        statistics.median(times["keystead --help"]),
        TARGET_SECONDS,
        "s",
    )
