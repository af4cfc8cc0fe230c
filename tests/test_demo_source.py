"""DemoSource: deterministic, window-independent, realistic, on each market's sessions, clearly synthetic."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from marketreview.errors import BadArgumentError
from marketreview.sources import demo as demo_module
from marketreview.sources.demo import DEMO_LABEL, DemoSource
from marketreview.symbols import SymbolMap

D = dt.date
ALL_MAP_TICKERS = sorted({t for info in SymbolMap.default() for t in info.tickers})


def closes(symbols: list[str], start: dt.date, end: dt.date) -> pd.DataFrame:
    return DemoSource().fetch(symbols, start, end)["close"]


def test_is_clearly_labelled_synthetic() -> None:
    assert DemoSource.name == "demo" and DemoSource().name == "demo"
    assert DEMO_LABEL == "DEMO (synthetic)"


def test_deterministic_across_instances_and_regeneration() -> None:
    first = DemoSource().fetch(["^GSPC", "1617.T", "DGS10"], D(2024, 1, 1), D(2024, 12, 31))
    demo_module._series.cache_clear()  # regenerate from the seeds, not from the memo
    demo_module._policy_lower.cache_clear()
    second = DemoSource().fetch(["^GSPC", "1617.T", "DGS10"], D(2024, 1, 1), D(2024, 12, 31))
    pd.testing.assert_frame_equal(first, second)


def test_values_do_not_depend_on_the_requested_window() -> None:
    wide = closes(["^GSPC", "AAPL", "^N225"], D(2016, 1, 1), D(2025, 6, 30))
    narrow = closes(["AAPL"], D(2024, 12, 2), D(2024, 12, 6))
    assert list(narrow.index) == [pd.Timestamp(d) for d in ("2024-12-02", "2024-12-03", "2024-12-04",
                                                            "2024-12-05", "2024-12-06")]
    same_days = wide.loc["2024-12-02":"2024-12-06", "AAPL"]
    pd.testing.assert_series_equal(narrow["AAPL"], same_days, check_freq=False)


def test_sessions_follow_each_market() -> None:
    frame = closes(["^GSPC", "^N225", "DGS10"], D(2024, 12, 28), D(2025, 1, 10))
    us, tokyo, fred = (frame[s].dropna().index for s in ("^GSPC", "^N225", "DGS10"))
    assert all(day.day_of_week < 5 for day in frame.index)  # no Saturday or Sunday rows
    assert pd.Timestamp("2025-01-01") not in us  # New Year's Day: XNYS closed
    assert pd.Timestamp("2025-01-09") not in us  # national day of mourning (President Carter): XNYS closed
    assert pd.Timestamp("2025-01-02") in us
    assert pd.Timestamp("2025-01-02") not in tokyo and pd.Timestamp("2025-01-03") not in tokyo  # TSE holidays
    assert pd.Timestamp("2025-01-06") in tokyo
    assert pd.Timestamp("2025-01-01") in fred  # FRED series: weekdays


def test_every_ticker_of_the_default_symbol_map_is_served() -> None:
    frame = closes(ALL_MAP_TICKERS, D(2024, 1, 1), D(2024, 12, 31))
    assert frame.notna().sum().min() > 200
    assert np.nanmin(frame.to_numpy()) > 0


@pytest.mark.parametrize(("ticker", "low", "high"), [
    ("^GSPC", 4000, 8000), ("^DJI", 30000, 55000), ("^TOPX", 1800, 3600), ("^N225", 25000, 50000),
    ("1617.T", 12000, 60000), ("1625.T", 12000, 60000), ("1633.T", 12000, 60000), ("AAPL", 100, 500),
    ("MSFT", 150, 800), ("JPY=X", 120, 190), ("DGS10", 0.5, 5.5), ("DGS2", 0.5, 5.5), ("DGS3MO", 0.5, 5.8),
])
def test_levels_are_realistic_in_2024_and_2025(ticker: str, low: float, high: float) -> None:
    series = closes([ticker], D(2024, 1, 1), D(2025, 12, 31))[ticker]
    assert low <= series.min() and series.max() <= high


def test_yields_are_positive_and_move_a_few_basis_points_a_day() -> None:
    tenors = ["DGS1MO", "DGS3MO", "DGS2", "DGS10", "DGS30"]
    frame = closes(tenors, D(2015, 1, 1), D(2025, 12, 31))
    assert (frame > 0).all().all()
    daily = frame.diff().abs()
    assert daily.max().max() <= 0.35
    assert 0.01 <= daily.median().median() <= 0.08


def test_fed_target_range_is_a_step_function_a_quarter_point_wide() -> None:
    frame = closes(["DFEDTARU", "DFEDTARL"], D(2015, 1, 1), D(2025, 12, 31))
    upper, lower = frame["DFEDTARU"], frame["DFEDTARL"]
    assert np.allclose(upper - lower, 0.25)
    assert (lower >= 0).all()
    assert np.allclose(lower * 4, np.round(lower * 4))  # multiples of 0.25
    changes = lower.diff().fillna(0)
    assert (changes != 0).sum() >= 10  # it does move
    assert changes.abs().max() <= 0.5


def test_unknown_valid_tickers_are_served_on_their_market_sessions() -> None:
    frame = closes(["ZZZZ", "7203.T"], D(2025, 1, 1), D(2025, 1, 10))
    assert pd.Timestamp("2025-01-01") not in frame["ZZZZ"].dropna().index
    assert pd.Timestamp("2025-01-03") not in frame["7203.T"].dropna().index
    assert np.nanmin(frame.to_numpy()) > 0


def test_invalid_ticker_text_is_refused() -> None:
    with pytest.raises(BadArgumentError):
        DemoSource().fetch(["../etc"], D(2025, 1, 1), D(2025, 1, 10))


def test_nothing_after_today() -> None:
    today = dt.date.today()
    start, end = today - dt.timedelta(days=14), today + dt.timedelta(days=400)
    frame = DemoSource().fetch(["^GSPC", "DGS10"], start, end)
    assert frame.index.max() <= pd.Timestamp(today)


def test_adj_close_is_below_close_before_dividends_and_nan_for_fred() -> None:
    frame = DemoSource().fetch(["AAPL", "DGS10"], D(2020, 1, 2), D(2020, 1, 10))
    assert (frame[("adj_close", "AAPL")] < frame[("close", "AAPL")]).all()
    assert frame[("adj_close", "DGS10")].isna().all()


def test_fundamentals_are_quarter_ends_consistent_with_demo_prices() -> None:
    snapshots = DemoSource().fundamentals()
    assert snapshots[0].date == D(2015, 3, 31)
    assert all(s.date.month in (3, 6, 9, 12) for s in snapshots)
    assert all(s.source == DEMO_LABEL for s in snapshots)
    assert all(s.duplicate_classes == ("GOOG",) for s in snapshots)
    year_end = next(s for s in snapshots if s.date == D(2024, 12, 31))
    mid_year = next(s for s in snapshots if s.date == D(2024, 6, 30))  # a Sunday: last session is the 28th
    prices = closes(["AAPL", "^GSPC"], D(2024, 6, 28), D(2024, 12, 31))
    cap_ratio = year_end.market_caps["AAPL"] / mid_year.market_caps["AAPL"]
    assert cap_ratio == pytest.approx(prices.loc["2024-12-31", "AAPL"] / prices.loc["2024-06-28", "AAPL"])
    assert year_end.index_total / mid_year.index_total == pytest.approx(
        prices.loc["2024-12-31", "^GSPC"] / prices.loc["2024-06-28", "^GSPC"])
    mag7 = year_end.market_caps.drop(list(year_end.duplicate_classes)).sum()
    assert year_end.index_total is not None and 0.15 < mag7 / year_end.index_total < 0.6
