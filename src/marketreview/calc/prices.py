"""The close on or before a date, the way a market review reads it (Bloomberg's Fill=Previous).

This is the hot path under every worksheet formula, so it works on the index's int64 view and the values'
NumPy view with ``searchsorted`` (O(log n), no pandas objects built per call). A weekend or holiday takes the
previous close silently; a trading session missing from the data gets a warning naming it; a long gap or a
date before the data starts raises :class:`NoDataError` rather than returning a stale number.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ..errors import BadDateError, DataFormatError, NoDataError
from .figure import AsOf

#: ``date.toordinal()`` of 1970-01-01, the epoch of ``DatetimeIndex.asi8``.
_EPOCH_ORDINAL = 719163
_PER_DAY = {"s": 86_400, "ms": 86_400_000, "us": 86_400_000_000, "ns": 86_400_000_000_000}
#: The same, keyed by dtype: tz-aware dtypes are not keys, so a lookup miss rejects them.
_PER_DAY_BY_DTYPE: dict[object, int] = {np.dtype(f"datetime64[{unit}]"): ticks
                                         for unit, ticks in _PER_DAY.items()}
#: More consecutive trading sessions than this missing before ``when`` means the data has stopped.
MAX_MISSING_SESSIONS = 5
#: A "latest" figure on a series whose last close is more than this many expected sessions old warns.
STALE_SESSIONS = 3


def _name(symbol: str) -> str:
    return symbol or "series"


class _Closes:
    """The int64 dates, float values and ticks per day of one series: built once per call, shared by both
    ends of a change."""

    __slots__ = ("per_day", "stamps", "symbol", "values")

    def __init__(self, series: pd.Series, symbol: str) -> None:
        index = series.index
        if not isinstance(index, pd.DatetimeIndex):
            raise DataFormatError(_name(symbol), "closes must be indexed by dates (a DatetimeIndex)")
        per_day = _PER_DAY_BY_DTYPE.get(index.dtype)
        if per_day is None:
            raise DataFormatError(_name(symbol), f"closes must have timezone-naive dates, not {index.dtype}")
        self.stamps: np.ndarray = index.asi8
        self.per_day = per_day
        self.values: np.ndarray = series.to_numpy()
        self.symbol = symbol

    def date(self, pos: int) -> dt.date:
        return dt.date.fromordinal(_EPOCH_ORDINAL + self.stamps.item(pos) // self.per_day)


class _Sessions:
    __slots__ = ("per_day", "stamps")

    def __init__(self, sessions: pd.DatetimeIndex) -> None:
        per_day = _PER_DAY_BY_DTYPE.get(sessions.dtype)
        if per_day is None:
            raise DataFormatError("sessions", f"trading days must be timezone-naive dates, not "
                                              f"{sessions.dtype}")
        self.stamps: np.ndarray = sessions.asi8
        self.per_day = per_day


def close_asof(series: pd.Series, when: dt.date, *, symbol: str = "",
               sessions: pd.DatetimeIndex | None = None, max_gap_days: int = 10) -> tuple[AsOf, str | None]:
    """The last close on or before ``when`` and a warning (or ``None``).

    With ``sessions`` (the exchange's trading days), sessions in ``(date used, when]`` that have no close
    produce a warning naming them, and more than :data:`MAX_MISSING_SESSIONS` in a row raise
    :class:`NoDataError`. Without ``sessions`` a close more than ``max_gap_days`` calendar days before
    ``when`` raises. NaN closes count as missing. A date before the first close always raises.
    """
    days = None if sessions is None else _Sessions(sessions)
    return _lookup(_Closes(series, symbol), when, days, max_gap_days)


def close_pair(series: pd.Series, start: dt.date, end: dt.date, *, symbol: str = "",
               sessions: pd.DatetimeIndex | None = None, max_gap_days: int = 10
               ) -> tuple[AsOf, AsOf, tuple[str, ...]]:
    """:func:`close_asof` on ``start`` and on ``end`` (the series is unpacked once), with their warnings."""
    closes = _Closes(series, symbol)
    days = None if sessions is None else _Sessions(sessions)
    first, warn_first = _lookup(closes, start, days, max_gap_days)
    last, warn_last = _lookup(closes, end, days, max_gap_days)
    if last.date <= start < end:
        _check_period_has_data(days, start, end, last.date, symbol)
    if warn_first is None and warn_last is None:
        return first, last, ()
    return first, last, tuple(w for w in dict.fromkeys((warn_first, warn_last)) if w is not None)


def _check_period_has_data(sessions: _Sessions | None, start: dt.date, end: dt.date, used: dt.date,
                           symbol: str) -> None:
    """No close in (start, end] although the market was open then: the change would be a silent +0.00%, so
    it is an error. Open days are the exchange's sessions; without a calendar (FRED, FX), weekdays, and a lone
    weekday without a close is taken as a holiday."""
    lo, hi = start.toordinal() - _EPOCH_ORDINAL, end.toordinal() - _EPOCH_ORDINAL
    if sessions is not None:
        stamps, per_day = sessions.stamps, sessions.per_day
        open_days = int(stamps.searchsorted((hi + 1) * per_day, "left") - stamps.searchsorted((lo + 1) * per_day,
                                                                                                  "left"))
        needed, noun = 1, "trading session"
    else:
        open_days = sum(1 for k in range(1, hi - lo + 1) if (start + dt.timedelta(days=k)).weekday() < 5)
        needed, noun = 2, "weekday"
    if open_days >= needed:
        plural = noun if open_days == 1 else noun + "s"
        raise NoDataError(_name(symbol), end,
                          f"no close between {start.isoformat()} and {end.isoformat()} ({open_days} {plural} "
                          f"without data; last close {used.isoformat()}): the change is unknown, not zero")


def _lookup(closes: _Closes, when: dt.date, sessions: _Sessions | None, max_gap_days: int
            ) -> tuple[AsOf, str | None]:
    if not isinstance(when, dt.date):
        raise BadDateError(when, "expected a date", "date")
    stamps, values, per_day = closes.stamps, closes.values, closes.per_day
    when_day = when.toordinal() - _EPOCH_ORDINAL
    pos = int(stamps.searchsorted((when_day + 1) * per_day, side="left")) - 1
    value = values.item(pos) if pos >= 0 else 0.0
    while value != value:  # a NaN close counts as missing
        pos -= 1
        value = values.item(pos) if pos >= 0 else 0.0
    if pos < 0:
        if not len(stamps):
            raise NoDataError(_name(closes.symbol), when, "no data")
        first = dt.date.fromordinal(_EPOCH_ORDINAL + stamps.item(0) // per_day)
        raise NoDataError(_name(closes.symbol), when,
                          f"no close on or before {when.isoformat()}; data starts {first.isoformat()}")
    used_day = stamps.item(pos) // per_day
    used = dt.date.fromordinal(_EPOCH_ORDINAL + used_day)
    asof = AsOf(float(value), used, when if type(when) is dt.date else dt.date.fromordinal(when.toordinal()))
    if used_day == when_day:
        return asof, None
    at_end = pos == len(stamps) - 1
    if sessions is None:
        if when_day - used_day > max_gap_days:
            raise NoDataError(_name(closes.symbol), when, _gap_reason(used, when, at_end))
        return asof, None
    return asof, _missing_sessions(sessions, used_day, when_day, closes.symbol, at_end=at_end, used=used)


def _gap_reason(used: dt.date, when: dt.date, at_end: bool) -> str:
    if at_end:
        return f"data ends {used.isoformat()}, no close near {when.isoformat()}"
    return f"no close between {used.isoformat()} and {when.isoformat()}"


def _missing_sessions(sessions: _Sessions, used_day: int, when_day: int, symbol: str, *, at_end: bool,
                      used: dt.date) -> str | None:
    stamps, per_day = sessions.stamps, sessions.per_day
    lo = int(stamps.searchsorted((used_day + 1) * per_day, side="left"))
    bound = (when_day + 1) * per_day
    if lo == len(stamps) or stamps.item(lo) >= bound:  # the usual case: no session in (used, when]
        return None
    hi = int(stamps.searchsorted(bound, side="left"))
    if hi - lo > MAX_MISSING_SESSIONS:
        when = dt.date.fromordinal(_EPOCH_ORDINAL + when_day)
        raise NoDataError(_name(symbol), when,
                          _gap_reason(used, when, at_end) + f" ({hi - lo} trading sessions missing)")
    days = [dt.date.fromordinal(_EPOCH_ORDINAL + int(s) // per_day).isoformat() for s in stamps[lo:hi]]
    noun = "trading day" if len(days) == 1 else "trading days"
    return f"{_name(symbol)}: no close on {noun} {', '.join(days)}; used {used.isoformat()}"


def staleness(last: dt.date, through: dt.date, sessions: pd.DatetimeIndex | None, *, symbol: str = ""
              ) -> str | None:
    """A warning naming the last date when a series' last close ``last`` is more than :data:`STALE_SESSIONS`
    expected sessions older than ``through`` (the last day whose close should be in by now), else None.
    Expected sessions are the exchange's ``sessions``; without a calendar (FRED, FX), weekdays."""
    if through <= last:
        return None
    if sessions is not None:
        days = _Sessions(sessions)
        lo = int(days.stamps.searchsorted((last.toordinal() - _EPOCH_ORDINAL + 1) * days.per_day, "left"))
        hi = int(days.stamps.searchsorted((through.toordinal() - _EPOCH_ORDINAL + 1) * days.per_day, "left"))
        behind, noun = hi - lo, "sessions"
    else:
        behind = sum(1 for k in range(1, (through - last).days + 1)
                     if (last + dt.timedelta(days=k)).weekday() < 5)
        noun = "weekdays"
    if behind <= STALE_SESSIONS:
        return None
    return (f"{_name(symbol)}: data ends {last.isoformat()} ({behind} {noun} without a close up to "
            f"{through.isoformat()})")


def fresh_from(through: dt.date, sessions: pd.DatetimeIndex | None) -> dt.date:
    """The oldest last-close date that is not stale on ``through``: :func:`staleness` warns exactly when a
    series' last close is before it (the O(1) check formulas make on every cell)."""
    if sessions is not None:
        days = _Sessions(sessions)
        k = int(days.stamps.searchsorted((through.toordinal() - _EPOCH_ORDINAL + 1) * days.per_day, "left"))
        k -= STALE_SESSIONS + 1
        return dt.date.min if k < 0 else dt.date.fromordinal(_EPOCH_ORDINAL + days.stamps.item(k) // days.per_day)
    day, counted = through, 0
    while True:
        counted += day.weekday() < 5
        if counted > STALE_SESSIONS:
            return day
        day -= dt.timedelta(days=1)


def last_date(series: pd.Series, *, symbol: str = "") -> dt.date:
    """The date of the last non-NaN close; :class:`NoDataError` for an empty series."""
    closes = _Closes(series, symbol)
    positions = np.flatnonzero(~np.isnan(closes.values))
    if not len(positions):
        raise NoDataError(_name(symbol), None, "no data")
    return closes.date(int(positions[-1]))


def first_date(series: pd.Series, *, symbol: str = "") -> dt.date:
    """The date of the first non-NaN close; :class:`NoDataError` for an empty series."""
    closes = _Closes(series, symbol)
    positions = np.flatnonzero(~np.isnan(closes.values))
    if not len(positions):
        raise NoDataError(_name(symbol), None, "no data")
    return closes.date(int(positions[0]))


def series_slice(series: pd.Series, start: dt.date | None, end: dt.date | None, *, symbol: str = ""
                 ) -> pd.Series:
    """The closes dated ``start`` to ``end``, both inclusive (``None`` = open-ended); a new Series."""
    if start is not None and end is not None and start > end:
        raise BadDateError(start, f"start is after end {end.isoformat()}", "start")
    closes = _Closes(series, symbol)
    lo, hi = 0, len(closes.stamps)
    if start is not None:
        lo = int(closes.stamps.searchsorted((start.toordinal() - _EPOCH_ORDINAL) * closes.per_day, "left"))
    if end is not None:
        hi = int(closes.stamps.searchsorted((end.toordinal() - _EPOCH_ORDINAL + 1) * closes.per_day, "left"))
    return series.iloc[lo:hi].copy()


def nonzero(close: AsOf, symbol: str = "") -> AsOf:
    """``close`` itself; a zero close cannot be divided by, so it is an error naming the symbol and date."""
    if close.value == 0.0:
        raise NoDataError(symbol or "series", close.date,
                          f"close is 0 on {close.date.isoformat()}: a return or ratio needs a non-zero base")
    return close
