"""Relative period codes and date parsing: hand-worked tables."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from marketreview.calc.periods import (
    is_relative_code,
    months_before,
    parse_date,
    previous_week_end,
    prior_month_end,
    prior_quarter_end,
    prior_year_end,
    resolve_start,
    week_start,
)
from marketreview.errors import BadDateError

D = dt.date.fromisoformat


@pytest.mark.parametrize(("code", "end", "start"), [
    ("1W", "2024-12-27", "2024-12-22"),   # Friday → the Sunday before its week
    ("1w", "2024-12-28", "2024-12-22"),   # Saturday, same week
    ("1W", "2024-12-29", "2024-12-22"),   # Sunday still belongs to that week
    ("1W", "2024-12-30", "2024-12-29"),   # Monday → the day before
    ("1W", "2025-01-10", "2025-01-05"),   # a holiday week (Carter day) works the same
    ("2W", "2024-12-27", "2024-12-15"),
    ("MTD", "2025-01-15", "2024-12-31"),
    ("mtd", "2024-03-01", "2024-02-29"),
    ("QTD", "2025-05-20", "2025-03-31"),
    ("QTD", "2025-01-02", "2024-12-31"),
    ("YTD", "2025-10-31", "2024-12-31"),
    ("ytd", "2025-01-01", "2024-12-31"),
    ("1M", "2024-03-31", "2024-02-29"),   # clipped to month end, leap year
    ("1M", "2025-03-31", "2025-02-28"),
    ("1M", "2025-01-15", "2024-12-15"),
    ("3M", "2025-05-31", "2025-02-28"),
    ("6M", "2025-08-31", "2025-02-28"),
    ("1Y", "2024-02-29", "2023-02-28"),
    ("1Y", "2025-10-31", "2024-10-31"),
    ("2Y", "2025-10-31", "2023-10-31"),
    ("3Y", "2025-10-31", "2022-10-31"),
    ("5Y", "2025-10-31", "2020-10-31"),
    ("10Y", "2025-10-31", "2015-10-31"),
    ("1D", "2025-01-01", "2024-12-31"),
    (" 1d ", "2025-03-01", "2025-02-28"),
    ("12M", "2025-10-31", "2024-10-31"),
])
def test_resolve_start(code: str, end: str, start: str) -> None:
    assert resolve_start(code, D(end)) == D(start)


@pytest.mark.parametrize("code", ["2Q", "", "W1", "0D", "1", "M", "1.5M", "1WW", "-1W", "YTDX", "1 W"])
def test_bad_codes_name_the_code(code: str) -> None:
    with pytest.raises(BadDateError) as info:
        resolve_start(code, D("2025-01-01"))
    assert repr(code) in str(info.value) and info.value.argument == "period"
    assert not is_relative_code(code)


@pytest.mark.parametrize("text", ["1W", "mtd", "Ytd", "3m", "10Y", "1D", "QTD", "52W"])
def test_is_relative_code(text: str) -> None:
    assert is_relative_code(text)


def test_non_text_is_not_a_code() -> None:
    assert not is_relative_code(5)
    assert not is_relative_code(None)


def test_calendar_helpers() -> None:
    assert week_start(D("2025-01-05")) == D("2024-12-30")
    assert week_start(D("2024-12-30")) == D("2024-12-30")
    assert previous_week_end(D("2025-01-01")) == D("2024-12-29")
    assert prior_month_end(D("2024-03-15")) == D("2024-02-29")
    assert prior_quarter_end(D("2024-12-31")) == D("2024-09-30")
    assert prior_year_end(D("2025-01-01")) == D("2024-12-31")
    assert months_before(D("2024-01-31"), 1) == D("2023-12-31")
    assert months_before(D("2024-05-31"), 3) == D("2024-02-29")


@pytest.mark.parametrize(("value", "expected"), [
    (D("2024-12-27"), "2024-12-27"),
    (dt.datetime(2024, 12, 27, 16, 30), "2024-12-27"),
    (pd.Timestamp("2024-12-27 09:00"), "2024-12-27"),
    (np.datetime64("2024-12-27"), "2024-12-27"),
    ("2024-12-27", "2024-12-27"),
    ("2024/12/27", "2024-12-27"),
    ("2024.12.27", "2024-12-27"),
    ("2024/1/5", "2024-01-05"),
    ("20241227", "2024-12-27"),
    (" 2024-12-27 ", "2024-12-27"),
    ("2024-12-27T00:00:00", "2024-12-27"),
    ("2024-12-27 15:30", "2024-12-27"),
    (45653, "2024-12-27"),          # Excel serial, 1900 date system
    (45653.75, "2024-12-27"),       # with a time of day
    (np.int64(45653), "2024-12-27"),
    (np.float64(45292.0), "2024-01-01"),
    ("45653", "2024-12-27"),
    (61, "1900-03-01"),
    (2958465, "9999-12-31"),
])
def test_parse_date(value: object, expected: str) -> None:
    assert parse_date(value) == D(expected)


@pytest.mark.parametrize("value", [
    True, False, np.bool_(True), math.nan, math.inf, -1, -45653, 0, 60, 2958466, 1e12, pd.NaT,
    np.datetime64("NaT"), "", "   ", "2024-13-01", "2024-02-30", "27/12/2024", "Dec 27 2024", "1W", "abc",
    None, [2024, 12, 27], "99999999",
])
def test_parse_date_rejects(value: object) -> None:
    with pytest.raises(BadDateError) as info:
        parse_date(value, "start")
    assert info.value.argument == "start"
    assert "bad start" in str(info.value)


def test_parse_date_period_code_hint() -> None:
    with pytest.raises(BadDateError, match="period code"):
        parse_date("YTD")
