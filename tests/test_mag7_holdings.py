"""MAG7SHARE with the default sources: fund-holdings snapshots from the (mocked) holdings source, stored in a real
SQLite cache, through the worksheet function, the UDF, the report's Mag7 and Sources sheets, the xlsx file and the
CLI, online and offline."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
import subprocess
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
import requests
from holdings_fakes import FakeGet, FakeTickers

from marketreview import cli
from marketreview.cache import Cache
from marketreview.engine import Engine
from marketreview.functions import call
from marketreview.render.xlsx import write_xlsx
from marketreview.report.build import build_report
from marketreview.sources.base import FunctionSource
from marketreview.sources.holdings import HoldingsSource
from marketreview.sources.router import Router

# Friday 2025-06-13 11:00 New York: the snapshot is of Thursday's close, 2025-06-12.
NOW = dt.datetime(2025, 6, 13, 15, 0, tzinfo=dt.timezone.utc)
SNAPSHOT_DAY = dt.date(2025, 6, 12)
# Each symbol its own price, flat up to the snapshot day and then moved by its own factor on 2025-06-13.
BASE = {"AAPL": 200.0, "MSFT": 470.0, "GOOGL": 175.0, "AMZN": 210.0, "NVDA": 140.0, "META": 690.0,
        "TSLA": 320.0, "^GSPC": 6000.0}
FACTOR = {"AAPL": 1.05, "MSFT": 0.95, "GOOGL": 1.10, "AMZN": 1.00, "NVDA": 1.20, "META": 0.90, "TSLA": 1.30,
          "^GSPC": 1.02}
# On the snapshot day the share is the sum of the seven index weights (GOOGL 0.024 + GOOG 0.020, TSLA from the
# IVV file: 1.98 / 99.00 = 0.020).
ON_SNAPSHOT = 0.080 + 0.068 + 0.064 + 0.040 + 0.030 + 0.024 + 0.020 + 0.020
# The next day each weight moves with its own price and the total with the index.
NEXT_DAY = (0.064 * 1.05 + 0.068 * 0.95 + 0.044 * 1.10 + 0.040 * 1.00 + 0.080 * 1.20 + 0.030 * 0.90
            + 0.020 * 1.30) / 1.02


def prices(symbol: str, dates: pd.DatetimeIndex) -> np.ndarray:
    base, factor = BASE.get(symbol, 50.0), FACTOR.get(symbol, 1.0)
    return np.where(dates > pd.Timestamp(SNAPSHOT_DAY), base * factor, base)


def live_like_engine(cache: Cache, tickers: FakeTickers | None = None, *, clock: dt.datetime = NOW,
                     offline: bool = False) -> Engine:
    """The default router's shape: a price source and the holdings source (faked at yfinance / HTTP)."""
    router = Router(FunctionSource(prices, name="yahoo"), holdings=HoldingsSource(tickers or FakeTickers(), FakeGet()))
    return Engine(router, cache, offline=offline, clock=lambda: clock)


def test_mag7share_from_a_fetched_snapshot(tmp_cache: Cache) -> None:
    engine = live_like_engine(tmp_cache)
    today = call(engine, "MAG7SHARE")
    assert today.error is None and today.value == pytest.approx(NEXT_DAY, rel=1e-12)
    assert any("member caps anchored at 2025-06-12 (1 day before)" in w for w in today.warnings)
    on_day = call(engine, "MAG7SHARE", "2025-06-12")
    assert on_day.value == pytest.approx(ON_SNAPSHOT, rel=1e-12)
    [stored] = tmp_cache.holdings()
    assert stored.date == SNAPSHOT_DAY and stored.basis["TSLA"] == "IVV holdings file of 2025-06-12"


def test_mag7share_udf(tmp_cache: Cache) -> None:
    import marketreview_udfs as udfs

    udfs.set_engine(live_like_engine(tmp_cache))
    try:
        assert udfs.MAG7SHARE() == pytest.approx(NEXT_DAY, rel=1e-12)
        assert udfs.MAG7SHARE(dt.date(2025, 6, 12)) == pytest.approx(ON_SNAPSHOT, rel=1e-12)
    finally:
        udfs.set_engine(None)


def test_before_the_first_snapshot_is_a_marked_estimate_then_an_error(tmp_cache: Cache) -> None:
    engine = live_like_engine(tmp_cache)
    early = call(engine, "MAG7SHARE", "2025-01-02")
    assert early.value == pytest.approx(ON_SNAPSHOT, rel=1e-12)  # prices were flat before the snapshot
    assert ("mag7: ESTIMATE before the first snapshot with member caps: extrapolated back from 2025-06-12 "
            "(161 days after)") in early.warnings
    too_early = call(engine, "MAG7SHARE", "2024-01-02")
    assert too_early.error is not None
    assert "is before the first snapshot with member caps (2025-06-12, 527 days later)" in str(too_early.error)


def test_each_refresh_stores_a_snapshot_and_anchors_move(cache_path: Path) -> None:
    with Cache(cache_path) as cache:
        live_like_engine(cache).refresh_holdings()
        later = dt.datetime(2025, 6, 16, 21, 0, tzinfo=dt.timezone.utc)  # Monday after the close
        engine = live_like_engine(cache, clock=later)
        assert engine.refresh_holdings() is not None
        assert [s.date for s in cache.holdings()] == [SNAPSHOT_DAY, dt.date(2025, 6, 16)]
        # 2025-06-13 is still anchored on the 06-12 snapshot; 06-16 on its own (same weights, so ON_SNAPSHOT)
        assert call(engine, "MAG7SHARE", "2025-06-13").value == pytest.approx(NEXT_DAY, rel=1e-12)
        assert call(engine, "MAG7SHARE", "2025-06-16").value == pytest.approx(ON_SNAPSHOT, rel=1e-12)


def test_fundamentals_folder_wins_over_holdings(tmp_cache: Cache, market_dir: Path) -> None:
    from marketreview.sources.csvdir import CsvDirSource

    router = Router(CsvDirSource(market_dir), holdings=HoldingsSource(FakeTickers(), FakeGet()))
    engine = Engine(router, tmp_cache, clock=lambda: NOW)
    assert engine.refresh_holdings() is None and tmp_cache.holdings() == []
    assert next(s.date for s in engine.fundamentals()) == dt.date(2019, 12, 31)


def test_a_failed_refresh_keeps_serving_the_stored_snapshot_and_says_so(tmp_cache: Cache) -> None:
    live_like_engine(tmp_cache).refresh_holdings()
    down = requests.exceptions.ConnectionError("curl: (6) Could not resolve host: query2.finance.yahoo.com")
    later = dt.datetime(2025, 6, 16, 21, 0, tzinfo=dt.timezone.utc)
    engine = live_like_engine(tmp_cache, FakeTickers(down), clock=later)
    with pytest.raises(Exception, match="network unreachable"):
        engine.refresh_holdings()
    answer = call(engine, "MAG7SHARE", "2025-06-13")
    assert answer.value == pytest.approx(NEXT_DAY, rel=1e-12)
    assert any(w.startswith("mag7: holdings fetch failed (holdings: yfinance SPY fund data: network unreachable")
               and "latest stored holdings snapshot is of 2025-06-12, fetched 3.2 days ago" in w
               for w in answer.warnings)


def test_mag7_sheet_chart_and_sources_row(tmp_cache: Cache, tmp_path: Path) -> None:
    engine = live_like_engine(tmp_cache)
    report = build_report(engine, lang="en")
    assert "MAG7SHARE" not in report.failed
    mag7 = next(s for s in report.sheets if s.key == "mag7")
    share = next(b for b in mag7.blocks if getattr(b, "key", "") == "share")
    assert share.rows[0][1].value == pytest.approx(NEXT_DAY, rel=1e-12)  # type: ignore[union-attr]
    history = next(b for b in mag7.blocks if getattr(b, "key", "") == "share_history")
    points = [row[1] for row in history.rows]  # type: ignore[union-attr]
    assert all(isinstance(p.value, float) for p in points) and len(points) == 53
    # the history runs newest first
    assert "ESTIMATE" in (points[-1].warning or "")  # a year back from a fresh snapshot: marked
    assert points[0].value == pytest.approx(NEXT_DAY, rel=1e-12)
    anchors = next(b for b in mag7.blocks if getattr(b, "key", "") == "mag7_anchors")
    assert anchors.lines[0] == ("Anchor 2025-06-12: holdings 2025-06-12: SPY top holdings (yfinance); TSLA from "
                                "iShares IVV holdings of 2025-06-12")
    sources = next(s for s in report.sheets if s.key == "sources")
    rows = sources.blocks[0].rows  # type: ignore[union-attr]
    [row] = [r for r in rows if r[0].value == "MAG7SHARE"]
    assert row[3].value.startswith("holdings 2025-06-12: SPY top holdings (yfinance)") and row[4].value == SNAPSHOT_DAY

    path = write_xlsx(report, tmp_path / "review.xlsx")
    book = openpyxl.load_workbook(path)
    sheet = book[mag7.title]
    assert len(sheet._charts) == 1
    numbers = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, float)]
    assert any(v == pytest.approx(NEXT_DAY, rel=1e-12) for v in numbers)


def test_offline_cli_answers_from_the_stored_snapshot_with_its_age(cache_path: Path, capsys) -> None:
    with Cache(cache_path) as cache:
        assert call(live_like_engine(cache), "MAG7SHARE").error is None
    code = cli.main(["call", "MAG7SHARE", "--offline", "--cache", str(cache_path)])
    out, err = capsys.readouterr()
    assert code == 0 and float(out) == pytest.approx(NEXT_DAY, rel=1e-12)
    assert "warning: mag7: offline: the latest stored holdings snapshot is of 2025-06-12, fetched" in err
    assert "fundamentals folder" not in err


def test_offline_cli_without_a_snapshot_says_what_to_do(cache_path: Path, capsys) -> None:
    with Cache(cache_path) as cache:
        live_like_engine(cache).ensure(["SP500", "AAPL", "MSFT", "GOOGL", "AMZN", "NVDA", "META", "TSLA"])
    code = cli.main(["call", "MAG7SHARE", "--offline", "--cache", str(cache_path)])
    err = capsys.readouterr().err
    assert code == 2
    assert "no fund-holdings snapshot in the cache (offline: run marketreview fetch --all first)" in err
    assert "fundamentals folder" not in err


def test_cli_without_network_says_unreachable(cache_path: Path, capsys, monkeypatch) -> None:
    with Cache(cache_path) as cache:
        live_like_engine(cache).ensure(["SP500", "AAPL", "MSFT", "GOOGL", "AMZN", "NVDA", "META", "TSLA"])
    dns = requests.exceptions.ConnectionError("Failed to perform, curl: (6) Could not resolve host: "
                                              "query2.finance.yahoo.com")
    monkeypatch.setattr("yfinance.Ticker", FakeTickers(dns))
    code = cli.main(["call", "MAG7SHARE", "--source", "auto", "--cache", str(cache_path)])
    err = capsys.readouterr().err
    assert code == 2
    assert "#N/A holdings: yfinance SPY fund data: network unreachable" in err
    assert "fundamentals folder" not in err


def test_fetch_all_stores_a_snapshot(cache_path: Path, capsys, monkeypatch) -> None:
    cache = Cache(cache_path)
    engine = live_like_engine(cache)
    monkeypatch.setattr("marketreview.app.open_engine", lambda *a, **k: engine)
    code = cli.main(["fetch", "--all", "--cache", str(cache_path)])
    out = capsys.readouterr().out
    cache.close()
    assert code == 0
    assert "stored the MAG7SHARE holdings snapshot of 2025-06-12 (SPY top holdings (yfinance)" in out
    with Cache(cache_path) as again:
        assert [s.date for s in again.holdings()] == [SNAPSHOT_DAY]


def test_refresh_button_stores_a_snapshot(tmp_cache: Cache) -> None:
    from fake_book import Book

    from marketreview.excel.refresh import refresh_book

    book = Book()
    result = refresh_book(book, live_like_engine(tmp_cache), lang="en")
    assert result.ok, result.message
    assert [s.date for s in tmp_cache.holdings()] == [SNAPSHOT_DAY]
    mag7 = book.sheets["Mag7"]
    numbers = [v for v in mag7.cells.values() if isinstance(v, float)]
    assert any(v == pytest.approx(NEXT_DAY, rel=1e-12) for v in numbers)


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_mag7_sheet_opens_in_libreoffice(tmp_cache: Cache, tmp_path: Path) -> None:
    report = build_report(live_like_engine(tmp_cache), lang="en")
    xlsx = write_xlsx(report, tmp_path / "review.xlsx")
    csv_filter = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1"
    subprocess.run([shutil.which("soffice") or "soffice", f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
                    "--headless", "--norestore", "--convert-to", csv_filter, "--outdir", str(tmp_path), str(xlsx)],
                   check=True, capture_output=True, timeout=180)
    with (tmp_path / "review-Mag7.csv").open(encoding="utf-8", newline="") as handle:
        shown = [cell for row in csv.reader(handle) for cell in row]
    assert f"{NEXT_DAY:.2%}" in shown  # the share as LibreOffice displays it (0.00% format)
    assert any(cell.startswith("Anchor 2025-06-12: holdings 2025-06-12") for cell in shown)


def test_a_cold_failure_is_asked_once_per_session_until_a_refresh(tmp_cache: Cache) -> None:
    dns = requests.exceptions.ConnectionError("curl: (6) Could not resolve host: query2.finance.yahoo.com")
    tickers = FakeTickers(dns)
    engine = live_like_engine(tmp_cache, tickers)
    first, second = call(engine, "MAG7SHARE"), call(engine, "MAG7SHARE", "2025-06-12")
    assert "network unreachable" in str(first.error) and str(second.error) == str(first.error)
    assert tickers.asked == ["SPY"]  # a sheet of formulas does not retry the network cell by cell
    tickers.answer = FakeTickers().answer  # the network is back; the Refresh button fetches again
    assert engine.refresh_holdings() is not None
    assert call(engine, "MAG7SHARE").value == pytest.approx(NEXT_DAY, rel=1e-12)
