"""The printed layout of a built file (render/printed.py), read back with openpyxl: long histories on a data sheet
that is not printed, charts drawing from it, one page per sheet, named fonts; the template keeps its layout."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from marketreview.render.xlsx import render_workbook, write_xlsx
from marketreview.report import layout
from marketreview.report.model import Cell, Chart, Column, Lines, Report, Sheet, Table

AS_OF = dt.date(2025, 1, 10)
DAYS = [AS_OF - dt.timedelta(days=k) for k in range(30)]  # a 30-row daily history, newest first


def _report() -> Report:
    history = Table("history", "Daily yields", (Column("date", "Date", "date"), Column("y", "10Y", "level_pct")),
                    tuple((Cell(d), Cell(4.0 + k / 100)) for k, d in enumerate(DAYS)))
    week = Table("week", "This week", (Column("name", "Name"), Column("w1", "1W", "bp")),
                 ((Cell("UST 10Y"), Cell(5.0)),))
    listing = Table("list", "Every series", (Column("alias", "Alias"), Column("note", "Note")),
                    tuple((Cell(f"S{k}"), Cell("n")) for k in range(40)))  # long, but not a history
    rates = Sheet("rates", "Rates", "As of 2025-01-10", (week, history),
                  (Chart("yields", "line", "10Y yield, daily", "history", "date", ("y",)),))
    summary = Sheet("summary", "Summary", "As of 2025-01-10",
                    (Lines("lines", "Lines", ("・a",)), Lines("other", "Other", ("・b",))))
    sources = Sheet("sources", "Sources", "As of 2025-01-10", (listing,))
    return Report(AS_OF, "en", (rates, summary, sources), "test", dt.datetime(2025, 1, 11))


def test_a_history_goes_to_the_data_sheet_and_a_list_stays() -> None:
    report = _report()
    assert [b.key for b in layout.split_for_print(report.sheet("rates"))[1]] == ["history"]
    assert layout.split_for_print(report.sheet("sources"))[1] == ()
    book = render_workbook(report)
    assert book.sheetnames == ["Rates", "Summary", "Sources", "Data"]
    data = book["Data"]
    assert data["A5"].value == "Rates: Daily yields" and data["A7"].value == AS_OF and data["B7"].value == 4.0
    assert data.print_area == "'Data'!$D$1" and data["D1"].value is None  # an empty print area: not printed
    assert data["A2"].value.startswith("As of: 2025-01-10 · ")
    rates = book["Rates"]
    assert [rates.cell(row=r, column=1).value for r in (5, 7)] == ["This week", "UST 10Y"]
    assert all(rates.cell(row=r, column=1).value != "Daily yields" for r in range(1, 40))
    (chart,) = rates._charts
    assert chart.series[0].val.numRef.f == "'Data'!$B$7:$B$36"  # drawn on Rates, from the data sheet
    assert book["Sources"].cell(row=46, column=1).value == "S39"  # the list is printed where it is


def test_each_sheet_fits_one_page_and_lines_alone_sit_side_by_side() -> None:
    book = render_workbook(_report())
    for title in ("Rates", "Summary", "Sources"):
        ws = book[title]
        assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 1)
        assert ws.print_title_rows is None and ws.page_setup.orientation == "landscape"
    summary = book["Summary"]
    assert (summary["A5"].value, summary["C5"].value) == ("Lines", "Other")  # column B is the gap


def test_the_template_layout_keeps_every_table_in_place() -> None:
    book = render_workbook(_report(), printed=False)
    assert "Data" not in book.sheetnames
    rates = book["Rates"]
    assert rates["A10"].value == "Daily yields"  # two blank rows under the week (layout.GAP_ROWS)
    assert rates._charts[0].series[0].val.numRef.f == "'Rates'!$B$12:$B$41"


def test_fonts_are_named_in_cells_and_charts(tmp_path: Path) -> None:
    path = write_xlsx(_report(), tmp_path / "r.xlsx")
    with zipfile.ZipFile(path) as archive:
        styles = archive.read("xl/styles.xml").decode()
        chart = next(archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/charts/chart"))
    assert '<name val="Noto Sans CJK JP"' in styles and "Calibri" not in styles
    assert 'typeface="Noto Sans CJK JP"' in chart
    book: Any = load_workbook(path)
    assert book["Rates"]["A1"].font.name == "Noto Sans CJK JP"


def test_charts_that_would_shrink_the_page_below_8_points_get_a_page_of_their_own() -> None:
    wide = Table("wide", "Series", tuple(Column(f"c{i}", f"C{i}") for i in range(8)),
                 tuple(tuple(Cell("x" * 26) for _ in range(8)) for _ in range(6)))  # about 45 cm wide
    histories = tuple(Table(f"h{k}", f"H{k}", (Column("date", "Date", "date"), Column("v", "V", "number")),
                            tuple((Cell(d), Cell(float(i))) for i, d in enumerate(DAYS))) for k in range(4))
    charts = tuple(Chart(f"c{k}", "line", f"Chart {k}", f"h{k}", "date", ("v",)) for k in range(4))
    sheet = Sheet("macro", "Macro", "As of 2025-01-10", (wide, *histories), charts)
    ws = render_workbook(Report(AS_OF, "en", (sheet,), "test", dt.datetime(2025, 1, 11)))["Macro"]
    (brk,) = ws.row_breaks.brk
    assert not ws.sheet_properties.pageSetUpPr.fitToPage  # a fitted page would ignore the break
    assert 10 <= ws.page_setup.scale < 100
    rows = [int(re.sub(r"[A-Z]", "", c.anchor)) for c in ws._charts]  # anchors such as "A20", before saving
    assert len(rows) == 4 and min(rows) > brk.id  # every chart below the break: on the second page


LONG_SOURCE = "sp500_total_market_cap.csv: S&P data as reported by Political Calculations"


def test_a_column_held_wide_by_one_long_text_is_narrowed_and_that_text_wraps() -> None:
    """A list that prints small because it is wide (the Sources sheet): 40 rows whose source is "csv" and one
    whose source is a 75-character text, beside a 45-character name, five dates and a 64-character note on
    every row. One cap for every column would keep the source column as wide as the notes; narrowed, the long
    source wraps in its row and the column still holds its longest word (27 characters) on one line."""
    dates = tuple(Column(f"d{i}", f"Date {i}") for i in range(5))
    rows = tuple((Cell(f"S{k}"), Cell(f"Series number {k:02d} with a long descriptive name"), Cell("csv"),
                  *(Cell("2019-01-02") for _ in dates),
                  Cell(f"{1617 + k}_T.csv; returns from raw closes (distributions not included)"))
                 for k in range(40))
    rows += ((Cell("MAG7SHARE"), Cell("Anchor"), Cell(LONG_SOURCE), *(Cell("") for _ in dates), Cell("")),)
    listing = Table("list", "Every series", (Column("alias", "Alias"), Column("name", "Name"),
                                             Column("source", "Source"), *dates, Column("note", "Note")), rows)
    sheet = Sheet("sources", "Sources", "As of 2025-01-10", (listing,))
    ws = render_workbook(Report(AS_OF, "en", (sheet,), "test", dt.datetime(2025, 1, 11)))["Sources"]
    long_row = next(r for r in range(1, 80) if ws.cell(row=r, column=3).value == LONG_SOURCE)
    source, note = ws.column_dimensions["C"].width, ws.column_dimensions["I"].width
    assert source < note  # the "csv" column no longer as wide as the notes
    assert source < len(LONG_SOURCE) * 0.9  # too narrow for the long text on one line (Latin at ~0.9 a unit)
    assert source >= len("sp500_total_market_cap.csv:") * 0.9  # but its longest word keeps one line
    assert ws.cell(row=long_row, column=3).alignment.wrap_text
    assert ws.row_dimensions[long_row].height >= 2 * 15  # two lines or more, in rows one body line tall
    assert ws.row_dimensions[long_row - 1].height is None  # a "csv" row keeps one line


def test_a_long_header_takes_two_lines_without_breaking_a_word() -> None:
    table = Table("t", "Series", (Column("obs", "Observation"), Column("adj", "Dividend-adjusted"),
                                  Column("what", "What it is")), ((Cell("-"), Cell("no"), Cell("x")),))
    sheet = Sheet("macro", "Macro", "As of 2025-01-10", (table,))
    ws = render_workbook(Report(AS_OF, "en", (sheet,), "test", dt.datetime(2025, 1, 11)))["Macro"]
    observation, adjusted = ws.column_dimensions["A"].width, ws.column_dimensions["B"].width
    assert observation >= len("Observation") * 0.9  # one word: not split as "Observa / tion"
    # two lines at the hyphen ("Dividend-" / "adjusted", 9 and 8 characters), not one line of 17
    assert len("Dividend-") * 0.9 <= adjusted < len("Dividend-adjusted") * 0.9
