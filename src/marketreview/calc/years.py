"""Figures over calendar years: a year's return between two dated closes, a series' year-to-date high and
low, and the as-of date of "year to date" for a Japanese reader.

- :func:`year_return` with ``dating="year_end"`` measures from one year-end close to the next (the close on or
  before December 31 of the year before to the close on or before December 31 of the year);
  ``dating="first_session"`` is seed 000's own dating, the first close of the year to the first close of the
  next (``2023年1月2日~2024年1月2日``).
- :func:`ytd_extremes`: the highest and lowest close from January 1 to the as-of date, each with its date.
- :func:`us_close_before`: the last US session strictly before a Japanese calendar date (a Japanese reader's
  Saturday sees Friday's US close; their Friday evening sees Thursday's).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import numpy as np
import pandas as pd

from ..errors import BadArgumentError, BadDateError, NoDataError
from .figure import AsOf, Figure
from .prices import close_asof, nonzero, series_slice

YearDating = Literal["year_end", "first_session"]
YtdBasis = Literal["asof", "us_close"]
YEAR_DATINGS: tuple[YearDating, ...] = ("year_end", "first_session")
YTD_BASES: tuple[YtdBasis, ...] = ("asof", "us_close")
#: A year's first close must come within this many calendar days of January 1 (without a calendar).
FIRST_SESSION_DAYS = 10


def previous_years(as_of: dt.date, count: int = 2) -> tuple[int, ...]:
    """The ``count`` calendar years before ``as_of``'s year, oldest first (2025-10-31 → (2023, 2024))."""
    if count < 1:
        raise BadArgumentError("count", count, "must be at least 1")
    return tuple(range(as_of.year - count, as_of.year))


def first_close(series: pd.Series, year: int, *, symbol: str = "",
                sessions: pd.DatetimeIndex | None = None) -> AsOf:
    """The first close of calendar ``year``. With ``sessions`` it must be on the exchange's first session of
    the year (a missing first session is an error, not the second session's close taken in its place)."""
    jan1 = dt.date(year, 1, 1)
    name = symbol or "series"
    if sessions is not None:
        later = sessions[sessions >= pd.Timestamp(jan1)]
        if not len(later) or later[0].year != year:
            raise NoDataError(name, jan1, f"the calendar has no session in {year}")
        day = later[0].date()
        rows = series_slice(series, day, day, symbol=symbol).dropna()
        if not len(rows):
            raise NoDataError(name, day, f"no close on {day.isoformat()}, the first session of {year}")
        return AsOf(float(rows.iloc[0]), day, jan1)
    rows = series_slice(series, jan1, jan1 + dt.timedelta(days=FIRST_SESSION_DAYS), symbol=symbol).dropna()
    if not len(rows):
        raise NoDataError(name, jan1, f"no close in the first {FIRST_SESSION_DAYS} days of {year}")
    return AsOf(float(rows.iloc[0]), rows.index[0].date(), jan1)


def year_return(series: pd.Series, year: int, as_of: dt.date, *, dating: YearDating = "year_end",
                symbol: str = "", sessions: pd.DatetimeIndex | None = None) -> Figure:
    """The return of calendar ``year`` as a fraction, with the two closes as ``start`` and ``end``.

    Only closes dated on or before ``as_of`` are used: a year whose closing close is not yet known on
    ``as_of`` is an error."""
    if isinstance(year, bool) or not isinstance(year, int):
        raise BadArgumentError("year", year, "must be a whole year such as 2024")
    if dating not in YEAR_DATINGS:
        raise BadArgumentError("dating", dating, f"must be one of {', '.join(YEAR_DATINGS)}")
    known = series_slice(series, None, as_of, symbol=symbol)
    if dating == "year_end":
        if dt.date(year, 12, 31) > as_of:
            raise BadDateError(year, f"has not ended on {as_of.isoformat()}", "year")
        start, warn_start = close_asof(known, dt.date(year - 1, 12, 31), symbol=symbol, sessions=sessions)
        end, warn_end = close_asof(known, dt.date(year, 12, 31), symbol=symbol, sessions=sessions)
        warnings = tuple(w for w in (warn_start, warn_end) if w)
    else:
        start = first_close(known, year, symbol=symbol, sessions=sessions)
        try:
            end = first_close(known, year + 1, symbol=symbol, sessions=sessions)
        except NoDataError:
            if dt.date(year + 1, 1, 1) + dt.timedelta(days=FIRST_SESSION_DAYS) > as_of:
                raise BadDateError(year, f"the first close of {year + 1} is not known on {as_of.isoformat()}",
                                   "year") from None
            raise
        warnings = ()
    return Figure(end.value / nonzero(start, symbol).value - 1.0, start, end, warnings)


def point_change(figure: Figure) -> Figure:
    """``end - start`` of a change figure, in the series' own units (index points)."""
    if figure.start is None or figure.end is None:
        raise BadArgumentError("figure", figure.value, "is not a change between two closes")
    return Figure(figure.end.value - figure.start.value, figure.start, figure.end, figure.warnings)


def ytd_extremes(series: pd.Series, as_of: dt.date, *, symbol: str = "") -> tuple[Figure, Figure]:
    """The highest and the lowest close from January 1 of ``as_of``'s year to ``as_of`` (both included), each
    as a figure whose ``end`` carries the close's date (the earliest day when a value repeats)."""
    rows = series_slice(series, dt.date(as_of.year, 1, 1), as_of, symbol=symbol).dropna()
    if not len(rows):
        raise NoDataError(symbol or "series", as_of, f"no close between {as_of.year}-01-01 and {as_of.isoformat()}")
    values = rows.to_numpy(dtype="float64")
    high, low = int(np.argmax(values)), int(np.argmin(values))

    def at(pos: int) -> Figure:
        close = AsOf(float(values[pos]), rows.index[pos].date(), as_of)
        return Figure(close.value, end=close)

    return at(high), at(low)


def us_close_before(day: dt.date, sessions: pd.DatetimeIndex | None) -> dt.date:
    """The last US session strictly before the Japanese calendar date ``day``: the US close a reader in
    Japan has seen by that day (it ends at 05:00–06:00 JST the next morning). Without a calendar, the last
    weekday before ``day``."""
    if sessions is not None:
        earlier = sessions[sessions < pd.Timestamp(day)]
        if not len(earlier):
            raise BadDateError(day, "is before the US calendar's first session", "asof")
        return earlier[-1].date()
    before = day - dt.timedelta(days=1)
    while before.weekday() >= 5:
        before -= dt.timedelta(days=1)
    return before


def ytd_end(as_of: dt.date, basis: YtdBasis, us_sessions: pd.DatetimeIndex | None) -> dt.date:
    """The end date of a US figure's year to date: ``as_of`` itself, or with ``basis="us_close"`` the last US
    close before the Japanese date ``as_of``."""
    if basis not in YTD_BASES:
        raise BadArgumentError("ytd_basis", basis, f"must be one of {', '.join(YTD_BASES)}")
    return as_of if basis == "asof" else us_close_before(as_of, us_sessions)
