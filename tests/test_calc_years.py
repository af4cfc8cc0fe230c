"""calc.years: a calendar year's return (year-end to year-end, or seed 000's first session to first session),
the year-to-date high and low, and the last US close a Japanese reader has seen by a date. Expected values are
read straight from the CSV rows (never through the code under test) or written out by hand."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from marketreview import calendars
from marketreview.calc import years
from marketreview.errors import BadDateError, NoDataError

D = dt.date.fromisoformat


def rows(market_dir: Path, file: str) -> list[tuple[dt.date, float]]:
    with (market_dir / file).open() as fh:
        return [(D(r["date"]), float(r["close"])) for r in csv.DictReader(fh)]


def series(market_dir: Path, file: str) -> pd.Series:
    data = rows(market_dir, file)
    return pd.Series([c for _, c in data], index=pd.DatetimeIndex([pd.Timestamp(d) for d, _ in data]))


def on_or_before(data: list[tuple[dt.date, float]], when: dt.date) -> tuple[dt.date, float]:
    return max((d, c) for d, c in data if d <= when)


def first_in(data: list[tuple[dt.date, float]], year: int) -> tuple[dt.date, float]:
    return min((d, c) for d, c in data if d.year == year)


NYSE = calendars.sessions("XNYS", dt.date(2019, 1, 1), dt.date(2026, 8, 21))


def test_dow_2024_from_one_year_end_close_to_the_next(market_dir: Path) -> None:
    data = rows(market_dir, "DJI.csv")
    start, end = on_or_before(data, D("2023-12-31")), on_or_before(data, D("2024-12-31"))
    assert start == (D("2023-12-29"), pytest.approx(37689.54, abs=0.005))  # SOURCES.md's checked close
    got = years.year_return(series(market_dir, "DJI.csv"), 2024, D("2025-10-31"), symbol="^DJI", sessions=NYSE)
    assert got.value == pytest.approx(end[1] / start[1] - 1, rel=1e-12)
    assert (got.start.date, got.end.date) == (start[0], end[0]) == (D("2023-12-29"), D("2024-12-31"))
    assert years.point_change(got).value == pytest.approx(end[1] - start[1], rel=1e-12)
    assert got.warnings == ()


def test_seed_dating_runs_from_the_first_session_to_the_next_years_first(market_dir: Path) -> None:
    data = rows(market_dir, "DJI.csv")
    start, end = first_in(data, 2023), first_in(data, 2024)
    assert (start[0], end[0]) == (D("2023-01-03"), D("2024-01-02"))  # 2023-01-02 was a NYSE holiday
    got = years.year_return(series(market_dir, "DJI.csv"), 2023, D("2024-12-27"), dating="first_session",
                            symbol="^DJI", sessions=NYSE)
    assert got.value == pytest.approx(end[1] / start[1] - 1, rel=1e-12)
    assert (got.start.value, got.end.value) == (start[1], end[1])


def test_a_year_not_over_on_the_as_of_date_is_refused_without_looking_ahead(market_dir: Path) -> None:
    closes = series(market_dir, "GSPC.csv")  # the file runs to 2026: closes after as_of are there to misuse
    with pytest.raises(BadDateError, match="has not ended"):
        years.year_return(closes, 2024, D("2024-12-27"))
    with pytest.raises(BadDateError, match="first close of 2025 is not known on 2025-01-01"):
        years.year_return(closes, 2024, D("2025-01-01"), dating="first_session", sessions=NYSE)


def test_a_missing_first_session_is_an_error_not_the_second_sessions_close() -> None:
    index = pd.DatetimeIndex(["2023-12-29", "2024-01-03", "2024-01-04"])  # 2024-01-02 is missing
    closes = pd.Series([100.0, 101.0, 102.0], index=index)
    with pytest.raises(NoDataError, match="no close on 2024-01-02, the first session of 2024"):
        years.first_close(closes, 2024, symbol="X", sessions=NYSE)
    assert years.first_close(closes, 2024).date == D("2024-01-03")  # no calendar: the first close there is


def test_ten_year_yield_against_its_ytd_high_and_low(market_dir: Path) -> None:
    data = [(d, c) for d, c in rows(market_dir, "DGS10.csv") if D("2025-01-01") <= d <= D("2025-10-31")]
    high = max(data, key=lambda r: (r[1], -r[0].toordinal()))
    low = min(data, key=lambda r: (r[1], r[0].toordinal()))
    got_high, got_low = years.ytd_extremes(series(market_dir, "DGS10.csv"), D("2025-10-31"), symbol="DGS10")
    assert (got_high.value, got_high.end.date) == (high[1], high[0])
    assert (got_low.value, got_low.end.date) == (low[1], low[0])


def test_a_repeated_high_is_dated_on_its_first_day_and_the_window_starts_on_january_1() -> None:
    index = pd.DatetimeIndex(["2024-12-31", "2025-01-02", "2025-01-03", "2025-01-06", "2025-01-07"])
    closes = pd.Series([9.0, 4.0, 5.0, 5.0, 3.0], index=index)  # 9.0 is last year's and must not count
    high, low = years.ytd_extremes(closes, D("2025-01-06"))
    assert (high.value, high.end.date) == (5.0, D("2025-01-03"))
    assert (low.value, low.end.date) == (4.0, D("2025-01-02"))  # 2025-01-07 is after the as-of date
    with pytest.raises(NoDataError, match="no close between 2026-01-01 and 2026-01-05"):
        years.ytd_extremes(closes, D("2026-01-05"))


@pytest.mark.parametrize(("japan", "us"), [
    ("2024-12-28", "2024-12-27"),  # Saturday: Friday's US close
    ("2024-12-29", "2024-12-27"),  # Sunday
    ("2024-12-27", "2024-12-26"),  # Friday evening in Japan: Friday's US session has not closed
    ("2024-12-26", "2024-12-24"),  # 2024-12-25 was a NYSE holiday
    ("2025-01-06", "2025-01-03"),  # Monday: the Friday before
])
def test_the_last_us_close_before_a_japanese_date(japan: str, us: str) -> None:
    assert years.us_close_before(D(japan), NYSE) == D(us)
    assert years.ytd_end(D(japan), "us_close", NYSE) == D(us)
    assert years.ytd_end(D(japan), "asof", NYSE) == D(japan)


def test_without_a_calendar_the_last_weekday_before() -> None:
    assert years.us_close_before(D("2024-12-30"), None) == D("2024-12-27")  # Monday → Friday


def test_the_two_previous_calendar_years() -> None:
    assert years.previous_years(D("2025-10-31")) == (2023, 2024)
    assert years.previous_years(D("2024-01-05")) == (2022, 2023)
