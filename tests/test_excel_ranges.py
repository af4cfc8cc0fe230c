"""Cell-reference arguments as Excel hands them over: a COM Range (``is_range_instance`` true), so xlwings' own
Range conversion runs (tests/excel_harness.ComRange), called the way a formula's VBA calls, with its workbook and
its calling cell. Fake closes: conftest.linear_prices (conftest.fake_close gives the answer by hand).
"""

from __future__ import annotations

import datetime as dt

import excel_harness as harness
import pytest
from conftest import fake_close, linear_prices

from marketreview.cache import Cache
from marketreview.engine import Engine
from marketreview.sources.base import FunctionSource
from marketreview.sources.router import Router

NOW = dt.datetime(2025, 1, 10, 23, 0, tzinfo=dt.timezone.utc)
MODULE = "marketreview.udfs"
EMPTY_AS_OF = "#VALUE! as_of is an empty cell (omit the argument for the latest close)"


@pytest.fixture(scope="module")
def windows() -> harness.Windows:
    return harness.load()


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    cache = Cache(tmp_path_factory.mktemp("ranges") / "prices.sqlite")
    made = Engine(Router(FunctionSource(linear_prices, name="fake")), cache, clock=lambda: NOW)
    made.ensure(["SP500", "DOW", "B"])
    yield made
    cache.close()


@pytest.fixture
def sheet() -> harness.ComSheet:
    return harness.ComSheet("Review", {(1, 1): "SP500", (2, 1): "DOW", (3, 1): "B",
                                       (1, 2): harness.TimeType(2024, 12, 27)})


@pytest.fixture
def call(windows, engine, sheet):
    book = harness.ComWorkbook("Weekly.xlsm", (sheet,))
    with windows.decorated(MODULE) as module:
        module.set_engine(engine)
        yield lambda name, *args: windows.call_from(MODULE, name, *args, workbook=book, caller=sheet.cell(1, 5))
        module.set_engine(None)


def test_a_cell_reference_arrives_as_a_com_range(windows, sheet):
    assert windows.xlwindows.is_range_instance(sheet.cell(1, 1))
    assert not windows.xlwindows.is_range_instance((("SP500",),))


def test_an_empty_referenced_cell_is_an_error_not_omitted(call, sheet):
    assert call("CLOSEPRICE", "SP500", sheet.cell(9, 9)) == EMPTY_AS_OF
    assert call("CLOSEPRICE", sheet.cell(1, 1), sheet.cell(9, 9)) == EMPTY_AS_OF
    assert call("PERF", "SP500", "1W", sheet.cell(9, 9)) == \
        "#VALUE! end_date is an empty cell (omit the argument for the latest close)"
    assert call("PERF", "SP500", sheet.cell(9, 9)) == "#VALUE! start is an empty cell"


def test_omitting_the_argument_still_means_the_latest_close(call):
    assert call("CLOSEPRICE", "SP500", harness.MISSING) == fake_close("^GSPC", "2025-01-10")


def test_a_referenced_ticker_and_date_cell(call, sheet):
    assert call("CLOSEPRICE", sheet.cell(2, 1), sheet.cell(1, 2)) == fake_close("^DJI", "2024-12-27")


def test_a_whole_column_reads_only_its_filled_cells(call, sheet):
    shown = call("CLOSEPRICE", sheet.column(1), "2024-12-27")
    assert shown == [[fake_close("^GSPC", "2024-12-27")], [fake_close("^DJI", "2024-12-27")],
                     [fake_close("B", "2024-12-27")]]
    assert sheet.cells_read <= 2 * 3  # the used part of A:A (A1:B3 at most), never 1,048,576 cells


def test_a_column_with_gaps_keeps_each_answer_in_its_row(call, sheet):
    sheet.cells[(5, 1)] = "B"
    shown = call("CLOSEPRICE", sheet.column(1), "2024-12-27")
    assert shown[3] == [""] and shown[4] == [fake_close("B", "2024-12-27")]
    shown = call("CLOSEPRICE", harness.ComRange(sheet, 2, 1, 9, 1), "2024-12-27")  # A2:A10
    assert [row[0] for row in shown] == [fake_close("^DJI", "2024-12-27"), fake_close("B", "2024-12-27"), "",
                                         fake_close("B", "2024-12-27")]


# -- Import Functions: xlwings' own import_udfs on a recording workbook ------------------------------------

#: Excel's MacroOptions limits: a function's Description and each ArgumentDescriptions entry up to 255 characters
#: (xlwings cuts longer texts at 255 without a word: they must fit).
LIMIT = 255


def test_import_functions_registers_every_function_with_its_full_help(windows):
    from marketreview.functions import FUNCTIONS

    book = harness.RecordingWorkbook("Weekly 2025-W03.xlsm")
    with windows.decorated(MODULE) as module:
        windows.udfs.import_udfs(MODULE, book)
        declared = {f.__xlfunc__["name"] for f in vars(module).values() if hasattr(f, "__xlfunc__")}
    (text,) = book.VBProject.VBComponents.imported
    assert text.startswith('Attribute VB_Name = "xlwings_udfs"\n')
    assert book.VBProject.VBComponents.removed == ["xlwings_udfs"]  # the previous import is replaced
    calls = {c["Macro"]: c for c in book.macro_options}
    assert set(calls) == {f"'Weekly 2025-W03.xlsm'!{name}" for name in declared}
    assert declared == set(FUNCTIONS)
    for name in declared:
        call = calls[f"'Weekly 2025-W03.xlsm'!{name}"]
        function = FUNCTIONS[name]
        assert f"Function {name}(" in text
        assert call["Category"] == "MarketReview"
        assert call["Description"] == function.doc and len(function.doc) <= LIMIT  # nothing cut off
        expected = [p.doc + (" (optional)" if p.optional else "") for p in function.params]
        assert call["ArgumentDescriptions"] == expected
        assert all(len(doc) <= LIMIT for doc in expected)


# -- HISTORY: one ticker; a table needs dynamic arrays --------------------------------------------------------


def history_rows(windows, sheet, caller, *args):
    book = harness.ComWorkbook("Weekly.xlsm", (sheet,))
    return windows.call_from(MODULE, "HISTORY", *args, workbook=book, caller=caller)


@pytest.fixture
def history(windows, engine):
    with windows.decorated(MODULE) as module:
        module.set_engine(engine)
        yield lambda sheet, caller, *args: history_rows(windows, sheet, caller, *args)
        module.set_engine(None)


def test_history_spills_where_excel_has_dynamic_arrays(history, sheet):
    shown = history(sheet, sheet.cell(1, 5), "SP500", "2024-12-16", "2025-01-08", "weekly")
    assert shown[0] == ["date", "close"] and len(shown) > 2


def test_history_says_so_without_dynamic_arrays(history, sheet):
    from marketreview.udfs import NO_DYNAMIC_ARRAYS

    sheet.dynamic_arrays = False  # Excel 2016/2019
    assert history(sheet, sheet.cell(1, 5), "SP500", "2024-12-16", "2025-01-08", "weekly") == NO_DYNAMIC_ARRAYS
    assert "Ctrl+Shift+Enter" in NO_DYNAMIC_ARRAYS
    legacy = harness.ComRange(sheet, 1, 5, 6, 2)  # E1:F6 entered with Ctrl+Shift+Enter: a legacy array fill
    shown = history(sheet, legacy, "SP500", "2024-12-16", "2025-01-08", "weekly")
    assert shown[0] == ["date", "close"]


def test_history_refuses_a_column_of_tickers_in_one_answer(history, sheet):
    shown = history(sheet, sheet.cell(1, 5), sheet.column(1), "2024-12-16")
    assert shown == "#VALUE! HISTORY takes one ticker, not a range: one HISTORY per ticker, side by side"
    one = history(sheet, sheet.cell(1, 5), sheet.cell(1, 1), "2024-12-16", "2025-01-08", "weekly")
    assert one[0] == ["date", "close"]
