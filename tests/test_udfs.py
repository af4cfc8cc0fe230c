"""The xlwings UDFs called as plain Python functions, over a real engine and the fake source
(each ticker its own straight line, conftest.price_path; tickers starting with X are unknown)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import excel_harness
import marketreview_udfs as udfs
import pandas as pd
import pytest
from conftest import fake_close

from marketreview.engine import Engine
from marketreview.functions import FUNCTIONS
from marketreview.sources.base import FunctionSource
from marketreview.sources.router import Router
from marketreview.symbols import SymbolMap
from marketreview.types import FundamentalsSnapshot

NOW = dt.datetime(2025, 1, 10, 23, 0, tzinfo=dt.timezone.utc)  # a Friday: the latest close is 2025-01-10
REPO = Path(__file__).resolve().parents[1]

#: 38 aliases of the default symbol map (typed in, not read from it).
ALIASES = (
    "DOW", "SP500", "NDX", "NASDAQ", "RUSSELL2000", "RUSSELL2000G", "SP500EW", "QQQ", "AAPL", "MSFT", "GOOGL",
    "AMZN", "NVDA", "META", "TSLA", "US3M", "US2Y", "US10Y", "US30Y", "FEDFUNDS_UPPER", "FEDFUNDS_LOWER",
    "USDJPY", "TOPIX", "NIKKEI225", "TOPIX17_FOODS", "TOPIX17_ENERGY", "TOPIX17_CONSTRUCTION",
    "TOPIX17_MATERIALS", "TOPIX17_PHARMA", "TOPIX17_AUTOS", "TOPIX17_STEEL", "TOPIX17_MACHINERY",
    "TOPIX17_ELECTRIC", "TOPIX17_IT", "TOPIX17_UTILITIES", "TOPIX17_TRANSPORT", "TOPIX17_TRADING",
    "TOPIX17_RETAIL",
)


def close_on(day: str, ticker: str = "^GSPC") -> float:
    """The fake source's close of ``ticker`` on ``day`` (SP500 is ^GSPC)."""
    return fake_close(ticker, day)


@pytest.fixture
def engine(fake_source, tmp_cache):
    """A cold engine of its own (for tests that count fetches)."""
    made = Engine(Router(fake_source), tmp_cache, SymbolMap.default(), clock=lambda: NOW)
    udfs.set_engine(made)
    yield made
    udfs.set_engine(None)


@pytest.fixture(scope="module")
def shared_engine(tmp_path_factory):
    """One engine for the read-only tests of this module: warming the whole map takes a second."""
    from conftest import linear_prices

    from marketreview.cache import Cache

    cache = Cache(tmp_path_factory.mktemp("udfs") / "prices.sqlite")
    yield Engine(Router(FunctionSource(linear_prices)), cache, SymbolMap.default(), clock=lambda: NOW)
    cache.close()


@pytest.fixture
def warm(shared_engine):
    udfs.set_engine(shared_engine)
    yield shared_engine
    udfs.set_engine(None)


# -- values ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("code", "start_close"), [
    ("1W", "2025-01-03"),   # the previous week's last close (Sunday 2025-01-05 → Friday)
    ("MTD", "2024-12-31"),  # the last day of December
    ("YTD", "2024-12-31"),
    ("1M", "2024-12-10"),
    ("3M", "2024-10-10"),
    ("1Y", "2024-01-10"),
])
def test_perf_relative_codes(warm, code, start_close):
    assert udfs.PERF("SP500", code) == pytest.approx(close_on("2025-01-10") / close_on(start_close) - 1,
                                                      rel=1e-12)


def test_each_udf_gives_its_value(warm):
    week = close_on("2024-12-27") / close_on("2024-12-20") - 1
    assert udfs.PERF("SP500", "2024-12-20", "2024-12-27") == pytest.approx(week, rel=1e-12)
    # Excel hands dates over as datetimes or serial numbers (45646 = 2024-12-20, 45653 = 2024-12-27)
    assert udfs.PERF("SP500", dt.datetime(2024, 12, 20), dt.datetime(2024, 12, 27)) == pytest.approx(week)
    assert udfs.PERF([["SP500"]], 45646.0, 45653.0) == pytest.approx(week)
    assert udfs.CLOSEPRICE("SP500", "2024-12-28") == close_on("2024-12-27")
    assert udfs.CLOSEPRICE("SP500") == close_on("2025-01-10")
    assert udfs.RELRATIO("B", "A", "2024-12-27") == pytest.approx(close_on("2024-12-27", "B")
                                                                  / close_on("2024-12-27", "A"))
    fridays = ["2024-12-27", "2025-01-03", "2025-01-10"]
    ratios = [close_on(d, "B") / close_on(d, "A") for d in fridays]
    assert udfs.RELDEV("B", "A", "2025-01-10", 3) == pytest.approx(ratios[-1] - sum(ratios) / 3, abs=1e-12)
    assert udfs.UST("10Y", "2024-12-27") == close_on("2024-12-27", "DGS10")
    assert udfs.YIELDCHG("2Y", "2024-12-20", "2024-12-27") == pytest.approx(
        (close_on("2024-12-27", "DGS2") - close_on("2024-12-20", "DGS2")) * 100)  # DGS2 rises 0.5 a day: 350bp
    pct = (close_on("2024-12-27") / close_on("2024-12-20") - 1) * 100
    points = close_on("2024-12-27") - close_on("2024-12-20")
    assert udfs.REVIEWLINE("SP500", "2024-12-20", "2024-12-27") == (
        f"・S&P500 {close_on('2024-12-20'):,.2f} → {close_on('2024-12-27'):,.2f}（前週比 +{points:.2f}、+{pct:.2f}%）")


def test_history_spills_a_table(warm):
    assert udfs.HISTORY("SP500", "2024-12-16", "2025-01-08", "weekly") == [
        ["date", "close"],
        [dt.date(2024, 12, 20), close_on("2024-12-20")],
        [dt.date(2024, 12, 27), close_on("2024-12-27")],
        [dt.date(2025, 1, 3), close_on("2025-01-03")],
        [dt.date(2025, 1, 8), close_on("2025-01-08")],
    ]


def test_mag7share_from_a_known_snapshot(tmp_cache):
    # every close is the same line, so the share is the snapshot's: (1+…+7) / 56 = 0.5
    members = ("AAPL", "MSFT", "GOOGL", "AMZN", "NVDA", "META", "TSLA")
    caps = pd.Series([float(i) * 1e12 for i in range(1, 8)], index=list(members))

    class WithFundamentals(FunctionSource):
        def fundamentals(self) -> list[FundamentalsSnapshot]:
            return [FundamentalsSnapshot(dt.date(2025, 1, 10), caps, 56e12, "test")]

    from conftest import linear_prices

    udfs.set_engine(Engine(Router(WithFundamentals(linear_prices)), tmp_cache, clock=lambda: NOW))
    try:
        assert udfs.MAG7SHARE("2025-01-10") == pytest.approx(0.5, rel=1e-12)
    finally:
        udfs.set_engine(None)


def test_a_column_of_40_tickers_is_one_fetch(engine, fake_source):
    column = [[a] for a in ALIASES[:20]] + [[""]] + [[a] for a in ALIASES[20:]] + [["XBAD"]]
    assert len(column) == 40
    result = udfs.PERF(column, "2024-12-20", "2024-12-27")
    assert len(fake_source.calls) == 1
    assert isinstance(result, list) and len(result) == 40 and all(len(row) == 1 for row in result)
    tickers = [SymbolMap.default().resolve(a).ticker for a in ALIASES]
    weeks = [close_on("2024-12-27", t) / close_on("2024-12-20", t) - 1 for t in tickers]
    numbers = [row[0] for i, row in enumerate(result) if i not in (20, 39)]
    assert numbers == pytest.approx(weeks, rel=1e-12)
    assert len(set(numbers)) == 38  # every ticker its own answer: a mixed-up row would show
    assert result[20] == [""]
    assert result[39][0].startswith("#N/A") and "XBAD" in result[39][0]


def test_a_row_of_tickers_gives_a_row(warm):
    result = udfs.CLOSEPRICE([["SP500", "B"]], "2024-12-27")
    assert result == [close_on("2024-12-27"), close_on("2024-12-27", "B")]


def test_history_over_a_range_says_one_ticker(warm):
    result = udfs.HISTORY([["SP500"], ["DOW"]], "1M")
    assert result == "#VALUE! HISTORY takes one ticker, not a range: one HISTORY per ticker, side by side"
    assert udfs.HISTORY([["SP500"], [None]], "1M")[0] == ["date", "close"]  # one ticker and blank rows


# -- errors ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("call", "names"), [
    (lambda: udfs.PERF("XYZ", "1W"), ["#N/A", "XYZ"]),
    (lambda: udfs.CLOSEPRICE("XNOPE"), ["XNOPE"]),
    (lambda: udfs.PERF("SP500", "2024-13-45"), ["2024-13-45", "start"]),
    (lambda: udfs.PERF("SP500", "2024-12-27", "2024-12-20"), ["start", "after"]),
    (lambda: udfs.CLOSEPRICE("SP500", "2031-01-01"), ["future"]),
    (lambda: udfs.PERF("SP500", "1W", "2031-01-01"), ["end", "future"]),
    (lambda: udfs.UST("5Y"), ["tenor", "5Y"]),
    (lambda: udfs.YIELDCHG("7Y", "1W"), ["tenor", "7Y"]),
    (lambda: udfs.RELDEV("B", "A", None, 0), ["weeks", "0"]),
    (lambda: udfs.RELDEV("B", "A", None, 2.5), ["weeks", "2.5"]),
    (lambda: udfs.PERF(42, "1W"), ["ticker", "42"]),
    (lambda: udfs.PERF([[42.0]], "1W"), ["ticker", "42"]),
    (lambda: udfs.RELRATIO("SP500", 7), ["den", "7"]),
    (lambda: udfs.PERF("", "1W"), ["ticker", "required"]),
    (lambda: udfs.HISTORY("SP500", "1M", None, "hourly"), ["interval", "hourly"]),
    (lambda: udfs.REVIEWLINE("SP500", "1W", None, "fr"), ["lang", "fr"]),
    (lambda: udfs.PERF("SP500", None), ["start", "required"]),
    (lambda: udfs.PERF('=HYPERLINK("x")', "1W"), ["ticker"]),
    (lambda: udfs.MAG7SHARE(), ["#N/A", "fundamentals"]),
])
def test_errors_are_text_naming_the_bad_thing(warm, call, names):
    shown = call()
    assert isinstance(shown, str) and shown.startswith("#"), shown
    for name in names:
        assert name in shown


def test_an_unexpected_exception_becomes_text(warm, monkeypatch):
    def broken(*_args):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(udfs.functions, "call", broken)
    assert udfs.PERF("SP500", "1W") == "#VALUE! internal error: ZeroDivisionError: boom"


def test_engine_opens_lazily_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("MARKETREVIEW_SOURCE", "demo")
    monkeypatch.setenv("MARKETREVIEW_CACHE", str(tmp_path / "udf.sqlite"))
    monkeypatch.setenv("MARKETREVIEW_OFFLINE", "1")
    udfs.set_engine(None)
    try:
        engine = udfs.get_engine()
        assert engine.is_demo and engine.offline
        assert udfs.get_engine() is engine
        # offline over an empty cache: the cell says so instead of fetching
        assert udfs.CLOSEPRICE("SP500").startswith("#N/A") and "offline" in udfs.CLOSEPRICE("SP500")
    finally:
        udfs.get_engine().cache.close()
        udfs.set_engine(None)


def test_a_bad_source_setting_is_shown_in_the_cell(monkeypatch):
    monkeypatch.setenv("MARKETREVIEW_SOURCE", "nosuch")
    udfs.set_engine(None)
    try:
        shown = udfs.CLOSEPRICE("SP500")
        assert shown.startswith("#VALUE!") and "nosuch" in shown
    finally:
        udfs.set_engine(None)


# -- declarations ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def declared():
    """The UDF module loaded afresh with xlwings' real Windows decorators (tests/excel_harness.py), so each
    function carries the ``__xlfunc__`` metadata Excel's wrappers are generated from."""
    with excel_harness.load().decorated("marketreview.udfs") as module:
        yield module


def test_one_udf_per_registry_function(declared):
    assert set(declared.__all__) == set(FUNCTIONS)
    for name in FUNCTIONS:
        assert getattr(declared, name).__xlfunc__["name"] == name


def test_docs_and_category_come_from_the_registry(declared):
    for name, function in FUNCTIONS.items():
        info = getattr(declared, name).__xlfunc__
        assert info["category"] == "MarketReview"
        assert info["volatile"] is False
        assert info["ret"]["doc"] == function.doc
        args = [a for a in info["args"] if a["name"] != "caller"]  # xlwings' reserved argument: not in VBA
        assert [a["name"] for a in args] == [p.name for p in function.params]
        for arg, param in zip(args, function.params, strict=True):
            assert arg["doc"] == param.doc + (" (optional)" if param.optional else "")
            assert ("optional" in arg) == param.optional


def test_conversions_are_declared(declared):
    perf = {a["name"]: a["options"] for a in declared.PERF.__xlfunc__["args"]}
    from marketreview.excel.udf_args import UsedCells

    assert perf["ticker"] == {"convert": UsedCells, "ndim": 2, "err_to_str": True}
    assert perf["start"] == {"convert": UsedCells, "dates": dt.date, "err_to_str": True}
    assert perf["end_date"] == {"convert": UsedCells, "dates": dt.date, "err_to_str": True}
    assert "expand" not in declared.HISTORY.__xlfunc__["ret"]["options"]  # dynamic arrays spill on their own


def test_import_is_light():
    code = ("import sys, marketreview_udfs; print('yfinance' in sys.modules, 'openpyxl' in sys.modules, "
            "marketreview_udfs.__name__, marketreview_udfs is sys.modules['marketreview.udfs'])")
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}  # this tree's package, from the udfs/ folder too
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          cwd=REPO / "udfs", env=env)
    # the shim is the installed module, which is the Excel room's (marketreview.udfs is an alias of it)
    assert done.stdout.split() == ["False", "False", "marketreview.excel.udfs", "True"]
