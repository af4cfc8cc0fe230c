"""Yields are stored in percent (4.52 = 4.52%); changes and spreads are reported in basis points.

Basis points are rounded to 1e-9 so that float noise never shows: (4.62 - 4.52) * 100 is
10.000000000000053 in binary floating point and 10.0 here.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from ..errors import BadDateError
from .figure import Figure, merge_warnings
from .prices import close_asof, close_pair

_BP_PER_PERCENT = 100.0
_BP_DIGITS = 9


def to_bp(percent_points: float) -> float:
    """A difference of yields in percent, in basis points, rounded to 1e-9 bp."""
    return round(percent_points * _BP_PER_PERCENT, _BP_DIGITS) + 0.0  # + 0.0 turns -0.0 into 0.0


def yield_level(series: pd.Series, when: dt.date, *, symbol: str = "",
                sessions: pd.DatetimeIndex | None = None) -> Figure:
    """The yield on or before ``when``, in percent as stored (4.52)."""
    close, warning = close_asof(series, when, symbol=symbol, sessions=sessions)
    return Figure(close.value, end=close, warnings=merge_warnings(warning))


def yield_change_bp(series: pd.Series, start: dt.date, end: dt.date, *, symbol: str = "",
                    sessions: pd.DatetimeIndex | None = None) -> Figure:
    """``(yield(end) - yield(start)) * 100`` in basis points (4.52 → 4.62 = +10.0)."""
    if start > end:
        raise BadDateError(start, f"start is after end {end.isoformat()}", "start")
    first, last, warnings = close_pair(series, start, end, symbol=symbol, sessions=sessions)
    return Figure(to_bp(last.value - first.value), first, last, warnings)


def spread_bp(long: pd.Series, short: pd.Series, when: dt.date, *, symbols: tuple[str, str] = ("", ""),
              sessions: pd.DatetimeIndex | None = None) -> Figure:
    """``(long - short) * 100`` in basis points on ``when`` (2s10s = 10Y minus 2Y).

    ``parts`` = (long, short); a warning notes legs taken from different dates."""
    close_long, warn_long = close_asof(long, when, symbol=symbols[0], sessions=sessions)
    close_short, warn_short = close_asof(short, when, symbol=symbols[1], sessions=sessions)
    mixed = None
    if close_long.date != close_short.date:
        mixed = (f"{symbols[0] or 'long'} {close_long.date.isoformat()} and {symbols[1] or 'short'} "
                 f"{close_short.date.isoformat()}: spread legs from different dates")
    return Figure(to_bp(close_long.value - close_short.value),
                  warnings=merge_warnings(warn_long, warn_short, mixed), parts=(close_long, close_short))
