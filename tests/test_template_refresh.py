"""The committed template refreshes in either language (issue 20): a first Refresh of
``workbook/MarketReview.xlsm`` with ``Lang=en`` or ``Lang=ja``, and a switch after it, leave exactly the template's
sheets (renamed in place, with the first sheet's button and every sheet's charts), never twins beside them.

The book is the committed file as Excel opens it: its sheets, in order, with their cells (openpyxl), their charts
(openpyxl's drawings) and the button (the first sheet's VML drawing), in tests/fake_book's Book.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from fake_book import Book

import marketreview.addin as addin
from marketreview.refresh import STATUS_SHEET

REPO = Path(__file__).resolve().parents[1]
TEMPLATE = REPO / "workbook" / "MarketReview.xlsm"
JA = ["米国株価指数", "マグニフィセント7", "相対比較", "金利", "日本セクター", "サマリー", "マクロ", "データ出所"]
EN = ["US Indices", "Mag7", "Relative", "Rates", "Japan Sectors", "Summary", "Macro", "Sources"]
REST = ["Formulas", "xlwings.conf", STATUS_SHEET]


def template_book(path: Path) -> Book:
    """The committed template as an open book: sheets, values, charts per sheet, the button's caption."""
    wb = openpyxl.load_workbook(path, keep_vba=True)
    book = Book(*wb.sheetnames)
    for ws in wb.worksheets:
        sheet = book.sheets[ws.title]
        sheet.visible = ws.sheet_state == "visible"
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is not None:
                    sheet.cells[(cell.row, cell.column)] = cell.value
        sheet.charts = len(ws._charts)  # type: ignore[attr-defined]
        sheet.buttons = []  # type: ignore[attr-defined]
    with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as package:
        vml = [package.read(n).decode("utf-8") for n in package.namelist() if n.endswith(".vml")]
    captions = [c for text in vml for c in re.findall(r"<font[^>]*>([^<]+)</font>", text)]
    book.sheets[0].buttons = captions  # type: ignore[attr-defined]
    return book


def set_conf(book: Book, **values: str) -> None:
    conf = book.sheets["xlwings.conf"]
    rows = {str(conf.cells[(r, 1)]): r for r in range(1, 20) if (r, 1) in conf.cells}
    for key, value in values.items():
        row = rows.get(key) or max(rows.values()) + 1
        rows[key] = row
        conf.cells[(row, 1)], conf.cells[(row, 2)] = key, value


def objects(book: Book) -> list[tuple[int, int, tuple[str, ...]]]:
    """Per sheet, in order: its identity, its charts, its buttons (what a rename keeps and a twin lacks)."""
    return [(id(s), s.charts, tuple(s.buttons)) for s in book.sheets]  # type: ignore[attr-defined]


@pytest.fixture
def book(tmp_path) -> Book:
    made = template_book(TEMPLATE)
    set_conf(made, MARKETREVIEW_SOURCE="demo", MARKETREVIEW_CACHE=str(tmp_path / "demo.sqlite"))
    return made


def test_the_template_ships_the_status_a_refresh_needs(book):
    status = book.sheets[STATUS_SHEET]
    assert not status.visible
    assert status.cells[(4, 1)] == "sheets" and status.cells[(4, 2)] == "|".join(JA)
    assert book.sheets.names == [*JA, *REST]
    assert book.sheets[0].buttons == ["更新"]
    assert [book.sheets[name].charts for name in JA] == [0, 1, 3, 1, 1, 0, 4, 0]


@pytest.mark.parametrize(("lang", "names"), [("en", EN), ("ja", JA)])
def test_a_first_refresh_keeps_the_templates_sheets(book, lang, names):
    before = objects(book)
    set_conf(book, Lang=lang)
    result = addin.refresh(book)
    assert result.ok, result.message
    assert book.sheets.names == [*names, *REST]  # renamed in place: as many sheets as the template has
    assert book.added == []
    assert objects(book) == before  # the same sheets, with their button and charts


def test_a_switch_after_the_first_refresh_renames_again(book):
    before = objects(book)
    set_conf(book, Lang="en")
    assert addin.refresh(book).ok
    set_conf(book, Lang="ja")
    result = addin.refresh(book)
    assert result.ok, result.message
    assert book.sheets.names == [*JA, *REST]
    assert book.added == [] and objects(book) == before
