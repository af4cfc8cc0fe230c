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


#: Without a calendar, a start this many days or fewer before the first close is a weekend or holiday, not a cut.
_QUIET_GAP_DAYS = 4


def start_warning(series: pd.Series, start: dt.date, sessions: pd.DatetimeIndex | None = None, *,
                  symbol: str = "") -> str | None:
    """``"^GSPC: data starts 2019-01-02 (asked from 2010-01-01)"`` when the table would silently begin later
    than asked: a trading session (without a calendar: more than a long weekend) lies between ``start`` and the
    first close. None when nothing was cut."""
    values = series.dropna()
    if values.empty:
        return None
    first = pd.Timestamp(values.index[0]).date()
    if start >= first:
        return None
    if sessions is not None:
        cut = sessions[(sessions >= pd.Timestamp(start)) & (sessions < pd.Timestamp(first))]
        if not len(cut):
            return None
    elif (first - start).days <= _QUIET_GAP_DAYS:
        return None
    return f"{symbol or series.name}: data starts {first.isoformat()} (asked from {start.isoformat()})"
