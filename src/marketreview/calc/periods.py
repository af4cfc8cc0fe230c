"""Dates from what users type: relative period codes ("1W", "MTD", "YTD", "3M", "1Y" …) resolved against an
end date, and :func:`parse_date` for ISO text, Python/pandas dates and Excel serial numbers.

Every start date is a *calendar* date; :func:`~marketreview.calc.prices.close_asof` then takes the last close
on or before it, so "1W" on any day of a week compares with the previous week's last close, holiday weeks
included, and "YTD" with the prior year's last close.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import numbers
import re
from functools import lru_cache

import numpy as np
import pandas as pd

from ..errors import BadDateError

_CODE_RE = re.compile(r"^(\d{1,3})([DWMY])$")
_NAMED_CODES = ("MTD", "QTD", "YTD")
_ISO_RE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_COMPACT_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_SERIAL_RE = re.compile(r"^\d{1,7}(?:\.\d+)?$")
#: Excel's 1900 date system: serial 61 is 1900-03-01 and counts from 1899-12-30 from there on (serial 60 is
#: Lotus's phantom 1900-02-29). Serials below 61 or beyond 9999-12-31 are rejected.
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_MIN_SERIAL = 61
_MAX_SERIAL = 2_958_465


# -- calendar helpers -------------------------------------------------------------------------------


def week_start(d: dt.date) -> dt.date:
    """The Monday of ``d``'s week (weeks run Monday to Sunday)."""
    return d - dt.timedelta(days=d.weekday())


def previous_week_end(d: dt.date) -> dt.date:
    """The Sunday before ``d``'s week: the as-of date of the previous week's last close."""
    return week_start(d) - dt.timedelta(days=1)


def prior_month_end(d: dt.date) -> dt.date:
    """The last day of the month before ``d``'s month."""
    return d.replace(day=1) - dt.timedelta(days=1)


def prior_quarter_end(d: dt.date) -> dt.date:
    """The last day of the quarter before ``d``'s quarter."""
    first_month = 3 * ((d.month - 1) // 3) + 1
    return dt.date(d.year, first_month, 1) - dt.timedelta(days=1)


def prior_year_end(d: dt.date) -> dt.date:
    """December 31 of the year before ``d``'s year."""
    return dt.date(d.year - 1, 12, 31)


def months_before(d: dt.date, months: int) -> dt.date:
    """The same day ``months`` earlier, clipped to the month's end (2024-03-31 minus 1 month = 2024-02-29)."""
    total = d.year * 12 + (d.month - 1) - months
    year, month = divmod(total, 12)
    if year < 1:
        raise BadDateError(d, f"{months} months earlier is before year 1", "end")
    day = min(d.day, calendar.monthrange(year, month + 1)[1])
    return dt.date(year, month + 1, day)


# -- relative codes ---------------------------------------------------------------------------------


def is_relative_code(text: object) -> bool:
    """True for a period code :func:`resolve_start` understands ("1W", "mtd", "YTD", "3M", "10Y", "1D" …)."""
    return isinstance(text, str) and _parse_code(text) is not None


@lru_cache(maxsize=256)
def _parse_code(text: str) -> tuple[str, int] | None:
    """("YTD", 0), ("W", 1), ("M", 3) … for a code, ``None`` otherwise (cached: formulas repeat codes)."""
    code = text.strip().upper()
    if code in _NAMED_CODES:
        return code, 0
    match = _CODE_RE.match(code)
    if match is None or int(match.group(1)) < 1:
        return None
    return match.group(2), int(match.group(1))


def resolve_start(code: str, end: dt.date) -> dt.date:
    """The start date of period ``code`` ending on ``end`` (case-insensitive).

    - ``"nD"``: n days earlier ("1D" = the previous day);
    - ``"nW"``: the last day of the week n weeks back ("1W" = the Sunday before ``end``'s week);
    - ``"MTD"``/``"QTD"``/``"YTD"``: the last day of the previous month/quarter/year;
    - ``"nM"``/``"nY"``: the same day n months/years earlier, clipped to the month's end.
    """
    parsed = _parse_code(code) if isinstance(code, str) else None
    if parsed is None:
        raise BadDateError(code, "not a period code (use 1D, 1W, MTD, QTD, YTD, 1M, 3M, 6M, 1Y, 5Y …)",
                           "period")
    if not isinstance(end, dt.date):
        raise BadDateError(end, "expected a date", "end")
    if isinstance(end, dt.datetime):
        end = end.date()
    unit, number = parsed
    if unit == "MTD":
        return prior_month_end(end)
    if unit == "QTD":
        return prior_quarter_end(end)
    if unit == "YTD":
        return prior_year_end(end)
    try:
        if unit == "D":
            return end - dt.timedelta(days=number)
        if unit == "W":
            return previous_week_end(end) - dt.timedelta(weeks=number - 1)
    except OverflowError as exc:
        raise BadDateError(code, f"reaches before year 1 from {end.isoformat()}", "period") from exc
    return months_before(end, number * (12 if unit == "Y" else 1))


# -- parsing ----------------------------------------------------------------------------------------


def parse_date(value: object, argument: str = "date") -> dt.date:
    """A calendar date from a date, datetime, Timestamp, ISO text ("2024-12-27", "2024/12/27", "20241227")
    or an Excel serial number (1900 date system: 45653 = 2024-12-27; a time fraction is dropped).

    Anything else (bools, NaN/NaT, negative or absurd serials, unparseable text) raises
    :class:`BadDateError` naming ``argument`` and the value."""
    if isinstance(value, dt.datetime):  # includes pd.Timestamp; before dt.date, its base class
        if pd.isna(value):
            raise BadDateError(value, "is empty (NaT)", argument)
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return _parse_text(value)
        except _Unparsed as exc:
            raise BadDateError(value, str(exc), argument) from None
    if isinstance(value, bool | np.bool_):
        raise BadDateError(value, "is a boolean, not a date", argument)
    if isinstance(value, np.datetime64):
        if np.isnat(value):
            raise BadDateError(value, "is empty (NaT)", argument)
        return pd.Timestamp(value).date()
    if isinstance(value, numbers.Real):
        try:
            return _from_serial(float(value))
        except _Unparsed as exc:
            raise BadDateError(value, str(exc), argument) from None
    raise BadDateError(value, f"expected a date, text or Excel serial number, got {type(value).__name__}",
                       argument)


class _Unparsed(ValueError):
    """Internal: why a value is not a date (turned into BadDateError with the caller's argument name)."""


def _from_serial(serial: float) -> dt.date:
    if math.isnan(serial) or math.isinf(serial):
        raise _Unparsed("is not a number")
    if serial < 0:
        raise _Unparsed("a negative number is not a date")
    if not _MIN_SERIAL <= serial < _MAX_SERIAL + 1:
        raise _Unparsed(f"Excel serial numbers must be between {_MIN_SERIAL} (1900-03-01) and {_MAX_SERIAL} "
                        "(9999-12-31)")
    return _EXCEL_EPOCH + dt.timedelta(days=int(serial))


@lru_cache(maxsize=4096)
def _parse_text(text: str) -> dt.date:
    stripped = text.strip()
    if not stripped:
        raise _Unparsed("is empty")
    match = _ISO_RE.match(stripped) or _COMPACT_RE.match(stripped)
    if match:
        year, month, day = (int(g) for g in match.groups())
        try:
            return dt.date(year, month, day)
        except ValueError as exc:
            raise _Unparsed(str(exc)) from None
    if _SERIAL_RE.match(stripped):
        return _from_serial(float(stripped))
    if is_relative_code(stripped):
        raise _Unparsed("is a period code, not a date")
    raise _Unparsed("not a date (use YYYY-MM-DD, YYYY/MM/DD, YYYYMMDD or an Excel date)")
