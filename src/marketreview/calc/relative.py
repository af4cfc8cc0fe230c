"""Relative strength: the ratio of two closes, weekly ratios and their deviation from a moving average.

Each series keeps its own calendar: a Tokyo ETF against a New York index takes each one's last close on or
before the date (Tokyo's New Year break does not drag New York back). Weekly ratios use each series' last
close on or before the week's Sunday (the current week: on or before ``end``), so the latest weekly ratio is
exactly :func:`relratio` on ``end``. Weeks are labelled by their Friday.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ..errors import BadArgumentError, NoDataError
from .figure import AsOf, Figure, merge_warnings
from .prices import _EPOCH_ORDINAL, _Closes, close_asof, first_date, nonzero


def relratio(a: pd.Series, b: pd.Series, when: dt.date, *, sessions_a: pd.DatetimeIndex | None = None,
             sessions_b: pd.DatetimeIndex | None = None, symbols: tuple[str, str] = ("", "")) -> Figure:
    """``close_a(when) / close_b(when)``; ``parts`` holds the two closes used."""
    close_a, warn_a = close_asof(a, when, symbol=symbols[0], sessions=sessions_a)
    close_b, warn_b = close_asof(b, when, symbol=symbols[1], sessions=sessions_b)
    return Figure(close_a.value / nonzero(close_b, symbols[1]).value, warnings=merge_warnings(warn_a, warn_b),
                  parts=(close_a, close_b))


def _days(series: pd.Series) -> np.ndarray:
    """Days since 1970-01-01 of each entry of ``series``' index (int64)."""
    closes = _Closes(series, str(series.name or ""))
    return np.asarray(closes.stamps // closes.per_day, dtype=np.int64)


def _week_sample(series: pd.Series, sample_days: np.ndarray) -> np.ndarray:
    """The last close on or before each day of ``sample_days`` (days since epoch); NaN where none."""
    closes = series.dropna()
    days = _days(closes)
    pos = np.searchsorted(days, sample_days, side="right") - 1
    values = closes.to_numpy(dtype=float)
    out = np.full(len(sample_days), np.nan)
    ok = pos >= 0
    out[ok] = values[pos[ok]]
    return out


def weekly_ratio(a: pd.Series, b: pd.Series, end: dt.date) -> pd.Series:
    """Each week's ratio of ``a``'s last close to ``b``'s last close (each on or before the week's Sunday,
    or ``end`` for the current week), from the first week both have data, indexed by the week's Friday."""
    first = max(first_date(a), first_date(b))
    if first > end:
        return pd.Series([], index=pd.DatetimeIndex([], name="week"), name="ratio", dtype="float64")
    end_day = end.toordinal() - _EPOCH_ORDINAL
    first_day = first.toordinal() - _EPOCH_ORDINAL
    first_sunday = first_day + 6 - (first_day + 3) % 7  # the Sunday ending ``first``'s week (Monday = 0)
    sundays = np.arange(first_sunday, end_day + 7, 7, dtype=np.int64)
    sample = np.minimum(sundays, end_day)
    denominator = _week_sample(b, sample)
    if (denominator == 0.0).any():
        raise NoDataError(str(b.name or "denominator"), reason="a weekly close of 0 cannot be divided by")
    ratio = _week_sample(a, sample) / denominator
    fridays = pd.DatetimeIndex((sundays - 2).astype("datetime64[D]").astype("datetime64[ns]"), name="week")
    return pd.Series(ratio, index=fridays, name="ratio")


def _check_weeks(weeks: object) -> int:
    if isinstance(weeks, bool) or not isinstance(weeks, int | np.integer) or weeks < 1:
        raise BadArgumentError("weeks", weeks, "must be a whole number of weeks, 1 or more")
    return int(weeks)


def reldev(a: pd.Series, b: pd.Series, when: dt.date, *, weeks: int = 26, relative: bool = False,
           sessions_a: pd.DatetimeIndex | None = None, sessions_b: pd.DatetimeIndex | None = None,
           symbols: tuple[str, str] = ("", "")) -> Figure:
    """The latest weekly ratio's deviation from the simple moving average of the last ``weeks`` weekly ratios,
    the current week included: ``ratio - ma`` (default) or ``ratio / ma - 1`` (``relative=True``).

    ``parts`` holds the two closes of the latest ratio; ``start``/``end`` are ``None``."""
    n = _check_weeks(weeks)
    latest = relratio(a, b, when, sessions_a=sessions_a, sessions_b=sessions_b, symbols=symbols)
    ratios = weekly_ratio(a, b, when).to_numpy()
    if len(ratios) < n:
        name = "/".join(s for s in symbols if s) or "ratio"
        raise NoDataError(name, when, f"only {len(ratios)} weekly ratios up to {when.isoformat()}, "
                                      f"{n} needed for the {n}-week average")
    ma = float(ratios[-n:].mean())
    value = latest.value / ma - 1.0 if relative else latest.value - ma
    return Figure(value, warnings=latest.warnings, parts=latest.parts)


def ratio_with_ma(a: pd.Series, b: pd.Series, end: dt.date, weeks: int = 26) -> pd.DataFrame:
    """Weekly ``ratio``, its ``weeks``-week simple moving average ``ma`` (NaN until ``weeks`` ratios exist)
    and ``deviation`` = ratio - ma, indexed by the week's Friday: the data behind a relative-strength
    chart."""
    n = _check_weeks(weeks)
    ratio = weekly_ratio(a, b, end)
    ma = ratio.rolling(n, min_periods=n).mean()
    return pd.DataFrame({"ratio": ratio, "ma": ma, "deviation": ratio - ma})


def rebased(a: pd.Series, b: pd.Series, when: dt.date, *, weeks: int = 26,
            sessions_a: pd.DatetimeIndex | None = None, sessions_b: pd.DatetimeIndex | None = None,
            symbols: tuple[str, str] = ("", "")) -> Figure:
    """Relative performance rebased to 100 at the start of the ``weeks``-week window the average uses:
    ``100 × ratio(when) ÷ the window's first weekly ratio`` (``weeks - 1`` weeks before ``when``'s week). For a
    pair whose levels mean nothing side by side (an ETF over an index): 103.2 means ``a`` gained 3.2% on ``b``.

    ``start`` is the window's first ratio (dated by its week's Friday), ``end`` the latest; ``parts`` holds the
    two closes of the latest ratio."""
    n = _check_weeks(weeks)
    latest = relratio(a, b, when, sessions_a=sessions_a, sessions_b=sessions_b, symbols=symbols)
    ratios = weekly_ratio(a, b, when)
    if len(ratios) < n:
        name = "/".join(s for s in symbols if s) or "ratio"
        raise NoDataError(name, when, f"only {len(ratios)} weekly ratios up to {when.isoformat()}, "
                                      f"{n} needed to rebase over {n} weeks")
    first = float(ratios.iloc[-n])
    if not np.isfinite(first) or first == 0.0:
        name = "/".join(s for s in symbols if s) or "ratio"
        raise NoDataError(name, when, f"no ratio in the week of {ratios.index[-n].date().isoformat()} to rebase on")
    start = AsOf(first, ratios.index[-n].date(), ratios.index[-n].date())
    end = AsOf(latest.value, when, when)
    return Figure(100.0 * latest.value / first, start=start, end=end, warnings=latest.warnings, parts=latest.parts)


def rebased_history(a: pd.Series, b: pd.Series, end: dt.date, weeks: int = 26) -> pd.Series:
    """Each weekly ratio of the last ``weeks`` weeks as ``100 × ratio ÷ the window's first ratio`` (the line
    behind :func:`rebased`: it starts at 100 and ends at :func:`rebased` on ``end``), indexed by the week's
    Friday; empty when fewer than ``weeks`` weekly ratios exist or the first is missing."""
    n = _check_weeks(weeks)
    ratios = weekly_ratio(a, b, end)
    if len(ratios) < n or not np.isfinite(ratios.iloc[-n]) or ratios.iloc[-n] == 0.0:
        return pd.Series([], index=pd.DatetimeIndex([], name="week"), name="rebased", dtype="float64")
    window = ratios.iloc[-n:]
    return (100.0 * window / float(window.iloc[0])).rename("rebased")
