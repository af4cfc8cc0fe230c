"""Price returns between two dates, each end taking the last close on or before its date.

``perf`` is the primitive: ``close(end) / close(start) - 1``. The named periods resolve their start date with
:mod:`.periods` ("1W" = the previous week's last close, "MTD" = the previous month's, "YTD" = the prior
year's) and call it.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from ..errors import BadArgumentError, BadDateError
from .figure import Figure
from .periods import previous_week_end, prior_month_end, prior_year_end, resolve_start
from .prices import close_pair, nonzero


def perf(series: pd.Series, start: dt.date, end: dt.date, *, symbol: str = "",
         sessions: pd.DatetimeIndex | None = None) -> Figure:
    """``close(end) / close(start) - 1`` as a fraction (0.0067 = +0.67%)."""
    if start > end:
        raise BadDateError(start, f"start is after end {end.isoformat()}", "start")
    first, last, warnings = close_pair(series, start, end, symbol=symbol, sessions=sessions)
    return Figure(last.value / nonzero(first, symbol).value - 1.0, first, last, warnings)


def period_perf(series: pd.Series, code: str, end: dt.date, *, symbol: str = "",
                sessions: pd.DatetimeIndex | None = None) -> Figure:
    """The return over a relative period code ("1W", "MTD", "YTD", "3M", "1Y" …) ending on ``end``."""
    return perf(series, resolve_start(code, end), end, symbol=symbol, sessions=sessions)


def weekly(series: pd.Series, as_of: dt.date, *, symbol: str = "",
           sessions: pd.DatetimeIndex | None = None) -> Figure:
    """This week's last close (as of ``as_of``) against the previous week's last close."""
    return perf(series, previous_week_end(as_of), as_of, symbol=symbol, sessions=sessions)


def mtd(series: pd.Series, as_of: dt.date, *, symbol: str = "",
        sessions: pd.DatetimeIndex | None = None) -> Figure:
    """Month to date: against the previous month's last close."""
    return perf(series, prior_month_end(as_of), as_of, symbol=symbol, sessions=sessions)


def ytd(series: pd.Series, as_of: dt.date, *, symbol: str = "",
        sessions: pd.DatetimeIndex | None = None) -> Figure:
    """Year to date: against the prior year's last close."""
    return perf(series, prior_year_end(as_of), as_of, symbol=symbol, sessions=sessions)


def calendar_year(series: pd.Series, year: int, *, symbol: str = "",
                  sessions: pd.DatetimeIndex | None = None) -> Figure:
    """The return of calendar ``year``: ``close(Dec 31 year) / close(Dec 31 year - 1) - 1``."""
    if isinstance(year, bool) or not isinstance(year, int):
        raise BadArgumentError("year", year, "must be a whole year such as 2024")
    if not 1901 <= year <= 9999:
        raise BadDateError(year, "must be between 1901 and 9999", "year")
    return perf(series, dt.date(year - 1, 12, 31), dt.date(year, 12, 31), symbol=symbol, sessions=sessions)
