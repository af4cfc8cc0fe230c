"""Closes rebased to 100 at a start date: how indices of different levels moved side by side over a window."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from . import prices

BASE = 100.0


def rebased(series: pd.Series, start: dt.date, end: dt.date, *, symbol: str = "") -> pd.Series:
    """The closes after ``start`` through ``end``, each ÷ the last close on or before ``start`` × 100, with the
    base itself (100) on its own date first. A start before the data is an error, never a guess."""
    base, _warning = prices.close_asof(series, start, symbol=symbol)
    window = prices.series_slice(series, base.date + dt.timedelta(days=1), end, symbol=symbol).dropna()
    values = [BASE, *(float(v) / base.value * BASE for v in window.to_numpy(dtype=float))]
    index = pd.DatetimeIndex([pd.Timestamp(base.date), *window.index])
    return pd.Series(values, index=index, dtype=float)


__all__ = ["BASE", "rebased"]
