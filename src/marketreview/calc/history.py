"""Tables of closes for HISTORY: daily, or each week's / month's last close."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from ..errors import BadArgumentError, NoDataError

_RULES = {"weekly": "W-SUN", "monthly": "ME"}


def resample_closes(series: pd.Series, start: dt.date, end: dt.date, interval: str = "daily", *,
                    symbol: str = "") -> pd.Series:
    """Closes from ``start`` to ``end`` inclusive. ``weekly``/``monthly`` keep each period's last close, indexed by
    the date it was actually observed (not the period end), so no value is dated on a day without a close."""
    window = series.loc[pd.Timestamp(start):pd.Timestamp(end)].dropna()
    if window.empty:
        raise NoDataError(symbol or str(series.name), reason=f"no closes between {start} and {end}")
    if interval == "daily":
        return window
    rule = _RULES.get(interval)
    if rule is None:
        raise BadArgumentError("interval", interval, "must be daily, weekly or monthly")
    stamped = pd.Series(window.index, index=window.index)
    last_dates = stamped.resample(rule).last().dropna()
    return window.loc[pd.DatetimeIndex(last_dates.to_numpy())]
