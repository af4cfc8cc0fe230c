"""The report model, cell by cell, for a known as-of date over the real closes (expected values recomputed here by
hand from the CSV files, not with the code under test)."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from marketreview.app import open_engine
from marketreview.report.build import build_report
from marketreview.report.model import Report, Table

AS_OF = dt.date(2025, 10, 31)  # a Friday; the previous week's last close is 2025-10-24


def closes(market_dir: Path, file: str) -> dict[str, float]:
    with (market_dir / file).open() as fh:
        return {row["date"]: float(row["close"]) for row in csv.DictReader(fh)}


@pytest.fixture(scope="module")
def report(market_dir: Path, tmp_path_factory) -> Report:
    engine = open_engine(f"csv:{market_dir}", cache_path=tmp_path_factory.mktemp("rb") / "c.sqlite")
    return build_report(engine, AS_OF, "en")


def row(table: Table, ticker: str) -> dict[str, object]:
    i = table.column_index("ticker")
    for r in table.rows:
        if r[i].value == ticker:
            return {c.key: cell.value for c, cell in zip(table.columns, r, strict=True)}
    raise AssertionError(f"{ticker} not in {table.key}")


def test_sheets_and_stamps(report):
    assert [s.key for s in report.sheets] == ["us_indices", "mag7", "relative", "rates", "japan_sectors",
                                              "summary", "macro", "sources"]
    assert [s.title for s in report.sheets][:2] == ["US Indices", "Mag7"]
    for sheet in report.sheets:
        assert "As of: 2025-10-31" in sheet.stamp and "Source: csv" in sheet.stamp
    assert not report.demo


def test_us_indices_sp500_row(report, market_dir):
    spx = closes(market_dir, "GSPC.csv")
    r = row(report.sheet("us_indices").table("indices"), "^GSPC")
    assert r["close"] == spx["2025-10-31"] and r["date"] == AS_OF
    assert r["w1"] == pytest.approx(spx["2025-10-31"] / spx["2025-10-24"] - 1, abs=1e-12)
    assert r["mtd"] == pytest.approx(spx["2025-10-31"] / spx["2025-09-30"] - 1, abs=1e-12)
    assert r["ytd"] == pytest.approx(spx["2025-10-31"] / spx["2024-12-31"] - 1, abs=1e-12)
    assert r["y1"] == pytest.approx(spx["2025-10-31"] / spx["2024-10-31"] - 1, abs=1e-12)
    assert r["last_year"] == pytest.approx(spx["2024-12-31"] / spx["2023-12-29"] - 1, abs=1e-12)


def test_rates_weekly_change_in_bp(report, market_dir):
    dgs10 = closes(market_dir, "DGS10.csv")
    r = row(report.sheet("rates").table("yields"), "DGS10")
    assert r["level"] == dgs10["2025-10-31"]
    assert r["w1_bp"] == pytest.approx((dgs10["2025-10-31"] - dgs10["2025-10-24"]) * 100, abs=1e-9)
    dgs2 = closes(market_dir, "DGS2.csv")
    spread = report.sheet("rates").table("spread").rows[0]
    assert spread[1].value == pytest.approx((dgs10["2025-10-31"] - dgs2["2025-10-31"]) * 100, abs=1e-9)


def test_relative_ratio(report, market_dir):
    ruo, spx = closes(market_dir, "RUO.csv"), closes(market_dir, "GSPC.csv")
    pairs = report.sheet("relative").table("pairs")
    first = {c.key: cell.value for c, cell in zip(pairs.columns, pairs.rows[0], strict=True)}
    assert first["num"] == "^RUO" and first["den"] == "^GSPC"
    assert first["ratio"] == pytest.approx(ruo["2025-10-31"] / spx["2025-10-31"], rel=1e-12)


def test_japan_sector_excess_over_topix(report, market_dir):
    banks, topix = closes(market_dir, "1631_T.csv"), closes(market_dir, "TOPIX.csv")
    r = row(report.sheet("japan_sectors").table("sectors"), "1631.T")
    own = banks["2025-10-31"] / banks["2025-10-24"] - 1
    bench = topix["2025-10-31"] / topix["2025-10-24"] - 1
    assert r["w1"] == pytest.approx(own, abs=1e-12)
    assert r["excess_w1"] == pytest.approx(own - bench, abs=1e-12)
    assert r["name"] == "Banks"


def test_summary_line(report, market_dir):
    spx = closes(market_dir, "GSPC.csv")
    pct = (spx["2025-10-31"] / spx["2025-10-24"] - 1) * 100
    # GSPC.csv: 2025-10-24 6791.69, 2025-10-31 6840.20: +48.51 points
    expected = f"・S&P 500 {spx['2025-10-24']:,.2f} → {spx['2025-10-31']:,.2f} (week +48.51, {pct:+.2f}%)"
    lines = report.sheet("summary").blocks[0].lines
    assert expected in lines
    other = report.sheet("summary").blocks[1].lines
    points = spx["2025-10-31"] - spx["2025-10-24"]
    week = f"（前週比 {points:+,.2f}、{pct:+.2f}%）"
    assert f"・S&P500 {spx['2025-10-24']:,.2f} → {spx['2025-10-31']:,.2f}{week}" in other


def test_sources_sheet_says_what_served(report):
    table = report.sheet("sources").table("sources")
    googl = row(table, "GOOGL")
    assert googl["source"] == "csv" and googl["adjusted"] == "yes"
    us3m = row(table, "^IRX")
    assert "fallback for DGS3MO" in str(us3m["note"])
    assert row(table, "^GSPC")["last"] == dt.date(2026, 8, 21)
