"""The native charts and column sizes of real builds (openpyxl objects, before saving)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from by_hand import week_change_pt

from marketreview.app import open_engine
from marketreview.render import styles
from marketreview.render.xlsx import render_workbook
from marketreview.report.build import build_report
from marketreview.report.model import Report

D = dt.date.fromisoformat


@pytest.fixture(scope="module")
def reports(market_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Report]:
    engine = open_engine(f"csv:{market_dir}", cache_path=tmp_path_factory.mktemp("charts") / "c.sqlite")
    return {day: build_report(engine, D(day), "ja") for day in ("2024-12-27", "2025-10-31")}


def sheet(report: Report, key: str) -> Any:
    """The sheet laid out as in the template (every table in place; the printed layout is test_render_printed's)."""
    return render_workbook(report, printed=False)[report.sheet(key).title]


def title(chart: Any) -> str:
    return "".join(run.t for p in chart.title.tx.rich.p for run in (p.r or []))


def test_three_ratio_charts_and_a_legend_only_for_series_with_data(reports) -> None:
    charts = sheet(reports["2024-12-27"], "relative")._charts
    assert [title(c) for c in charts] == ["ラッセル2000G/S&P500（週次）", "ラッセル2000/S&P500（週次）",
                                          "S&P500均等加重/S&P500（週次）"]
    r2g, r2, ew = charts
    assert len(r2g.series) == 1 and r2g.legend is None  # seven weeks of ^RUO: no 26-week average to draw
    assert len(r2.series) == 2 and r2.legend is not None
    assert len(ew.series) == 0  # RSP.csv is dividend-adjusted, ^GSPC a price index: never divided (mixed basis)
    # the short series is drawn over its own weeks, not squeezed against the others' two years
    assert r2g.series[0].val.numRef.f.endswith("$B$14:$B$20")  # rows 14..20 of the newest-first history


def test_share_and_ratio_axes_fit_the_data(reports) -> None:
    report = reports["2025-10-31"]
    (chart,) = sheet(report, "mag7")._charts
    shares = [v for v in report.sheet("mag7").table("share_history").column_values("share") if v is not None]
    low, high = chart.y_axis.scaling.min, chart.y_axis.scaling.max
    assert 0 < low <= min(shares) and max(shares) <= high  # type: ignore[type-var]
    assert high - low < 2 * (max(shares) - min(shares))  # type: ignore[operator]
    assert chart.legend is None and title(chart) == "マグ7のS&P500時価総額比率（週次）"
    for ratio in sheet(report, "relative")._charts:
        assert not ratio.series or ratio.y_axis.scaling.min > 0


def test_every_sector_bar_is_labelled(reports) -> None:
    (chart,) = sheet(reports["2025-10-31"], "japan_sectors")._charts
    assert chart.x_axis.tickLblSkip == 1
    assert chart.series[0].cat.numRef.f.endswith(":$A$29")  # all 17 rows (13..29)
    assert chart.height >= 0.7 * 17
    assert len(title(chart)) <= 20  # fits on one line at 12 pt in an 18 cm chart


def test_columns_fit_their_longest_value(reports) -> None:
    report = reports["2025-10-31"]
    ws = sheet(report, "sources")
    table = report.sheet("sources").table("sources")
    for letter, key in (("B", "name"), ("I", "note")):
        longest = max(styles.text_width(str(v)) for v in table.column_values(key))
        assert ws.column_dimensions[letter].width >= min(longest + 2, styles.MAX_COLUMN_WIDTH)


def test_header_fits_so_it_does_not_wrap_over_the_first_row(reports) -> None:
    ws = sheet(reports["2025-10-31"], "japan_sectors")
    header = next(c for c in ws[6] if c.value == "年初来対TOPIX")
    assert ws.column_dimensions[header.column_letter].width >= styles.text_width("年初来対TOPIX") + 2


def test_pt_and_yen_etf_formats(reports, market_dir: Path) -> None:
    mag7 = sheet(reports["2025-10-31"], "mag7")
    share_w1 = next(c for row in mag7.iter_rows() for c in row if c.number_format == styles.NUMBER_FORMATS["pt"])
    # in points (+1.07), not a fraction: the week's change worked out from the CSV files
    assert share_w1.value == pytest.approx(week_change_pt(market_dir, D("2025-10-31")), rel=1e-9)
    japan = sheet(reports["2025-10-31"], "japan_sectors")
    etf = next(row for row in japan.iter_rows() if row[1].value == "1631.T")
    assert etf[4].number_format == "#,##0" and etf[3].number_format == "#,##0"
    topix = next(row for row in japan.iter_rows() if row[1].value == "^TOPX")
    assert topix[4].number_format == "#,##0.00"
