"""Deterministic market data for the paper backend and the demo: the same symbol
and day always give the same closing price, so histories and reports repeat.

A seeded random walk per symbol (daily log-returns with a small drift) from a
fixed base day; VIX is a mean-reverting walk of its own. Weekends carry Friday's close.
"""

from __future__ import annotations

import math
import random
import zlib
from datetime import date, timedelta
from functools import lru_cache

BASE_DAY = date(2020, 1, 1)
_BASE_PRICES = {"SPX": 3230.0, "SPY": 323.0, "QQQ": 212.0, "RUT": 1668.0, "NDX": 8733.0}
_DEFAULT_BASE_PRICE = 100.0
_DAILY_DRIFT = 0.0001
_DAILY_VOLATILITY = 0.011


def _seed(symbol: str) -> int:
    return zlib.crc32(symbol.upper().encode())


@lru_cache(maxsize=64)
def _series(symbol: str, days: int) -> tuple[float, ...]:
    rng = random.Random(_seed(symbol))
    price = _BASE_PRICES.get(symbol.upper(), _DEFAULT_BASE_PRICE)
    closes = []
    for offset in range(days + 1):
        if (BASE_DAY + timedelta(days=offset)).weekday() < 5:
            price *= math.exp(_DAILY_DRIFT + _DAILY_VOLATILITY * rng.gauss(0.0, 1.0))
        closes.append(round(price, 2))
    return tuple(closes)


def _index(day: date) -> int:
    if day < BASE_DAY:
        raise ValueError(f"no market data before {BASE_DAY.isoformat()}")
    return (day - BASE_DAY).days


def close(symbol: str, day: date) -> float:
    """The symbol's closing price on `day` (the last weekday's close on a weekend)."""
    index = _index(day)
    # Grow the cached series in yearly steps so repeated calls stay cheap.
    return _series(symbol.upper(), (index // 366 + 1) * 366)[index]


def closes(symbol: str, days: list[date]) -> dict[date, float]:
    return {day: close(symbol, day) for day in days}


@lru_cache(maxsize=4)
def _vix_series(days: int) -> tuple[float, ...]:
    rng = random.Random(_seed("VIX"))
    level = 17.0
    levels = []
    for _ in range(days + 1):
        level += 0.08 * (17.0 - level) + 1.3 * rng.gauss(0.0, 1.0)
        level = min(45.0, max(10.5, level))
        levels.append(round(level, 2))
    return tuple(levels)


def vix(day: date) -> float:
    """A deterministic, mean-reverting VIX level (about 10.5 to 45)."""
    index = _index(day)
    return _vix_series((index // 366 + 1) * 366)[index]
