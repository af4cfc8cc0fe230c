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
