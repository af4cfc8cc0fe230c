"""Shared fixtures: the real-data folder, a temporary SQLite cache and a fake source. No test builds its own."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from marketreview.sources.base import FunctionSource

REPO = Path(__file__).resolve().parents[1]
# Tests never write into the user's cache directory: calendar memos go to a throwaway folder.
os.environ.setdefault("MARKETREVIEW_CALENDAR_CACHE", tempfile.mkdtemp(prefix="mr-calendars-"))
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


def linear_prices(symbol: str, dates: pd.DatetimeIndex) -> np.ndarray | None:
    """Known answers: the close on day ``d`` is ``100 + (d - 2020-01-01) in days`` (+1000 for symbol "B").
    Symbols starting with "X" are unknown to the fake source."""
    if symbol.startswith("X"):
        return None
    days = (dates - pd.Timestamp("2020-01-01")).days.to_numpy(dtype=float)
    return 100.0 + days + (1000.0 if symbol == "B" else 0.0)


@pytest.fixture
def fake_source() -> FunctionSource:
    """Weekday closes from :func:`linear_prices`; ``fake_source.calls`` counts requests."""
    return FunctionSource(linear_prices, name="fake")
