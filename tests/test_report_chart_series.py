"""The report tables added for the chart images (report/chart_series.py), against values read straight from the
shared CSV files (not through the code under test)."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from marketreview.app import open_engine
from marketreview.report.build import build_report
from marketreview.report.model import Report


def closes(market_dir: Path, file: str) -> dict[dt.date, float]:
    with (market_dir / file).open() as fh:
        return {dt.date.fromisoformat(row["date"]): float(row["close"]) for row in csv.DictReader(fh)}


def last_on_or_before(series: dict[dt.date, float], day: dt.date) -> float:
    return series[max(d for d in series if d <= day)]


@pytest.fixture(scope="module")
def reports(market_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[dt.date, Report]:
    engine = open_engine(f"csv:{market_dir}", cache_path=tmp_path_factory.mktemp("cs") / "c.sqlite")
    return {day: build_report(engine, day, "en") for day in (dt.date(2024, 12, 27), dt.date(2025, 10, 31))}


@pytest.mark.realdata
@pytest.mark.parametrize(("as_of", "days"), [
    (dt.date(2025, 10, 31), ("2025-10-24", "2025-10-27", "2025-10-28", "2025-10-29", "2025-10-30", "2025-10-31")),
    (dt.date(2024, 12, 27), ("2024-12-20", "2024-12-23", "2024-12-24", "2024-12-26", "2024-12-27")),  # no 12-25
])
def test_yields_week_is_each_days_close_from_the_previous_weeks_last(reports, market_dir, as_of, days) -> None:
    table = reports[as_of].sheet("rates").table("yields_week")
    dgs2, dgs10 = closes(market_dir, "DGS2.csv"), closes(market_dir, "DGS10.csv")
    expected = [dt.date.fromisoformat(d) for d in days]
    assert table.column_values("date") == expected
    assert table.column_values("us2y") == [dgs2[d] for d in expected]
    assert table.column_values("us10y") == [dgs10[d] for d in expected]
    assert [c.key for c in table.columns] == ["date", "us2y", "us10y"]


@pytest.mark.realdata
@pytest.mark.parametrize(("key", "num", "den"), [("r2_history", "RUT.csv", "GSPC.csv"),
                                                 ("ew_history", "RSP.csv", "GSPC.csv")])
def test_ratio_histories_and_their_26_week_average(reports, market_dir, key, num, den) -> None:
    as_of = dt.date(2025, 10, 31)
    table = reports[as_of].sheet("relative").table(key)
    a, b = closes(market_dir, num), closes(market_dir, den)
    # weeks labelled by Friday; each series' last close on or before the week's Sunday (the as-of week: as_of)
    fridays = [as_of - dt.timedelta(weeks=k) for k in range(26)]
    ratios = [last_on_or_before(a, f + dt.timedelta(days=2 if f != as_of else 0))
              / last_on_or_before(b, f + dt.timedelta(days=2 if f != as_of else 0)) for f in fridays]
    assert len(table.rows) == 104
    assert table.column_values("date")[-1] == as_of
    assert table.column_values("ratio")[-1] == pytest.approx(ratios[0], rel=1e-12)
    assert table.column_values("ratio")[-26:] == pytest.approx(ratios[::-1], rel=1e-12)
    assert table.column_values("ma")[-1] == pytest.approx(sum(ratios) / 26, rel=1e-12)


@pytest.mark.realdata
def test_the_new_tables_sit_after_the_existing_ones(reports) -> None:
    report = reports[dt.date(2025, 10, 31)]
    assert [b.key for b in report.sheet("relative").blocks] == ["pairs", "r2g_history", "r2_history", "ew_history"]
    assert [b.key for b in report.sheet("rates").blocks][-1] == "yields_week"
