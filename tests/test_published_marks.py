"""Every mark the engine knows reaches every published form of a figure (issue 17): the post in each format, the
Summary sheet, the xlsx cells' notes, and REVIEWLINE, on a copy of the real closes with

- a gap: GSPC.csv without 2024-12-27 (the week ends on the 12/26 close);
- a stopped series: RUO.csv ends 2025-12-16 (as of 2025-12-19 three sessions are missing);
- a substitute ticker: no TOPIX.csv, so TOPIX is served by the 1306.T ETF (and SP500EW by RSP, which index.csv
  says is dividend-adjusted);
- a MAG7SHARE estimate: 2024-12-27 is before the first snapshot with member caps (2024-12-31).

Expected texts are written out by hand from the CSV files (closes quoted in the comments)."""

from __future__ import annotations

import datetime as dt
import html
import re
import shutil
from pathlib import Path

import openpyxl
import pytest
from fake_book import Book

from marketreview import functions
from marketreview.app import open_engine
from marketreview.calc import summary as fmt
from marketreview.cli import main
from marketreview.engine import Engine
from marketreview.excel.book import render_book
from marketreview.render.markdown import render_review
from marketreview.render.xlsx import write_xlsx
from marketreview.report import published
from marketreview.report.build import build_report
from marketreview.report.layout import place, place_printed, split_for_print
from marketreview.report.model import Lines, Report, Table
from marketreview.report.summary_sheet import JAPAN_LINES, RATE_LINES, US_LINES

D = dt.date.fromisoformat
GAP_DAY, STOP_DAY, ERROR_DAY = "2024-12-27", "2025-12-19", "2025-12-31"
#: the tables the post shows, and the cells of each it publishes
POSTED = {"indices": ("prev", "close", "w1", "ytd"), "japan_indices": ("prev", "close", "w1", "ytd"),
          "fx": ("prev", "close", "w1", "ytd"), "yields": ("prev_week", "level", "w1_bp"),
          "pairs": ("ratio", "deviation"), "share": ("share", "share_w1")}


@pytest.fixture(scope="module")
def folder(market_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shared closes, copied, with the gap and without TOPIX.csv (never committed: built at test time)."""
    out = tmp_path_factory.mktemp("marked") / "market"
    shutil.copytree(market_dir, out)
    gspc = (out / "GSPC.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (out / "GSPC.csv").write_text("".join(line for line in gspc if not line.startswith("2024-12-27,")),
                                  encoding="utf-8")
    (out / "TOPIX.csv").unlink()
    index = (out / "index.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (out / "index.csv").write_text("".join(line for line in index if not line.startswith("TOPIX.csv,")),
                                   encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def engine(folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Engine:
    return open_engine(f"csv:{folder}", cache_path=tmp_path_factory.mktemp("marked-cache") / "c.sqlite")


@pytest.fixture(scope="module")
def reports(engine: Engine) -> dict[tuple[str, str], Report]:
    cases = [(GAP_DAY, "ja"), (GAP_DAY, "en"), (STOP_DAY, "ja")]
    return {(day, lang): build_report(engine, D(day), lang) for day, lang in cases}  # type: ignore[arg-type]


def posts(report: Report) -> dict[str, str]:
    """Every format of the post, as the text a reader sees (HTML unescaped, tags dropped)."""
    out = {fmt_: render_review(report, fmt_) for fmt_ in ("md", "text", "note")}  # type: ignore[arg-type]
    out["html"] = html.unescape(re.sub(r"<[^>]+>", "", render_review(report, "html")))
    return out


def summary_lines(report: Report) -> list[str]:
    block = report.sheet("summary").blocks[0]
    assert isinstance(block, Lines)
    return list(block.lines)


def tables(report: Report) -> list[tuple[int, Table, tuple[int, int], tuple[int, int]]]:
    """(sheet index, table, (first data row, first column) in the printed xlsx file, the same in the live book)
    of every posted table: the built file lays its sheets out for paper (render.printed), the live book as
    :func:`place` does."""
    out = []
    for index, sheet in enumerate(report.sheets):
        kept, _moved = split_for_print(sheet)
        printed = {p.block.key: p for p in place_printed(kept) if isinstance(p.block, Table)}
        for placement in place(sheet):
            if isinstance(placement.block, Table) and placement.block.key in POSTED:
                paper = printed[placement.block.key]  # a posted table stays on its sheet (none is a history)
                out.append((index, placement.block, (paper.first_data_row, paper.column),
                            (placement.first_data_row, placement.column)))
    return out


# -- the walk: every marked figure, in every renderer ---------------------------------------------------------


@pytest.mark.parametrize("case", [(GAP_DAY, "ja"), (GAP_DAY, "en"), (STOP_DAY, "ja")], ids=str)
def test_every_mark_reaches_every_renderer(reports, tmp_path: Path, case: tuple[str, str]) -> None:
    report = reports[case]
    lang = report.lang
    written = {name: text.splitlines() for name, text in posts(report).items()}
    written["summary"] = summary_lines(report)
    path = write_xlsx(report, tmp_path / "review.xlsx")
    book = openpyxl.load_workbook(path)
    live = Book()
    render_book(report, live)  # the live workbook (xlwings in Excel; tests/fake_book.py here)
    walked = 0
    for index, table, (first_row, first_column), (live_row, live_column) in tables(report):
        ws = book.worksheets[index]
        name_key = "pair" if table.key == "pairs" else "name"
        for r, cells in enumerate(table.records()):
            name = str(cells[name_key].value) if name_key in cells else ""
            for key in POSTED[table.key]:
                cell = cells.get(key)
                if cell is None or cell.error is not None or not published.cell_marks(cell):
                    continue
                walked += 1
                words = {fmt.mark_text(m, lang).strip() for m in published.cell_marks(cell)}
                # beside a close, in brackets of its own (or naming whose close it is, in a ratio)
                words |= {fmt.mark_text(m, lang, at_close=True).strip(" ()（）") for m in published.cell_marks(cell)
                          if m.names_close}
                # the xlsx keeps the number and notes the marks in the reader's words and the whole warning
                column = first_column + table.column_index(key)
                xl = ws.cell(row=first_row + r, column=column)
                assert isinstance(xl.value, float), (table.key, name, key, xl.value)
                assert xl.comment is not None and cell.warning is not None
                assert cell.warning.split("; ")[0] in xl.comment.text
                assert any(word in xl.comment.text for word in words), (xl.comment.text, words)
                # the live book: the same note on the same cell
                live_note = live.sheets[ws.title].notes[(live_row + r, live_column + table.column_index(key))]
                assert live_note.text == xl.comment.text
                # every text form carries a mark of it on the figure's own line; MAG7's weekly change names the
                # share's snapshot again, aged from the week before: the line names each snapshot once, at the
                # share's own age (no "時価総額は1月31日時点、322日前）（…317日前）")
                if table.key == "share" and key == "share_w1":
                    share = {(m.kind, m.used): m for m in published.cell_marks(cells["share"])}
                    words = {fmt.mark_text(share.get((m.kind, m.used), m), lang).strip()
                             for m in published.cell_marks(cell)}
                for renderer, lines in written.items():
                    if table.key == "share":
                        mine = [line for line in lines if "%" in line and ("マグニフィセント・セブンの" in line
                                                                           or "Magnificent Seven share" in line)]
                    else:
                        mine = [line for line in lines if name and name in line]
                    assert mine, (renderer, name)
                    shown = "\n".join(mine)
                    assert all(word in shown for word in words if not word.startswith("※")), \
                        (renderer, name, key, words, mine)
                    for d in {m.used for m in published.cell_marks(cell) if m.kind == "anchor" and m.used}:
                        said = f"時価総額は{d.year}年{d.month}月{d.day}日時点" if lang == "ja" else f"caps as of {d}"
                        assert all(line.count(said) == 1 for line in mine), (renderer, mine)
            # the series' own marks, on its name: a substitute (named) and dividend adjustment
            own = cells.get("name")
            if own is None or own.warning is None:
                continue
            walked += 1
            xl = ws.cell(row=first_row + r, column=first_column + table.column_index("name"))
            assert xl.value == own.value and xl.comment is not None and own.warning.split("; ")[0] in xl.comment.text
            for mark in published.cell_marks(own):
                for renderer, lines in written.items():
                    if renderer == "summary" and cells["ticker"].value in ("^IRX", "DGS3MO", "DGS30"):
                        continue  # the Summary sheet gives the 2- and 10-year yields only
                    mine = "\n".join(line for line in lines if str(own.value) in line)
                    assert mine, (renderer, own.value)
                    if mark.kind in ("adjusted", "raw"):
                        assert fmt.mark_text(mark, lang).strip() in mine, (renderer, own.value)
                    if mark.kind == "substitute":  # the name is the substitute's own: 1306, RSP, ^IRX
                        assert mark.ticker.removesuffix(".T") in str(own.value)
    assert walked >= 8  # the gap, the ratio lines, MAG7's estimate and anchor (or the stopped series), names


def test_no_post_shows_an_error_text_or_the_substitutes_under_the_index_name(reports) -> None:
    for (day, _lang), report in reports.items():
        for renderer, text in {**posts(report), "summary": "\n".join(summary_lines(report))}.items():
            assert "#N/A" not in text and "#VALUE" not in text, (day, renderer)
            # TOPIX is the 1306.T ETF here: its level never appears under TOPIX's name
            assert not re.search(r"(^|[・|] ?)TOPIX [\d,]", text, re.M), (day, renderer)
            assert not re.search(r"(^|[・|] ?)TOPIX 年初来|TOPIX YTD", text, re.M), (day, renderer)


# -- the cases of issue 17, by hand ---------------------------------------------------------------------------


def test_the_gap_week_names_the_close_it_used(reports) -> None:
    ja, en = posts(reports[GAP_DAY, "ja"])["text"], posts(reports[GAP_DAY, "en"])["text"]
    # GSPC.csv without 12/27: 2024-12-20 5930.85, 2024-12-26 6037.59 → +106.74 points, 106.74 / 5930.85 = +1.80%
    assert "・S&P500 5,930.85 → 6,037.59（12/26終値）（前週比 +106.74、+1.80%）（12/27欠損）" in ja.splitlines()
    assert "・S&P 500 5,930.85 → 6,037.59 (12/26 close) (week +106.74, +1.80%) (12/27 missing)" in en.splitlines()
    # YTD from the 2023-12-29 close 4769.83 to 6037.59: +26.58%, marked the same way
    assert "・S&P500 年初来 +26.58%（12/26終値）（12/27欠損）" in ja.splitlines()


def test_substitutes_are_named_everywhere(reports) -> None:
    ja, en = posts(reports[GAP_DAY, "ja"]), posts(reports[GAP_DAY, "en"])
    # 1306_T.csv: 2024-12-20 2830.5, 2024-12-27 2943 (whole yen: 2,831 → 2,943, +112 shown), 2943 / 2830.5 = +3.97%
    # 1306_T.csv has raw closes only (no adj_close column): the ETF's distributions are not in its returns
    for text in (ja["text"], ja["note"], ja["html"]):
        assert "・TOPIX連動ETF(1306) 2,831 → 2,943（前週比 +112、+3.97%）（分配金含まず）" in text.splitlines()
    assert "・TOPIX ETF (1306) 2,831 → 2,943 (week +112, +3.97%) (distributions not included)" \
        in en["text"].splitlines()
    # RSP.csv (dividend-adjusted): 173.0421… → 173.6811…: 173.04 → 173.68, +0.64, +0.37%
    assert "・S&P500均等加重ETF(RSP) 173.04 → 173.68（前週比 +0.64、+0.37%）（配当込み）" in ja["text"].splitlines()
    assert "| S&P500均等加重ETF(RSP)（配当込み） | 173.04 | 173.68 | +0.37% |" in ja["md"]
    assert any(line.startswith("・S&P500均等加重ETF(RSP) / S&P500 ") for line in ja["text"].splitlines())
    assert "TOPIX-17業種（NEXT FUNDS ETF） 週間上位:" in ja["note"]
    # the sector ETFs' files (1617_T.csv …) have raw closes only: each ranking says so, in every form
    for form, text in {**ja, "summary": "\n".join(summary_lines(reports[GAP_DAY, "ja"]))}.items():
        ranked = [line for line in text.splitlines() if "TOPIX-17業種（NEXT FUNDS ETF） 週間" in line]
        assert len(ranked) == 2 and all(line.endswith("（分配金含まず）") for line in ranked), (form, ranked)
    # the previous years of a dividend-adjusted series are total returns too: RSP.csv 2022-12-30 134.3144,
    # 2023-12-29 152.7123: 134.31 → 152.71, +18.40, 152.7123 / 134.3144 - 1 = +13.70%
    assert "・S&P500均等加重ETF(RSP) 134.31 → 152.71（年間 +18.40、+13.70%）（配当込み）" in ja["text"].splitlines()


def test_the_stopped_series_names_its_last_close(reports) -> None:
    text = posts(reports[STOP_DAY, "ja"])["text"].splitlines()
    # RUO.csv: 2025-12-12 1696.41, last row 2025-12-16 1672.41: -24.00 points, -24 / 1696.41 = -1.41%
    assert "・ラッセル2000グロース 1,696.41 → 1,672.41（12/16終値）（前週比 -24.00、-1.41%）（12/17他2日欠損）" in text
    ratio = next(line for line in text if line.startswith("・ラッセル2000グロース / S&P500 "))
    # RUO.csv 2025-12-16 1672.41 / GSPC.csv 2025-12-19 6834.50 = 24.47%: whose close is older is said beside it
    assert ratio.startswith("・ラッセル2000グロース / S&P500 24.47%"
                            "（ラッセル2000グロースは12/16終値）（26週平均との乖離 ")
    assert ratio.endswith("pt）（12/17他2日欠損）")


def test_an_error_figure_is_a_dash_and_a_numbered_footnote(engine: Engine) -> None:
    """As of 2025-12-31 RUO.csv (ends 12/16) misses ten sessions: its week is an error, not the 12/16 close."""
    text = render_review(build_report(engine, D(ERROR_DAY), "ja"), "text").splitlines()
    line = next(line for line in text if line.startswith("・ラッセル2000グロース "))
    number = re.fullmatch(r"・ラッセル2000グロース —※(\d+)", line)
    assert number, line
    assert f"※{number.group(1)} ラッセル2000グロースは12/16までのデータ" in text


def test_mag7_quotes_one_decimal_with_its_estimate_and_anchor(reports) -> None:
    ja = posts(reports[GAP_DAY, "ja"])["text"].splitlines()
    line = next(line for line in ja if line.startswith("・マグニフィセント・セブンのS&P500時価総額比率 "))
    assert re.match(r"・マグニフィセント・セブンのS&P500時価総額比率 \d+\.\d%（前週比 [+-]\d+\.\dpt）", line)
    assert "（推計：2024年12月31日の時価総額から遡及）" in line and "（時価総額は2024年12月31日時点）" in line
    stop = posts(reports[STOP_DAY, "ja"])["text"]
    # as of 2025-12-19 the caps are the 2025-01-31 snapshot's, 322 days old: the age is said
    assert re.search(r"（時価総額は2025年1月31日時点、\d+日前）", stop)


# -- one line form (issue 18) --------------------------------------------------------------------------------


@pytest.mark.parametrize("case", [(GAP_DAY, "ja"), (GAP_DAY, "en")], ids=str)
def test_reviewline_summary_and_every_post_format_give_the_same_line(reports, engine: Engine,
                                                                    case: tuple[str, str]) -> None:
    day, lang = case
    report = reports[case]
    lines = summary_lines(report)
    forms = posts(report)
    for alias in (*US_LINES, *JAPAN_LINES, *RATE_LINES):
        line = functions.call(engine, "REVIEWLINE", alias, "1W", day, lang).value
        assert isinstance(line, str) and line in lines, (alias, line)
        for name in ("text", "note", "html"):
            assert line in forms[name].splitlines(), (alias, name)
    # the one form, by hand from GSPC.csv in the unmarked file: see test_the_gap_week_names_the_close_it_used


def test_reviewline_on_the_real_closes(market_dir: Path, tmp_path: Path) -> None:
    engine = open_engine(f"csv:{market_dir}", cache_path=tmp_path / "c.sqlite")
    # GSPC.csv: 2024-12-20 5930.85, 2024-12-27 5970.84: +39.99 points, 39.99 / 5930.85 = +0.67%
    assert functions.call(engine, "REVIEWLINE", "SP500", "1W", "2024-12-27").value == \
        "・S&P500 5,930.85 → 5,970.84（前週比 +39.99、+0.67%）"
    # RUO.csv: 2025-10-24 1692.81, 2025-10-31 1686.56: -6.25 points, -0.37% (the seeds' 1,686.56 example)
    assert functions.call(engine, "REVIEWLINE", "RUSSELL2000G", "1W", "2025-10-31").value == \
        "・ラッセル2000グロース 1,692.81 → 1,686.56（前週比 -6.25、-0.37%）"


# -- the command line: review and charts say what build says --------------------------------------------------


def test_review_prints_the_warnings_and_marks_the_post(folder: Path, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    cache = str(tmp_path / "c.sqlite")
    assert main(["review", "--source", f"csv:{folder}", "--cache", cache, "--asof", STOP_DAY,
                 "--format", "text"]) == 0
    captured = capsys.readouterr()
    assert "warning: 米国株価指数: ^RUO: no close on trading days 2025-12-17, 2025-12-18, 2025-12-19; " \
           "used 2025-12-16" in captured.err
    assert "1306.T: fallback for ^TOPX" in captured.err
    assert "・ラッセル2000グロース 1,696.41 → 1,672.41（12/16終値）" in captured.out
    # 2026-08-28: the shared US files stop on 2026-08-21 (five sessions): the week is an error, the YTD is marked
    assert main(["review", "--source", f"csv:{folder}", "--cache", cache, "--asof", "2026-08-28",
                 "--format", "text"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert re.fullmatch(r"・S&P500 —※\d+", next(line for line in out if line.startswith("・S&P500 ")))
    assert any(re.fullmatch(r"・S&P500 年初来 [+-]\d+\.\d\d%（8/21終値）（8/24他4日欠損）", line) for line in out)


def test_charts_prints_the_warnings(folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("matplotlib")
    assert main(["charts", "--source", f"csv:{folder}", "--cache", str(tmp_path / "c.sqlite"), "--asof", GAP_DAY,
                 "--out", str(tmp_path / "charts")]) == 0
    err = capsys.readouterr().err
    assert "warning: 米国株価指数: ^GSPC: no close on trading day 2024-12-27; used 2024-12-26" in err


def test_cli_review_note_for_note_com(market_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 18's case: `review --format note --asof 2024-12-27 --lang ja` over the real closes."""
    assert main(["review", "--source", f"csv:{market_dir}", "--cache", str(tmp_path / "c.sqlite"),
                 "--asof", "2024-12-27", "--lang", "ja", "--format", "note"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert not any(line.lstrip().startswith("|") for line in lines)
    assert all(line.startswith(("## ", "### ")) for line in lines if line.startswith("#"))
    assert lines[0] == "## 週間マーケットレビュー（2024年12月23日〜27日）"
    # GSPC.csv: 2024-12-20 5930.85, 2024-12-27 5970.84: +39.99 points, 39.99 / 5930.85 = +0.67%
    assert "・S&P500 5,930.85 → 5,970.84（前週比 +39.99、+0.67%）" in lines
    # TOPIX.csv is there: TOPIX's own closes, 2701.99 → 2801.68 (+99.69, +3.69%)
    assert "・TOPIX 2,701.99 → 2,801.68（前週比 +99.69、+3.69%）" in lines


@pytest.mark.parametrize(("warning", "ja", "en"), [
    ("STALE: fetch failed (yahoo: rate limited); last good date 2025-12-16", "（取得失敗、12/16までのデータ）",
     "(fetch failed; data to 2025-12-16)"),
    ("NO DATA: fetch failed (csv: returned no data for X) and nothing is cached for it", "（取得失敗）",
     "(fetch failed)"),
    ("RSP: dividend-adjusted closes (a total return, not a price return)", "（配当込み）", "(dividend-adjusted)"),
    ("1306.T: fallback for ^TOPX (a substitute, not the same series)", "（代替ティッカー 1306.T）",
     "(substitute ticker 1306.T)"),
    ("mag7: member caps anchored at 2025-01-31 (322 days before), index total (S&P-reported) at 2025-09-30 "
     "(80 days before)", "（時価総額は2025年1月31日時点、322日前）", "(caps as of 2025-01-31, 322 days old)"),
])
def test_the_words_of_each_kind_of_mark(warning: str, ja: str, en: str) -> None:
    assert (fmt.warning_mark(warning, "ja"), fmt.warning_mark(warning, "en")) == (ja, en)


def test_a_name_cells_joined_warnings_are_read_one_by_one() -> None:
    from marketreview.calc.marks import parse_warnings

    note = ("STALE: fetch failed (yahoo: timeout); last good date 2025-12-16; "
            "1306.T: fallback for ^TOPX (a substitute, not the same series)")
    kinds = [(m.kind, m.used, m.ticker, m.of) for m in parse_warnings([note])]
    assert kinds == [("stale", D("2025-12-16"), "", ""), ("substitute", None, "1306.T", "^TOPX")]
