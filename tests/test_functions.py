"""The worksheet-function registry over the fake source (each ticker its own line: conftest.price_path)."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import fake_close

from marketreview.engine import Engine
from marketreview.errors import (
    BadArgumentError,
    BadDateError,
    MarketReviewError,
    NoDataError,
    UnknownSymbolError,
)
from marketreview.functions import FUNCTIONS, Answer, call, lookup
from marketreview.sources.router import Router
from marketreview.symbols import SymbolMap

NOW = dt.datetime(2025, 1, 10, 23, 0, tzinfo=dt.timezone.utc)


def close_on(day: str, ticker: str = "^GSPC") -> float:
    """The fake source's close of ``ticker`` on ``day`` (SP500 is ^GSPC)."""
    return fake_close(ticker, day)


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    """One warm engine for the read-only tests (warming the whole symbol map costs about a second)."""
    from conftest import linear_prices

    from marketreview.cache import Cache
    from marketreview.sources.base import FunctionSource

    cache = Cache(tmp_path_factory.mktemp("functions") / "prices.sqlite")
    yield Engine(Router(FunctionSource(linear_prices, name="fake")), cache, SymbolMap.default(), clock=lambda: NOW)
    cache.close()


@pytest.mark.parametrize(("name", "args", "expected"), [
    ("PERF", ("SP500", "2024-12-20", "2024-12-27"), close_on("2024-12-27") / close_on("2024-12-20") - 1),
    ("PERF", ("^GSPC", "2024-12-21", "2024-12-29"), close_on("2024-12-27") / close_on("2024-12-20") - 1),
    ("PERF", ("SP500", "1W", "2024-12-27"), close_on("2024-12-27") / close_on("2024-12-20") - 1),
    ("PERF", ("SP500", "YTD", "2025-01-08"), close_on("2025-01-08") / close_on("2024-12-31") - 1),
    ("PERF", ("SP500", "MTD", "2024-12-27"), close_on("2024-12-27") / close_on("2024-11-29") - 1),
    ("PERF", ("SP500", 45646.0, 45653.0), close_on("2024-12-27") / close_on("2024-12-20") - 1),
    ("PERF", ("SP500", "YTD"), close_on("2025-01-10") / close_on("2024-12-31") - 1),
    ("CLOSE", ("SP500", "2024-12-28"), close_on("2024-12-27")),
    ("CLOSE", ("SP500",), close_on("2025-01-10")),
    ("RELRATIO", ("B", "A", "2024-12-27"), close_on("2024-12-27", "B") / close_on("2024-12-27", "A")),
    ("YIELD", ("10Y", "2024-12-27"), close_on("2024-12-27", "DGS10")),
    ("YIELDCHG", ("2Y", "2024-12-20", "2024-12-27"),
     (close_on("2024-12-27", "DGS2") - close_on("2024-12-20", "DGS2")) * 100),
])
def test_values(engine, name, args, expected):
    answer = call(engine, name, *args)
    assert isinstance(answer, Answer) and answer.ok, answer.error
    assert answer.value == pytest.approx(expected, rel=1e-12)


def test_reldev_against_hand_average(engine):
    # weekly ratio B/A: each Friday's close; 3-week average including the current week (2025-01-10)
    fridays = ["2024-12-27", "2025-01-03", "2025-01-10"]
    ratios = [close_on(d, "B") / close_on(d, "A") for d in fridays]
    answer = call(engine, "RELDEV", "B", "A", "2025-01-10", 3)
    assert answer.value == pytest.approx(ratios[-1] - sum(ratios) / 3, abs=1e-12)
    rel = call(engine, "RELDEV", "B", "A", "2025-01-10", 3, "rel")
    assert rel.value == pytest.approx(ratios[-1] / (sum(ratios) / 3) - 1, abs=1e-12)


def test_history_weekly_table(engine):
    answer = call(engine, "HISTORY", "SP500", "2024-12-16", "2025-01-08", "weekly")
    assert answer.value[0] == ["date", "close"]
    assert answer.value[1:] == [[dt.date(2024, 12, 20), close_on("2024-12-20")],
                                [dt.date(2024, 12, 27), close_on("2024-12-27")],
                                [dt.date(2025, 1, 3), close_on("2025-01-03")],
                                [dt.date(2025, 1, 8), close_on("2025-01-08")]]


def test_reviewline_names_the_week(engine):
    answer = call(engine, "REVIEWLINE", "SP500", "2024-12-20", "2024-12-27")
    pct = (close_on("2024-12-27") / close_on("2024-12-20") - 1) * 100
    points = close_on("2024-12-27") - close_on("2024-12-20")
    assert answer.value == (f"・S&P500 {close_on('2024-12-20'):,.2f} → {close_on('2024-12-27'):,.2f}"
                            f"（前週比 +{points:.2f}、+{pct:.2f}%）")
    english = call(engine, "REVIEWLINE", "SP500", "1W", "2024-12-27", "en")
    before, now = close_on("2024-12-20"), close_on("2024-12-27")
    assert english.value == f"・S&P 500 {before:,.2f} → {now:,.2f} (week +{now - before:,.2f}, +{pct:.2f}%)"


@pytest.mark.parametrize(("name", "args", "error", "text"), [
    ("PERF", ("XNOPE", "1W"), UnknownSymbolError, "XNOPE"),
    ("PERF", ("SP500", "2024-12-27", "2024-12-20"), BadDateError, "start"),
    ("PERF", ("SP500", "2Q"), BadDateError, "2Q"),
    ("PERF", ("SP500", "1W", "2031-01-01"), BadDateError, "future"),
    ("PERF", ("SP500", "1990-01-02", "2024-12-27"), NoDataError, "1990-01-02"),
    ("PERF", (42, "1W"), BadArgumentError, "ticker"),
    ("YIELD", ("5Y",), BadArgumentError, "tenor"),
    ("RELDEV", ("B", "A", None, 0), BadArgumentError, "weeks"),
    ("RELDEV", ("B", "A", None, 2.5), BadArgumentError, "weeks"),
    ("REVIEWLINE", ("SP500", "1W", None, "fr"), BadArgumentError, "lang"),
    ("HISTORY", ("SP500", "1M", None, "hourly"), BadArgumentError, "interval"),
    ("PERF", ("=HYPERLINK(\"x\")", "1W"), BadArgumentError, "ticker"),
])
def test_errors_name_the_bad_argument(engine, name, args, error, text):
    answer = call(engine, name, *args)
    assert isinstance(answer.error, error)
    assert text in str(answer.error)
    assert answer.error.excel_text.startswith("#")


def test_range_is_one_batch_with_blanks_and_errors(fake_source, tmp_cache):
    engine = Engine(Router(fake_source), tmp_cache, SymbolMap.default(), clock=lambda: NOW)
    tickers = [["SP500"], [""], ["XBAD"], ["DOW"], [None]]
    answers = call(engine, "PERF", tickers, "2024-12-20", "2024-12-27")
    assert len(fake_source.calls) == 1
    assert answers[0][0].value == pytest.approx(close_on("2024-12-27") / close_on("2024-12-20") - 1)
    assert answers[1][0] is None and answers[4][0] is None
    assert isinstance(answers[2][0].error, UnknownSymbolError)
    assert answers[3][0].ok


def test_registry_names_and_docs():
    assert set(FUNCTIONS) == {"PERF", "CLOSEPRICE", "RELRATIO", "RELDEV", "MAG7SHARE", "UST", "YIELDCHG",
                              "HISTORY", "REVIEWLINE", "MACROSERIES", "WARNINGS"}
    assert lookup("series") is FUNCTIONS["MACROSERIES"]  # Excel keeps SERIES for chart formulas
    assert lookup("yield") is FUNCTIONS["UST"]  # the CLI name; Excel's built-in YIELD shadows it in cells
    assert lookup("close") is FUNCTIONS["CLOSEPRICE"]  # the CLI name; CLOSE is a VBA keyword
    assert all(f.doc and all(p.doc for p in f.params) for f in FUNCTIONS.values())
    assert lookup("perf") is FUNCTIONS["PERF"]
    with pytest.raises(BadArgumentError, match="function"):
        lookup("SUM")


def test_range_answers_equal_scalar_answers(tmp_cache):
    """The range path's O(1) lookups must give exactly what the scalar path gives, gaps and errors included."""
    import numpy as np
    import pandas as pd

    from marketreview.sources.base import FunctionSource

    def gappy(symbol, dates):
        values = 100.0 + np.arange(len(dates), dtype=float) * (1 + len(symbol) / 10)
        series = pd.Series(values, index=dates)
        if symbol == "^GSPC":  # a missing trading day and a six-day hole: warnings and errors
            series = series.drop(pd.Timestamp("2024-12-18")).drop(pd.bdate_range("2024-11-04", "2024-11-12"))
        return series

    engine = Engine(Router(FunctionSource(gappy, name="gappy")), tmp_cache, SymbolMap.default(),
                    clock=lambda: NOW)
    tickers = ["SP500", "DOW", "AAPL", "XBAD", "TOPIX17_BANKS", "US10Y", "NIKKEI225"]
    column = [[t] for t in tickers]
    cases = [("PERF", ("1W",)), ("PERF", ("YTD",)), ("PERF", ("1W", "2024-12-21")), ("PERF", ("2024-11-08",)),
             ("PERF", ("2024-11-01", "2024-11-11")), ("PERF", ("1M", "2024-12-18")), ("CLOSE", ("2024-12-18",)),
             ("CLOSE", ("2024-11-10",)), ("CLOSE", ()), ("PERF", ("2024-12-20", "2030-01-01"))]
    def full(name, ticker, rest):
        """The full calculation, bypassing the O(1) day-table path that call() takes when it can."""
        try:
            return lookup(name).impl(engine, ticker, *rest).value, None
        except MarketReviewError as exc:
            return None, type(exc)

    quick_answers = 0
    for name, rest in cases:
        ranged = call(engine, name, column, *rest)
        for ticker, (answer,) in zip(tickers, ranged, strict=True):
            scalar = call(engine, name, ticker, *rest)
            value, error = full(name, ticker, rest)
            for got in (answer, scalar):
                assert got.value == value, (name, rest, ticker)
                assert type(got.error) is (error or type(None)), (name, rest, ticker)
            quick_answers += engine.day_table_or_none(ticker) is not None and value is not None
    assert quick_answers > 20  # the comparison covered the fast path, not only errors
