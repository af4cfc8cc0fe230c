"""The chart images say what they show (issue 17, "Charts" and "出所"; issue 18, image sizes): exact tick labels,
no promised series left undrawn without a note, enough date ticks, substitute series under their own names,
a publishable 出所 and 期間, and images of the size asked for. Real data as of 2024-12-27 (the week the issue
reproduces); expected values are worked out from the CSV files or by hand."""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
from pathlib import Path

import pytest
from matplotlib.ticker import FixedLocator
from PIL import Image

from marketreview.app import open_engine
from marketreview.cli import main
from marketreview.render.images import Drawn, ImageOptions, draw_charts, write_charts
from marketreview.render.images.caption import date_range, period_line
from marketreview.render.images.charts import date_ticks
from marketreview.render.images.style import ExactFormatter
from marketreview.report.build import build_report
from marketreview.report.model import Report

AS_OF = dt.date(2024, 12, 27)
DATE_AXES = {"relative_r2g": [0], "relative_others": [0], "mag7_share": [0], "yields": [1]}
#: Panels with no axes, only the note saying why: RSP.csv is dividend-adjusted and ^GSPC a price index, so the
#: equal-weight pair is refused (mixed basis).
REFUSED = {("relative_others", 1)}


def closes(folder: Path, file: str) -> dict[str, float]:
    with (folder / file).open() as fh:
        return {row["date"]: float(row["close"]) for row in csv.DictReader(fh)}


def folder_copy(market_dir: Path, target: Path, *, drop: tuple[str, ...] = (),
                source: dict[str, str] | None = None) -> Path:
    """The shared folder as links (no file copied), without the ``drop`` files and, with ``source``, an index.csv
    that has a source column (symbol → provider)."""
    target.mkdir()
    for path in market_dir.iterdir():
        if path.name not in (*drop, "index.csv"):
            (target / path.name).symlink_to(path)
    with (market_dir / "index.csv").open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["file"] not in drop]
    fields = ["file", "symbol", "kind", "adjusted", "notes", *(["source"] if source is not None else [])]
    with (target / "index.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fields, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            if source is not None:
                row["source"] = source.get(row["symbol"], "")
            writer.writerow(row)
    return target


def report_of(folder: Path, tmp: Path, lang: str = "ja") -> Report:
    engine = open_engine(f"csv:{folder}", cache_path=tmp / "c.sqlite")
    return build_report(engine, AS_OF, lang)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def report(market_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Report:
    return report_of(market_dir, tmp_path_factory.mktemp("honest"))


@pytest.fixture(scope="module")
def drawn(report: Report) -> dict[str, Drawn]:
    charts = {d.key: d for d in draw_charts(report)}
    for chart in charts.values():
        chart.figure.canvas.draw()  # tick labels are set when a figure is drawn
    return charts


def texts(chart: Drawn, gid: str) -> list[str]:
    return [t.get_text() for t in chart.figure.texts if t.get_gid() == gid]


def tick_texts(axis) -> list[str]:  # type: ignore[no-untyped-def]
    return [t.get_text() for t in axis.get_ticklabels() if t.get_text()]


# -- ticks --------------------------------------------------------------------------------------------


def test_exact_formatter_writes_quarter_percent_steps_with_two_decimals() -> None:
    assert ExactFormatter(100).format_ticks([0.26, 0.2625, 0.265, 0.2675]) == ["26.00%", "26.25%", "26.50%", "26.75%"]
    assert ExactFormatter(100).format_ticks([0.0, 0.02, 0.04]) == ["0%", "2%", "4%"]
    assert ExactFormatter(1, least=2).format_ticks([4.2, 4.25, 4.3]) == ["4.20%", "4.25%", "4.30%"]
    assert ExactFormatter(100).format_ticks([-0.005, 0.0, 0.005]) == ["-0.5%", "0.0%", "0.5%"]


def value_labels(ax, axis) -> list[tuple[float, str]]:  # type: ignore[no-untyped-def]
    """(tick value, label text) of every labelled tick the drawn figure shows on a value axis."""
    which = 1 if axis is ax.yaxis else 0
    return [(float(t.get_position()[which]), t.get_text()) for t in axis.get_ticklabels() if t.get_text()]


VALUE_AXES = {"index_moves": ("x", 100), "mag7_moves": ("x", 100), "sectors": ("x", 100), "relative_r2g": ("y", 100),
              "relative_others": ("y", 100), "mag7_share": ("y", 100), "yields": ("y", 1), "japan_year": ("y", 1)}


@pytest.mark.realdata
def test_every_tick_label_reads_its_tick_value_exactly(drawn: dict[str, Drawn], report: Report) -> None:
    """At 2024-12-27 the R2000G ratio axis read 26.8/26.5/26.2/26.0 for ticks 0.25% apart."""
    for key, (which, scale) in VALUE_AXES.items():
        for panel, ax in enumerate(drawn[key].figure.axes):
            pairs = value_labels(ax, ax.xaxis if which == "x" else ax.yaxis)
            if (key, panel) in REFUSED:
                assert pairs == [] and not ax.get_lines()
                assert [t.get_text().replace("\n", " ") for t in ax.texts if t.get_gid() == "note"] == [
                    "#N/A RSP is dividend-adjusted (total return) and ^GSPC is a price index: not compared "
                    "(mixed basis)"]
                continue
            assert len(pairs) >= 3, (key, pairs)
            for value, text in pairs:
                assert math.isclose(float(text.rstrip("%")), value * scale, abs_tol=1e-9), (key, value, text)
    # the axis: ticks 0.25% apart, labelled by the chart's own formatter
    (chart,) = [d for d in draw_charts(report) if d.key == "relative_r2g"]
    (ax,) = chart.figure.axes
    ax.yaxis.set_major_locator(FixedLocator([0.26, 0.2625, 0.265, 0.2675]))
    ax.set_ylim(0.2590, 0.2680)
    chart.figure.canvas.draw()
    assert [text for _v, text in value_labels(ax, ax.yaxis)] == ["26.00%", "26.25%", "26.50%", "26.75%"]


@pytest.mark.realdata
def test_every_date_axis_has_at_least_three_ticks(drawn: dict[str, Drawn]) -> None:
    for key, panels in DATE_AXES.items():
        for panel in panels:
            labels = tick_texts(drawn[key].figure.axes[panel].xaxis)
            assert len(labels) >= 3, (key, panel, labels)
    for key, panel in REFUSED:  # the note, no date axis
        assert tick_texts(drawn[key].figure.axes[panel].xaxis) == []
    # the R2000G ratio runs 2024-11-15 … 12-27 (^RUO starts 2024-11-14): seven Fridays, each a tick
    assert tick_texts(drawn["relative_r2g"].figure.axes[0].xaxis) == [
        "2024/11/15", "11/22", "11/29", "12/6", "12/13", "12/20", "12/27"]


@pytest.mark.parametrize(("first", "last", "most", "expected"), [
    (dt.date(2024, 12, 27), dt.date(2024, 12, 27), 7, ["2024/12/25", "12/26", "12/27"]),
    (dt.date(2024, 12, 20), dt.date(2024, 12, 27), 7, ["2024/12/21", "12/23", "12/25", "12/27"]),
    (dt.date(2024, 11, 15), dt.date(2024, 12, 27), 4, ["2024/11/15", "11/29", "12/13", "12/27"]),
    (dt.date(2024, 1, 2), dt.date(2024, 12, 27), 5, ["2024/03", "2024/05", "2024/07", "2024/09", "2024/11"]),
    (dt.date(2024, 12, 2), dt.date(2025, 1, 10), 7, ["2024/12/6", "12/13", "12/20", "12/27", "2025/1/3", "1/10"]),
])
def test_date_ticks(first: dt.date, last: dt.date, most: int, expected: list[str]) -> None:
    ticks, labels = date_ticks(first, last, "ja", most)
    assert labels == expected and len(ticks) == len(labels) >= 3


# -- what is not drawn ----------------------------------------------------------------------------------


@pytest.mark.realdata
def test_an_average_that_cannot_be_drawn_leaves_title_and_legend_and_says_why(
        drawn: dict[str, Drawn], market_dir: Path) -> None:
    first = min(dt.date.fromisoformat(d) for d in closes(market_dir, "RUO.csv"))
    fridays = [first + dt.timedelta(days=i) for i in range((AS_OF - first).days + 1)
               if (first + dt.timedelta(days=i)).weekday() == 4]
    assert len(fridays) == 7 and fridays[0] == dt.date(2024, 11, 15)
    chart = drawn["relative_r2g"]
    assert chart.title == "ラッセル2000グロース÷S&P500" and texts(chart, "title") == [chart.title]
    (ax,) = chart.figure.axes
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["ラッセル2000グロース÷S&P500"]
    assert [ln.get_gid() for ln in ax.get_lines()].count("ma") == 0
    note = "26週平均は表示なし：比率が7週分のみ（2024年11月15日以降）"
    assert chart.notes == (note,) and texts(chart, "source")[0].splitlines()[-1] == note


# -- names ---------------------------------------------------------------------------------------------


@pytest.mark.realdata
def test_the_sector_chart_says_what_its_bars_are(drawn: dict[str, Drawn], report: Report) -> None:
    chart = drawn["sectors"]
    assert chart.title == "TOPIX-17業種別の週間騰落率（NEXT FUNDS ETF）"
    bars = {t.get_text(): p.get_width() for t, p in zip(chart.figure.axes[0].get_yticklabels(),
                                                         chart.figure.axes[0].patches, strict=True)}
    table = report.sheet("japan_sectors").table("sectors")
    assert bars == {r["name"].value: r["w1"].value for r in table.records()}  # absolute weekly returns, as titled
    assert "破線：TOPIX" in texts(chart, "subtitle")[0]


@pytest.mark.realdata
def test_a_topix_served_by_the_etf_is_named_as_the_etf(market_dir: Path, tmp_path: Path) -> None:
    folder = folder_copy(market_dir, tmp_path / "no_topix", drop=("TOPIX.csv",))
    etf = closes(market_dir, "1306_T.csv")
    week = etf["2024-12-27"] / etf["2024-12-20"] - 1  # the 2,831 → 2,943: +3.97%
    assert f"{week:+.2%}" == "+3.97%"
    for lang, name in (("ja", "TOPIX連動ETF(1306)"), ("en", "TOPIX ETF (1306)")):
        (tmp_path / lang).mkdir()
        charts = {d.key: d for d in draw_charts(report_of(folder, tmp_path / lang, lang))}
        labels = [t.get_text() for t in charts["index_moves"].figure.axes[0].get_yticklabels()]
        assert name in labels and "TOPIX" not in labels
        (label,) = [t.get_text() for t in charts["sectors"].figure.axes[0].texts if t.get_gid() == "benchmark_label"]
        assert label == f"{name} +3.97%"


# -- 出所 and 期間 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("first", "last", "ja", "en"), [
    (dt.date(2024, 1, 2), dt.date(2024, 12, 24), "2024年1月2日～12月24日", "Jan 2 – Dec 24, 2024"),
    (dt.date(2024, 12, 23), dt.date(2024, 12, 27), "2024年12月23日～27日", "Dec 23–27, 2024"),
    (dt.date(2023, 12, 29), dt.date(2024, 12, 27), "2023年12月29日～2024年12月27日", "Dec 29, 2023 – Dec 27, 2024"),
])
def test_date_ranges_in_the_seed_style(first: dt.date, last: dt.date, ja: str, en: str) -> None:
    assert date_range(first, last, "ja") == ja and date_range(first, last, "en") == en
    assert period_line(first, last, "daily", "ja") == f"期間：{ja}（日次）"
    assert period_line(first, last, "daily", "en") == f"Period: {en} (daily)"


@pytest.mark.realdata
def test_period_lines_are_the_plotted_dates(drawn: dict[str, Drawn], report: Report) -> None:
    assert drawn["index_moves"].period == "期間：2024年12月23日～27日（週間騰落率）"
    assert drawn["relative_r2g"].period == "期間：2024年11月15日～12月27日（週次）"
    # the R2000 panel's 104 weeks (2024-12-27 less 103 weeks); the refused equal-weight panel spans nothing
    assert drawn["relative_others"].period == "期間：2023年1月6日～2024年12月27日（週次）"
    assert drawn["relative_others"].served == ("RUSSELL2000", "SP500")
    history = report.sheet("mag7").table("share_history")
    dates = [r["date"].value for r in history.records() if r["share"].value is not None]
    assert drawn["mag7_share"].period == period_line(min(dates), max(dates), "weekly", "ja")
    # the past year of DGS2/DGS10: the first FRED day on or after 2023-12-29 (365 days back), through the as-of
    assert drawn["yields"].period == "期間：2023年12月29日～2024年12月27日（日次）"
    for chart in drawn.values():
        footer = texts(chart, "source")[0].splitlines()
        assert footer[:2] == [chart.source, chart.period] and chart.caption[:2] == (chart.source, chart.period)


@pytest.mark.realdata
def test_the_source_column_of_index_csv_names_the_provider(market_dir: Path, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    with (market_dir / "index.csv").open(encoding="utf-8") as fh:
        symbols = [r["symbol"] for r in csv.DictReader(fh)]
    providers = {s: ("FRED" if s.startswith("DGS") or s.startswith("DFEDTAR") else
                     "JPX" if s.endswith(".T") or s in ("TOPIX", "^TOPX", "^N225") else "Yahoo Finance")
                 for s in symbols}
    folder = folder_copy(market_dir, tmp_path / "named", source=providers)
    out = tmp_path / "charts"
    assert main(["charts", "--source", f"csv:{folder}", "--asof", AS_OF.isoformat(), "--cache",
                 str(tmp_path / "c.sqlite"), "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "CSV files" not in err
    report = report_of(folder, tmp_path)
    charts = {d.key: d for d in draw_charts(report)}
    assert charts["yields"].source == "出所：FREDのデータを基に作成"
    assert charts["sectors"].source == "出所：JPXのデータを基に作成"
    assert charts["index_moves"].source == "出所：Yahoo Finance、JPXのデータを基に作成"


@pytest.mark.realdata
def test_credit_option_and_setting_name_a_folder_without_a_source_column(
        market_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    common = ["--source", f"csv:{market_dir}", "--asof", AS_OF.isoformat(), "--cache", str(tmp_path / "c.sqlite")]
    assert main(["review", *common, "--out", str(tmp_path / "a.md"), "--charts", str(tmp_path / "a")]) == 0
    assert 'credit ^DJI' in capsys.readouterr().err  # unnamed: the writer is told how to name it
    assert main(["review", *common, "--out", str(tmp_path / "b.md"), "--charts", str(tmp_path / "b"),
                 "--credit", "Stooq", "--no-credit-in-image"]) == 0
    assert "warning: the images credit" not in capsys.readouterr().err
    lines = (tmp_path / "b.md").read_text(encoding="utf-8").splitlines()
    first = lines.index("![図表1 主要株価指数の週間騰落率](b/index_moves.png)")
    # caption lines end in a Markdown line break (two spaces) but the last
    assert lines[first + 1:first + 3] == ["出所：Stooqのデータを基に作成  ",
                                          "期間：2024年12月23日～27日（週間騰落率）  "]
    yields = next(i for i, text in enumerate(lines) if text.startswith("![図表5"))
    assert lines[yields + 1] == "出所：Stooqのデータを基に作成  "  # the writer's word for every file of the folder
    assert (tmp_path / "a" / "index_moves.png").read_bytes() != (tmp_path / "b" / "index_moves.png").read_bytes()
    assert main(["config", "--credit", "Example Data"]) == 0
    capsys.readouterr()
    assert main(["review", *common, "--out", str(tmp_path / "c.md"), "--charts", str(tmp_path / "c")]) == 0
    assert "出所：Example Dataのデータを基に作成" in (tmp_path / "c.md").read_text(encoding="utf-8")


@pytest.mark.realdata
def test_credit_lines_can_be_left_out_of_the_image_only(report: Report) -> None:
    charts = draw_charts(report, ImageOptions(credit_in_image=False, credit="Stooq"))
    for chart in charts:
        footer = "\n".join(texts(chart, "source"))
        assert "出所" not in footer and "期間" not in footer
        assert chart.caption[0] == "出所：Stooqのデータを基に作成" or chart.caption[0].startswith("出所：")
        assert chart.caption[1].startswith("期間：")
    assert charts[1].notes[0] in texts(charts[1], "source")[0]  # the why-not note stays in the picture


# -- sizes ---------------------------------------------------------------------------------------------


@pytest.mark.realdata
@pytest.mark.parametrize(("size", "pixels"), [(None, (1600, 900)), ("1200x675", (1200, 675)),
                                              ("print", (2400, 1350))])
def test_images_have_the_asked_size_are_opaque_and_under_a_megabyte(
        report: Report, tmp_path: Path, size: str | None, pixels: tuple[int, int]) -> None:
    exhibits = write_charts(report, tmp_path, ImageOptions.parse(size))
    assert len(exhibits) == 8  # the seven weekly charts and TOPIX with autos and banks over the year
    for exhibit in exhibits:
        with Image.open(exhibit.path) as image:
            assert image.size == pixels and image.mode == "RGB"  # no alpha channel: opaque
            corner = image.getpixel((2, 2))
        assert corner == (255, 255, 255)
        assert exhibit.path.stat().st_size < 1_000_000


@pytest.mark.parametrize(("size", "message"), [("12x6", "must be WIDTHxHEIGHT"), ("4000x600", "too narrow or too wide"),
                                               ("huge", "blog, x, print"), ("9000x5000", "600 to 4000 px")])
def test_a_bad_size_is_refused_before_anything_is_built(tmp_path: Path, size: str, message: str,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["charts", "--source", "demo", "--cache", str(tmp_path / "c.sqlite"), "--asof", "2025-10-31",
                 "--out", str(tmp_path / "out"), "--size", size]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


# -- the MAG7 share --------------------------------------------------------------------------------------


@pytest.mark.realdata
def test_mag7_share_draws_the_table_with_one_decimal_and_its_marks(drawn: dict[str, Drawn], report: Report) -> None:
    chart = drawn["mag7_share"]
    (ax,) = chart.figure.axes
    history = report.sheet("mag7").table("share_history")
    table = sorted((r["date"].value, r["share"].value) for r in history.records() if r["share"].value is not None)
    (line,) = [ln for ln in ax.get_lines() if ln.get_gid() == "share"]
    assert [float(v) for v in line.get_ydata() if not math.isnan(float(v))] == [v for _, v in table]
    labels = tick_texts(ax.yaxis)
    assert labels and all(re.fullmatch(r"\d+\.\d%", t) for t in labels) and len(set(labels)) == len(labels)
    assert [t.get_text() for t in ax.texts if t.get_gid() == "last_label"] == [f"{table[-1][1] * 100:.1f}%"]
    share = report.sheet("mag7").table("share").records()[0]["share"]
    assert share.warning and "ESTIMATE" in share.warning  # before the first snapshot with member caps
    assert chart.caption[2] == share.warning
    anchors = next(b for b in report.sheet("mag7").blocks if getattr(b, "key", "") == "mag7_anchors")
    dates = [re.search(r"\d{4}-\d{2}-\d{2}", text)[0] for text in anchors.lines[:-1]]  # type: ignore[index]
    assert dates and chart.caption[3] == "基準 " + "、".join(dates)


def test_a_narrow_mag7_share_range_still_reads_in_tenths() -> None:
    from test_render_images import tiny_report  # the hand-built report: shares 33.10% and 34.52%

    (chart,) = [d for d in draw_charts(tiny_report()) if d.key == "mag7_share"]
    chart.figure.canvas.draw()
    labels = tick_texts(chart.figure.axes[0].yaxis)
    assert labels and all(re.fullmatch(r"\d+\.\d%", t) for t in labels) and len(set(labels)) == len(labels)


@pytest.mark.realdata
def test_charts_prints_the_same_warning_lines_as_build(market_dir: Path, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    common = ["--source", f"csv:{market_dir}", "--asof", AS_OF.isoformat(), "--cache", str(tmp_path / "c.sqlite")]
    assert main(["build", *common, "--out", str(tmp_path / "r.xlsx")]) == 0
    built = [t for t in capsys.readouterr().err.splitlines() if t.startswith("warning:")]
    assert main(["charts", *common, "--out", str(tmp_path / "charts"), "--credit", "Yahoo Finance"]) == 0
    charted = [t for t in capsys.readouterr().err.splitlines() if t.startswith("warning:")]
    assert built and charted == built


# -- marks on drawn values -------------------------------------------------------------------------------


@pytest.mark.realdata
def test_a_value_from_a_series_that_ended_early_is_marked_on_the_image(market_dir: Path, tmp_path: Path,
                                                                        drawn: dict[str, Drawn]) -> None:
    """Issue 17: at 2025-12-19 the R2000G week is the 12/16 close (RUO.csv ends there), drawn unmarked before."""
    last = max(closes(market_dir, "RUO.csv"))
    assert last == "2025-12-16"
    engine = open_engine(f"csv:{market_dir}", cache_path=tmp_path / "c.sqlite")
    charts = {d.key: d for d in draw_charts(build_report(engine, dt.date(2025, 12, 19), "ja"))}
    moves = charts["index_moves"]
    labels = [t.get_text() for t in moves.figure.axes[0].get_yticklabels()]
    assert "ラッセル2000グロース※1" in labels and sum("※" in t for t in labels) == 1
    (note,) = [n for n in moves.notes if n.startswith("※1 ")]
    assert note.startswith("※1 ラッセル2000グロース: ") and f"used {last}" in note
    assert note in moves.caption
    ratio = charts["relative_r2g"]
    (label,) = [t.get_text() for t in ratio.figure.axes[0].texts if t.get_gid() == "last_label"]
    assert label.endswith("%※")
    assert any(n.startswith("※ ラッセル2000グロース÷S&P500: ") and f"used {last}" in n for n in ratio.notes)
    # a clean week carries no mark
    clean = [t.get_text() for t in drawn["index_moves"].figure.axes[0].get_yticklabels()]
    assert not any("※" in t for t in clean)


def test_a_yield_change_over_a_gap_is_marked_in_the_legend() -> None:
    from dataclasses import replace

    from test_render_images import tiny_report

    from marketreview.report.model import Cell, Sheet

    report = tiny_report("en")
    rates = report.sheet("rates")
    levels = rates.table("yields")
    gap = "DGS2: no close on 2025-01-09; used 2025-01-08"
    rows = tuple((*row[:2], Cell(7.0, warning=gap)) if row[1].value == "DGS2" else row for row in levels.rows)
    sheet = Sheet("rates", "rates", "", (replace(levels, rows=rows), rates.table("yield_history")))
    report = replace(report, sheets=tuple(sheet if s.key == "rates" else s for s in report.sheets))
    (chart,) = [d for d in draw_charts(report) if d.key == "yields"]
    legend = [t.get_text() for t in chart.figure.axes[0].get_legend().get_texts()]
    assert legend == ["US2Y (week +7bp※1)", "US10Y (week -3bp)"]
    assert chart.notes == (f"※1 US2Y: {gap}",) and chart.caption[-1] == f"※1 US2Y: {gap}"
