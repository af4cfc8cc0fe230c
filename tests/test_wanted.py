"""Formulas ask for what they need, and the Refresh button loads it (issue 20).

A formula whose symbol the cache lacks records it in the cache file's ``wanted`` table and says "press
Refresh"; ``marketreview fetch`` with no symbol (what Refresh runs), ``fetch --all`` and the Refresh button load
the report's symbols and every wanted one, in one batched request per source.

The formula side runs through tests/excel_harness.py (xlwings' own Windows UDF code); the fetch side through
YahooSource with ``yfinance.download`` faked by frames shaped exactly like yfinance 1.7 returns them
(test_yahoo_source.history/downloaded). Closes: conftest.linear_prices, each ticker its own line.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import excel_harness as harness
import pandas as pd
import pytest
from conftest import fake_close, price_path
from test_yahoo_source import NY, downloaded, history

from marketreview import cli
from marketreview.cache import Cache
from marketreview.engine import Engine
from marketreview.sources.base import FunctionSource
from marketreview.sources.router import Router
from marketreview.sources.yahoo import YahooSource
from marketreview.wanted import KEEP

NOW = dt.datetime(2025, 1, 10, 23, 0, tzinfo=dt.timezone.utc)  # Friday, after the NYSE close
MODULE = "marketreview.udfs"


class YfDownload:
    """``yfinance.download`` for the fake closes: every ticker gets its weekday bars in [start, end) (yfinance's
    end is exclusive); tickers starting with X are unknown (yfinance gives them an empty frame)."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def __call__(self, *, tickers: list[str], start: dt.date, end: dt.date, **_: Any) -> pd.DataFrame:
        self.calls.append(list(tickers))
        days = pd.bdate_range(start, end - dt.timedelta(days=1))
        frames: dict[str, pd.DataFrame | None] = {}
        for ticker in tickers:
            path = price_path(ticker)
            if path is None:
                frames[ticker] = None
                continue
            level, slope = path
            rows = [(d.date().isoformat(), level + slope * (d.date() - dt.date(2020, 1, 1)).days,
                     level + slope * (d.date() - dt.date(2020, 1, 1)).days) for d in days]
            frames[ticker] = history(rows, NY)
        return downloaded(frames)


def formula_engine(path: Path) -> Engine:
    """What the UDF server opens on the same settings (Yahoo): never fetches (a cold symbol says press Refresh)."""

    def never(**_: Any) -> pd.DataFrame:
        raise AssertionError("a formula fetched")

    return Engine(Router(YahooSource(download=never)), Cache(path, timeout=2.0), clock=lambda: NOW,
                  fetch_missing=False)


@pytest.fixture
def windows() -> harness.Windows:
    return harness.load()


@pytest.fixture
def udf(windows):
    with windows.decorated(MODULE) as module:
        yield module, (lambda name, *args: windows.call(MODULE, name, *args))
        module.set_engine(None)


@pytest.fixture
def yahoo_fetch(tmp_path, monkeypatch):
    """``marketreview fetch`` over the test's cache file with Yahoo faked at the yfinance boundary."""
    download = YfDownload()
    opened: list[Engine] = []

    def open_engine(*_: Any, cache_path: Any = None, **__: Any) -> Engine:
        engine = Engine(Router(YahooSource(download=download, sleep=lambda s: None)), Cache(cache_path),
                        clock=lambda: NOW)
        opened.append(engine)
        return engine

    monkeypatch.setattr("marketreview.app.open_engine", open_engine)

    def run(*args: str) -> int:
        code = cli.main(["fetch", "--cache", str(tmp_path / "prices.sqlite"), *args])
        for engine in opened:
            engine.cache.close()
        opened.clear()
        return code

    run.download = download  # type: ignore[attr-defined]
    return run


def week(ticker: str) -> float:
    """1W on Friday 2025-01-10: the close of 2025-01-10 over the previous week's last close (2025-01-03)."""
    return fake_close(ticker, "2025-01-10") / fake_close(ticker, "2025-01-03") - 1


def test_a_cold_formula_asks_and_fetch_without_symbols_loads_it(tmp_path, udf, yahoo_fetch, monkeypatch):
    module, call = udf
    engine = formula_engine(tmp_path / "prices.sqlite")
    module.set_engine(engine)
    assert call("PERF", "QQQ", "1W") == "#N/A QQQ: not loaded yet: press Refresh"
    assert call("PERF", "7203.T", "1W") == "#N/A 7203.T: not loaded yet: press Refresh"
    assert set(engine.cache.wanted()) == {"QQQ", "7203.T"}  # in the file the fetch process reads
    assert yahoo_fetch() == 0
    (batch,) = yahoo_fetch.download.calls  # one request for the report's symbols and the wanted ones
    assert {"QQQ", "7203.T", "^GSPC"} <= set(batch)
    monkeypatch.setattr(module, "_last_call", -1e9)  # the recalculation Refresh asks for: a new burst
    assert call("PERF", "QQQ", "1W") == pytest.approx(week("QQQ"), rel=1e-12)
    assert call("PERF", "7203.T", "1W") == pytest.approx(week("7203.T"), rel=1e-12)
    engine.cache.close()


def test_fetch_all_loads_the_wanted_symbols_too(tmp_path, yahoo_fetch):
    with Cache(tmp_path / "prices.sqlite") as cache:
        cache.want(["QQQ"], NOW)
    assert yahoo_fetch("--all") == 0
    assert "QQQ" in yahoo_fetch.download.calls[0]
    with Cache(tmp_path / "prices.sqlite") as cache:
        assert cache.info("QQQ") is not None
        assert cache.wanted()["QQQ"][1] == ""  # loaded: no reason


def test_fetch_with_symbols_loads_only_those(tmp_path, yahoo_fetch):
    with Cache(tmp_path / "prices.sqlite") as cache:
        cache.want(["QQQ"], NOW)
    assert yahoo_fetch("SP500") == 0
    assert yahoo_fetch.download.calls == [["^GSPC"]]


def test_an_unknown_symbol_is_remembered_with_its_reason_in_the_cell(tmp_path, udf, yahoo_fetch, monkeypatch):
    module, call = udf
    engine = formula_engine(tmp_path / "prices.sqlite")
    module.set_engine(engine)
    assert call("CLOSEPRICE", "XQQ") == "#N/A XQQ: not loaded yet: press Refresh"
    assert yahoo_fetch() == 2  # a failed symbol is a failure of the fetch
    monkeypatch.setattr(module, "_last_call", -1e9)
    shown = call("CLOSEPRICE", "XQQ")
    assert shown.startswith("#N/A unknown symbol XQQ (yahoo") and "XQQ" in shown[20:], shown
    with Cache(tmp_path / "prices.sqlite") as cache:
        assert "XQQ" in cache.unknown("yahoo")  # the next refresh skips it (straight to the reason)
    engine.cache.close()


def test_a_formula_that_keeps_asking_keeps_its_symbol_wanted(tmp_path):
    path = tmp_path / "prices.sqlite"
    with Cache(path) as cache:
        cache.want(["OLD"], NOW - KEEP - dt.timedelta(days=1))
        cache.want(["RECENT"], NOW - KEEP + dt.timedelta(days=1))
    engine = Engine(Router(FunctionSource(lambda s, d: None)), Cache(path), clock=lambda: NOW)
    from marketreview.wanted import wanted_names

    assert wanted_names(engine) == ["RECENT"]
    assert set(engine.cache.wanted()) == {"RECENT"}  # dropped from the file, not only skipped
    engine.cache.close()


def test_a_warm_formula_refreshes_its_asked_time(tmp_path, udf):
    module, call = udf
    path = tmp_path / "prices.sqlite"
    with Cache(path) as cache:
        cache.want(["QQQ"], NOW - dt.timedelta(days=80))
        frame = pd.DataFrame({("close", "QQQ"): [1.0, 2.0], ("adj_close", "QQQ"): [1.0, 2.0]},
                             index=pd.DatetimeIndex(["2025-01-09", "2025-01-10"], name="date"))
        frame.columns = pd.MultiIndex.from_tuples(frame.columns, names=["field", "symbol"])
        cache.write(frame, source="yahoo", start=dt.date(2025, 1, 1), end=dt.date(2025, 1, 10), fetched_at=NOW)
    engine = formula_engine(path)
    module.set_engine(engine)
    assert call("CLOSEPRICE", "QQQ") == 2.0
    engine.reload_if_changed()  # the next calculation burst writes the names used
    assert engine.cache.wanted()["QQQ"][0] == NOW
    engine.cache.close()


def test_the_refresh_button_loads_the_wanted_symbols_in_its_one_batch(tmp_path):
    from conftest import linear_prices
    from fake_book import Book

    from marketreview.excel.refresh import refresh_book

    source = FunctionSource(linear_prices, name="fake")
    with Cache(tmp_path / "prices.sqlite") as cache:
        cache.want(["QQQ", "XNOPE"], NOW)
        engine = Engine(Router(source), cache, clock=lambda: NOW)
        result = refresh_book(Book(), engine, lang="en")
        assert result.ok, result.message  # a formula's unknown symbol is not a failure of the review
        (batch,) = [c[0] for c in source.calls if "^GSPC" in c[0]]
        assert {"QQQ", "XNOPE"} <= set(batch)
        assert cache.info("QQQ", "fake") is not None
        reasons = {name: reason for name, (_, reason) in cache.wanted().items()}
        assert reasons["QQQ"] == "" and reasons["XNOPE"].startswith("unknown: fake")
