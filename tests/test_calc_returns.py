"""Returns against calc_perf.csv (worked out by make_answers.py) and hand-checked cases."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from answers import cases, series

from marketreview import calendars
from marketreview.calc import returns
from marketreview.errors import BadArgumentError, BadDateError, NoDataError

D = dt.date.fromisoformat


def _sessions(calendar: str) -> pd.DatetimeIndex | None:
    return None if calendar == "none" else calendars.sessions(calendar, D("2023-01-01"), D("2026-12-31"))


def _call(row: dict):
    closes = series(row["symbol"])
    kw = {"symbol": row["symbol"], "sessions": _sessions(row["calendar"])}
    function = row["function"]
    if function == "perf":
        return getattr(returns, function)(closes, row["start"], row["end"], **kw)
    if function == "calendar_year":
        return returns.calendar_year(closes, row["end"].year, **kw)
    return getattr(returns, function)(closes, row["end"], **kw)


@pytest.mark.parametrize("row", cases("calc_perf", "function", "symbol", "start", "end"))
def test_returns_answers(row: dict) -> None:
    if row["outcome"] == "nodata":  # the period has no close of its own although the market was open
        with pytest.raises(NoDataError, match=f"no close between {row['start'].isoformat()}"):
            _call(row)
        return
    figure = _call(row)
    assert figure.value == pytest.approx(row["value"], rel=1e-12, abs=1e-15)
    assert (figure.start.date, figure.start.value, figure.start.requested) == (
        row["start_date"], row["start_close"], row["start"])
    assert (figure.end.date, figure.end.value, figure.end.requested) == (
        row["end_date"], row["end_close"], row["end"])
    for day in row["missing"]:
        assert any(day.isoformat() in w for w in figure.warnings)
    if not row["missing"]:
        assert figure.warnings == ()


def test_hand_check_week_of_2024_12_27() -> None:
    # 5970.84 / 5930.85 - 1 = 39.99 / 5930.85 = 0.0067427...  (+0.67%)
    figure = returns.weekly(series("US"), D("2024-12-27"), symbol="^GSPC")
    assert figure.value == pytest.approx(39.99 / 5930.85, rel=1e-12)
    assert round(figure.value * 100, 4) == 0.6743


def test_period_perf_resolves_codes() -> None:
    by_code = returns.period_perf(series("US"), "ytd", D("2025-03-31"))
    direct = returns.ytd(series("US"), D("2025-03-31"))
    assert by_code == direct


def test_start_after_end() -> None:
    with pytest.raises(BadDateError, match="start is after end 2024-12-20"):
        returns.perf(series("US"), D("2024-12-27"), D("2024-12-20"))


def test_same_day_is_zero() -> None:
    assert returns.perf(series("US"), D("2024-12-27"), D("2024-12-27")).value == 0.0


@pytest.mark.parametrize("year", [True, 2024.0, "2024", 1900, 10000])
def test_calendar_year_rejects(year: object) -> None:
    with pytest.raises((BadArgumentError, BadDateError)):
        returns.calendar_year(series("US"), year)  # type: ignore[arg-type]


def test_calendar_year_without_the_years_data() -> None:
    with pytest.raises(NoDataError, match="data starts 2023-12-01"):
        returns.calendar_year(series("US"), 2023, symbol="US")
    with pytest.raises(NoDataError, match="data ends 2025-03-31"):
        returns.calendar_year(series("US"), 2025, symbol="US")
