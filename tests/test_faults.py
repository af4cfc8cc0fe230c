"""Faults at the network boundary, through the engine, the report, the CLI and the refresh: nothing lost,
nothing hidden.

Yahoo is faked at ``yfinance.download``: :class:`FakeYahoo` answers exactly like yfinance 1.7 (one history
frame per ticker, a failed ticker as ``yfinance.utils.empty_df()`` plus the ``"['T']: Error(...)"`` line on
the ``yfinance`` logger, assembled with yfinance's own ``reindex_dfs``). FRED is faked at its HTTP ``get``:
:class:`FakeFred` serves fredgraph CSV with ``.`` on bond-market holidays and raises ``requests``' own
exceptions. Sleeps are recorded, never slept. Closes follow :func:`conftest.linear_prices` (each ticker its own
straight line; expected closes come from :func:`conftest.fake_close`).
"""

from __future__ import annotations

import codecs
import datetime as dt
import functools
import hashlib
import json
import logging
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pandas as pd
import pytest
import requests
import yfinance.multi
import yfinance.utils
from conftest import fake_close, linear_prices
from curl_cffi.requests.exceptions import Timeout as CurlTimeout
from fake_book import Book
from yfinance.exceptions import YFRateLimitError

import marketreview.app as app
from marketreview import cli, functions
from marketreview.cache import Cache
from marketreview.engine import Engine
from marketreview.errors import ForeignCacheError, NetworkError, RateLimitError, SymbolNotFoundError
from marketreview.excel import book as book_renderer
from marketreview.excel.refresh import STATUS_SHEET, refresh_book
from marketreview.render import printed
from marketreview.report import layout
from marketreview.report.build import build_report
from marketreview.sources.base import FunctionSource
from marketreview.sources.fred import FredSource, is_fred_series
from marketreview.sources.router import Router
from marketreview.sources.yahoo import YahooSource

UTC = dt.timezone.utc
FRED_HOLIDAYS = {"2024-12-25", "2025-01-01"}
DELISTED = "YFPricesMissingError('possibly delisted; no price data found  (1d 2014-01-01 -> 2025-01-11)')"


# -- the fake yfinance.download ----------------------------------------------------------------------


def yf_history(symbol: str, start: dt.date, end: dt.date) -> pd.DataFrame:
    """``Ticker.history(auto_adjust=False)`` for weekdays in [start, end) (yfinance's ``end`` is
    exclusive), after ``ignore_tz`` (naive dates)."""
    days = pd.bdate_range(start, end - dt.timedelta(days=1), name="Date")
    close = linear_prices(symbol, days)
    assert close is not None
    return pd.DataFrame({"Open": close, "High": close, "Low": close, "Close": close, "Adj Close": close,
                         "Volume": 1000.0}, index=days)


@dataclass
class FakeYahoo:
    """Stands in for ``yfinance.download``. ``fail[ticker] = (error, times)`` fails that ticker in its next
    ``times`` calls (None: always) the way yfinance does; ``raises`` are raised by whole calls, one per call;
    ``omit`` tickers are absent from the answer; ``edit[ticker]`` rewrites that ticker's history frame."""

    fail: dict[str, tuple[BaseException | str, int | None]] = field(default_factory=dict)
    raises: list[BaseException] = field(default_factory=list)
    omit: set[str] = field(default_factory=set)
    edit: dict[str, Callable[[pd.DataFrame], pd.DataFrame]] = field(default_factory=dict)
    answer: pd.DataFrame | None = None
    calls: list[list[str]] = field(default_factory=list)

    def __call__(self, *, tickers: list[str], start: dt.date, end: dt.date, **_: Any) -> pd.DataFrame:
        self.calls.append(list(tickers))
        if self.raises:
            raise self.raises.pop(0)
        if self.answer is not None:
            return self.answer
        dfs: dict[str, pd.DataFrame] = {}
        errors: dict[str, list[str]] = {}
        for ticker in tickers:
            if ticker in self.omit:
                continue
            error = self._failure(ticker)
            if error is not None:
                dfs[ticker] = yfinance.utils.empty_df()
                text = error if isinstance(error, str) else repr(error)
                errors.setdefault(text, []).append(ticker)
                continue
            frame = yf_history(ticker, start, end)
            dfs[ticker] = self.edit[ticker](frame) if ticker in self.edit else frame
        if errors:  # yfinance.multi._download_impl's own log lines
            logger = logging.getLogger("yfinance")
            count = sum(map(len, errors.values()))
            logger.error("\n%.f Failed download%s:", count, "s" if count > 1 else "")
            for text, symbols in errors.items():
                logger.error(f"{symbols}: " + text)
        dfs = yfinance.multi.reindex_dfs(dfs, True)
        data = pd.concat(dfs.values(), axis=1, sort=True, keys=dfs.keys(), names=["Ticker", "Price"])
        data.columns = data.columns.swaplevel(0, 1)
        return data.sort_index(level=0, axis=1)

    def _failure(self, ticker: str) -> BaseException | str | None:
        if ticker not in self.fail:
            return None
        error, times = self.fail[ticker]
        if times is not None:
            if times <= 0:
                return None
            self.fail[ticker] = (error, times - 1)
        return error


# -- the fake FRED HTTP get ------------------------------------------------------------------------------


def http_error(status: int) -> requests.HTTPError:
    response = requests.Response()
    response.status_code = status
    return requests.HTTPError(f"{status} Client Error", response=response)


@dataclass
class FakeFred:
    """Stands in for the HTTP get of fredgraph.csv: weekdays, ``.`` on bond-market holidays; ``raises`` are
    raised one per call (``always`` is raised by every call); ``values[(id, day)]`` overrides a cell."""

    raises: list[BaseException] = field(default_factory=list)
    always: BaseException | None = None
    values: dict[tuple[str, str], str] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)

    def __call__(self, url: str, timeout: float) -> str:
        self.calls.append(url)
        if self.always is not None:
            raise self.always
        if self.raises:
            raise self.raises.pop(0)
        query = parse_qs(urlparse(url).query)
        ids = query["id"][0].split(",")
        starts, ends = query["cosd"][0].split(","), query["coed"][0].split(",")
        assert len(starts) == len(ends) == len(ids) and len(set(starts)) == len(set(ends)) == 1  # one per id
        days = pd.bdate_range(starts[0], ends[0])
        lines = ["observation_date," + ",".join(ids)]
        for day in days:
            iso = day.date().isoformat()
            cells = []
            for series in ids:
                value = linear_prices(series, pd.DatetimeIndex([day]))
                assert value is not None
                default = "." if iso in FRED_HOLIDAYS else f"{value[0]:.2f}"
                cells.append(self.values.get((series, iso), default))
            lines.append(f"{iso}," + ",".join(cells))
        return "\n".join(lines) + "\n"


# -- the world: an engine over both fakes ---------------------------------------------------------------


@dataclass
class World:
    engine: Engine
    yahoo: FakeYahoo
    fred: FakeFred
    sleeps: list[float]
    now: list[dt.datetime]

    def at(self, when: dt.datetime) -> None:
        self.now[0] = when


def make_world(cache: Cache, when: dt.datetime = dt.datetime(2025, 1, 10, 23, 0, tzinfo=UTC)) -> World:
    yahoo, fred, sleeps, now = FakeYahoo(), FakeFred(), [], [when]
    router = Router(YahooSource(download=yahoo, sleep=sleeps.append),
                    [(is_fred_series, FredSource(get=fred, sleep=sleeps.append))])
    return World(Engine(router, cache, clock=lambda: now[0]), yahoo, fred, sleeps, now)


@pytest.fixture
def world(tmp_cache: Cache) -> World:
    return make_world(tmp_cache)


def assert_cache_unchanged(cache: Cache, before: tuple[dict[str, Any], pd.DataFrame]) -> None:
    infos, frame = before
    assert {s: cache.info(s) for s in cache.symbols()} == infos
    pd.testing.assert_frame_equal(cache.read(list(infos)), frame)


def cache_state(cache: Cache) -> tuple[dict[str, Any], pd.DataFrame]:
    """Every symbol's coverage (first, last, rows, source, fetched_at) and stored closes."""
    symbols = cache.symbols()
    return {s: cache.info(s) for s in symbols}, cache.read(symbols)


# -- rate limits and timeouts: bounded retries, then a clear error, nothing written ----------------------


def test_yahoo_rate_limit_on_every_attempt_gives_up_after_bounded_retries(world: World) -> None:
    for ticker in ("^GSPC", "^NDX"):
        world.yahoo.fail[ticker] = (YFRateLimitError(), None)
    report = world.engine.ensure(["SP500", "NDX"])
    assert set(report.failed) == {"SP500", "NDX"}
    assert all(isinstance(e, RateLimitError) for e in report.failed.values())
    assert "rate limited after 5 attempts" in str(report.failed["SP500"])
    assert len(world.yahoo.calls) == 5 and world.sleeps == [1.0, 2.0, 4.0, 8.0]
    assert world.engine.cache.symbols() == []
    answer = functions.call(world.engine, "CLOSE", "SP500")
    assert answer.value is None and isinstance(answer.error, RateLimitError)
    assert answer.error.excel_text.startswith("#N/A yahoo: rate limited")
    assert len(world.yahoo.calls) == 5, "a failed symbol is not hammered again by every formula"


def test_yahoo_rate_limit_once_is_retried_for_the_failed_ticker_only(world: World) -> None:
    world.yahoo.fail["AAPL"] = (YFRateLimitError(), 1)
    report = world.engine.ensure(["SP500", "AAPL"])
    assert report.ok and sorted(report.fetched) == ["AAPL", "SP500"]
    assert world.yahoo.calls == [["^GSPC", "AAPL"], ["AAPL"]]
    assert world.sleeps == [1.0]
    assert functions.call(world.engine, "CLOSE", "AAPL", "2025-01-03").value == fake_close("AAPL", "2025-01-03")


def test_yahoo_timeout_of_the_whole_call_every_time_is_a_clear_source_error(world: World) -> None:
    timeout = CurlTimeout("Failed to perform, curl: (28) Operation timed out after 20001 milliseconds")
    world.yahoo.raises = [timeout] * 5
    report = world.engine.ensure(["SP500"])
    error = report.failed["SP500"]
    assert type(error) is NetworkError and "timed out after 5 attempts" in str(error)
    assert str(error).startswith("network unreachable (yahoo): ")
    assert world.sleeps == [1.0, 2.0, 4.0, 8.0]
    assert world.engine.cache.symbols() == []


def test_yahoo_timeout_once_then_success_writes_everything(world: World) -> None:
    world.yahoo.raises = [TimeoutError("read timed out")]
    report = world.engine.ensure(["SP500", "NDX"])
    assert report.ok and world.sleeps == [1.0]
    assert world.engine.cache.info("^NDX").last == dt.date(2025, 1, 10)  # type: ignore[union-attr]


#: What yfinance 1.7 logs for a DNS failure once ``hide_exceptions`` is off (multi._download_one: ``repr(e)``).
DNS_LOGGED = ("DNSError('Failed to perform, curl: (6) Could not resolve host: query2.finance.yahoo.com. See "
              "https://curl.se/libcurl/c/libcurl-errors.html first for more details.')")
OUTAGE_LOGGED = "YFDataException('*** YAHOO! FINANCE IS CURRENTLY DOWN! ***')"


def test_yahoo_dns_failure_is_network_unreachable_at_once_never_an_unknown_symbol(world: World) -> None:
    for ticker in ("^GSPC", "^TOPX", "1306.T"):
        world.yahoo.fail[ticker] = (DNS_LOGGED, None)
    report = world.engine.ensure(["SP500", "TOPIX"])
    assert set(report.failed) == {"SP500", "TOPIX"}
    for error in report.failed.values():
        assert isinstance(error, NetworkError) and str(error).startswith("network unreachable (yahoo): DNSError(")
    assert len(world.yahoo.calls) == 1 and world.sleeps == []  # no retry, no fallback request to a dead network
    answer = functions.call(world.engine, "CLOSE", "SP500", "2025-01-03")
    assert isinstance(answer.error, NetworkError) and "unknown symbol" not in answer.error.excel_text
    assert world.engine.cache.unknown("yahoo") == {}


def test_yahoo_outage_page_is_retried_then_served(world: World) -> None:
    world.yahoo.fail["^GSPC"] = (OUTAGE_LOGGED, 2)
    report = world.engine.ensure(["SP500", "NDX"])
    assert report.ok and world.sleeps == [1.0, 2.0]
    assert world.yahoo.calls[1:] == [["^GSPC"], ["^GSPC"]]
    assert functions.call(world.engine, "CLOSE", "SP500", "2025-01-03").value == fake_close("^GSPC", "2025-01-03")


def test_fred_429_every_attempt_is_a_rate_limit_error_after_bounded_retries(world: World) -> None:
    world.fred.always = http_error(429)
    report = world.engine.ensure(["US2Y"])
    error = report.failed["US2Y"]
    assert isinstance(error, RateLimitError) and "HTTP 429" in str(error) and "4 attempts" in str(error)
    assert len(world.fred.calls) == 4 and world.sleeps == [1.0, 2.0, 4.0]
    assert world.engine.cache.symbols() == []


def test_fred_server_error_and_timeout_are_retried(world: World) -> None:
    world.fred.raises = [http_error(503), requests.exceptions.ReadTimeout("Read timed out. (timeout=30)")]
    report = world.engine.ensure(["US2Y"])
    assert report.ok and len(world.fred.calls) == 3 and world.sleeps == [1.0, 2.0]
    assert functions.call(world.engine, "YIELD", "2Y", "2025-01-03").value == fake_close("DGS2", "2025-01-03")


def test_fred_not_found_is_not_retried(world: World) -> None:
    world.fred.always = http_error(404)
    report = world.engine.ensure(["US2Y"])
    assert "HTTP 404" in str(report.failed["US2Y"]) and len(world.fred.calls) == 1 and world.sleeps == []


def test_fred_down_falls_back_to_yahoo_and_says_so(world: World) -> None:
    world.fred.always = requests.exceptions.ConnectionError("Failed to establish a new connection")
    report = world.engine.ensure(["US10Y"])
    assert report.ok
    assert world.yahoo.calls == [["^TNX"]]
    provenance = world.engine.provenance("US10Y")
    assert provenance.ticker == "^TNX" and "fallback for DGS10" in provenance.note


# -- some symbols failing in a batch --------------------------------------------------------------------


def test_one_delisted_symbol_does_not_cost_the_batch(world: World) -> None:
    world.yahoo.fail["^NDX"] = (DELISTED, None)
    report = world.engine.ensure(["SP500", "NDX", "AAPL"])
    assert sorted(report.fetched) == ["AAPL", "SP500"]
    assert list(report.failed) == ["NDX"] and isinstance(report.failed["NDX"], SymbolNotFoundError)
    assert report.requests == {"yahoo": 1} and world.sleeps == [], "a permanent failure is not retried"
    assert world.engine.cache.info("^GSPC").rows > 0  # type: ignore[union-attr]
    assert world.engine.cache.info("^NDX") is None


def test_a_symbol_missing_from_the_answer_is_reported_the_others_written(world: World) -> None:
    world.yahoo.omit.add("AAPL")
    report = world.engine.ensure(["SP500", "AAPL"])
    assert list(report.failed) == ["AAPL"] and "AAPL" in str(report.failed["AAPL"])
    assert world.engine.cache.symbols() == ["^GSPC"]


def test_an_empty_answer_fails_every_symbol_and_writes_nothing(world: World) -> None:
    world.yahoo.answer = pd.DataFrame()
    report = world.engine.ensure(["SP500", "NDX"])
    assert set(report.failed) == {"SP500", "NDX"}
    assert world.engine.cache.symbols() == []


def test_every_ticker_failing_gives_yfinances_zero_row_frame_and_nothing_written(world: World) -> None:
    world.yahoo.fail = {"^GSPC": (DELISTED, None), "^NDX": (DELISTED, None)}
    report = world.engine.ensure(["SP500", "NDX"])
    assert set(report.failed) == {"SP500", "NDX"}
    assert world.engine.cache.symbols() == []


def test_a_failed_refetch_leaves_the_cached_rows_and_coverage_as_they_were(tmp_cache: Cache) -> None:
    world = make_world(tmp_cache, dt.datetime(2025, 1, 3, 23, 0, tzinfo=UTC))
    assert world.engine.ensure(["SP500", "US2Y"]).ok
    before = cache_state(tmp_cache)
    world.at(dt.datetime(2025, 1, 10, 23, 0, tzinfo=UTC))
    world.yahoo.fail["^GSPC"] = (YFRateLimitError(), None)
    world.fred.always = http_error(500)
    report = world.engine.ensure(["SP500", "US2Y"])
    assert set(report.failed) == {"SP500", "US2Y"}
    assert_cache_unchanged(tmp_cache, before)


# -- odd answers: NaN closes, duplicated dates, FRED holidays, restated history, zero closes -----------


def test_nan_closes_are_missing_days_with_a_warning_never_zero(world: World) -> None:
    def blank_jan_8(frame: pd.DataFrame) -> pd.DataFrame:
        frame.loc["2025-01-08", ["Close", "Adj Close"]] = float("nan")
        return frame

    world.yahoo.edit["^GSPC"] = blank_jan_8
    assert world.engine.ensure(["SP500"]).ok
    stored = world.engine.cache.read(["^GSPC"], dt.date(2025, 1, 6), dt.date(2025, 1, 10))
    assert list(stored.index.strftime("%m-%d")) == ["01-06", "01-07", "01-09", "01-10"]  # the fake's weekdays
    answer = functions.call(world.engine, "CLOSE", "SP500", "2025-01-08")
    assert answer.value == fake_close("^GSPC", "2025-01-07")  # 2025-01-07's close, as of
    assert answer.warnings and "2025-01-08" in answer.warnings[0]


def test_a_missing_session_is_marked_in_the_review_line_and_by_warnings(world: World) -> None:
    def blank_jan_8(frame: pd.DataFrame) -> pd.DataFrame:
        frame.loc["2025-01-08", ["Close", "Adj Close"]] = float("nan")
        return frame

    world.yahoo.edit["^GSPC"] = blank_jan_8
    assert world.engine.ensure(["SP500"]).ok
    line = functions.call(world.engine, "REVIEWLINE", "SP500", "2025-01-03", "2025-01-08", "en")
    assert isinstance(line, functions.Answer) and line.value.endswith(") (1/8 missing)")
    text = functions.call(world.engine, "WARNINGS", "REVIEWLINE", "SP500", "2025-01-03", "2025-01-08", "en")
    assert isinstance(text, functions.Answer) and text.value == "; ".join(line.warnings)
    assert "2025-01-08" in text.value


def test_a_week_of_nan_closes_is_an_error_not_a_zero_change(world: World) -> None:
    def blank_week(frame: pd.DataFrame) -> pd.DataFrame:
        frame.loc["2025-01-06":"2025-01-10", ["Close", "Adj Close"]] = float("nan")
        return frame

    world.yahoo.edit["^GSPC"] = blank_week
    assert world.engine.ensure(["SP500"]).ok
    for name, args in (("PERF", ("SP500", "1W", "2025-01-10")), ("REVIEWLINE", ("SP500", "1W", "2025-01-10"))):
        answer = functions.call(world.engine, name, *args)
        assert isinstance(answer, functions.Answer) and answer.value is None
        assert "no close between 2025-01-05 and 2025-01-10" in str(answer.error)


def test_a_series_yahoo_stopped_delivering_warns_on_latest(world: World) -> None:
    world.yahoo.edit["^GSPC"] = lambda frame: frame.loc[:"2025-01-03"]
    assert world.engine.ensure(["SP500"]).ok
    latest = functions.call(world.engine, "PERF", "SP500", "1W")
    assert isinstance(latest, functions.Answer) and latest.ok
    assert any(w.startswith("^GSPC: data ends 2025-01-03") for w in latest.warnings)
    dated = functions.call(world.engine, "PERF", "SP500", "1W", "2025-01-03")
    assert isinstance(dated, functions.Answer) and dated.warnings == ()


def test_duplicated_dates_keep_one_row_the_last_one_sent(world: World) -> None:
    def duplicate_jan_6(frame: pd.DataFrame) -> pd.DataFrame:
        extra = frame.loc[["2025-01-06"]].assign(Close=1.0, **{"Adj Close": 1.0})
        return pd.concat([extra, frame]).sort_index(kind="stable")  # the stale 1.0 first, the real close last

    world.yahoo.edit["^GSPC"] = duplicate_jan_6
    assert world.engine.ensure(["SP500"]).ok
    stored = world.engine.cache.read(["^GSPC"], dt.date(2025, 1, 6), dt.date(2025, 1, 6))
    assert stored[("close", "^GSPC")].tolist() == [fake_close("^GSPC", "2025-01-06")]


def test_fred_dot_holidays_are_missing_days_not_zero(world: World) -> None:
    assert world.engine.ensure(["US2Y"]).ok
    stored = world.engine.cache.read(["DGS2"], dt.date(2024, 12, 31), dt.date(2025, 1, 2))
    assert list(stored.index.strftime("%Y-%m-%d")) == ["2024-12-31", "2025-01-02"]
    assert functions.call(world.engine, "YIELD", "2Y", "2025-01-01").value == fake_close("DGS2", "2024-12-31")
    assert functions.call(world.engine, "YIELDCHG", "2Y", "2024-12-31", "2025-01-01").value == 0.0


def test_fred_series_that_is_all_dots_is_reported_not_stored(world: World) -> None:
    days = pd.bdate_range("2014-01-01", "2025-01-10")
    world.fred.values = {("DGS2", d.date().isoformat()): "." for d in days}
    report = world.engine.ensure(["US2Y", "US3M"])
    assert list(report.failed) == ["US2Y"] and isinstance(report.failed["US2Y"], SymbolNotFoundError)
    assert "DGS2" not in world.engine.cache.symbols() and "DGS3MO" in world.engine.cache.symbols()


def test_restated_history_after_a_split_replaces_the_cached_rows(tmp_cache: Cache) -> None:
    """Yahoo restates the whole history after a split: re-delivered rows replace the old ones, no mix."""
    before_split = FakeYahoo(edit={"NVDA": lambda f: f.assign(Close=f["Close"] * 10,
                                                              **{"Adj Close": f["Close"] * 10})})
    after_split = FakeYahoo()
    now = dt.datetime(2025, 1, 10, 23, 0, tzinfo=UTC)
    for fake in (before_split, after_split):
        frame = YahooSource(download=fake, sleep=lambda _: None).fetch(["NVDA"], dt.date(2025, 1, 2),
                                                                         dt.date(2025, 1, 10))
        tmp_cache.write(frame, source="yahoo", start=dt.date(2025, 1, 2), end=dt.date(2025, 1, 10),
                        fetched_at=now)
    stored = tmp_cache.read(["NVDA"])[("close", "NVDA")]
    last = fake_close("NVDA", "2025-01-10")
    assert stored.loc["2025-01-02"] == fake_close("NVDA", "2025-01-02") and stored.loc["2025-01-10"] == last
    assert stored.max() == last, "no pre-split row survives"


def test_a_zero_close_is_an_error_in_its_cell_not_a_crash(world: World) -> None:
    def zero_dec_31(frame: pd.DataFrame) -> pd.DataFrame:
        frame.loc["2024-12-31", ["Close", "Adj Close"]] = 0.0
        return frame

    world.yahoo.edit["AAPL"] = zero_dec_31
    assert world.engine.ensure(["AAPL"]).ok
    answer = functions.call(world.engine, "PERF", "AAPL", "2024-12-31", "2025-01-03")
    assert isinstance(answer, functions.Answer)
    assert answer.value is None and answer.error is not None and "AAPL" in str(answer.error)


def test_a_zero_close_does_not_crash_the_report(world: World) -> None:
    def zero_jan_3(frame: pd.DataFrame) -> pd.DataFrame:
        frame.loc["2025-01-03", ["Close", "Adj Close"]] = 0.0
        return frame

    world.yahoo.edit["1631.T"] = zero_jan_3  # TOPIX-17 Banks: its 1W return as of 2025-01-10 starts there
    report = build_report(world.engine, lang="en")
    sectors = report.sheet("japan_sectors").table("sectors")
    banks = next(row for row in sectors.rows if row[1].value == "1631.T")
    assert any(cell.error for cell in banks)


# -- stale symbols: written, marked and reported --------------------------------------------------------


def test_a_failing_symbol_is_marked_stale_with_its_last_good_date(tmp_cache: Cache) -> None:
    world = make_world(tmp_cache, dt.datetime(2025, 1, 3, 23, 0, tzinfo=UTC))
    first = build_report(world.engine, lang="en")
    assert first.failed == {}
    world.at(dt.datetime(2025, 1, 10, 23, 0, tzinfo=UTC))
    world.yahoo.fail["^NDX"] = (DELISTED, None)
    report = build_report(world.engine, lang="en")
    assert list(report.failed) == ["NDX"] and "^NDX" in report.failed["NDX"]
    assert report.as_of == dt.date(2025, 1, 10)
    indices = report.sheet("us_indices").table("indices")
    by_ticker = {row[1].value: row for row in indices.rows}
    ndx, spx = by_ticker["^NDX"], by_ticker["^GSPC"]
    assert ndx[0].warning is not None and "STALE" in ndx[0].warning
    assert "last good date 2025-01-03" in ndx[0].warning
    assert spx[0].warning is None and spx[indices.column_index("close")].value == fake_close("^GSPC", "2025-01-10")
    assert "NDX" in report.sheet("us_indices").status
    sources = report.sheet("sources").table("sources")
    ndx_source = next(row for row in sources.rows if row[0].value == "NDX")
    assert "STALE" in str(ndx_source[-1].value) and ndx_source[5].value == dt.date(2025, 1, 3)
    assert tmp_cache.info("^NDX").last == dt.date(2025, 1, 3)  # type: ignore[union-attr]
    assert tmp_cache.info("^GSPC").last == dt.date(2025, 1, 10)  # type: ignore[union-attr]


def test_one_symbol_rate_limited_to_the_end_does_not_cost_the_others(world: World) -> None:
    world.yahoo.fail["^NDX"] = (YFRateLimitError(), None)
    report = world.engine.ensure(["SP500", "NDX", "AAPL"])
    assert list(report.failed) == ["NDX"] and isinstance(report.failed["NDX"], RateLimitError)
    assert sorted(report.fetched) == ["AAPL", "SP500"]
    assert world.engine.cache.symbols() == ["AAPL", "^GSPC"]


# -- output files: a failed build leaves the previous file byte-identical ----------------------------------


@pytest.fixture
def build_cli(fake_source: FunctionSource, cache_path: Path, monkeypatch: pytest.MonkeyPatch,
              capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str]]:
    """``marketreview build --source fake --cache … <args>`` over ``fake_source``; today is 2025-01-10."""
    real_router = app.router_from_spec
    monkeypatch.setattr(app, "router_from_spec", lambda spec: Router(fake_source) if spec == "fake"
                        else real_router(spec))
    monkeypatch.setattr(app, "Engine", functools.partial(
        Engine, clock=lambda: dt.datetime(2025, 1, 10, 23, 0, tzinfo=UTC)))

    def run(*args: str) -> tuple[int, str]:
        capsys.readouterr()
        code = cli.main(["build", "--source", "fake", "--cache", str(cache_path), *args])
        return code, capsys.readouterr().err

    return run


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_build_failing_while_saving_leaves_the_previous_file(build_cli: Any, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out" / "review.xlsx"
    out.parent.mkdir()
    assert build_cli("--out", str(out), "--asof", "2025-01-03")[0] == 0
    before = _digest(out)

    def half_save(self: Any, filename: Any) -> None:
        Path(filename).write_bytes(b"PK\x03\x04 half a zip")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("openpyxl.workbook.workbook.Workbook.save", half_save)
    code, err = build_cli("--out", str(out))
    assert code == cli.EXIT_ERROR
    assert "No space left on device" in err and str(out) in err
    assert _digest(out) == before
    assert [p.name for p in out.parent.iterdir()] == ["review.xlsx"], "no temporary file left behind"


def test_build_failing_midway_through_the_sheets_leaves_the_previous_file(
        build_cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "review.xlsx"
    assert build_cli("--out", str(out))[0] == 0
    before = _digest(out)
    real = printed._render_sheet  # a build is laid out for paper (render/printed.py)
    rendered: list[str] = []

    def third_fails(ws: Any, report: Any, sheet: Any, *rest: Any) -> None:
        rendered.append(sheet.key)
        if len(rendered) == 3:
            raise RuntimeError("renderer died on the third sheet")
        real(ws, report, sheet, *rest)

    monkeypatch.setattr(printed, "_render_sheet", third_fails)
    code, err = build_cli("--out", str(out))
    assert code == cli.EXIT_ERROR and "renderer died on the third sheet" in err
    assert _digest(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "review.xlsx"]


# -- refresh: a failed refresh leaves the previous values ------------------------------------------------


def _values(book: Book) -> dict[str, dict[tuple[int, int], Any]]:
    """Every cell of every sheet except the status cells (which must change to say what failed)."""
    status = (layout.STATUS_ROW, layout.FIRST_COLUMN)
    return {s.name: {a: v for a, v in s.cells.items() if a != status} for s in book.sheets
            if s.name != STATUS_SHEET}


@pytest.fixture
def refreshed(tmp_cache: Cache) -> tuple[World, Book]:
    world = make_world(tmp_cache, dt.datetime(2025, 1, 3, 23, 0, tzinfo=UTC))
    book = Book("Sheet1")
    result = refresh_book(book, world.engine, lang="en")
    assert result.ok, result.message
    world.at(dt.datetime(2025, 1, 10, 23, 0, tzinfo=UTC))
    return world, book


def test_refresh_with_every_fetch_failing_keeps_the_previous_values(refreshed: tuple[World, Book]) -> None:
    world, book = refreshed
    before = _values(book)
    world.yahoo.raises = [CurlTimeout("curl: (28) Operation timed out")] * 100
    world.fred.always = http_error(503)
    result = refresh_book(book, world.engine, lang="en")
    assert not result.ok and "every fetch failed" in result.message
    assert _values(book) == before
    status = book.sheets[result_sheet(book)].cells[(layout.STATUS_ROW, layout.FIRST_COLUMN)]
    assert status.startswith("Refresh failed 2025-01-10 23:00 UTC") and "2025-01-03 23:00 UTC" in status


def test_refresh_failing_while_preparing_a_sheet_keeps_the_previous_values(
        refreshed: tuple[World, Book], monkeypatch: pytest.MonkeyPatch) -> None:
    world, book = refreshed
    before = _values(book)
    real = book_renderer.plan_sheet
    planned: list[str] = []

    def fourth_fails(sheet: Any, *args: Any, **kwargs: Any) -> Any:
        planned.append(sheet.key)
        if len(planned) == 4:
            raise book_renderer.RenderError(f"sheet {sheet.key}", "cannot be prepared")
        return real(sheet, *args, **kwargs)

    monkeypatch.setattr(book_renderer, "plan_sheet", fourth_fails)
    result = refresh_book(book, world.engine, lang="en")
    assert not result.ok and "cannot be prepared" in result.message
    assert _values(book) == before


def test_refresh_with_one_symbol_failing_writes_the_rest_and_marks_it(refreshed: tuple[World, Book]) -> None:
    world, book = refreshed
    world.yahoo.fail["^NDX"] = (DELISTED, None)
    result = refresh_book(book, world.engine, lang="en")
    assert not result.ok and list(result.failed) == ["NDX"] and "NDX" in result.message
    sheet = book.sheets[result.sheets[0]]
    notes = {sheet.cells.get(a): n.text for a, n in sheet.notes.items()}
    assert "last good date 2025-01-03" in notes["Nasdaq-100"]
    assert fake_close("^GSPC", "2025-01-10") in sheet.cells.values()  # the others moved on to 2025-01-10


def result_sheet(book: Book) -> str:
    return next(s.name for s in book.sheets if (layout.STATUS_ROW, layout.FIRST_COLUMN) in s.cells)


# -- a damaged cache under the engine ------------------------------------------------------------------


def _damaged_cache_of_ours(path: Path) -> bytes:
    """A cache file MarketReview created (its header and application id intact) whose pages are garbage."""
    Cache(path).close()
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    damaged = path.read_bytes()[:100] + b"this is not a database" * 200
    path.write_bytes(damaged)
    return damaged


def test_a_damaged_cache_of_ours_is_moved_aside_and_rebuilt(cache_path: Path, caplog: pytest.LogCaptureFixture
                                                            ) -> None:
    cache_path.parent.mkdir(parents=True)
    damaged = _damaged_cache_of_ours(cache_path)
    with caplog.at_level(logging.WARNING), Cache(cache_path) as cache:
        world = make_world(cache)
        assert world.engine.ensure(["SP500"]).ok
        assert functions.call(world.engine, "CLOSE", "SP500", "2025-01-03").value == fake_close("^GSPC", "2025-01-03")
        assert cache.recovered_from is not None and cache.recovered_from.read_bytes() == damaged
        assert any("rebuilt" in m for m in cache.messages)
    assert any("rebuilt" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("content", [
    b"date,close\n2024-12-27,5970.84\n",                                   # a user's CSV (mydata.csv)
    b"this is not a database" * 200,                                       # garbage
    b"",                                                                   # (an empty file is taken: nothing to lose)
], ids=["csv", "garbage", "empty"])
def test_a_file_that_is_not_ours_is_refused_byte_identical_and_never_renamed(tmp_path: Path, content: bytes
                                                                               ) -> None:
    target = tmp_path / "mydata.csv"
    target.write_bytes(content)
    if not content:
        with Cache(target) as cache:  # empty: becomes a cache
            assert cache.symbols() == []
        return
    with pytest.raises(ForeignCacheError, match="not a MarketReview cache") as caught:
        Cache(target)
    assert target.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mydata.csv"]  # nothing renamed, no -wal/-shm
    assert str(target) in str(caught.value)


def test_another_programs_sqlite_database_is_refused_and_left_byte_identical(tmp_path: Path) -> None:
    import sqlite3

    other = tmp_path / "app.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
        conn.execute("INSERT INTO notes (text) VALUES ('keep me')")
    conn.close()
    before = other.read_bytes()
    with pytest.raises(ForeignCacheError, match="another program's SQLite database"):
        Cache(other)
    assert other.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app.db"]
    with sqlite3.connect(other) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)  # not switched to WAL
        assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master")] == ["notes"]
    conn.close()


def test_a_version_1_cache_is_migrated_with_each_rows_source(tmp_path: Path) -> None:
    """A cache written before provenance (no application id, rows keyed by symbol and date) keeps its rows."""
    import sqlite3

    path = tmp_path / "v1.sqlite"
    with sqlite3.connect(path) as conn:
        conn.executescript("""
            CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
            CREATE TABLE prices (symbol TEXT NOT NULL, date TEXT NOT NULL, close REAL NOT NULL, adj_close REAL,
                source TEXT NOT NULL, fetched_at TEXT NOT NULL, PRIMARY KEY (symbol, date)) WITHOUT ROWID;
            CREATE TABLE coverage (symbol TEXT NOT NULL, start TEXT NOT NULL, "end" TEXT NOT NULL,
                source TEXT NOT NULL, fetched_at TEXT NOT NULL, PRIMARY KEY (symbol, start)) WITHOUT ROWID;
            INSERT INTO meta VALUES ('schema_version', '1');
            INSERT INTO prices VALUES ('^GSPC', '2024-12-27', 5970.84, NULL, 'yahoo', '2025-01-01T00:00:00+00:00');
            INSERT INTO prices VALUES ('^NDX', '2024-12-27', 21393.8, NULL, 'demo', '2025-01-01T00:00:00+00:00');
            INSERT INTO coverage VALUES ('^GSPC', '2024-12-27', '2024-12-27', 'yahoo', '2025-01-01T00:00:00+00:00');
        """)
    conn.close()
    with Cache(path) as cache:
        assert cache.read(["^GSPC"], source="yahoo")[("close", "^GSPC")].tolist() == [5970.84]
        assert cache.read(["^NDX"], source="yahoo").empty  # demo rows are not yahoo's
        assert cache.read(["^NDX"], source="demo")[("close", "^NDX")].tolist() == [21393.8]
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA application_id").fetchone() == (0x4D526576,)
    conn.close()


def test_a_truncated_cache_file_is_moved_aside_and_rebuilt(cache_path: Path) -> None:
    with Cache(cache_path) as cache:
        assert make_world(cache).engine.ensure(["SP500", "NDX"]).ok
    data = cache_path.read_bytes()
    for suffix in ("-wal", "-shm"):
        Path(f"{cache_path}{suffix}").unlink(missing_ok=True)
    cache_path.write_bytes(data[: len(data) // 3])
    with Cache(cache_path) as cache:
        world = make_world(cache)
        assert world.engine.ensure(["NDX"]).ok
        assert functions.call(world.engine, "CLOSE", "NDX", "2025-01-10").value == fake_close("^NDX", "2025-01-10")
        assert any("rebuilt" in m for m in cache.messages)


def test_the_cli_says_the_cache_was_rebuilt(tmp_path: Path) -> None:
    """A user running the command sees the message on stderr (and still gets the answer)."""
    cache = tmp_path / "prices.sqlite"
    _damaged_cache_of_ours(cache)
    env = {**os.environ, "MARKETREVIEW_CACHE": str(tmp_path / "unused.sqlite")}
    argv = ["call", "CLOSE", "SP500", "--source", "demo", "--cache", str(cache)]
    done = subprocess.run([sys.executable, "-m", "marketreview.cli", *argv], capture_output=True, text=True,
                          env=env, check=False)
    assert done.returncode == 0, done.stderr
    float(done.stdout)
    assert "was damaged" in done.stderr and "rebuilt" in done.stderr


def test_the_corrupt_cache_never_reaches_a_cell_as_an_exception(cache_path: Path) -> None:
    """The UDF surface: a cache that cannot be reopened (a folder where the file was) is error text."""
    udfs = pytest.importorskip("marketreview_udfs")
    cache_path.parent.mkdir(parents=True)
    with Cache(cache_path) as cache:
        world = make_world(cache)
        udfs.set_engine(world.engine)
        try:
            cache.close()
            cache_path.unlink()
            cache_path.mkdir()  # the file is gone and cannot be recreated
            shown = udfs.CLOSEPRICE("SP500", "2025-01-03")
        finally:
            udfs.set_engine(None)
    assert isinstance(shown, str) and shown.startswith("#") and "internal error" not in shown
    assert str(cache_path) in shown


@pytest.fixture(autouse=True)
def _no_real_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Belt and braces: any real yfinance or requests call in this module fails the test."""
    def refuse(*_: Any, **__: Any) -> Any:
        raise AssertionError("a test reached the real network")

    monkeypatch.setattr(yfinance, "download", refuse)
    monkeypatch.setattr(requests, "get", refuse)
    yield


def test_an_infinite_close_fails_its_symbol_only(world: World) -> None:
    def infinite_jan_8(frame: pd.DataFrame) -> pd.DataFrame:
        frame.loc["2025-01-08", "Close"] = float("inf")
        return frame

    world.yahoo.edit["^NDX"] = infinite_jan_8
    report = world.engine.ensure(["SP500", "NDX"])
    assert list(report.failed) == ["NDX"] and "2025-01-08" in str(report.failed["NDX"])
    assert world.engine.cache.symbols() == ["^GSPC"]


# -- a CSV folder is the source of truth on every use (issue 21) ----------------------------------------------

MYF_ROWS = "date,close\n2024-12-26,104.50\n2024-12-27,104.75\n"
READ_AT = dt.datetime(2025, 1, 10, 11, 58, tzinfo=UTC)


def _folder(tmp_path: Path, cache: Cache, clock: list[dt.datetime], fetch_missing: bool = True) -> Engine:
    from marketreview.sources.csvdir import CsvDirSource

    return Engine(Router(CsvDirSource(tmp_path)), cache, clock=lambda: clock[0], tz=UTC,
                  fetch_missing=fetch_missing)


def _latin1(path: Path) -> None:
    path.write_bytes("date,close,note\n2024-12-26,104.50,caf\xe9\n2024-12-27,104.75,caf\xe9\n".encode("latin-1"))


@pytest.mark.parametrize(("damage", "said"), [
    (lambda p: p.unlink(), "its file is gone since 12:04 (no file for MYF in"),
    (_latin1, "its file is unreadable since 12:04 (" ),
    (lambda p: p.write_text("date,close\n2024-12-26,104,50\n2024-12-27,104,75\n"), "line 2: 3 fields"),
], ids=["deleted", "latin-1", "comma-decimals"])
def test_a_csv_damaged_after_it_was_read_never_serves_its_old_values_plainly(
        tmp_path: Path, tmp_cache: Cache, damage: Callable[[Path], None], said: str) -> None:
    path = tmp_path / "MYF.csv"
    path.write_text(MYF_ROWS)
    clock = [READ_AT]
    assert functions.call(_folder(tmp_path, tmp_cache, clock), "CLOSE", "MYF", "2024-12-27").value == 104.75
    damage(path)
    clock[0] = READ_AT + dt.timedelta(minutes=6)
    engine = _folder(tmp_path, tmp_cache, clock)  # the next `marketreview call`
    answer = functions.call(engine, "CLOSE", "MYF", "2024-12-27")
    assert answer.value is None and said in answer.error.excel_text
    assert "the values read at 11:58 are not served" in answer.error.excel_text
    report = _folder(tmp_path, tmp_cache, clock).ensure(["MYF"])  # `marketreview fetch MYF`
    assert "MYF" in report.failed and report.requests == {"csv": 1}
    assert "11:58" in str(report.failed["MYF"])


def test_fetch_of_a_deleted_csv_never_says_up_to_date(tmp_path: Path, tmp_cache: Cache,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "MYF.csv").write_text(MYF_ROWS)
    monkeypatch.setenv("MARKETREVIEW_CACHE", str(tmp_path / "cache.sqlite"))
    argv = ["--source", f"csv:{tmp_path}"]
    assert cli.main(["fetch", "MYF", *argv]) == 0
    (tmp_path / "MYF.csv").unlink()
    capsys.readouterr()
    assert cli.main(["fetch", "MYF", *argv]) != 0
    out = capsys.readouterr()
    assert "up to date" not in out.out + out.err and "its file is gone" in out.out + out.err


def test_in_excel_a_rewritten_csv_is_read_again_in_the_next_burst(tmp_path: Path, tmp_cache: Cache) -> None:
    """One engine for the whole session (the UDF process): each burst looks at each file it uses once."""
    path = tmp_path / "MYF.csv"
    path.write_text(MYF_ROWS)
    clock = [READ_AT]
    engine = _folder(tmp_path, tmp_cache, clock, fetch_missing=False)
    engine.ensure(["MYF"])
    engine.reload_if_changed()
    assert functions.call(engine, "CLOSE", "MYF", "2024-12-27").value == 104.75
    path.write_text(MYF_ROWS.replace("104.75", "204.75"))
    engine.reload_if_changed()  # the next calculation burst
    assert functions.call(engine, "CLOSE", "MYF", "2024-12-27").value == 204.75
    _latin1(path)
    clock[0] = READ_AT + dt.timedelta(minutes=6)
    engine.reload_if_changed()
    answer = functions.call(engine, "CLOSE", "MYF", "2024-12-27")
    assert answer.value is None and "unreadable since 12:04" in answer.error.excel_text
    path.write_text(MYF_ROWS)  # fixed again
    engine.reload_if_changed()
    assert functions.call(engine, "CLOSE", "MYF", "2024-12-27").value == 104.75


# -- settings files as users save them (issue 21) -----------------------------------------------------------


@pytest.mark.parametrize("data", [
    codecs.BOM_UTF8 + b'{"lang": "en", "source": "demo"}',            # Notepad's "UTF-8 with BOM"
    '{"lang": "en", "source": "demo"}'.encode("utf-16"),                # Notepad's "Unicode" (UTF-16 LE + BOM)
    codecs.BOM_UTF16_BE + '{"lang": "en", "source": "demo"}'.encode("utf-16-be"),
], ids=["utf-8-bom", "utf-16-le", "utf-16-be"])
def test_a_settings_file_saved_with_a_bom_or_as_utf16_is_read(_own_settings_file: Path, data: bytes) -> None:
    from marketreview import settings

    _own_settings_file.write_bytes(data)
    assert settings.read_file() == {"lang": "en", "source": "demo"}


BINARY_SETTINGS = b"\x00\x01\x02\xff\xfegarbage\x99"


def test_a_binary_settings_file_is_a_clear_error_in_every_command_and_cell(
        _own_settings_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    _own_settings_file.write_bytes(BINARY_SETTINGS)
    monkeypatch.setenv("MARKETREVIEW_CACHE", str(tmp_path / "cache.sqlite"))
    for argv in (["config"], ["call", "CLOSE", "SP500", "2024-12-27", "--source", "demo"],
                 ["build", "--source", "demo", "--out", str(tmp_path / "r.xlsx")]):
        assert cli.main(argv) == 2, argv
        err = capsys.readouterr().err
        assert f"#VALUE! settings file {_own_settings_file}: is not UTF-8 or UTF-16" in err, argv
        assert "marketreview config --reset" in err
    assert cli.main(["symbols"]) == 0  # a command that needs no settings still runs
    assert capsys.readouterr().out.startswith("alias,")
    udfs = pytest.importorskip("marketreview_udfs")
    udfs.set_engine(None)
    try:
        shown = udfs.CLOSEPRICE("SP500", "2024-12-27")
    finally:
        udfs.set_engine(None)
    assert isinstance(shown, str) and shown.startswith(f"#VALUE! settings file {_own_settings_file}: ")
    assert cli.main(["config", "--reset", "--lang", "en"]) == 0
    assert json.loads(_own_settings_file.read_text()) == {"lang": "en"}


def test_a_settings_folder_that_cannot_be_written_is_named(_own_settings_file: Path, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "afile"
    blocker.write_text("not a folder")
    monkeypatch.setenv("MARKETREVIEW_SETTINGS", str(blocker / "settings.json"))
    assert cli.main(["config", "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert f"settings file {blocker / 'settings.json'}: cannot be written: the folder {blocker}" in err

    def read_only(*_: Any, **__: Any) -> Any:  # what a read-only folder gives a non-root user
        raise PermissionError(13, "Permission denied")

    monkeypatch.setenv("MARKETREVIEW_SETTINGS", str(_own_settings_file))
    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    assert cli.main(["config", "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert f"the folder {_own_settings_file.parent} is not writable (Permission denied)" in err


# -- a damaged row in our own cache (issue 21) -------------------------------------------------------------


@pytest.mark.parametrize(("change", "said"), [
    ("date = '2024-13-45'", "date=2024-13-45): date '2024-13-45' is not a calendar day"),
    ("close = 'abc'", "date=2024-12-20): close 'abc' is not a number"),
    ("adj_close = 'x'", "date=2024-12-20): adj_close 'x' is not a number"),
], ids=["bad-date", "text-close", "text-adj-close"])
def test_a_damaged_cache_row_is_named_by_table_and_key_and_rebuilt_by_the_next_fetch(
        cache_path: Path, change: str, said: str) -> None:
    import sqlite3

    with Cache(cache_path) as cache:
        assert make_world(cache).engine.ensure(["SP500"]).ok
    with sqlite3.connect(cache_path) as conn:  # another program (or a disk fault) damaged one row
        conn.execute(f"UPDATE prices SET {change} WHERE symbol = '^GSPC' AND date = '2024-12-20'")
    conn.close()
    with Cache(cache_path) as cache:
        world = make_world(cache)
        for function, args in (("CLOSE", ("SP500", "2024-12-27")), ("PERF", ("SP500", "2024-12-02", "2024-12-27"))):
            answer = functions.call(world.engine, function, *args)
            assert answer.value is None, function
            assert "damaged row in table prices at (source=yahoo, symbol=^GSPC, " + said in answer.error.excel_text
    with Cache(cache_path) as cache:  # the next run fetches the dropped rows again
        world = make_world(cache)
        assert functions.call(world.engine, "CLOSE", "SP500", "2024-12-20").value == fake_close("^GSPC", "2024-12-20")
        assert world.yahoo.calls


# -- review and charts follow build's output-file rules (issue 21) ------------------------------------------


def test_review_replaces_a_post_atomically_keeping_its_permissions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    post = tmp_path / "post.md"
    post.write_text("last week's post\n")
    post.chmod(0o640)
    monkeypatch.setenv("MARKETREVIEW_CACHE", str(tmp_path / "cache.sqlite"))
    argv = ["review", "--source", "demo", "--asof", "2024-12-27", "--out", str(post)]
    assert cli.main([*argv, "--charts", str(tmp_path / "post.md" / "charts")]) == 2  # nothing half-written
    assert "post.md is a file" in capsys.readouterr().err and post.read_text() == "last week's post\n"
    assert cli.main(argv) == 0
    assert post.stat().st_mode & 0o777 == 0o640 and post.read_text().startswith("#")
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".~")) == []


# -- outside text escaped where it lands (issue 21) ----------------------------------------------------------

HOSTILE_MAP = ("alias,tickers,group,label_en,label_ja\n"
               "DOW,^DJI,us_indices,Dow | Jones,ダウ|平均\n"
               "NDX,^NDX,us_indices,<script>alert(1)</script>,# 見出し\n"
               "SP500,^GSPC,us_indices,[click](javascript:alert(1)),=cmd|' /C calc'!A0\n"
               "NASDAQ,^IXIC,us_indices,$\\frac{1$ cost,$x^$\n")


def _hostile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    (tmp_path / "map.csv").write_text(HOSTILE_MAP, encoding="utf-8")
    monkeypatch.setenv("MARKETREVIEW_CACHE", str(tmp_path / "cache.sqlite"))
    return ["--source", "demo", "--asof", "2024-12-27", "--symbol-map", str(tmp_path / "map.csv")]


def test_labels_from_a_symbol_map_are_text_in_the_markdown_post(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    import re

    common = _hostile(tmp_path, monkeypatch)
    for lang in ("en", "ja"):
        assert cli.main(["review", *common, "--lang", lang]) == 0
        post = capsys.readouterr().out
        columns: list[int] = []  # per table: the header's column count, then each row's
        for line in [*post.splitlines(), ""]:
            if line.startswith("|"):
                columns.append(len(re.split(r"(?<!\\)\|", line)))
                continue
            assert len(set(columns)) <= 1, (lang, columns)
            columns = []
        assert "<script>" not in post and "](javascript:" not in post.replace(r"\](javascript:", "")
        assert not any(line.lstrip("|- ").startswith("# ") for line in post.splitlines()[1:])
        assert (r"| Dow \| Jones |" if lang == "en" else r"| ダウ\|平均 |") in post


def test_the_symbols_listing_quotes_a_formula_label(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    import csv
    import io

    common = _hostile(tmp_path, monkeypatch)
    assert cli.main(["symbols", "--symbol-map", common[-1]]) == 0
    rows = {r[0]: r for r in csv.reader(io.StringIO(capsys.readouterr().out))}
    assert rows["SP500"][4] == "'=cmd|' /C calc'!A0" and rows["DOW"][3] == "Dow | Jones"


def test_a_dollar_in_a_label_is_drawn_as_text_not_mathtext(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("matplotlib")
    common = _hostile(tmp_path, monkeypatch)
    assert cli.main(["charts", *common, "--lang", "en", "--out", str(tmp_path / "charts")]) == 0, \
        capsys.readouterr().err
    assert (tmp_path / "charts" / "index_moves.png").is_file()


# -- values no market produces (issue 21) --------------------------------------------------------------------


def test_a_negative_close_in_a_price_file_is_an_error_naming_the_file_and_line(tmp_path: Path,
                                                                              tmp_cache: Cache) -> None:
    (tmp_path / "MYF.csv").write_text("date,close\n2024-12-20,103.00\n2024-12-23,-2.90\n2024-12-27,104.75\n")
    engine = _folder(tmp_path, tmp_cache, [READ_AT])
    answer = functions.call(engine, "PERF", "MYF", "2024-12-20", "2024-12-27")  # was -378%
    assert answer.value is None
    assert f"{tmp_path / 'MYF.csv'} line 3: close -2.90 is not a price" in answer.error.excel_text


def test_a_yield_or_rate_may_be_negative(tmp_path: Path, tmp_cache: Cache) -> None:
    (tmp_path / "index.csv").write_text("file,symbol,kind,adjusted,notes\nJGB.csv,JGB2Y,yield,no,typed in\n")
    (tmp_path / "JGB.csv").write_text("date,close\n2024-12-26,-0.10\n2024-12-27,-0.05\n")
    (tmp_path / "DGS2.csv").write_text("date,close\n2024-12-26,0.00\n2024-12-27,-0.01\n")  # a rate of the map
    engine = _folder(tmp_path, tmp_cache, [READ_AT])
    assert functions.call(engine, "CLOSE", "JGB2Y", "2024-12-27").value == -0.05
    assert functions.call(engine, "CLOSE", "DGS2", "2024-12-27").value == -0.01


def test_a_stored_holdings_weight_in_percent_is_refused_when_read_back(cache_path: Path) -> None:
    import sqlite3

    from holdings_fakes import FakeGet, FakeTickers

    from marketreview.sources.holdings import HoldingsSource

    now = dt.datetime(2025, 6, 13, 15, 0, tzinfo=UTC)

    def engine(cache: Cache) -> Engine:
        router = Router(FunctionSource(lambda s, d: pd.Series(100.0, index=d).to_numpy(), name="yahoo"),
                        holdings=HoldingsSource(FakeTickers(), FakeGet()))
        return Engine(router, cache, clock=lambda: now)

    with Cache(cache_path) as cache:
        assert functions.call(engine(cache), "MAG7SHARE", "2025-06-12").error is None
    with sqlite3.connect(cache_path) as conn:  # NVDA's weight stored in percent, where a fraction belongs
        conn.execute("UPDATE holdings_weights SET weight = weight * 100 WHERE symbol = 'NVDA'")
    conn.close()
    with Cache(cache_path) as cache:
        answer = functions.call(engine(cache), "MAG7SHARE", "2025-06-12")
        assert answer.value is None, answer.value  # was 785.7%
        assert "damaged row in table holdings_weights at (date=2025-06-12, symbol=NVDA): weight" in str(answer.error)
        assert "not a fraction between 0 and 1" in str(answer.error)
        assert cache.holdings() == []  # dropped: the next fetch --all takes a new one


# -- say what was cut (issue 21) -------------------------------------------------------------------------------


def test_history_from_before_the_data_says_where_the_data_starts(tmp_path: Path, tmp_cache: Cache) -> None:
    (tmp_path / "MYF.csv").write_text("date,close\n2024-12-02,100.00\n2024-12-03,100.25\n2024-12-06,101.00\n")
    engine = _folder(tmp_path, tmp_cache, [READ_AT])
    answer = functions.call(engine, "HISTORY", "MYF", "2019-01-01", "2024-12-06")
    assert answer.value[1] == [dt.date(2024, 12, 2), 100.0]
    assert answer.warnings == ("MYF: data starts 2024-12-02 (asked from 2019-01-01)",)
    weekend = functions.call(engine, "HISTORY", "MYF", "2024-11-30", "2024-12-06")  # Saturday: nothing was cut
    assert weekend.value[1] == [dt.date(2024, 12, 2), 100.0] and weekend.warnings == ()


def test_a_symbol_map_rebinding_a_default_alias_or_ticker_warns_at_load(tmp_path: Path, tmp_cache: Cache,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    from marketreview.symbols import SymbolMap

    mapping = tmp_path / "mine.csv"
    mapping.write_text("alias,tickers,label_en\n^GSPC,^NDX,my index\nQQQ,SPY,not the Nasdaq fund\n"
                       "MYSPX,^GSPC,S&P again\nDOW,^DJI,Dow (my label)\n")
    loaded = SymbolMap.default().with_overrides(mapping)
    assert loaded.warnings == (
        f"{mapping}:2: ^GSPC means ^NDX here; in the default map ^GSPC is the ticker of SP500",
        f"{mapping}:3: QQQ means SPY here; in the default map it means QQQ",
    )
    assert loaded.resolve("^GSPC").ticker == "^NDX"  # served as written, but said
    assert cli.main(["symbols", "--symbol-map", str(mapping)]) == 0
    assert "warning: " + loaded.warnings[0] in capsys.readouterr().err


# -- smaller (issue 21) ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("function", "args", "said"), [
    ("CLOSE", ("X" * 40_000,), "bad ticker 'XXXXXXXX"),
    ("PERF", ("SP500", "1" * 40_000), "bad start '11111111"),
    ("MACROSERIES", ("SP500", "2024-12-27", "u" * 40_000), "bad units 'uuuuuuuu"),
    ("YIELDCHG", ("T" * 40_000, "1W"), "bad tenor 'TTTTTTTT"),
], ids=["ticker", "date", "units", "tenor"])
def test_a_long_input_is_echoed_cut_to_60_characters(world: World, function: str, args: tuple[str, ...],
                                                      said: str) -> None:
    answer = functions.call(world.engine, function, *args)
    assert answer.error is not None and said in str(answer.error)
    echoed = str(answer.error).split(" ", 2)[2].split(": ", 1)[0]  # bad <argument> <echo>: <reason>
    assert len(echoed) == 60 and echoed.endswith("…")
    assert len(answer.error.excel_text) < 400


def test_a_fetch_time_in_the_future_is_named_as_clock_skew(cache_path: Path) -> None:
    import sqlite3

    from holdings_fakes import FakeGet, FakeTickers

    from marketreview.sources.holdings import HoldingsSource

    now = dt.datetime(2025, 6, 13, 15, 0, tzinfo=UTC)

    def engine(cache: Cache, offline: bool) -> Engine:
        router = Router(FunctionSource(lambda s, d: pd.Series(100.0, index=d).to_numpy(), name="yahoo"),
                        holdings=HoldingsSource(FakeTickers(), FakeGet()))
        return Engine(router, cache, clock=lambda: now, offline=offline)

    with Cache(cache_path) as cache:
        assert functions.call(engine(cache, False), "MAG7SHARE", "2025-06-12").error is None
    with sqlite3.connect(cache_path) as conn:  # written by a machine whose clock was four years ahead
        conn.execute("UPDATE holdings_snapshots SET fetched_at = '2029-07-11T15:00:00.000000+00:00'")
    conn.close()
    with Cache(cache_path) as cache:
        answer = functions.call(engine(cache, True), "MAG7SHARE", "2025-06-12")
    note = next(w for w in answer.warnings if "holdings snapshot" in w)
    assert "fetched at 2029-07-11 15:00 UTC, 1489.0 days ahead of this computer's clock (clock skew" in note
    assert "-1489" not in note


def test_a_formula_engine_sees_tickers_another_process_fetched_in_the_next_burst(cache_path: Path) -> None:
    """The one-query list of held tickers (what answers 5,000 unknown tickers fast) never hides new rows."""
    with Cache(cache_path) as excel_cache, Cache(cache_path) as refresh_cache:
        excel = make_world(excel_cache).engine
        excel.fetch_missing = False
        excel.reload_if_changed()
        column = [["SP500"], ["XNOPE1"], ["XNOPE2"]]
        before = functions.call(excel, "CLOSE", column, "2025-01-03")
        assert all("not loaded yet" in str(a[0].error) for a in before)
        assert make_world(refresh_cache).engine.ensure(["SP500"]).ok  # the Refresh button's process
        excel.reload_if_changed()  # the next calculation burst
        after = functions.call(excel, "CLOSE", column, "2025-01-03")
        assert after[0][0].value == fake_close("^GSPC", "2025-01-03")
        assert "not loaded yet" in str(after[1][0].error)


def test_closeprice_in_excel_follows_a_rewritten_csv(tmp_path: Path, tmp_cache: Cache,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 21's Excel repro through the UDF module: =CLOSEPRICE("MYF", …) stayed 104.75 after the rewrite."""
    udfs = pytest.importorskip("marketreview_udfs")
    path = tmp_path / "MYF.csv"
    path.write_text(MYF_ROWS)
    clock = [READ_AT]
    engine = _folder(tmp_path, tmp_cache, clock, fetch_missing=False)
    engine.ensure(["MYF"])  # what Refresh did
    ticks = iter(range(100, 10_000, 10))  # each UDF call is a new calculation burst (seconds apart)
    monkeypatch.setattr(udfs.time, "monotonic", lambda: float(next(ticks)))
    udfs.set_engine(engine)
    try:
        assert udfs.CLOSEPRICE("MYF", "2024-12-27") == 104.75
        path.write_text(MYF_ROWS.replace("104.75", "204.75"))
        assert udfs.CLOSEPRICE("MYF", "2024-12-27") == 204.75
        path.unlink()
        shown = udfs.CLOSEPRICE("MYF", "2024-12-27")
    finally:
        udfs.set_engine(None)
    assert isinstance(shown, str) and shown.startswith("#N/A MYF: its file is gone since")
