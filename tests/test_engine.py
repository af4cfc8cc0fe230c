"""The engine: one request per source, only what the cache lacks, fallbacks recorded, offline from the cache."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from conftest import fake_close

from marketreview.engine import Engine
from marketreview.errors import NoDataError, SourceError, UnknownSymbolError
from marketreview.sources.base import FunctionSource
from marketreview.sources.router import Router
from marketreview.symbols import SymbolMap

NOW = dt.datetime(2025, 1, 10, 23, 0, tzinfo=dt.timezone.utc)


def make_engine(source, cache, *, offline=False, symbols=None, rules=()):
    return Engine(Router(source, rules), cache, symbols or SymbolMap.default(), offline=offline, clock=lambda: NOW)


def test_ensure_batches_one_request_per_source(fake_source, tmp_cache):
    fred = FunctionSource(lambda s, d: pd.Series(4.0, index=d), name="fake-fred")
    engine = make_engine(fake_source, tmp_cache, rules=[(lambda t: t.startswith("DGS"), fred)])
    report = engine.ensure(["SP500", "DOW", "AAPL", "US2Y", "US10Y"])
    assert report.requests == {"fake": 1, "fake-fred": 1}
    assert len(fake_source.calls) == 1 and set(fake_source.calls[0][0]) == {"^GSPC", "^DJI", "AAPL"}
    assert set(fred.calls[0][0]) == {"DGS2", "DGS10"}
    assert report.ok and set(report.fetched) == {"SP500", "DOW", "AAPL", "US2Y", "US10Y"}


def test_second_ensure_fetches_nothing(fake_source, tmp_cache):
    engine = make_engine(fake_source, tmp_cache)
    engine.ensure(["SP500"])
    again = engine.ensure(["SP500"])
    assert again.requests == {} and len(fake_source.calls) == 1


def test_series_reads_known_closes(fake_source, tmp_cache):
    engine = make_engine(fake_source, tmp_cache)
    series = engine.series("sp500")  # aliases are case-insensitive
    # linear_prices: ^GSPC is 157 + 0.75 * days since 2020-01-01; 2024-12-27 is day 1822
    assert series.loc[pd.Timestamp("2024-12-27")] == 157.0 + 0.75 * 1822
    assert series.index.max() == pd.Timestamp("2025-01-10")  # today, by the engine's clock
    assert pd.Timestamp("2024-12-28") not in series.index  # a Saturday


def test_cold_formula_warms_the_whole_map_in_one_request(fake_source, tmp_cache):
    engine = make_engine(fake_source, tmp_cache)
    engine.series("SP500")
    engine.series("TOPIX17_BANKS")
    engine.series("NIKKEI225")
    assert len(fake_source.calls) == 1
    assert "1631.T" in fake_source.calls[0][0] and "^N225" in fake_source.calls[0][0]


def test_fallback_ticker_is_used_and_recorded(tmp_cache):
    source = FunctionSource(lambda s, d: None if s == "^TOPX" else pd.Series(2000.0, index=d), name="fake")
    engine = make_engine(source, tmp_cache)
    report = engine.ensure(["TOPIX"])
    assert report.ok
    assert engine.ticker("TOPIX") == "1306.T"
    assert "fallback for ^TOPX" in engine.provenance("TOPIX").note
    assert len(source.calls) == 2  # preferred batch, then the fallback batch


def test_failed_symbol_does_not_cost_the_batch(fake_source, tmp_cache):
    symbols = SymbolMap.default()
    engine = make_engine(fake_source, tmp_cache, symbols=symbols)
    report = engine.ensure(["SP500", "XBAD"])
    assert "XBAD" in report.failed and "SP500" in report.fetched
    assert tmp_cache.info("^GSPC") is not None and tmp_cache.info("XBAD") is None
    with pytest.raises(UnknownSymbolError, match="XBAD"):
        engine.series("XBAD")


def test_source_error_writes_nothing(tmp_cache):
    def broken(symbol, dates):
        raise SourceError("fake", "connection reset")

    engine = make_engine(FunctionSource(broken, name="fake"), tmp_cache)
    report = engine.ensure(["SP500"])
    assert "SP500" in report.failed and "connection reset" in str(report.failed["SP500"])
    assert tmp_cache.symbols() == []


def test_offline_answers_from_cache_and_never_fetches(fake_source, tmp_cache):
    make_engine(fake_source, tmp_cache).ensure(["SP500"])
    offline = make_engine(fake_source, tmp_cache, offline=True)
    assert offline.series("SP500").iloc[-1] == fake_close("^GSPC", dt.date(2025, 1, 10))
    with pytest.raises(NoDataError, match="offline"):
        offline.series("DOW")
    assert len(fake_source.calls) == 1
    assert offline.staleness(["SP500"]) == dt.timedelta(0)


def test_provenance_names_source_and_dates(fake_source, tmp_cache):
    engine = make_engine(fake_source, tmp_cache)
    engine.ensure(["SP500"])
    p = engine.provenance("SP500")
    assert (p.alias, p.ticker, p.source) == ("SP500", "^GSPC", "fake")
    assert p.last == dt.date(2025, 1, 10) and p.fetched_at == NOW and not p.demo
