"""Exchange trading days, so a holiday can be told from a gap in the data.

Sessions come from ``exchange_calendars`` (imported on first use), built once per calendar for 2000-01-01 to
a year after today, kept in a memo file (``$MARKETREVIEW_CALENDAR_CACHE``, default the user cache directory;
empty disables it) and sliced with ``searchsorted`` on every later call. Dates outside that span get only
the part inside it (so no gap can be reported there).
"""

from __future__ import annotations

import datetime as dt
import os
import warnings
from functools import lru_cache
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import BadArgumentError, BadDateError

#: Calendars MarketReview uses (exchange_calendars names); others that library knows work too.
KNOWN = ("XNYS", "XTKS")
FIRST = dt.date(2000, 1, 1)
#: Each exchange's own zone and closing time: a session's close is expected once that time has passed there.
CLOSES = {"XNYS": ("America/New_York", dt.time(16, 0)), "XTKS": ("Asia/Tokyo", dt.time(15, 30))}


def closed_through(calendar: str | None, now: dt.datetime) -> dt.date:
    """The last day whose session has closed at ``now`` (an aware datetime) on ``calendar``'s own clock: today
    there once its closing time has passed, else yesterday there. Without a calendar (FRED, FX) or for one not in
    :data:`CLOSES`, the UTC date of the day before."""
    from zoneinfo import ZoneInfo

    if now.tzinfo is None:
        raise BadArgumentError("now", now, "must be timezone-aware")
    zone, closes = CLOSES.get((calendar or "").strip().upper(), ("UTC", dt.time(23, 59, 59)))
    local = now.astimezone(ZoneInfo(zone))
    return local.date() if local.time() >= closes else local.date() - dt.timedelta(days=1)


@lru_cache(maxsize=16)
def _all_sessions(name: str) -> pd.DatetimeIndex:
    """Sessions from a memo file when one exists for this library version and month, else built and saved:
    building XNYS takes most of a second, which the first formula of an Excel session should not pay."""
    memo = _memo_path(name)
    if memo is not None and memo.is_file():
        try:
            days = np.load(memo, allow_pickle=False)
            return pd.DatetimeIndex(days.astype("datetime64[ns]"), name="date")
        except (OSError, ValueError):
            pass  # a damaged memo is rebuilt below
    sessions = _build_sessions(name)
    if memo is not None:
        try:
            memo.parent.mkdir(parents=True, exist_ok=True)
            tmp = memo.with_suffix(f".{os.getpid()}.tmp.npy")
            np.save(tmp, sessions.to_numpy().astype("datetime64[D]"), allow_pickle=False)
            os.replace(tmp, memo)
        except OSError:
            pass  # the memo only saves time; without it we rebuild next time
    return sessions


def _memo_path(name: str) -> Path | None:
    """``<cache dir>/calendars/XNYS-<exchange_calendars version>-<YYYYMM>.npy`` (None: memo disabled)."""
    folder = os.environ.get("MARKETREVIEW_CALENDAR_CACHE")
    if folder == "":
        return None
    if folder is None:
        import platformdirs

        folder = str(Path(platformdirs.user_cache_dir("marketreview")) / "calendars")
    try:
        version = metadata.version("exchange_calendars")
    except metadata.PackageNotFoundError:
        return None
    return Path(folder) / f"{name}-{version}-{dt.date.today():%Y%m}.npy"


def _build_sessions(name: str) -> pd.DatetimeIndex:
    import exchange_calendars as xcals  # slow import: only when a calendar is first built

    try:
        with warnings.catch_warnings():
            # exchange_calendars 4.x reads tz-aware Series.values, which pandas 3.1 deprecates; harmless here
            warnings.filterwarnings("ignore", message="Series.values returning an ndarray")
            calendar = xcals.get_calendar(name, start=FIRST.isoformat(),
                                          end=(dt.date.today() + dt.timedelta(days=365)).isoformat())
    except xcals.errors.InvalidCalendarName as exc:
        raise BadArgumentError("calendar", name, "is not an exchange calendar (e.g. XNYS, XTKS)") from exc
    sessions = pd.DatetimeIndex(calendar.sessions)
    if sessions.tz is not None:
        sessions = sessions.tz_localize(None)
    return pd.DatetimeIndex(sessions.normalize(), name="date")


def sessions(calendar: str | None, start: dt.date, end: dt.date) -> pd.DatetimeIndex | None:
    """The trading days of ``calendar`` from ``start`` to ``end`` inclusive; ``None`` for ``calendar=None``
    (a series with no exchange, such as FX or FRED yields)."""
    if calendar is None:
        return None
    if not isinstance(calendar, str) or not calendar.strip():
        raise BadArgumentError("calendar", calendar, "must be an exchange calendar name such as XNYS")
    if start > end:
        raise BadDateError(start, f"start is after end {end.isoformat()}", "start")
    everything = _all_sessions(calendar.strip().upper())
    lo = everything.searchsorted(pd.Timestamp(start), side="left")
    hi = everything.searchsorted(pd.Timestamp(end), side="right")
    return everything[lo:hi]


def all_sessions(calendar: str) -> pd.DatetimeIndex:
    """Every trading day of ``calendar`` the memo holds (2000-01-01 to a year after today)."""
    return _all_sessions(calendar.strip().upper())
