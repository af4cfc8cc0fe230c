"""The openpyxl renderer, read back with openpyxl and as raw XML. Expected cells are typed in from the layout
(title row 5, header row 6, first data row 7) and the values in tests/sample_report.py."""

from __future__ import annotations

import datetime as dt
import os
import re
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Any, get_args

import openpyxl
import pytest
from openpyxl import Workbook, load_workbook
from sample_report import (
    DJI_WARNING,
    HOSTILE,
    NVDA_ERROR,
    RELATIVE_MA,
    RELATIVE_RATIO,
    STATUS_MAG7,
    sample_report,
)

from marketreview.errors import RenderError
from marketreview.render import xlsx as xlsx_module
from marketreview.render.atomic import atomic_write
from marketreview.render.styles import NUMBER_FORMATS, rgb
from marketreview.render.xlsx import render_workbook, sheet_title, write_xlsx
from marketreview.report.model import Cell, Column, Fmt, Lines, Report, Sheet, Table

TITLES_EN = ["US Indices", "Magnificent 7", "Relative", "Rates", "Japan Sectors", "Summary", "Sources"]
TITLES_JA = ["米国指数", "マグニフィセント7", "相対比較", "金利", "日本業種", "サマリー", "出典"]
RED, GREEN = "00C00000", "00008000"


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_xlsx(sample_report(), tmp_path_factory.mktemp("xlsx") / "review.xlsx", printed=False)


@pytest.fixture(scope="module")
def wb(saved: Path) -> Any:
    return load_workbook(saved)


@pytest.fixture(scope="module")
def wb_ja_demo(tmp_path_factory: pytest.TempPathFactory) -> Any:
    path = write_xlsx(sample_report(demo=True, lang="ja"), tmp_path_factory.mktemp("xlsx") / "review_ja.xlsx",
                      printed=False)
    return load_workbook(path)


def _one_table_report(table: Table, *, title: str = "T", stamp: str = "As of 2025-01-10",
                      demo: bool = False) -> Report:
    sheet = Sheet("t", title, stamp, (table,))
    return Report(dt.date(2025, 1, 10), "en", (sheet,), "test", dt.datetime(2025, 1, 11), demo=demo)


def _text_table(*values: str) -> Table:
    return Table("x", "X", (Column("v", "V", "text"),), tuple((Cell(v),) for v in values))


# -- sheets, top rows ---------------------------------------------------------------------------------


def test_sheets_in_report_order(wb: Any, wb_ja_demo: Any) -> None:
    assert wb.sheetnames == TITLES_EN
    assert wb_ja_demo.sheetnames == TITLES_JA


def test_title_stamp_and_status_rows(wb: Any) -> None:
    ws = wb["US Indices"]
    assert ws["A1"].value == "US Indices"
    assert ws["A1"].font.b and ws["A1"].font.sz == 14
    assert ws["A2"].value == "As of 2025-01-10 · source yahoo, fred · fetched 2025-01-11 07:05"
    assert ws["A3"].value is None
    mag7 = wb["Magnificent 7"]
    assert mag7["A3"].value == STATUS_MAG7
    assert mag7["A3"].font.color.rgb == RED


def test_demo_stamp_is_red_bold(wb_ja_demo: Any) -> None:
    stamp = wb_ja_demo["米国指数"]["A2"]
    assert stamp.value.startswith("DEMO (synthetic) · 基準日 2025-01-10")
    assert stamp.font.b and stamp.font.color.rgb == RED


def test_demo_mark_added_when_stamp_lacks_it() -> None:
    wb = render_workbook(_one_table_report(_text_table("a"), stamp="As of 2025-01-10", demo=True))
    assert wb["T"]["A2"].value == "DEMO (synthetic) · As of 2025-01-10"


# -- tables ------------------------------------------------------------------------------------------


def test_table_title_header_and_values(wb: Any) -> None:
    ws = wb["US Indices"]
    assert ws["A5"].value == "US stock indices" and ws["A5"].font.b
    assert [c.value for c in ws[6]] == ["Index", "Symbol", "Close", "Date", "1D", "1W", "YTD"]
    assert [c.value for c in ws[7]] == [
        "S&P 500", "^GSPC", 5970.84, dt.datetime(2025, 1, 10), 0.0067, -0.0194, 0.0152]
    header = ws["C6"]
    assert header.font.b and header.alignment.wrap_text
    assert header.fill.fgColor.rgb == "00DDEBF7"


@pytest.mark.parametrize(
    ("sheet", "cell", "number_format"),
    [
        ("US Indices", "C7", "#,##0.00"),
        ("US Indices", "D7", "yyyy-mm-dd"),
        ("US Indices", "E9", "+0.00%;-0.00%;0.00%"),
        ("Magnificent 7", "E7", "0.00%"),
        ("Rates", "C7", '0.00"%"'),
        ("Rates", "D9", '+0" bp";-0" bp";0" bp"'),
        ("Relative", "B15", "0.0000"),
        ("Sources", "F7", "yyyy-mm-dd hh:mm"),
    ],
)
def test_number_formats(wb: Any, sheet: str, cell: str, number_format: str) -> None:
    assert wb[sheet][cell].number_format == number_format


def test_every_fmt_has_a_number_format() -> None:
    assert set(NUMBER_FORMATS) == set(get_args(Fmt))
    assert rgb("C00000") == (192, 0, 0)


def test_relative_values_and_blank_average(wb: Any) -> None:
    ws = wb["Relative"]
    assert [ws.cell(row=r, column=2).value for r in range(7, 16)] == list(RELATIVE_RATIO)
    assert [ws.cell(row=r, column=3).value for r in range(7, 16)] == list(RELATIVE_MA)


@pytest.mark.parametrize("sheet", [t for t in TITLES_EN if t != "Summary"])
def test_panes_frozen_below_first_header(wb: Any, sheet: str) -> None:
    assert wb[sheet].freeze_panes == "A7"


def test_lines_only_sheet_has_no_frozen_panes(wb: Any) -> None:
    ws = wb["Summary"]
    assert ws.freeze_panes is None
    assert [ws.cell(row=r, column=1).value for r in range(5, 9)] == [
        "Summary", "S&P 500 5,970.84 (+0.67%)", "US 10Y 4.77% (+17 bp w/w)", HOSTILE[0]]


def test_column_widths(wb: Any) -> None:
    dims = wb["US Indices"].column_dimensions
    # name 22; symbol is text asking 10 → the 14 text minimum; close 12; 1D 10
    assert [dims[c].width for c in "ABCE"] == [22, 14, 12, 10]


def test_signed_columns_get_conditional_colours(wb: Any) -> None:
    rules = {str(cf.sqref): [(r.formula[0], r.dxf.font.color.rgb) for r in cf.rules]
             for cf in wb["US Indices"].conditional_formatting}
    assert sorted(rules) == ["E7:E9", "F7:F9", "G7:G9"]
    assert rules["E7:E9"] == [("AND(ISNUMBER(E7),E7<0)", RED), ("AND(ISNUMBER(E7),E7>0)", GREEN)]
    rates = {str(cf.sqref) for cf in wb["Rates"].conditional_formatting}
    assert rates == {"D7:D9"}
    assert {str(cf.sqref) for cf in wb["Magnificent 7"].conditional_formatting} == {"D7:D10"}


def test_warning_becomes_comment_and_fill(wb: Any) -> None:
    cell = wb["US Indices"]["C9"]
    assert cell.value == 42635.2
    assert cell.comment is not None and cell.comment.text == DJI_WARNING
    assert cell.fill.fgColor.rgb == "00FFF2CC"
    assert wb["US Indices"]["C8"].comment is None


def test_error_replaces_value_with_red_italic_text(wb: Any) -> None:
    for ref in ("C9", "D9"):
        cell = wb["Magnificent 7"][ref]
        assert cell.value == "#N/A no data" and cell.data_type == "s"  # short, so it fits the column
        assert cell.comment.text == NVDA_ERROR  # the full message in the note
        assert cell.font.i and cell.font.color.rgb == RED


@pytest.mark.parametrize(("lang", "shown"), [("ja", "#N/A データなし"), ("en", "#N/A no data")])
def test_error_reason_in_the_workbooks_language(lang: str, shown: str) -> None:
    ws = render_workbook(replace(sample_report(), lang=lang))["Magnificent 7"]
    assert ws["C9"].value == shown and ws["C9"].comment.text == NVDA_ERROR


def test_japanese_text(wb_ja_demo: Any) -> None:
    ws = wb_ja_demo["日本業種"]
    assert ws["A1"].value == "日本業種"
    assert [ws.cell(row=r, column=2).value for r in range(7, 12)] == [
        "食品", "エネルギー資源", "建設・資材", "素材・化学", "医薬品"]


# -- safety ------------------------------------------------------------------------------------------


def test_hostile_strings_stay_text(wb: Any) -> None:
    ws = wb["Sources"]
    cells = [ws.cell(row=r, column=7) for r in range(7, 12)]
    assert [c.value for c in cells] == list(HOSTILE)
    assert {c.data_type for c in cells} == {"s"}


def test_no_formula_anywhere(saved: Path, wb: Any) -> None:
    with zipfile.ZipFile(saved) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
        assert len(sheets) == 7
        for name in sheets:
            assert re.search(rb"<f[\s>/]", archive.read(name)) is None, name
    formulas = [c.coordinate for ws in wb.worksheets for row in ws.iter_rows() for c in row
                if c.data_type == "f"]
    assert formulas == []


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("\t=1+1", "\t=1+1"),
        ("\r=1+1", "\r=1+1"),
        ("=1+1", "=1+1"),
        ("#DIV/0!", "#DIV/0!"),
        ("bell\x07 and nul\x00", "bell\ufffd and nul\ufffd"),
        ("x" * 40000, "x" * 32766 + "…"),
    ],
)
def test_awkward_text_survives_save(tmp_path: Path, given: str, stored: str) -> None:
    path = write_xlsx(_one_table_report(_text_table(given)), tmp_path / "t.xlsx")
    cell = load_workbook(path)["T"]["A7"]
    assert (cell.value, cell.data_type) == (stored, "s")


def test_odd_numbers(tmp_path: Path) -> None:
    columns = (Column("v", "V", "price"), Column("t", "T", "datetime"))
    table = Table("x", "X", columns, (
        (Cell(float("nan")), Cell(dt.datetime(2025, 1, 10, 9, 30, tzinfo=dt.timezone.utc))),
        (Cell(float("inf")), Cell(None)),
    ))
    ws = load_workbook(write_xlsx(_one_table_report(table), tmp_path / "t.xlsx"))["T"]
    assert ws["A7"].value is None
    assert ws["A8"].value == "#NUM! inf" and ws["A8"].font.i
    # Excel has no time zones: the wall time is kept
    assert ws["B7"].value == dt.datetime(2025, 1, 10, 9, 30)
    assert ws["B8"].value is None


def test_unwritable_value_names_the_cell() -> None:
    table = Table("x", "X", (Column("v", "V"),), ((Cell(complex(1, 2)),),))  # type: ignore[arg-type]
    with pytest.raises(RenderError, match=r"sheet t table x cell A7: cannot write a complex"):
        render_workbook(_one_table_report(table))


def test_ragged_row_is_an_error() -> None:
    table = Table("x", "X", (Column("a", "A"), Column("b", "B")), ((Cell("only one"),),))
    with pytest.raises(RenderError, match="row 7: 1 cells for 2 columns"):
        render_workbook(_one_table_report(table))


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Relative", "Relative"),
        ("Rel: S&P/TOPIX", "Rel_ S&P_TOPIX"),
        ("[a]*?\\", "_a____"),
        ("'quoted'", "quoted"),
        ("a" * 40, "a" * 31),
        ("", "Sheet"),
        ("History", "History_"),
        ("米国指数", "米国指数"),
    ],
)
def test_sheet_title(title: str, expected: str) -> None:
    assert sheet_title(title) == expected


def test_duplicate_titles_are_an_error() -> None:
    report = sample_report()
    sheets = (*report.sheets, replace(report.sheets[0], key="again", title="us indices"))
    with pytest.raises(RenderError, match="sheet again: title 'us indices' is already used by sheet us_in"):
        render_workbook(replace(report, sheets=sheets))


# -- charts and page setup -------------------------------------------------------------------------------


def test_line_chart_references_ratio_and_average(wb: Any) -> None:
    (chart,) = wb["Relative"]._charts
    assert type(chart).__name__ == "LineChart"
    assert chart.title.tx.rich.p[0].r[0].t == "S&P 500 / TOPIX"
    assert [(s.tx.strRef.f, s.val.numRef.f) for s in chart.series] == [
        ("'Relative'!$B$6", "'Relative'!$B$7:$B$15"),
        ("'Relative'!$C$6", "'Relative'!$C$7:$C$15"),
    ]
    assert {s.cat.numRef.f for s in chart.series} == {"'Relative'!$A$7:$A$15"}
    assert type(chart.x_axis).__name__ == "DateAxis"
    # anchored at E5: three table columns, one spare; 18 x 9 cm
    assert (chart.anchor._from.col, chart.anchor._from.row) == (4, 4)
    assert (chart.anchor.ext.width, chart.anchor.ext.height) == (6_480_000, 3_240_000)


def test_bar_chart_references_sector_returns(wb: Any) -> None:
    (chart,) = wb["Japan Sectors"]._charts
    assert type(chart).__name__ == "BarChart" and chart.barDir == "bar"
    (series,) = chart.series
    assert series.val.numRef.f == "'Japan Sectors'!$C$7:$C$11"
    assert series.cat.numRef.f == "'Japan Sectors'!$B$7:$B$11"
    assert (chart.anchor._from.col, chart.anchor._from.row) == (5, 4)


def test_several_charts_stack_vertically() -> None:
    report = sample_report()
    relative = report.sheet("relative")
    second = replace(relative.charts[0], key="again", title="again", series=("ma",))
    sheets = tuple(replace(s, charts=(*s.charts, second)) if s.key == "relative" else s
                   for s in report.sheets)
    ws = render_workbook(replace(report, sheets=sheets), printed=False)["Relative"]
    # 9 cm is 17 rows of 0.53 cm, plus one spare and one gap: the second starts 19 rows lower
    assert [c.anchor for c in ws._charts] == ["E5", "E24"]


def test_chart_naming_a_missing_column_is_an_error() -> None:
    report = sample_report()
    sheets = tuple(replace(s, charts=(replace(s.charts[0], series=("nope",)),)) if s.key == "relative" else s
                   for s in report.sheets)
    with pytest.raises(RenderError, match="relative chart ratio_chart: table 'ratio' has no column 'nope'"):
        render_workbook(replace(report, sheets=sheets))


def test_each_sheet_prints_one_page_wide_and_as_tall_as_needed(wb: Any) -> None:
    for ws in wb.worksheets:
        assert ws.page_setup.orientation == "landscape"
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
    # the chart reaches column P (E + ceil(18 cm / 1.69 cm)) and row 22 (5 + 18 rows - 1)
    assert wb["Relative"].print_area == "'Relative'!$A$1:$P$22"
    assert wb["Sources"].print_area == "'Sources'!$A$1:$G$11"
    assert wb["Sources"].print_title_rows is None  # a short table needs no repeated header


def test_text_longer_than_the_widest_column_wraps() -> None:
    rows = ((Cell("short"),), (Cell("x" * 100),))
    ws = render_workbook(_one_table_report(Table("x", "X", (Column("v", "V"),), rows)), printed=False)["T"]
    assert ws.column_dimensions["A"].width == 60
    assert ws["A7"].alignment.wrap_text and ws["A8"].alignment.wrap_text


def test_lines_under_a_table_run_on_instead_of_widening_its_column() -> None:
    columns = tuple(Column(k, k.upper(), "number") for k in "abcdefgh")
    table = Table("x", "X", columns, ((*(Cell(1.0) for _ in columns),),))
    note = "n" * 90
    sheet = Sheet("t", "T", "As of 2025-01-10", (table, Lines("notes", "Notes", (note,))))
    ws = render_workbook(Report(dt.date(2025, 1, 10), "en", (sheet,), "test", dt.datetime(2025, 1, 11)),
                         printed=False)["T"]
    assert ws.column_dimensions["A"].width < 20  # the table's width, not the note's
    last = re.search(r"\$([A-Z]+)\$\d+$", ws.print_area).group(1)
    spanned = sum(ws.column_dimensions[chr(c)].width for c in range(ord("A"), ord(last) + 1))
    assert spanned >= len(note)  # the note is on paper in full


def test_long_table_prints_whole_with_its_header_repeated() -> None:
    rows = tuple((Cell(f"r{i}"),) for i in range(200))
    ws = render_workbook(_one_table_report(Table("x", "X", (Column("v", "V"),), rows)), printed=False)["T"]
    assert ws.print_area == "'T'!$A$1:$B$206"  # B: the 16-character stamp runs past the 14-wide column A
    assert ws["A206"].value == "r199"
    assert ws.print_title_rows == "$6:$6"  # the table's header row (title on row 5)


# -- into an existing workbook ---------------------------------------------------------------------------


def test_render_into_existing_workbook_replaces_in_place() -> None:
    book = Workbook()
    book.active.title = "Macro"
    book.create_sheet("relative")["A1"] = "stale"
    book.create_sheet("Other")["B2"] = "keep me"
    render_workbook(sample_report(), book)
    assert book.sheetnames == ["Macro", "Relative", "Other", "US Indices", "Magnificent 7", "Rates",
                               "Japan Sectors", "Summary", "Sources"]
    assert book["Relative"]["A1"].value == "Relative"
    assert book["Other"]["B2"].value == "keep me"


def test_lines_block_rows() -> None:
    sheet = Sheet("s", "S", "", (Lines("l", "Notes", ("one", "+two")),))
    ws = render_workbook(Report(dt.date(2025, 1, 10), "en", (sheet,), "t", dt.datetime(2025, 1, 11)))["S"]
    assert [ws.cell(row=r, column=1).value for r in (5, 6, 7)] == ["Notes", "one", "+two"]
    assert ws["A5"].font.b


# -- atomic writing --------------------------------------------------------------------------------------


def _listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_failed_save_leaves_old_file_and_no_temp(tmp_path: Path, saved: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "review.xlsx"
    target.write_bytes(saved.read_bytes())
    before = target.read_bytes()

    def half_save(self: Any, filename: Any) -> None:
        Path(filename).write_bytes(b"PK\x03\x04 half a zip")
        raise OSError("disk full")

    monkeypatch.setattr(openpyxl.Workbook, "save", half_save)
    with pytest.raises(RenderError, match=re.escape(str(target)) + ": OSError: disk full"):
        write_xlsx(sample_report(), target)
    assert target.read_bytes() == before
    assert _listing(tmp_path) == ["review.xlsx"]


def test_failed_render_leaves_old_file(tmp_path: Path) -> None:
    target = tmp_path / "review.xlsx"
    target.write_bytes(b"old")
    bad = Table("x", "X", (Column("a", "A"), Column("b", "B")), ((Cell("one"),),))
    with pytest.raises(RenderError, match=re.escape(str(target)) + ": sheet t table x row 7"):
        write_xlsx(_one_table_report(bad), target)
    assert target.read_bytes() == b"old"
    assert _listing(tmp_path) == ["review.xlsx"]


def test_failed_verification_leaves_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "review.xlsx"
    target.write_bytes(b"old")

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise KeyError("xl/workbook.xml")

    monkeypatch.setattr(xlsx_module, "load_workbook", broken)
    with pytest.raises(RenderError, match="the written file does not open again"):
        write_xlsx(sample_report(), target)
    assert target.read_bytes() == b"old"
    assert _listing(tmp_path) == ["review.xlsx"]


def test_successful_write_replaces_with_ordinary_permissions(tmp_path: Path) -> None:
    target = tmp_path / "review.xlsx"
    target.write_bytes(b"old")
    assert write_xlsx(sample_report(), target) == target
    assert load_workbook(target).sheetnames == [*TITLES_EN, "Data"]  # the histories' data sheet last
    assert _listing(tmp_path) == ["review.xlsx"]
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask


def test_atomic_write_needs_an_existing_folder(tmp_path: Path) -> None:
    with pytest.raises(RenderError, match="does not exist"):
        atomic_write(tmp_path / "missing" / "f.txt", lambda p: p.write_text("x"))
    with pytest.raises(RenderError, match="is a folder"):
        atomic_write(tmp_path, lambda p: p.write_text("x"))


def test_atomic_write_rejects_an_empty_result(tmp_path: Path) -> None:
    with pytest.raises(RenderError, match="empty file"):
        atomic_write(tmp_path / "f.txt", lambda p: None)
    assert _listing(tmp_path) == []
