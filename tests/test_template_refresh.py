"""The committed template refreshes in either language (issue 20): a first Refresh of
``workbook/MarketReview.xlsm`` with ``Lang=en`` or ``Lang=ja``, and a switch after it, leave exactly the template's
sheets (renamed in place, with the first sheet's button and every sheet's charts), never twins beside them.

The book is the committed file as Excel opens it: its sheets, in order, with their cells (openpyxl), their charts
(openpyxl's drawings) and the button (the first sheet's VML drawing), as COM objects (tests/com_excel.py) driven
by xlwings' own ``Book``, ``Sheet`` and ``Range`` classes: the Refresh button's real path below ``xw.Book.caller()``.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import com_excel
import openpyxl
import pytest

import marketreview.addin as addin
from marketreview.excel.refresh import STATUS_SHEET

REPO = Path(__file__).resolve().parents[1]
TEMPLATE = REPO / "workbook" / "MarketReview.xlsm"
JA = ["米国株価指数", "マグニフィセント7", "相対比較", "金利", "日本セクター", "サマリー", "マクロ", "データ出所"]
EN = ["US Indices", "Mag7", "Relative", "Rates", "Japan Sectors", "Summary", "Macro", "Sources"]
REST = ["Formulas", "xlwings.conf", STATUS_SHEET]


def template_book(path: Path) -> com_excel.Workbook:
    """The committed template as Excel opens it: sheets, values, charts per sheet, the button's caption."""
    wb = openpyxl.load_workbook(path, keep_vba=True)
    book = com_excel.Workbook(path.name, *wb.sheetnames)
    for ws in wb.worksheets:
        sheet = book.sheet(ws.title)
        sheet.Visible = -1 if ws.sheet_state == "visible" else 0
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is not None:
                    sheet.cells[(cell.row, cell.column)] = cell.value
        sheet.charts = len(ws._charts)
    with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as package:
        vml = [package.read(n).decode("utf-8") for n in package.namelist() if n.endswith(".vml")]
    book.sheets[0].buttons = [c for text in vml for c in re.findall(r"<font[^>]*>([^<]+)</font>", text)]
    return book


def set_conf(book: com_excel.Workbook, **values: str) -> None:
    conf = book.sheet("xlwings.conf")
    rows = {str(conf.cells[(r, 1)]): r for r in range(1, 20) if (r, 1) in conf.cells}
    for key, value in values.items():
        row = rows.get(key) or max(rows.values()) + 1
        rows[key] = row
        conf.cells[(row, 1)], conf.cells[(row, 2)] = key, value


def objects(book: com_excel.Workbook) -> list[tuple[int, int, tuple[str, ...]]]:
    """Per sheet, in order: its identity, its charts, its buttons (what a rename keeps and a twin lacks)."""
    return [(id(s), s.charts, tuple(s.buttons)) for s in book.sheets]


@pytest.fixture
def book(tmp_path) -> com_excel.Workbook:
    made = template_book(TEMPLATE)
    set_conf(made, MARKETREVIEW_SOURCE="demo", MARKETREVIEW_CACHE=str(tmp_path / "demo.sqlite"))
    return made


def test_the_template_ships_the_status_a_refresh_needs(book):
    status = book.sheet(STATUS_SHEET)
    assert not status.Visible
    assert status.cells[(4, 1)] == "sheets" and status.cells[(4, 2)] == "|".join(JA)
    assert book.names == [*JA, *REST]
    assert book.sheets[0].buttons == ["更新"]
    assert [book.sheet(name).charts for name in JA] == [0, 1, 3, 1, 1, 0, 4, 0]


@pytest.mark.parametrize(("lang", "names"), [("en", EN), ("ja", JA)])
def test_a_first_refresh_keeps_the_templates_sheets(book, lang, names):
    before = objects(book)
    set_conf(book, Lang=lang)
    result = addin.refresh(book.book())
    assert result.ok, result.message
    assert book.names == [*names, *REST]  # renamed in place: as many sheets as the template has
    assert book.added == []
    assert objects(book) == before  # the same sheets, with their button and charts
    assert book.Application.full_calculations == 1
    assert not any(sheet.formulas for sheet in book.sheets)  # values, never formulas from outside text


def test_a_switch_after_the_first_refresh_renames_again(book):
    before = objects(book)
    set_conf(book, Lang="en")
    assert addin.refresh(book.book()).ok
    set_conf(book, Lang="ja")
    result = addin.refresh(book.book())
    assert result.ok, result.message
    assert book.names == [*JA, *REST]
    assert book.added == [] and objects(book) == before


def test_formulas_read_the_closes_the_refresh_wrote(book, monkeypatch):
    """The workbook's settings reach the UDF process through the settings file: a formula's close is the one on
    the refreshed sheet (the template's demo source and its own cache), not one of another source or cache."""
    import marketreview.udfs as udfs

    set_conf(book, Lang="en")
    assert addin.refresh(book.book()).ok
    sheet = book.sheet("US Indices")
    row = next(r for (r, c), v in sheet.cells.items() if c == 1 and v == "S&P 500")
    shown = [v for (r, c), v in sheet.cells.items() if r == row and isinstance(v, float)]
    udfs.set_engine(None)
    try:
        formula = udfs.CLOSEPRICE("SP500")
        assert isinstance(formula, float) and formula in shown
        assert udfs.get_engine().is_demo
    finally:
        udfs.set_engine(None)
