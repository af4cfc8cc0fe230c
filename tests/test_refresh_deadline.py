"""A refresh has a deadline (issue 20): RunPython blocks Excel while the Refresh button runs, so a slow source is
given up when the deadline passes; what was not fetched keeps its previous values, and the status line and the
figures' marks say so. Closes: conftest.linear_prices (each symbol its own line, fake_close by hand).
"""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from conftest import fake_close, linear_prices
from fake_book import Book, settings_book

from marketreview.cache import Cache
from marketreview.deadline import DEFAULT_SECONDS, REQUEST_TIMEOUT, call_within
from marketreview.engine import Engine
from marketreview.errors import BadArgumentError, DeadlineError
from marketreview.excel.refresh import read_config, refresh_book, refresh_deadline
from marketreview.sources.base import FunctionSource
from marketreview.sources.fred import FredSource
from marketreview.sources.holdings import HoldingsSource
from marketreview.sources.router import Router
from marketreview.sources.yahoo import YahooSource

NOW = dt.datetime(2025, 1, 10, 23, 0, tzinfo=dt.timezone.utc)
LATER = NOW + dt.timedelta(days=7)


class Hanging:
    """A source whose requests hang (a network that never answers) until released."""

    name = "slow"

    def __init__(self) -> None:
        self.release = threading.Event()
        self.calls = 0

    def fetch(self, symbols, start, end):  # type: ignore[no-untyped-def]
        self.calls += 1
        self.release.wait(30)
        raise AssertionError("the refresh waited for a hanging request")


def test_defaults_are_within_the_budget():
    assert DEFAULT_SECONDS <= 30 and REQUEST_TIMEOUT <= 10
    assert refresh_deadline(read_config(Book())) == DEFAULT_SECONDS
    assert YahooSource().timeout <= 10 and FredSource().timeout <= 10 and HoldingsSource().timeout <= 10


def test_the_deadline_is_a_setting(monkeypatch):
    book = settings_book(("MARKETREVIEW_REFRESH_DEADLINE", "12.5"))
    assert refresh_deadline(read_config(book)) == 12.5
    monkeypatch.setenv("MARKETREVIEW_REFRESH_DEADLINE", "7")
    assert refresh_deadline(read_config(Book())) == 7.0
    with pytest.raises(BadArgumentError, match="MARKETREVIEW_REFRESH_DEADLINE"):
        read_config(settings_book(("MARKETREVIEW_REFRESH_DEADLINE", "soon")))


def test_call_within_gives_up_and_passes_answers_through():
    assert call_within(lambda: 42, 1.0) == 42
    with pytest.raises(KeyError):
        call_within(lambda: {}["x"], 1.0)
    release = threading.Event()
    t0 = time.monotonic()
    with pytest.raises(TimeoutError):
        call_within(lambda: release.wait(10), 0.2)
    assert time.monotonic() - t0 < 2.0
    release.set()


def sp500_row(book: Book) -> list:
    sheet = book.sheets["US Indices"]
    row = next(r for (r, c), v in sheet.cells.items() if c == 1 and v == "S&P 500")
    return [sheet.cells.get((row, c)) for c in range(1, 12)]


def test_a_hanging_source_is_given_up_at_the_deadline_and_the_old_values_stay(tmp_path):
    cache = Cache(tmp_path / "prices.sqlite")
    warm = Engine(Router(FunctionSource(linear_prices, name="slow")), cache, clock=lambda: NOW)
    book = settings_book(("MARKETREVIEW_REFRESH_DEADLINE", "120"))
    assert refresh_book(book, warm, lang="en").ok  # last week's refresh, from a working source
    before = sp500_row(book)
    assert fake_close("^GSPC", "2025-01-10") in before

    hanging = Hanging()
    engine = Engine(Router(hanging), cache, clock=lambda: LATER)
    book.sheets["xlwings.conf"].range((1, 2)).value = "0.5"
    t0 = time.monotonic()
    result = refresh_book(book, engine, lang="en")
    took = time.monotonic() - t0
    hanging.release.set()
    assert took < 5.0, took  # not 30 s per request, and not one wait per fallback level
    assert hanging.calls == 1  # the deadline also stops the later requests (fallbacks, other batches)
    assert not result.ok
    assert all("refresh deadline (0.5 s)" in reason for reason in result.failed.values()), result.failed
    status = book.sheets["US Indices"].cells[(3, 1)]
    assert "refresh deadline (0.5 s)" in status and "previous values kept" in status, status
    assert fake_close("^GSPC", "2025-01-10") in sp500_row(book)  # the previous close stays
    assert isinstance(engine.failure("SP500"), DeadlineError)
    cache.close()


def test_a_slow_source_costs_only_its_symbols_and_their_figures_say_so(tmp_path):
    cache = Cache(tmp_path / "prices.sqlite")
    dow = FunctionSource(linear_prices, name="slow-dow")  # last week, the Dow's source answered
    warm = Engine(Router(FunctionSource(linear_prices, name="slow"), [(lambda t: t == "^DJI", dow)]), cache,
                  clock=lambda: NOW)
    book = settings_book(("MARKETREVIEW_REFRESH_DEADLINE", "120"))
    assert refresh_book(book, warm, lang="en").ok

    hanging = Hanging()
    hanging.name = "slow-dow"
    engine = Engine(Router(FunctionSource(linear_prices, name="slow"), [(lambda t: t == "^DJI", hanging)]),
                    cache, clock=lambda: LATER)
    book.sheets["xlwings.conf"].range((1, 2)).value = "1"
    result = refresh_book(book, engine, lang="en")
    hanging.release.set()
    assert set(result.failed) == {"DOW"}, result.failed
    sheet = book.sheets["US Indices"]
    status = sheet.cells[(3, 1)]
    assert "DOW (slow-dow: not fetched within the refresh deadline (1 s); previous values kept)" in status, status
    row = next(r for (r, c), v in sheet.cells.items() if c == 1 and v == "Dow Jones Industrial Average")
    notes = [n.text for (r, _), n in sheet.notes.items() if r == row]
    assert any("STALE: fetch failed (slow-dow: not fetched within the refresh deadline" in n for n in notes), notes
    assert fake_close("^DJI", "2025-01-10") in [sheet.cells.get((row, c)) for c in range(1, 12)]  # kept
    cache.close()
