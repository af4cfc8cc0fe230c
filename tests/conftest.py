"""Shared fixtures: the real-data folder, a temporary SQLite cache and a fake source. No test builds its own."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import time
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from marketreview.sources.base import FunctionSource

REPO = Path(__file__).resolve().parents[1]
# Tests never write into the user's cache directory: calendar memos go to a throwaway folder.
os.environ.setdefault("MARKETREVIEW_CALENDAR_CACHE", tempfile.mkdtemp(prefix="mr-calendars-"))
# "Today" is the user's local date: the suite runs in UTC wherever it runs; time-zone tests pass their own zone.
os.environ["TZ"] = "UTC"
time.tzset()
MARKET_DIR = Path(os.environ.get("MARKETREVIEW_TEST_DATA", REPO.parent / "shared" / "data" / "market"))
RESOURCES = Path(__file__).resolve().parent / "resources"


@pytest.fixture(autouse=True)
def _own_settings_file(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Tests never read or write the user's settings file: each test gets its own (absent until written)."""
    path = tmp_path_factory.mktemp("settings") / "settings.json"
    monkeypatch.setenv("MARKETREVIEW_SETTINGS", str(path))
    return path


@pytest.fixture(scope="session")
def market_dir() -> Path:
    """The real daily closes beside the checkout (``../shared/data/market``); skipped on a fresh clone."""
    if not (MARKET_DIR / "index.csv").is_file():
        pytest.skip(f"real market data not found at {MARKET_DIR} (set MARKETREVIEW_TEST_DATA or put ../shared beside "
                    "the checkout); integration tests need it")
    return MARKET_DIR


@pytest.fixture
def cache_path(tmp_path: Path) -> Path:
    return tmp_path / "cache" / "prices.sqlite"


@pytest.fixture
def tmp_cache(cache_path: Path):
    """A real SQLite cache file in a temporary folder."""
    from marketreview.cache import Cache

    cache = Cache(cache_path)
    yield cache
    cache.close()


def price_path(symbol: str) -> tuple[float, float] | None:
    """The fake source's straight line for ``symbol``: (close on 2020-01-01, rise per calendar day), or None for
    symbols starting with "X" (unknown to the fake source). Every symbol gets its OWN line, from the CRC-32 of its
    name (a level of 100..1096 and a slope of 0.25..3.00, both exact in binary), so a test that mixes two symbols
    up (2Y for 10Y, numerator for denominator) sees different numbers."""
    if symbol.startswith("X"):
        return None
    code = zlib.crc32(symbol.encode("utf-8"))
    return 100.0 + code % 997, 0.25 * (1 + (code >> 10) % 12)


def fake_close(symbol: str, day: str | dt.date) -> float:
    """The close :func:`linear_prices` gives ``symbol`` on ``day`` (ISO text or a date), computed by hand."""
    path = price_path(symbol)
    assert path is not None, f"{symbol} is unknown to the fake source"
    when = dt.date.fromisoformat(day) if isinstance(day, str) else day
    return path[0] + path[1] * (when - dt.date(2020, 1, 1)).days


def linear_prices(symbol: str, dates: pd.DatetimeIndex) -> np.ndarray | None:
    """Known answers: the close on day ``d`` is ``level + slope * (d - 2020-01-01) in days``, with each symbol's
    own level and slope (:func:`price_path`). Symbols starting with "X" are unknown to the fake source."""
    path = price_path(symbol)
    if path is None:
        return None
    days = (dates - pd.Timestamp("2020-01-01")).days.to_numpy(dtype=float)
    return path[0] + path[1] * days


@pytest.fixture
def fake_source() -> FunctionSource:
    """Weekday closes from :func:`linear_prices`; ``fake_source.calls`` counts requests."""
    return FunctionSource(linear_prices, name="fake")
