"""Fund-holdings snapshots in a real SQLite cache file: stored with date and source, one per date, read back in
order, and a cache made before the holdings tables existed gets them on its first snapshot."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from marketreview.cache import Cache
from marketreview.types import HoldingsSnapshot

FETCHED = dt.datetime(2025, 6, 13, 15, 0, tzinfo=dt.timezone.utc)


def snapshot(day: str, nvda: float, note: tuple[str, ...] = ()) -> HoldingsSnapshot:
    return HoldingsSnapshot(date=dt.date.fromisoformat(day), weights={"NVDA": nvda, "TSLA": 0.02},
                            source=f"SPY top holdings (yfinance) {day}",
                            basis={"NVDA": "listed", "TSLA": "estimated from its market cap relative to NVDA"},
                            fetched_at=FETCHED, notes=note)


def test_round_trip_in_date_order(tmp_cache: Cache) -> None:
    later, earlier = snapshot("2025-06-16", 0.081), snapshot("2025-06-12", 0.080, ("mag7: TSLA estimated",))
    tmp_cache.write_holdings(later)
    tmp_cache.write_holdings(earlier)
    assert tmp_cache.holdings() == [earlier, later]


def test_same_date_is_replaced(tmp_cache: Cache) -> None:
    tmp_cache.write_holdings(snapshot("2025-06-12", 0.080))
    replacement = HoldingsSnapshot(date=dt.date(2025, 6, 12), weights={"NVDA": 0.079}, source="second fetch",
                                   basis={"NVDA": "listed"}, fetched_at=FETCHED + dt.timedelta(hours=6))
    tmp_cache.write_holdings(replacement)
    assert tmp_cache.holdings() == [replacement]  # TSLA's row from the first fetch is gone too


def test_cache_from_before_the_holdings_tables(cache_path: Path) -> None:
    Cache(cache_path).close()
    with sqlite3.connect(cache_path) as conn:
        conn.execute("DROP TABLE holdings_weights")
        conn.execute("DROP TABLE holdings_snapshots")
    conn.close()
    with Cache(cache_path) as cache:
        assert cache.holdings() == []
        cache.write_holdings(snapshot("2025-06-12", 0.080))
        assert [s.weights["NVDA"] for s in cache.holdings()] == [pytest.approx(0.080)]
