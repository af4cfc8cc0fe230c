"""Macro series the way FRED serves them: frequency aggregation, units transforms and the as-of rule.

Observations are dated the way FRED dates them: at the start of the period they describe (a quarterly value for
April–June is dated 2025-04-01), except weekly aggregates, which FRED dates on the week-ending Friday. A series
keeps its own calendar: a quarterly series has one observation per quarter, so there are no "missing sessions",
only missing periods.

``frequency`` lowers a series to ``d``/``w``/``m``/``q``/``a`` with end-of-period aggregation (each period's last
observation), dated at the period start. ``units`` follows FRED's codes, with FRED's formulas (percentages in
percent, as FRED returns them)::

    lin  x(t)                           levels
    chg  x(t) - x(t-1)                  change
    ch1  x(t) - x(t-n)                  change from a year ago
    pch  (x(t) / x(t-1) - 1) * 100      percent change
    pc1  (x(t) / x(t-n) - 1) * 100      percent change from a year ago
    pca  ((x(t) / x(t-1)) ** n - 1) * 100   compounded annual rate of change
    log  ln(x(t))                       natural log

where ``n`` is the number of observations per year (260 daily, 52 weekly, 12 monthly, 4 quarterly, 1 annual).
For monthly, quarterly and annual series ``x(t-1)`` and ``x(t-n)`` are the previous period and the same period a
year earlier, matched by period (a missing observation is never replaced by an older one); for daily and weekly
series they are the previous observation and the last observation on or before the same date a year earlier
(at most a week earlier).

The as-of rule is CLOSE's: the last observation dated on or before the date. Periods with no observation
between the one used and the date give a warning naming them; more than :data:`MAX_MISSING_PERIODS` raise.
Daily series keep CLOSE's calendar-day limit instead. Everything here is pure: no I/O, no clock.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Literal

import numpy as np
import pandas as pd

from ..errors import BadArgumentError, NoDataError
from .figure import AsOf, Figure

Frequency = Literal["d", "w", "m", "q", "a"]
Units = Literal["lin", "chg", "ch1", "pch", "pc1", "pca", "log"]

FREQUENCIES: tuple[Frequency, ...] = ("d", "w", "m", "q", "a")
UNITS: tuple[Units, ...] = ("lin", "chg", "ch1", "pch", "pc1", "pca", "log")
#: Observations per year (FRED's n in ch1, pc1 and pca).
PER_YEAR: dict[Frequency, int] = {"d": 260, "w": 52, "m": 12, "q": 4, "a": 1}
#: pandas period codes: weeks end on Friday (FRED's default weekly aggregation).
_PERIODS: dict[Frequency, str] = {"d": "D", "w": "W-FRI", "m": "M", "q": "Q", "a": "Y"}
_NAMES: dict[Frequency, str] = {"d": "daily", "w": "weekly", "m": "monthly", "q": "quarterly", "a": "annual"}
#: More whole periods than this without an observation before the date means the series has stopped.
MAX_MISSING_PERIODS = 5
#: A daily series: the calendar-day gap CLOSE allows without sessions.
MAX_DAILY_GAP_DAYS = 10
_YEAR_AGO_SLACK = pd.Timedelta(days=7)


def parse_units(value: object) -> Units:
    """``lin`` when omitted; otherwise one of FRED's codes (case-insensitive)."""
    if value is None or value == "":
        return "lin"
    text = value.strip().lower() if isinstance(value, str) else ""
    for code in UNITS:
        if text == code:
            return code
    raise BadArgumentError("units", value, f"must be one of {', '.join(UNITS)} (FRED's units codes)")


def parse_frequency(value: object) -> Frequency | None:
    """``None`` (the series' own) when omitted; otherwise ``d``/``w``/``m``/``q``/``a``."""
    if value is None or value == "":
        return None
    text = value.strip().lower() if isinstance(value, str) else ""
    for code in FREQUENCIES:
        if text == code:
            return code
    raise BadArgumentError("frequency", value, f"must be one of {', '.join(FREQUENCIES)}")


def infer_frequency(series: pd.Series) -> Frequency:
    """The native frequency from the median spacing of the observation dates (one observation: from its date)."""
    index = pd.DatetimeIndex(series.dropna().index)
    if len(index) < 2:
        if len(index) and index[0].day == 1:
            return "a" if index[0].month == 1 else "q" if index[0].month in (4, 7, 10) else "m"
        return "d"
    days = float(np.median(np.diff(index.to_numpy().astype("datetime64[D]").astype(np.int64))))
    if days <= 4:
        return "d"
    if days <= 10:
        return "w"
    if days <= 45:
        return "m"
    if days <= 135:
        return "q"
    return "a"


def aggregate(series: pd.Series, frequency: Frequency, native: Frequency, *, symbol: str = "") -> pd.Series:
    """Each period's last observation (end of period), dated at the period start (weeks: the Friday they end
    on). A frequency higher than the series' own is an error: FRED only lowers frequencies."""
    if FREQUENCIES.index(frequency) < FREQUENCIES.index(native):
        raise BadArgumentError("frequency", frequency, f"{symbol or 'the series'} is {_NAMES[native]}: a "
                                                       f"frequency can be lowered, not raised")
    values = series.dropna()
    if frequency == native or frequency == "d":
        return values.copy()
    periods = pd.DatetimeIndex(values.index).to_period(_PERIODS[frequency])
    last = values.groupby(periods).last()
    spans = pd.PeriodIndex(last.index)
    stamps = spans.end_time.normalize() if frequency == "w" else spans.start_time
    return pd.Series(last.to_numpy(dtype=float), index=pd.DatetimeIndex(stamps, name="date"), name=series.name)


def transform(series: pd.Series, units: Units, frequency: Frequency) -> pd.Series:
    """``series`` in FRED's ``units`` (see the module docstring); NaN where the formula has no input."""
    x = series.astype("float64")
    if units == "lin":
        return x.copy()
    if units == "log":
        with np.errstate(divide="ignore", invalid="ignore"):
            logged = np.log(x.where(x > 0))
        return pd.Series(logged, index=x.index, name=x.name)
    yearly = units in ("ch1", "pc1")
    base = _year_ago(x, frequency) if yearly else _previous(x, frequency)
    if units in ("chg", "ch1"):
        return x - base
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = x / base.where(base != 0)
        if units == "pca":
            return (ratio ** PER_YEAR[frequency] - 1.0) * 100.0
        return (ratio - 1.0) * 100.0


def _previous(x: pd.Series, frequency: Frequency) -> pd.Series:
    if frequency in ("d", "w"):
        return x.shift(1)
    return _by_period(x, frequency, 1)


def _year_ago(x: pd.Series, frequency: Frequency) -> pd.Series:
    if frequency in ("m", "q", "a"):
        return _by_period(x, frequency, PER_YEAR[frequency])
    index = pd.DatetimeIndex(x.index)
    targets = index - pd.DateOffset(years=1)
    positions = index.searchsorted(targets, side="right") - 1
    values = np.full(len(x), math.nan)
    for i, (pos, target) in enumerate(zip(positions, targets, strict=True)):
        if pos >= 0 and target - index[int(pos)] <= _YEAR_AGO_SLACK:
            values[i] = x.iloc[pos]
    return pd.Series(values, index=x.index)


def _by_period(x: pd.Series, frequency: Frequency, lag: int) -> pd.Series:
    periods = pd.DatetimeIndex(x.index).to_period(_PERIODS[frequency])
    lookup = pd.Series(x.to_numpy(), index=periods)
    lookup = lookup[~lookup.index.duplicated(keep="last")]
    return pd.Series(lookup.reindex(periods - lag).to_numpy(), index=x.index)


def prepare(series: pd.Series, when: dt.date | None, units: Units, frequency: Frequency | None, *,
            symbol: str = "") -> tuple[pd.Series, Frequency]:
    """The transformed series as it stood on ``when`` (observations dated after it are left out before
    aggregating, so a period in progress ends at its last observation so far) and its frequency."""
    values = series.dropna()
    if values.empty:
        raise NoDataError(symbol or str(series.name), reason="no observations")
    native = infer_frequency(values)
    if when is not None:
        values = values.loc[: pd.Timestamp(when)]
    target = frequency or native
    aggregated = aggregate(values, target, native, symbol=symbol)
    return transform(aggregated, units, target), target


def series_asof(series: pd.Series, when: dt.date, *, units: Units = "lin", frequency: Frequency | None = None,
                symbol: str = "") -> Figure:
    """The value of ``series`` in ``units`` at ``frequency`` as of ``when``: its last observation dated on or
    before ``when``. ``Figure.end`` is that observation; warnings name periods with no observation."""
    name = symbol or str(series.name or "series")
    values, target = prepare(series, when, units, frequency, symbol=name)
    if values.empty:
        first = pd.Timestamp(series.dropna().index[0]).date()
        raise NoDataError(name, when, f"no observation on or before {when.isoformat()}; data starts "
                                      f"{first.isoformat()}")
    used = pd.Timestamp(values.index[-1]).date()
    value = float(values.iloc[-1])
    published = pd.Timestamp(series.dropna().index[-1]).date()
    warning = _gap_warning(name, used, when, target, at_end=published <= when)
    if not math.isfinite(value):
        raise NoDataError(name, when, _no_value_reason(units, target, used))
    asof = AsOf(value, used, when)
    return Figure(value, None, asof, (warning,) if warning else ())


def _gap_warning(name: str, used: dt.date, when: dt.date, frequency: Frequency, *, at_end: bool) -> str | None:
    if frequency == "d":
        if (when - used).days > MAX_DAILY_GAP_DAYS:
            where = f"data ends {used.isoformat()}" if at_end else f"no observation after {used.isoformat()}"
            raise NoDataError(name, when, f"{where}, none near {when.isoformat()}")
        return None
    code = _PERIODS[frequency]
    first, last = pd.Period(used, code), pd.Period(when, code)
    missing = [first + k for k in range(1, (last - first).n + 1)] if last > first else []
    if not missing:
        return None
    if len(missing) > MAX_MISSING_PERIODS:
        raise NoDataError(name, when, f"no observation for {len(missing)} {_NAMES[frequency]} periods before "
                                      f"{when.isoformat()} (last is {_label(first)}, dated {used.isoformat()})")
    shown = ", ".join(_label(p) for p in missing)
    if at_end:
        return f"{name}: latest observation is {_label(first)} (dated {used.isoformat()}); none yet for {shown}"
    return f"{name}: no observation for {shown}; used {_label(first)} (dated {used.isoformat()})"


def _label(period: pd.Period) -> str:
    if period.freqstr.startswith("W"):
        return f"week ending {period.end_time.date().isoformat()}"
    return str(period)


def _no_value_reason(units: Units, frequency: Frequency, used: dt.date) -> str:
    if units == "log":
        return f"log needs a positive value; the observation dated {used.isoformat()} is not"
    what = "a year earlier" if units in ("ch1", "pc1") else "the previous period"
    return (f"{units} on the observation dated {used.isoformat()} needs the {_NAMES[frequency]} observation "
            f"{what}, which is missing or zero")


__all__ = ["FREQUENCIES", "MAX_MISSING_PERIODS", "PER_YEAR", "UNITS", "Frequency", "Units", "aggregate",
           "infer_frequency", "parse_frequency", "parse_units", "prepare", "series_asof", "transform"]
