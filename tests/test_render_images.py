"""The blog chart images (render/images): written, decodable, the right size, deterministic, and plotting exactly
the report model's numbers. Real-data checks use the shared closes as of 2025-10-31; a small hand-built report
with typed-in numbers covers sorting, labels, source lines, missing values and failures."""

from __future__ import annotations

import csv
import datetime as dt
import math
import sys
import warnings
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pytest
from matplotlib import font_manager
from matplotlib.colors import to_hex
from matplotlib.font_manager import FontProperties

from marketreview.app import open_engine
from marketreview.cli import main
from marketreview.errors import RenderError
from marketreview.render.images import Drawn, Exhibit, draw_charts, write_charts
from marketreview.report.build import build_report
from marketreview.report.model import Cell, CellValue, Column, Report, Sheet, Table

AS_OF = dt.date(2025, 10, 31)
KEYS = ["index_moves", "relative_r2g", "relative_others", "mag7_share", "yields", "mag7_moves", "sectors",
        "japan_year"]  # the folder has no ISM, EPS, buyback or capex files: those exhibits are not drawn
SIZE = (1600, 900)  # every image, by default


def csv_closes(market_dir: Path, file: str) -> dict[str, float]:
    with (market_dir / file).open() as fh:
        return {row["date"]: float(row["close"]) for row in csv.DictReader(fh)}


@pytest.fixture(scope="module")
def report(market_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Report:
    engine = open_engine(f"csv:{market_dir}", cache_path=tmp_path_factory.mktemp("img") / "c.sqlite")
    return build_report(engine, AS_OF, "ja")


@pytest.fixture(scope="module")
def drawn(report: Report) -> dict[str, Drawn]:
    return {d.key: d for d in draw_charts(report)}


@pytest.fixture(scope="module")
def exhibits(report: Report, tmp_path_factory: pytest.TempPathFactory) -> list[Exhibit]:
    return write_charts(report, tmp_path_factory.mktemp("lib") / "charts")


@pytest.fixture(scope="module")
def cli_dir(market_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The images as the documented command writes them."""
    out = tmp_path_factory.mktemp("cli") / "charts"
    code = main(["charts", "--source", f"csv:{market_dir}", "--asof", AS_OF.isoformat(), "--lang", "ja",
                 "--cache", str(out.parent / "c.sqlite"), "--out", str(out)])
    assert code == 0
    return out


def axes_of(drawn: Drawn) -> list:
    return list(drawn.figure.axes)


def line(ax, gid: str):
    found = [ln for ln in ax.get_lines() if ln.get_gid() == gid]
    assert len(found) == 1, f"{gid}: {len(found)} lines"
    return found[0]


def texts(drawn: Drawn, gid: str) -> list[str]:
    return [t.get_text() for t in drawn.figure.texts if t.get_gid() == gid]


def column(table: Table, key: str) -> list[CellValue]:
    return table.column_values(key)


def same(plotted, expected) -> bool:
    """Plotted y values equal the model's, None plotted as NaN (a gap)."""
    plotted = [float(v) for v in plotted]
    return len(plotted) == len(expected) and all(
        (math.isnan(p) if e is None else p == e) for p, e in zip(plotted, expected, strict=True))


def bar_values(ax) -> dict[str, float]:
    labels = [t.get_text() for t in ax.get_yticklabels()]
    widths = [p.get_width() for p in ax.patches]
    assert len(labels) == len(widths)
    return dict(zip(labels, widths, strict=True))


# -- real data: files ---------------------------------------------------------------------------------


@pytest.mark.realdata
def test_command_writes_every_image_decodable_at_its_size(cli_dir: Path) -> None:
    assert sorted(p.name for p in cli_dir.iterdir()) == sorted(f"{k}.png" for k in KEYS)
    for key in KEYS:
        pixels = mpimg.imread(cli_dir / f"{key}.png")
        assert (pixels.shape[1], pixels.shape[0]) == SIZE, key
        assert float(np.std(pixels[..., :3])) > 0.05, f"{key} is blank"


@pytest.mark.realdata
def test_rendering_is_deterministic(exhibits: list[Exhibit], cli_dir: Path) -> None:
    assert [e.path.name for e in exhibits] == [f"{k}.png" for k in KEYS]
    for exhibit in exhibits:
        assert exhibit.path.read_bytes() == (cli_dir / exhibit.path.name).read_bytes(), exhibit.path.name


@pytest.mark.realdata
def test_exhibits_carry_title_and_source(exhibits: list[Exhibit], drawn: dict[str, Drawn]) -> None:
    folder = exhibits[0].path.parent
    assert all(isinstance(e, Exhibit) and e.path.is_file() and e.path.parent == folder for e in exhibits)
    assert exhibits[0].title == "主要株価指数の週間騰落率"
    for exhibit, key in zip(exhibits, KEYS, strict=True):
        assert not exhibit.title.startswith(("図表", "Exhibit"))
        assert texts(drawn[key], "title") == [exhibit.title]
        assert texts(drawn[key], "source")[0].splitlines()[:2] == [exhibit.source, exhibit.period]
        assert exhibit.caption[:2] == (exhibit.source, exhibit.period)
        assert exhibit.source.startswith("出所：CSVファイル") and exhibit.source.endswith("のデータを基に作成")
        assert "基準日 2025年10月31日" in texts(drawn[key], "subtitle")[0]
    assert "S&P500構成銘柄の時価総額" in exhibits[KEYS.index("mag7_share")].source
    assert "今週 2025年10月27日～31日" in texts(drawn["index_moves"], "subtitle")[0]
    assert exhibits[0].period == "期間：2025年10月27日～31日（週間騰落率）"


@pytest.mark.realdata
def test_no_empty_axes_and_the_bundled_japanese_font(drawn: dict[str, Drawn]) -> None:
    for key, chart in drawn.items():
        for ax in axes_of(chart):
            lines = [ln for ln in ax.get_lines() if np.isfinite(np.asarray(ln.get_ydata(), float)).any()]
            noted = [t for t in ax.texts if t.get_gid() == "note"]  # a refused pair's panel says why instead
            assert lines or ax.patches or noted, f"{key} has an empty axes"
        assert {t.get_fontname() for t in chart.figure.texts} == {"IPAexGothic"}
    path = font_manager.findfont(FontProperties(family="IPAexGothic"), fallback_to_default=False)
    assert Path(path).name == "ipaexg.ttf" and "matplotlib_fontja" in path


@pytest.mark.realdata
def test_every_japanese_glyph_is_in_the_font(report: Report) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for chart in draw_charts(report):
            chart.figure.canvas.draw()  # Agg: renders every glyph
    assert [str(w.message) for w in caught if "missing from" in str(w.message)] == []


# -- real data: what is plotted is the model's numbers --------------------------------------------------


@pytest.mark.realdata
def test_index_moves_are_the_models_weekly_changes(report: Report, drawn: dict[str, Drawn],
                                                   market_dir: Path) -> None:
    (ax,) = axes_of(drawn["index_moves"])
    us = report.sheet("us_indices").table("indices")
    japan = report.sheet("japan_sectors").table("japan_indices")
    # the equal-weight line is the RSP ETF (the folder has no ^SPXEW): named as the ETF
    names = [("S&P500均等加重ETF(RSP)" if n == "S&P500均等加重" else n) for n in column(us, "name")]
    expected = dict(zip(names + column(japan, "name"), column(us, "w1") + column(japan, "w1"), strict=True))
    assert bar_values(ax) == expected and len(expected) == 9
    widths = [p.get_width() for p in ax.patches]
    assert widths == sorted(widths)  # bottom to top: the best week at the top
    spx = csv_closes(market_dir, "GSPC.csv")
    assert bar_values(ax)["S&P500"] == pytest.approx(spx["2025-10-31"] / spx["2025-10-24"] - 1, abs=1e-12)
    labels = [t.get_text() for t in ax.texts if t.get_gid() == "value_label"]
    assert "+0.71%" in labels and "-1.74%" in labels and "+6.31%" in labels  # S&P 500, RSP, Nikkei 225


def model_ratio(report: Report, pair: str) -> tuple[list, list, list]:
    """Dates, ratios and 26-week averages of a pair as the model holds them (newest first), oldest first."""
    table = report.sheet("relative").table("ratio_history")
    rows = sorted(zip(column(table, "date"), column(table, pair), column(table, f"{pair}_ma"), strict=True),
                  key=lambda r: r[0])
    return [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]


@pytest.mark.realdata
@pytest.mark.parametrize(("key", "panel", "pair"), [("relative_r2g", 0, "r2g"), ("relative_others", 0, "r2")])
def test_ratio_lines_are_the_models_series(report: Report, drawn: dict[str, Drawn], key: str, panel: int,
                                           pair: str) -> None:
    ax = axes_of(drawn[key])[panel]
    dates, ratios, averages = model_ratio(report, pair)
    ratio, ma = line(ax, "ratio"), line(ax, "ma")
    assert list(ratio.get_xdata()) == dates and len(dates) > 26
    assert same(ratio.get_ydata(), ratios) and same(ma.get_ydata(), averages)
    assert list(ratio.get_xdata())[-1] == AS_OF  # the as-of week is the last point


@pytest.mark.realdata
def test_r2g_ratio_against_the_csv_files(drawn: dict[str, Drawn], market_dir: Path) -> None:
    ruo, spx = csv_closes(market_dir, "RUO.csv"), csv_closes(market_dir, "GSPC.csv")
    ratio = line(axes_of(drawn["relative_r2g"])[0], "ratio")
    assert ratio.get_ydata()[-1] == pytest.approx(ruo["2025-10-31"] / spx["2025-10-31"], rel=1e-12)
    assert [t.get_text() for t in axes_of(drawn["relative_r2g"])[0].texts] == ["24.66%"]


@pytest.mark.realdata
def test_mag7_share_history_with_its_latest_value_labelled(report: Report, drawn: dict[str, Drawn]) -> None:
    (ax,) = axes_of(drawn["mag7_share"])
    history = report.sheet("mag7").table("share_history")
    rows = sorted(zip(column(history, "date"), column(history, "share"), strict=True), key=lambda r: r[0])
    share = line(ax, "share")
    assert list(share.get_xdata()) == [d for d, _ in rows] and same(share.get_ydata(), [v for _, v in rows])
    assert share.get_xdata()[-1] == AS_OF
    last = rows[-1][1]
    assert isinstance(last, float)
    assert [t.get_text() for t in ax.texts] == [f"{last * 100:.1f}%"]
    low, high = ax.get_ylim()
    assert low > 0.25 and high < 0.45  # fitted to the data, not from zero


@pytest.mark.realdata
def test_yields_week_and_year(report: Report, drawn: dict[str, Drawn], market_dir: Path) -> None:
    left, right = axes_of(drawn["yields"])
    dgs2, dgs10 = csv_closes(market_dir, "DGS2.csv"), csv_closes(market_dir, "DGS10.csv")
    week = ["2025-10-24", "2025-10-27", "2025-10-28", "2025-10-29", "2025-10-30", "2025-10-31"]
    assert list(line(left, "us2y").get_xdata()) == ["10/24", "10/27", "10/28", "10/29", "10/30", "10/31"]
    assert list(line(left, "us2y").get_ydata()) == [dgs2[d] for d in week]
    assert list(line(left, "us10y").get_ydata()) == [dgs10[d] for d in week]
    legend = [t.get_text() for t in left.get_legend().get_texts()]
    assert legend == ["2年（週間 +12bp）", "10年（週間 +9bp）"]  # 3.48 → 3.60 and 4.02 → 4.11
    history = report.sheet("rates").table("yield_history")
    year = sorted((d, v) for d, v in zip(column(history, "date"), column(history, "us10y"), strict=True)
                  if isinstance(d, dt.date) and d > AS_OF - dt.timedelta(days=365))
    ten = line(right, "us10y")
    assert list(ten.get_xdata()) == [d for d, _ in year] and same(ten.get_ydata(), [v for _, v in year])
    assert ten.get_xdata()[-1] == AS_OF and ten.get_ydata()[-1] == dgs10["2025-10-31"]
    assert line(right, "us2y").get_color() == line(left, "us2y").get_color()  # one colour per series


@pytest.mark.realdata
def test_mag7_moves_and_sectors(report: Report, drawn: dict[str, Drawn]) -> None:
    (mag7,) = axes_of(drawn["mag7_moves"])
    stocks = report.sheet("mag7").table("stocks")
    assert bar_values(mag7) == dict(zip(column(stocks, "name"), column(stocks, "w1"), strict=True))
    (ax,) = axes_of(drawn["sectors"])
    sectors = report.sheet("japan_sectors").table("sectors")
    assert bar_values(ax) == dict(zip(column(sectors, "name"), column(sectors, "w1"), strict=True))
    assert len(ax.get_yticklabels()) == 17
    japan = report.sheet("japan_sectors").table("japan_indices")
    topix = japan.column_values("w1")[japan.column_values("ticker").index("^TOPX")]
    assert list(line(ax, "benchmark").get_xdata()) == [topix] * 2
    assert [t.get_text() for t in ax.texts if t.get_gid() == "benchmark_label"] == ["TOPIX +1.91%"]


@pytest.mark.realdata
def test_real_data_has_no_demo_mark(drawn: dict[str, Drawn]) -> None:
    assert all(not texts(d, "demo") for d in drawn.values())


def test_demo_data_is_marked_large_on_every_image(tmp_path: Path) -> None:
    engine = open_engine("demo", cache_path=tmp_path / "c.sqlite")
    report = build_report(engine, lang="en")
    assert report.demo
    for chart in draw_charts(report):
        (mark,) = [t for t in chart.figure.texts if t.get_gid() == "demo"]
        assert mark.get_text() == "DEMO" and mark.get_fontsize() >= 100
        assert texts(chart, "demo_note") == ["DEMO (synthetic) — not market data"]
        assert texts(chart, "source")[0].startswith("Source: DEMO synthetic data")


# -- a small hand-built report -------------------------------------------------------------------------

DAYS = (dt.date(2025, 1, 3), dt.date(2025, 1, 10))
RATIO_COLUMNS = ("r2g", "r2g_ma", "r2", "r2_ma", "ew", "ew_ma")


def _table(key: str, columns: tuple[tuple[str, str], ...], *rows: tuple[CellValue | Cell, ...]) -> Table:
    cols = tuple(Column(k, k.upper(), fmt) for k, fmt in columns)  # type: ignore[arg-type]
    return Table(key, key, cols, tuple(tuple(v if isinstance(v, Cell) else Cell(v) for v in r) for r in rows))


def tiny_report(lang: str = "ja", *, ok: bool = True) -> Report:
    moves = (("name", "text"), ("ticker", "text"), ("w1", "pct_signed"))
    err = Cell(error="#N/A ^RUO: no close on or before 2025-01-10")
    no = "no" if lang == "en" else "いいえ"
    sheets = {
        "us_indices": (_table("indices", moves, ("S&P 500", "^GSPC", 0.0123), ("Dow", "^DJI", -0.0045),
                              ("R2000G", "^RUO", err)),),
        "japan_sectors": (_table("japan_indices", moves, ("TOPIX", "^TOPX", 0.0071)),
                          _table("sectors", moves, ("Foods", "1617.T", -0.0230), ("Banks", "1631.T", 0.0310))),
        "relative": (_table("ratio_history", (("date", "date"), *((k, "pct") for k in RATIO_COLUMNS)),
                            (DAYS[1], 0.262, 0.2565, 1.262, 1.2565, 2.262, 2.2565),  # newest first, as printed
                            (DAYS[0], 0.251, None, 1.251, None, 2.251, None)),),
        "mag7": (_table("stocks", moves, ("Apple", "AAPL", 0.0201 if ok else err), ("Tesla", "TSLA", err)),
                 _table("share_history", (("date", "date"), ("share", "pct")), (DAYS[0], 0.331), (DAYS[1], 0.3452))),
        "rates": (_table("yields", (("name", "text"), ("ticker", "text"), ("w1_bp", "bp")),
                         ("2Y", "DGS2", 7.0), ("10Y", "DGS10", -3.0)),
                  _table("yield_history", (("date", "date"), ("us2y", "level_pct"), ("us10y", "level_pct")),
                         (DAYS[1], 4.38, 4.57), (dt.date(2025, 1, 6), 4.33, 4.62), (DAYS[0], 4.31, 4.60),
                         (dt.date(2025, 1, 2), 4.25, 4.55), (dt.date(2024, 1, 10), 4.10, 4.01))),
        "sources": (_table("sources", (("alias", "text"), ("ticker", "text"), ("source", "text"), ("adjusted", "text")),
                           ("SP500", "^GSPC", "yahoo", no), ("DOW", "^DJI", "yahoo", no),
                           ("RUSSELL2000G", "^RUO", "yahoo", no), ("TOPIX", "^TOPX", "yahoo", no),
                           ("US2Y", "DGS2", "fred", no), ("US10Y", "DGS10", "fred", no), ("AAPL", "AAPL", "yahoo", no),
                           ("TSLA", "TSLA", "yahoo", "yes" if lang == "en" else "はい")),),
    }
    return Report(DAYS[1], lang, tuple(Sheet(k, k, "", blocks) for k, blocks in sheets.items()),  # type: ignore[arg-type]
                  "fred+yahoo", dt.datetime(2025, 1, 11, 8, 0))


def test_bars_sorted_and_labelled_as_the_text_shows_them() -> None:
    charts = {d.key: d for d in draw_charts(tiny_report())}
    (ax,) = axes_of(charts["index_moves"])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Dow", "TOPIX", "S&P 500"]
    assert [p.get_width() for p in ax.patches] == [-0.0045, 0.0071, 0.0123]
    assert [t.get_text() for t in ax.texts] == ["-0.45%", "+0.71%", "+1.23%"]
    assert [to_hex(p.get_facecolor()) for p in ax.patches] == ["#c00000", "#008000", "#008000"]  # red down, green up
    low, high = ax.get_xlim()
    assert low < -0.0045 and high > 0.0123


def test_a_missing_value_is_named_not_plotted() -> None:
    charts = {d.key: d for d in draw_charts(tiny_report())}
    note = texts(charts["index_moves"], "source")[0].splitlines()
    assert note == ["出所：Yahoo Financeのデータを基に作成", "期間：2025年1月6日～10日（週間騰落率）",
                    "表示なし: R2000G: #N/A ^RUO: no close on or before 2025-01-10"]
    assert "R2000G" not in bar_values(axes_of(charts["index_moves"])[0])


def test_source_line_names_the_source_that_served_the_chart() -> None:
    ja = {d.key: d.source for d in draw_charts(tiny_report("ja"))}
    en = {d.key: d.source for d in draw_charts(tiny_report("en"))}
    assert ja["yields"] == "出所：FRED（DGS2、DGS10）のデータを基に作成"
    assert en["yields"] == "Source: FRED (DGS2, DGS10)"
    assert ja["sectors"] == "出所：Yahoo Financeのデータを基に作成" and en["mag7_moves"] == "Source: Yahoo Finance"


def test_a_dividend_adjusted_series_is_noted() -> None:
    ja = {d.key: texts(d, "source")[0].splitlines() for d in draw_charts(tiny_report("ja"))}
    en = {d.key: texts(d, "source")[0].splitlines() for d in draw_charts(tiny_report("en"))}
    assert ja["mag7_moves"][-1] == "TSLAは配当調整済みの終値（他に系列なし）"
    assert en["mag7_moves"][-1] == "TSLA: dividend-adjusted closes (the only series available)"
    assert ja["yields"] == ["出所：FRED（DGS2、DGS10）のデータを基に作成", "期間：2025年1月2日～10日（日次）"]


def test_a_table_without_the_needed_column_is_a_render_error() -> None:
    report = tiny_report()
    rates = report.sheet("rates")
    broken = Sheet("rates", "rates", "", (rates.table("yields"),
                                          _table("yield_history", (("date", "date"), ("us2y", "level_pct")),
                                                 (DAYS[1], 4.38), (DAYS[0], 4.31))))
    report = Report(report.as_of, report.lang, tuple(broken if s.key == "rates" else s for s in report.sheets),
                    report.source, report.generated_at)
    with pytest.raises(RenderError, match="table yield_history: the table has no column 'us10y'"):
        draw_charts(report)


def test_yield_legend_and_last_points() -> None:
    charts = {d.key: d for d in draw_charts(tiny_report("en"))}
    left, right = axes_of(charts["yields"])
    assert [t.get_text() for t in left.get_legend().get_texts()] == ["US2Y (week +7bp)", "US10Y (week -3bp)"]
    assert [t.get_text() for t in left.texts] == ["4.38%", "4.57%"]
    assert list(line(left, "us2y").get_xdata()) == ["1/3", "1/6", "1/10"]  # from the previous week's last close
    assert list(line(right, "us2y").get_xdata()) == [dt.date(2025, 1, 2), DAYS[0], dt.date(2025, 1, 6), DAYS[1]]
    (share,) = axes_of(charts["mag7_share"])
    assert [t.get_text() for t in share.texts] == ["34.5%"]
    ratio = axes_of(charts["relative_r2g"])[0]
    assert [t.get_text() for t in ratio.get_legend().get_texts()] == ["Russell 2000 Growth ÷ S&P 500",
                                                                      "26-week average"]


def test_a_chart_with_nothing_to_draw_fails_and_leaves_previous_images(tmp_path: Path) -> None:
    first = write_charts(tiny_report(), tmp_path)
    before = {e.path: e.path.read_bytes() for e in first}
    with pytest.raises(RenderError, match="chart mag7_moves: no Magnificent Seven stock has a weekly change"):
        write_charts(tiny_report(ok=False), tmp_path)
    assert {p: p.read_bytes() for p in before} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in before)  # no temporary left


def test_an_unwritable_folder_is_a_render_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(RenderError, match="cannot create the folder"):
        write_charts(tiny_report(), blocker / "charts")


@pytest.mark.realdata
def test_ratio_panels_name_the_tickers_that_served_them(drawn: dict[str, Drawn]) -> None:
    r2, ew = axes_of(drawn["relative_others"])
    assert [t.get_text() for t in r2.get_legend().get_texts()] == ["ラッセル2000÷S&P500\n(^RUT/^GSPC)", "26週平均"]
    # RSP.csv is dividend-adjusted and ^GSPC a price index: no line, the panel says why under its name
    assert ew.get_title(loc="left") == "S&P500均等加重÷S&P500\n(RSP/^GSPC)" and not ew.get_lines()
    assert any("mixed basis" in t.get_text() for t in ew.texts if t.get_gid() == "note")


@pytest.mark.realdata
@pytest.mark.parametrize("name", ["index_moves.png", "relative_r2g.png"])
def test_readme_pictures_are_what_the_command_writes(cli_dir: Path, name: str) -> None:
    committed = mpimg.imread(Path(__file__).resolve().parents[1] / "docs" / "charts" / name)
    fresh = mpimg.imread(cli_dir / name)
    assert committed.shape == fresh.shape
    difference = float(np.abs(committed - fresh).mean())
    assert difference < 0.002, (f"docs/charts/{name} is out of date (mean pixel difference {difference:.4f}): "
                                "regenerate it with the command in the README's chart section")


@pytest.mark.realdata
def test_review_with_charts_writes_the_images_and_embeds_them_numbered(market_dir: Path, tmp_path: Path,
                                                                       cli_dir: Path) -> None:
    code = main(["review", "--source", f"csv:{market_dir}", "--asof", AS_OF.isoformat(), "--lang", "ja",
                 "--cache", str(tmp_path / "c.sqlite"), "--out", str(tmp_path / "post.md"),
                 "--charts", str(tmp_path / "charts")])
    assert code == 0
    for key in KEYS:
        assert (tmp_path / "charts" / f"{key}.png").read_bytes() == (cli_dir / f"{key}.png").read_bytes()
    lines = (tmp_path / "post.md").read_text(encoding="utf-8").splitlines()
    images = [i for i, text in enumerate(lines) if text.startswith("![図表")]
    assert [lines[i].split("](")[1] for i in images] == [f"charts/{k}.png)" for k in KEYS]
    assert lines[images[0]] == "![図表1 主要株価指数の週間騰落率](charts/index_moves.png)"
    assert lines[images[6]].startswith("![図表7 TOPIX-17業種別の週間騰落率（NEXT FUNDS ETF）]")
    # caption lines end in a Markdown line break (two spaces), but the last
    assert all(lines[i + 1] == "出所：CSVファイルのデータを基に作成  " for i in images if "mag7_share" not in lines[i])
    assert all(lines[i + 2].startswith("期間：") for i in images)


def test_without_the_charts_extra_the_commands_say_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """matplotlib is the optional ``charts`` extra: without it, ``charts`` and ``review --charts`` fail with the
    pip command, and ``review`` alone still works."""
    for name in [m for m in sys.modules if m.startswith(("matplotlib", "marketreview.render.images"))]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # what an environment without it gives: ImportError
    common = ["--source", "demo", "--cache", str(tmp_path / "c.sqlite"), "--asof", "2025-10-31"]
    assert main(["charts", *common, "--out", str(tmp_path / "charts")]) == 2
    assert 'pip install "marketreview[charts]"' in capsys.readouterr().err
    assert not (tmp_path / "charts").exists()
    assert main(["review", *common, "--out", str(tmp_path / "post.md"), "--charts", str(tmp_path / "c")]) == 2
    assert not (tmp_path / "post.md").exists()
    assert main(["review", *common, "--out", str(tmp_path / "post.md")]) == 0
    assert "DEMO" in (tmp_path / "post.md").read_text(encoding="utf-8")
