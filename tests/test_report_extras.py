"""The seed material's tables in the report model (mag7/members, rates/yield_range, us_indices/prev_years), the
US-close YTD basis, and their lines in the post. Expected values come straight from the CSV rows."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from marketreview.app import open_engine
from marketreview.cli import main
from marketreview.render.markdown import render_review
from marketreview.report.build import build_report
from marketreview.report.model import Report, Table

D = dt.date.fromisoformat
AS_OF = D("2025-10-31")  # a Friday; the week before ends 2025-10-24, the last US close before it is 10-30


def closes(market_dir: Path, file: str) -> list[tuple[dt.date, float]]:
    with (market_dir / file).open() as fh:
        return [(D(r["date"]), float(r["close"])) for r in csv.DictReader(fh)]


def on_or_before(market_dir: Path, file: str, when: dt.date) -> tuple[dt.date, float]:
    return max((d, c) for d, c in closes(market_dir, file) if d <= when)


@pytest.fixture(scope="module")
def engine(market_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    return open_engine(f"csv:{market_dir}", cache_path=tmp_path_factory.mktemp("extras") / "c.sqlite")


@pytest.fixture(scope="module")
def report(engine) -> Report:
    return build_report(engine, AS_OF, "ja")


@pytest.fixture(scope="module")
def us_close(engine) -> Report:
    return build_report(engine, AS_OF, "en", ytd_basis="us_close", year_dating="first_session")


def by_name(table: Table, name: str) -> dict[str, object]:
    found = table.row_by("name", name)
    assert found is not None, name
    return {k: c.shown for k, c in found.items()}


def test_the_tables_carry_exactly_the_agreed_columns(report: Report) -> None:
    keys = {("mag7", "members"): ["name", "prev", "close", "w1", "ytd"],
            ("rates", "yield_range"): ["name", "level", "ytd_high", "ytd_high_date", "ytd_low", "ytd_low_date"],
            ("us_indices", "prev_years"): ["name", "year", "start_date", "start", "end_date", "end", "change",
                                           "points"]}
    for (sheet, table), columns in keys.items():
        assert [c.key for c in report.sheet(sheet).table(table).columns] == columns


def test_mag7_members_week(report: Report, market_dir: Path) -> None:
    table = report.sheet("mag7").table("members")
    assert len(table.rows) == 7
    prev, now = on_or_before(market_dir, "AAPL.csv", D("2025-10-26")), on_or_before(market_dir, "AAPL.csv", AS_OF)
    year_end = on_or_before(market_dir, "AAPL.csv", D("2024-12-31"))
    apple = by_name(table, "アップル")
    assert (apple["prev"], apple["close"]) == (prev[1], now[1]) and prev[0] == D("2025-10-24")
    assert apple["w1"] == pytest.approx(now[1] / prev[1] - 1, rel=1e-12)
    assert apple["ytd"] == pytest.approx(now[1] / year_end[1] - 1, rel=1e-12)


def test_yield_range(report: Report, market_dir: Path) -> None:
    year = [(d, c) for d, c in closes(market_dir, "DGS10.csv") if D("2025-01-01") <= d <= AS_OF]
    high = max(year, key=lambda r: (r[1], -r[0].toordinal()))
    low = min(year, key=lambda r: (r[1], r[0].toordinal()))
    ten = by_name(report.sheet("rates").table("yield_range"), "米10年債利回り")
    assert ten == {"name": "米10年債利回り", "level": on_or_before(market_dir, "DGS10.csv", AS_OF)[1],
                   "ytd_high": high[1], "ytd_high_date": high[0], "ytd_low": low[1], "ytd_low_date": low[0]}


def test_previous_years_from_year_end_to_year_end(report: Report, market_dir: Path) -> None:
    table = report.sheet("us_indices").table("prev_years")
    assert sorted({r["year"].value for r in table.records()}) == [2023, 2024]
    dow = next(r for r in table.records() if r["name"].value == "NYダウ" and r["year"].value == 2024)
    start = on_or_before(market_dir, "DJI.csv", D("2023-12-31"))
    end = on_or_before(market_dir, "DJI.csv", D("2024-12-31"))
    assert (dow["start_date"].value, dow["end_date"].value) == (D("2023-12-29"), D("2024-12-31"))
    assert (dow["start"].value, dow["end"].value) == (start[1], end[1])
    assert dow["change"].value == pytest.approx(end[1] / start[1] - 1, rel=1e-12)
    assert dow["points"].value == pytest.approx(end[1] - start[1], rel=1e-12)
    growth = next(r for r in table.records() if r["name"].value == "ラッセル2000グロース")
    assert growth["change"].error is not None and "2024-11-14" in growth["change"].error  # ^RUO starts then


def test_seed_dating_and_the_us_close_ytd(us_close: Report, market_dir: Path) -> None:
    dow = next(r for r in us_close.sheet("us_indices").table("prev_years").records()
               if r["name"].value == "Dow Jones Industrial Average" and r["year"].value == 2024)
    first_2024 = min((d, c) for d, c in closes(market_dir, "DJI.csv") if d.year == 2024)
    first_2025 = min((d, c) for d, c in closes(market_dir, "DJI.csv") if d.year == 2025)
    assert (dow["start_date"].value, dow["end_date"].value) == (first_2024[0], first_2025[0])
    assert dow["change"].value == pytest.approx(first_2025[1] / first_2024[1] - 1, rel=1e-12)
    indices = us_close.sheet("us_indices").table("indices")
    assert indices.columns[indices.column_index("ytd")].header == "YTD (US close 10/30)"
    spx = indices.row_by("ticker", "^GSPC")
    thursday = on_or_before(market_dir, "GSPC.csv", D("2025-10-30"))
    year_end = on_or_before(market_dir, "GSPC.csv", D("2024-12-31"))
    assert thursday[0] == D("2025-10-30")
    assert spx["ytd"].value == pytest.approx(thursday[1] / year_end[1] - 1, rel=1e-12)
    ten = us_close.sheet("rates").table("yields").row_by("ticker", "DGS10")
    dgs10_end = on_or_before(market_dir, "DGS10.csv", D("2024-12-31"))[1]
    assert ten["ytd_bp"].value == pytest.approx((on_or_before(market_dir, "DGS10.csv", D("2025-10-30"))[1]
                                                 - dgs10_end) * 100, abs=1e-6)


def test_the_post_carries_the_seven_members_the_ytd_high_and_both_years(report: Report) -> None:
    lines = render_review(report, "text").splitlines()
    # AAPL.csv 2025-10-24 262.82 and 10-31 270.37: +7.55, 7.55 / 262.82 = +2.87%
    assert "・アップル 262.82 → 270.37（前週比 +7.55、+2.87%）" in lines
    # DGS10.csv: 4.11 on 2025-10-31; in 2025 its highest 4.79 on 1/13, its lowest 3.97 on 10/22
    assert "・米10年債利回り 4.11%（年初来高値 4.79% 1/13、年初来安値 3.97% 10/22）" in lines
    # DJI.csv: 2023-12-29 37689.54, 2024-12-31 42544.22: +4,854.68, 42544.22 / 37689.54 - 1 = +12.88%
    assert "2024年（2023年12月29日〜2024年12月31日）" in lines
    assert "・NYダウ 37,689.54 → 42,544.22（年間 +4,854.68、+12.88%）" in lines


def test_cli_takes_the_ytd_basis_and_the_dating(market_dir: Path, cache_path: Path, capsys) -> None:
    args = ["review", "--source", f"csv:{market_dir}", "--cache", str(cache_path), "--asof", "2025-10-31",
            "--format", "text", "--ytd-basis", "us-close", "--year-dating", "first-session"]
    assert main(args) == 0
    lines = capsys.readouterr().out.splitlines()
    # seed 000's dating: DJI.csv's first sessions, 2024-01-02 37715.04 and 2025-01-02 42392.27: +4,677.23, +12.40%
    assert "2024年（2024年1月2日〜2025年1月2日）" in lines
    assert "・NYダウ 37,715.04 → 42,392.27（年間 +4,677.23、+12.40%）" in lines
