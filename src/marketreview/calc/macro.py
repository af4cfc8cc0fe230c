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

The native frequency is the one declared (the folder's ``index.csv`` ``frequency`` column or a ``frequency``
column in the file: see :mod:`marketreview.sources.csvdir`), else the one the dates fit exactly
(:func:`infer_frequency`): every date the first or the last day of its month, quarter or year, one per period;
weekly: one weekday, one per week; daily: dense (a median gap of at most 4 days). Dates that fit none are an error
naming the file, unless the ``frequency`` argument says what they are. Month-, quarter- and year-end dates are
normalised to their period (dated at its start, like FRED), so a series mixing 2025-03-31 and 2025-04-01 is
read as the quarters it describes.

The as-of rule: an observation counts only once its period has ended (a quarter on its last day, 2025-06-30;
a month on its last day; a week or a day on its date), and then the last such observation is used. Publication
comes later still (GDP about a month after its quarter, Z.1 about ten weeks): values are the latest vintage,
not the one first published, because FRED's keyless graph CSV serves only the latest (ALFRED vintages are not
used). Ended periods with no observation between the one used and the date give a warning naming them; more
than :data:`MAX_MISSING_PERIODS` raise. Daily series keep CLOSE's calendar-day limit instead. Everything here
is pure: no I/O, no clock.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Literal

import numpy as np
import pandas as pd

from ..errors import BadArgumentError, DataFormatError, NoDataError
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


def infer_frequency(series: pd.Series, *, where: str = "") -> Frequency:
    """The native frequency the observation dates fit exactly (see the module docstring): the coarsest of
    annual, quarterly, monthly whose period starts or ends every date falls on, one per period; else weekly (one
    weekday, one per week); else daily (a median gap of at most 4 days). Dates that fit none are a
    :class:`DataFormatError` naming ``where``."""
    index = pd.DatetimeIndex(series.dropna().index)
    if len(index) < 2:
        if len(index) and (index[0].day == 1 or index[0].is_month_end):
            month = index[0].month if index[0].day == 1 else index[0].month % 12 + 1  # the next period's start
            return "a" if month == 1 else "q" if month in (4, 7, 10) else "m"
        return "d"
    found = fitting_frequency(index)
    if found is None:
        gaps = np.diff(index.to_numpy().astype("datetime64[D]").astype(np.int64))
        raise DataFormatError(where or str(series.name or "series"),
                              f"its dates fit no frequency (gaps of {int(gaps.min())} to {int(gaps.max())} days, "
                              "not all at the start or end of a month, quarter or year, nor one weekday): declare "
                              "it in index.csv (a frequency column: d, w, m, q or a) or pass the frequency "
                              "argument")
    return found


def fitting_frequency(index: pd.DatetimeIndex) -> Frequency | None:
    """The coarsest frequency ``index`` fits exactly, or None (see :func:`infer_frequency`)."""
    for code in ("a", "q", "m"):
        if _fits(index, code):
            return code
    weekdays = index.day_of_week
    if (weekdays == weekdays[0]).all() and not index.to_period("W").duplicated().any():
        return "w"
    gaps = np.diff(index.to_numpy().astype("datetime64[D]").astype(np.int64))
    return "d" if float(np.median(gaps)) <= 4 else None


def _fits(index: pd.DatetimeIndex, code: Frequency) -> bool:
    periods = index.to_period(_PERIODS[code])
    at_edge = (index == periods.start_time.normalize()) | (index == periods.end_time.normalize())
    return bool(at_edge.all()) and not periods.duplicated().any()


def normalise(series: pd.Series, native: Frequency, *, where: str = "") -> pd.Series:
    """Monthly, quarterly and annual observations dated at their period's start, whichever day of it they
    carried (a quarter end 2025-06-30 becomes 2025-04-01); two observations of one period are an error naming
    ``where``. Daily and weekly series are returned as they are."""
    if native in ("d", "w"):
        return series
    index = pd.DatetimeIndex(series.index)
    periods = index.to_period(_PERIODS[native])
    twice = periods.duplicated(keep=False)
    if twice.any():
        dates = ", ".join(d.date().isoformat() for d in index[twice][:4])
        raise DataFormatError(where or str(series.name or "series"),
                              f"two observations for one {_NAMES[native]} period ({dates}): a "
                              f"{_NAMES[native]} series has one per period")
    return pd.Series(series.to_numpy(), index=pd.DatetimeIndex(periods.start_time, name=index.name),
                     name=series.name)


def known_by(series: pd.Series, native: Frequency, when: dt.date) -> pd.Series:
    """The observations whose period has ended by the end of ``when`` (normalised dates: period starts)."""
    if native in ("d", "w"):
        return series.loc[: pd.Timestamp(when)]
    ends = pd.DatetimeIndex(series.index).to_period(_PERIODS[native]).end_time.normalize()
    return series[ends <= pd.Timestamp(when)]


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


def native_frequency(series: pd.Series, declared: Frequency | None = None, frequency: Frequency | None = None,
                     *, where: str = "") -> Frequency:
    """The series' own frequency: ``declared`` where the data says it, else the one its dates fit exactly, else
    the ``frequency`` argument (the user saying what the dates are)."""
    if declared is not None:
        return declared
    try:
        return infer_frequency(series, where=where)
    except DataFormatError:
        if frequency is None:
            raise
        return frequency


def prepare(series: pd.Series, when: dt.date | None, units: Units, frequency: Frequency | None, *,
            symbol: str = "", declared: Frequency | None = None, where: str = "") -> tuple[pd.Series, Frequency]:
    """The transformed series as it stood on ``when`` and its frequency: only observations whose period had
    ended by then count (a daily series aggregated to months keeps the month in progress, up to its last day so
    far), dated at their period's start."""
    values = series.dropna()
    if values.empty:
        raise NoDataError(symbol or str(series.name), reason="no observations")
    native = native_frequency(values, declared, frequency, where=where or symbol)
    values = normalise(values, native, where=where or symbol)
    if when is not None:
        values = known_by(values, native, when)
    target = frequency or native
    aggregated = aggregate(values, target, native, symbol=symbol)
    return transform(aggregated, units, target), target


def series_asof(series: pd.Series, when: dt.date, *, units: Units = "lin", frequency: Frequency | None = None,
                symbol: str = "", declared: Frequency | None = None, where: str = "") -> Figure:
    """The value of ``series`` in ``units`` at ``frequency`` as of ``when``: its last observation whose period
    had ended by ``when``. ``Figure.end`` is that observation (dated at its period's start); warnings name
    ended periods with no observation."""
    name = symbol or str(series.name or "series")
    values, target = prepare(series, when, units, frequency, symbol=name, declared=declared, where=where)
    if values.empty:
        first = pd.Timestamp(series.dropna().index[0]).date()
        raise NoDataError(name, when, f"no observation on or before {when.isoformat()}; data starts "
                                      f"{first.isoformat()}")
    used = pd.Timestamp(values.index[-1]).date()
    value = float(values.iloc[-1])
    latest = pd.Timestamp(series.dropna().index[-1])  # in the data at all, known by ``when`` or not
    if target == "d":
        at_end = latest.date() <= when
    else:
        at_end = pd.Period(latest, _PERIODS[target]) <= pd.Period(used, _PERIODS[target])
    warning = _gap_warning(name, used, when, target, at_end=at_end)
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
    if pd.Timestamp(when) < last.end_time.normalize():
        last -= 1  # the period in progress is not due yet
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
           "fitting_frequency", "infer_frequency", "known_by", "native_frequency", "normalise", "parse_frequency",
           "parse_units", "prepare", "series_asof", "transform"]
