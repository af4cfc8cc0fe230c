"""FredSource against fredgraph CSV answers (tests/resources/fred_*.csv) and requests-shaped errors."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import requests

from marketreview.errors import (
    BadArgumentError,
    DataFormatError,
    RateLimitError,
    SourceError,
    SymbolNotFoundError,
)
from marketreview.sources.fred import FRED_SERIES, FredSource, is_fred_series

RESOURCES = Path(__file__).resolve().parent / "resources"
D = dt.date
CURRENT = (RESOURCES / "fred_fredgraph_current.csv").read_text(encoding="utf-8")
OLD = (RESOURCES / "fred_fredgraph_old.csv").read_text(encoding="utf-8")


def http_error(status: int) -> requests.HTTPError:
    """The exception ``requests`` raises from ``raise_for_status`` for ``status``."""
    response = requests.Response()
    response.status_code = status
    response.url = "https://fred.stlouisfed.org/graph/fredgraph.csv"
    try:
        response.raise_for_status()
    except requests.HTTPError as exc:
        return exc
    raise AssertionError(f"{status} did not raise")


class FakeGet:
    def __init__(self, *answers: object) -> None:
        self.answers = list(answers)
        self.calls: list[tuple[str, float]] = []

    def __call__(self, url: str, timeout: float) -> str:
        self.calls.append((url, timeout))
        answer = self.answers[min(len(self.calls), len(self.answers)) - 1]
        if isinstance(answer, BaseException):
            raise answer
        assert isinstance(answer, str)
        return answer


def fred(*answers: object, retries: int = 3) -> tuple[FredSource, FakeGet, list[float]]:
    get = FakeGet(*answers)
    sleeps: list[float] = []
    return FredSource(get=get, sleep=sleeps.append, retries=retries), get, sleeps


@pytest.mark.parametrize("answer", [CURRENT, OLD], ids=["observation_date", "DATE"])
def test_one_request_for_many_series_and_holidays_are_missing_days(answer: str) -> None:
    source, get, _ = fred(answer)
    frame = source.fetch(["DGS2", "DGS10"], D(2024, 12, 23), D(2024, 12, 27))
    assert get.calls == [("https://fred.stlouisfed.org/graph/fredgraph.csv?id=DGS2,DGS10"
                          "&cosd=2024-12-23,2024-12-23&coed=2024-12-27,2024-12-27", 10)]  # one request waits <= 10 s
    assert list(frame.index) == [pd.Timestamp(d) for d in ("2024-12-23", "2024-12-24", "2024-12-26",
                                                           "2024-12-27")]
    assert pd.Timestamp("2024-12-25") not in frame.index  # Christmas: no value, not a zero
    assert frame.loc["2024-12-27", ("close", "DGS10")] == 4.62
    assert frame.loc["2024-12-24", ("close", "DGS2")] == 4.34
    assert frame[("adj_close", "DGS2")].isna().all()
    assert frame.columns.names == ["field", "symbol"]


def test_window_is_inclusive_and_clipped() -> None:
    source, _, _ = fred(CURRENT)
    frame = source.fetch(["DGS2"], D(2024, 12, 24), D(2024, 12, 26))
    assert list(frame[("close", "DGS2")]) == [4.34, 4.33]


def test_series_with_only_holidays_in_the_window_is_not_found_and_frame_keeps_the_other() -> None:
    answer = "observation_date,DGS2,DFEDTARU\n2024-12-24,4.34,\n2024-12-26,4.33,.\n"
    source, _, _ = fred(answer)
    with pytest.raises(SymbolNotFoundError) as caught:
        source.fetch(["DGS2", "DFEDTARU"], D(2024, 12, 24), D(2024, 12, 26))
    assert caught.value.symbols == ("DFEDTARU",)
    assert list(caught.value.frame[("close", "DGS2")]) == [4.34, 4.33]


@pytest.mark.parametrize(("answer", "problem"), [
    ("<!DOCTYPE html><html><body>Error</body></html>", "HTML"),
    ("", "first column"),
    ("observation_date,DGS2\n2024-12-24,4.34\n", "no column for DGS10"),
    ("when,DGS2,DGS10\n2024-12-24,4.34,4.59\n", "first column is 'when'"),
    ("observation_date,DGS2,DGS10\n24/12/2024,4.34,4.59\n", "line 2"),
    ("observation_date,DGS2,DGS10\n2024-12-24,4.34,n/a\n", "DGS10 is not a number"),
    ("observation_date,DGS2,DGS10\n2024-12-24,4.34,4.59\n2024-12-24,4.34,4.59\n", "line 3"),
])
def test_malformed_answers_are_data_format_errors(answer: str, problem: str) -> None:
    source, _, _ = fred(answer)
    with pytest.raises(DataFormatError) as caught:
        source.fetch(["DGS2", "DGS10"], D(2024, 12, 23), D(2024, 12, 27))
    assert problem in str(caught.value)


@pytest.mark.parametrize("status", [429, 500, 503])
def test_retryable_http_errors_back_off_then_succeed(status: int) -> None:
    source, get, sleeps = fred(http_error(status), http_error(status), CURRENT)
    frame = source.fetch(["DGS2"], D(2024, 12, 23), D(2024, 12, 27))
    assert len(get.calls) == 3 and sleeps == [1.0, 2.0]
    assert frame.loc["2024-12-23", ("close", "DGS2")] == 4.35


def test_persistent_429_is_a_rate_limit_error_after_all_retries() -> None:
    source, get, sleeps = fred(http_error(429))
    with pytest.raises(RateLimitError) as caught:
        source.fetch(["DGS2", "DGS10"], D(2024, 12, 23), D(2024, 12, 27))
    assert len(get.calls) == 4 and sleeps == [1.0, 2.0, 4.0]
    assert caught.value.symbols == ("DGS2", "DGS10")


def test_timeouts_are_retried_then_a_source_error() -> None:
    source, get, sleeps = fred(requests.exceptions.ReadTimeout("read timed out"), retries=2)
    with pytest.raises(SourceError) as caught:
        source.fetch(["DGS10"], D(2024, 12, 23), D(2024, 12, 27))
    assert not isinstance(caught.value, RateLimitError)
    assert len(get.calls) == 3 and sleeps == [1.0, 2.0]
    assert "timed out" in str(caught.value) and "DGS10" in str(caught.value)


def test_404_is_not_retried() -> None:
    source, get, sleeps = fred(http_error(404))
    with pytest.raises(SourceError) as caught:
        source.fetch(["DGS10"], D(2024, 12, 23), D(2024, 12, 27))
    assert len(get.calls) == 1 and sleeps == []
    assert "HTTP 404" in str(caught.value)


def test_ids_that_could_change_the_url_are_refused_before_any_request() -> None:
    source, get, _ = fred(CURRENT)
    with pytest.raises(BadArgumentError):
        source.fetch(["DGS10&cosd=1900-01-01"], D(2024, 12, 23), D(2024, 12, 27))
    assert get.calls == []


def test_calendar_daily_series_keeps_weekends() -> None:
    answer = ("observation_date,DFEDTARU,DFEDTARL\n"
              "2024-12-20,4.50,4.25\n2024-12-21,4.50,4.25\n2024-12-22,4.50,4.25\n")
    source, _, _ = fred(answer)
    frame = source.fetch(["DFEDTARU", "DFEDTARL"], D(2024, 12, 20), D(2024, 12, 22))
    upper_minus_lower = (frame[("close", "DFEDTARU")] - frame[("close", "DFEDTARL")]).to_numpy()
    assert np.allclose(upper_minus_lower, [0.25, 0.25, 0.25])


@pytest.mark.parametrize(("ticker", "expected"), [
    ("DGS10", True), ("dgs3mo", True), ("DFEDTARU", True), ("T10Y2Y", True), (" DGS2 ", True),
    ("^TNX", False), ("AAPL", False), ("JPY=X", False), ("", False),
])
def test_is_fred_series(ticker: str, expected: bool) -> None:
    assert is_fred_series(ticker) is expected


def test_fred_series_lists_the_treasury_curve_and_the_target_range() -> None:
    curve = {"DGS1MO", "DGS3MO", "DGS6MO", "DGS1", "DGS2", "DGS3", "DGS5", "DGS7", "DGS10", "DGS20", "DGS30"}
    assert curve | {"DFEDTARU", "DFEDTARL", "DFF", "T10Y2Y"} <= FRED_SERIES
