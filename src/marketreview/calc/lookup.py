"""A per-series day table for answering many as-of lookups in O(1): the range path of worksheet functions.

For every calendar day from a series' first close to ``horizon``, the table holds the position of the last close
on or before that day, and whether :func:`~marketreview.calc.prices.close_asof` would answer that day cleanly
(no warning, no error). Callers use the table when both ends are clean and fall back to the full calculation
otherwise, so a fast answer is always the answer the full path gives.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .prices import _EPOCH_ORDINAL

#: ``date.toordinal()`` of 1970-01-01: day numbers are ``toordinal() - EPOCH_ORDINAL``
EPOCH_ORDINAL = _EPOCH_ORDINAL


@dataclass(frozen=True, slots=True)
class DayTable:
    first_day: int
    #: the close as of each calendar day from ``first_day``; NaN where the full path must answer
    filled: np.ndarray
    #: the date of the last close (what an omitted end date means)
    last_date: dt.date | None
    #: the exchange calendar of the series (what "stale" is measured on), kept so a range need not look it up
    calendar: str | None = None

    def close(self, day: int) -> float | None:
        """The close as of ``day`` (days since 1970-01-01), or None when the full path must answer."""
        k = day - self.first_day
        if k < 0 or k >= len(self.filled):
            return None
        value: float = self.filled.item(k)
        return None if value != value else value


def day_number(when: dt.date) -> int:
    return when.toordinal() - _EPOCH_ORDINAL


def day_table(series: pd.Series, horizon: dt.date, sessions: pd.DatetimeIndex | None = None,
              max_gap_days: int = 10, *, calendar: str | None = None) -> DayTable:
    """Build the table for ``series`` up to ``horizon``. With ``sessions`` a day is clean when no trading
    session in (close used, day] lacks a close; without, when the close used is at most ``max_gap_days`` old."""
    closes = series.dropna()
    stamps = closes.index.to_numpy().astype("datetime64[D]").astype(np.int64)
    if not len(stamps):
        return DayTable(0, np.empty(0), None, calendar)
    first, last = int(stamps[0]), max(int(stamps[-1]), day_number(horizon))
    days = np.arange(first, last + 1, dtype=np.int64)
    pos = np.searchsorted(stamps, days, side="right") - 1
    used = stamps[pos]
    if sessions is None:
        clean = days - used <= max_gap_days
    else:
        trading = sessions.to_numpy().astype("datetime64[D]").astype(np.int64)
        missing = np.setdiff1d(trading, stamps)
        missing_upto = np.searchsorted(missing, days, side="right")
        missing_at_used = np.searchsorted(missing, used, side="right")
        clean = missing_upto == missing_at_used
    last_date = dt.date.fromordinal(_EPOCH_ORDINAL + int(stamps[-1]))
    filled = np.where(clean, closes.to_numpy(dtype=float)[pos], np.nan)
    return DayTable(first, filled, last_date, calendar)
