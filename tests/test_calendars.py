"""Exchange sessions: the holidays the calculations rely on, and the fixture calendars match them."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from answers import series

from marketreview import calendars
from marketreview.errors import BadArgumentError, BadDateError

D = dt.date.fromisoformat


def _days(calendar: str, start: str, end: str) -> list[dt.date]:
    sessions = calendars.sessions(calendar, D(start), D(end))
    assert sessions is not None
    return [d.date() for d in sessions]


def test_no_calendar_is_none() -> None:
    assert calendars.sessions(None, D("2025-01-01"), D("2025-01-31")) is None


@pytest.mark.parametrize(("calendar", "closed"), [
    ("XNYS", "2024-07-04"), ("XNYS", "2024-11-28"), ("XNYS", "2025-01-09"), ("XNYS", "2025-01-01"),
    ("XTKS", "2024-12-31"), ("XTKS", "2025-01-01"), ("XTKS", "2025-01-02"), ("XTKS", "2025-01-03"),
])
def test_holidays_are_not_sessions(calendar: str, closed: str) -> None:
    days = _days(calendar, "2024-06-01", "2025-01-31")
    assert D(closed) not in days
    assert len(days) > 100


def test_slice_is_inclusive_and_case_insensitive() -> None:
    assert _days("xnys", "2025-01-06", "2025-01-10") == [D("2025-01-06"), D("2025-01-07"), D("2025-01-08"),
                                                         D("2025-01-10")]
    assert _days("XTKS", "2024-12-28", "2025-01-06") == [D("2024-12-30"), D("2025-01-06")]


def test_memoised() -> None:
    assert calendars.all_sessions("XNYS") is calendars.all_sessions("xnys")
    sessions = calendars.sessions("XNYS", D("2025-01-01"), D("2025-01-31"))
    assert isinstance(sessions, pd.DatetimeIndex) and sessions.tz is None


@pytest.mark.parametrize(("symbol", "calendar", "start"),
                         [("US", "XNYS", "2023-12-01"), ("JP", "XTKS", "2024-06-03")])
def test_fixture_calendars_match_the_exchange(symbol: str, calendar: str, start: str) -> None:
    """make_answers.py lists the fixture's holidays by hand; they must be the exchange's."""
    fixture_days = [d.date() for d in series(symbol).index]
    assert fixture_days == _days(calendar, start, "2025-03-31")


def test_bad_arguments() -> None:
    with pytest.raises(BadArgumentError, match="calendar"):
        calendars.sessions("XXXX", D("2025-01-01"), D("2025-01-31"))
    with pytest.raises(BadArgumentError):
        calendars.sessions("  ", D("2025-01-01"), D("2025-01-31"))
    with pytest.raises(BadDateError):
        calendars.sessions("XNYS", D("2025-02-01"), D("2025-01-31"))
