"""The Excel contract: the worksheet functions as Excel really runs them, through xlwings' own Windows code.

tests/excel_harness.py loads xlwings' real ``_xlwindows``, ``udfs``, ``com_server`` and ``conversion`` with only
pywin32 stubbed. These tests generate the VBA "Import Functions" writes for the module the template's
``xlwings.conf`` sheet names, check every function and parameter name VBA must accept, and call every UDF through
``XLPython().CallUDF`` with what COM delivers (omitted arguments, error cells, date serials, date cells, ranges as
tuples of tuples, a whole column). Every UDF found in the module is checked, including ones added later.

Fake closes (conftest.linear_prices): each symbol its own straight line (conftest.fake_close gives the answer).
"""

from __future__ import annotations

import datetime as dt
import re
import types
from pathlib import Path

import excel_harness as harness
import openpyxl
import pytest
import tomllib
import xlwings
from conftest import fake_close, linear_prices

from marketreview.cache import Cache
from marketreview.engine import Engine
from marketreview.sources.base import FunctionSource
from marketreview.sources.router import Router
from marketreview.symbols import SymbolMap

REPO = Path(__file__).resolve().parents[1]
RESOURCES = REPO / "tests" / "resources"
TEMPLATE = REPO / "workbook" / "MarketReview.xlsm"
NOW = dt.datetime(2025, 1, 10, 23, 0, tzinfo=dt.timezone.utc)
ROWS = 1_048_576  # a whole column

def read_names(file: str) -> list[str]:
    lines = (RESOURCES / file).read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


#: VBA's reserved identifiers (MS-VBAL §3.3.5.2: statement and marker keywords, operators, reserved names,
#: special forms, type names, literals) and the names the teams agreed to avoid (VBA functions and statements a
#: parameter would shadow).
VBA_RESERVED = frozenset(name.casefold() for name in read_names("vba_reserved.txt"))
#: Excel built-in worksheet functions a MarketReview function could be mistaken for (a workbook UDF of the same
#: name is shadowed by the built-in, as YIELD is).
EXCEL_BUILTINS = frozenset(read_names("excel_builtins.txt"))
_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,254}")
_CELL_LIKE = re.compile(r"([A-Za-z]{1,3}[0-9]+|[Rr][0-9]*[Cc][0-9]*)")
_SIGNATURE = re.compile(r"^(Function|Sub) (\w+)\(([^)]*)\)$", re.MULTILINE)


@pytest.fixture(scope="module")
def windows() -> harness.Windows:
    return harness.load()


def conf_udf_module() -> str:
    """The "UDF Modules" value of the committed template's xlwings.conf sheet."""
    book = openpyxl.load_workbook(TEMPLATE, read_only=True, keep_vba=True)
    try:
        rows = {row[0]: row[1] for row in book["xlwings.conf"].iter_rows(max_col=2, values_only=True) if row[0]}
    finally:
        book.close()
    return str(rows["UDF Modules"])


@pytest.fixture(scope="module")
def module_name() -> str:
    return conf_udf_module()


@pytest.fixture(scope="module")
def udf_module(windows, module_name):
    with windows.decorated(module_name) as module:
        yield module


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    cache = Cache(tmp_path_factory.mktemp("contract") / "prices.sqlite")
    made = Engine(Router(FunctionSource(linear_prices, name="fake")), cache, SymbolMap.default(), clock=lambda: NOW)
    made.ensure(["SP500", "DOW", "B", "US10Y"])
    yield made
    cache.close()


@pytest.fixture
def call(windows, module_name, udf_module, engine):
    udf_module.set_engine(engine)
    yield lambda name, *args: windows.call(module_name, name, *args)
    udf_module.set_engine(None)


def udfs_of(module: types.ModuleType) -> dict[str, dict]:
    return {f.__xlfunc__["name"]: f.__xlfunc__ for f in vars(module).values() if hasattr(f, "__xlfunc__")}


def close_on(day: str, ticker: str = "^GSPC", offset: float = 0.0) -> float:
    """The fake source's close of ``ticker`` on ``day`` (SP500 is ^GSPC), plus ``offset``."""
    return fake_close(ticker, day) + offset


def serial(day: str) -> float:
    """What DATE(y, m, d) hands a UDF: the Excel serial number as a float."""
    return float((dt.date.fromisoformat(day) - dt.date(1899, 12, 30)).days)


WEEK = close_on("2024-12-27") / close_on("2024-12-20") - 1


# -- Import Functions: the VBA module compiles -------------------------------------------------------


def test_the_conf_sheet_names_an_installed_module(module_name):
    assert module_name == "marketreview.udfs"


def test_every_name_in_the_generated_vba_is_legal(windows, module_name, udf_module):
    vba = windows.vba(module_name, udf_module)
    signatures = _SIGNATURE.findall(vba)
    declared = udfs_of(udf_module)
    assert sorted(name for _, name, _ in signatures) == sorted(declared)
    assert {"PERF", "RELRATIO", "MAG7SHARE"} <= set(declared)  # the design card's names stay
    names_seen: set[str] = set()
    for _kind, name, params in signatures:
        assert _IDENTIFIER.fullmatch(name) and not _CELL_LIKE.fullmatch(name), name
        assert name.casefold() not in VBA_RESERVED, f"{name} is a VBA keyword"
        assert name.upper() not in EXCEL_BUILTINS, f"{name} is shadowed by Excel's built-in"
        assert name.casefold() not in names_seen
        names_seen.add(name.casefold())
        for param in (p.strip() for p in params.split(",") if p.strip()):
            word = param.removeprefix("Optional ").removeprefix("ParamArray ").removesuffix("()")
            assert _IDENTIFIER.fullmatch(word), f"{name}: {param}"
            assert word.casefold() not in VBA_RESERVED, f"{name}: parameter {word} is a VBA keyword"
    assert "Function PERF(ticker, start, Optional end_date)" in vba
    assert "Function CLOSEPRICE(ticker, Optional as_of)" in vba


def test_every_argument_reads_errors_as_errors(udf_module):
    for name, info in udfs_of(udf_module).items():
        for arg in info["args"]:
            if arg["name"] == "caller":  # xlwings' reserved argument: the calling cells, never a value
                assert arg["vba"] == "Nothing"
                continue
            assert arg["options"].get("err_to_str") is True, f"{name}({arg['name']}) would read #N/A as omitted"


# -- CallUDF with what COM delivers ---------------------------------------------------------------------


def test_dates_as_serials_date_cells_and_omitted(call):
    assert call("PERF", "SP500", serial("2024-12-20"), serial("2024-12-27")) == pytest.approx(WEEK, rel=1e-12)
    start = harness.TimeType(2024, 12, 20)
    assert call("PERF", "SP500", start, harness.TimeType(2024, 12, 27)) == pytest.approx(WEEK, rel=1e-12)
    latest = close_on("2025-01-10") / close_on("2025-01-03") - 1
    assert call("PERF", "SP500", "1W", harness.MISSING) == pytest.approx(latest, rel=1e-12)
    assert call("CLOSEPRICE", "SP500", harness.MISSING) == close_on("2025-01-10")
    assert call("CLOSEPRICE", (("B",),), serial("2024-12-28")) == close_on("2024-12-27", "B")


def test_an_error_argument_is_an_error_not_omitted(call):
    shown = call("PERF", "SP500", serial("2024-12-20"), harness.NA)
    assert shown == "#N/A argument end_date is #N/A"
    assert call("CLOSEPRICE", "SP500", harness.NA) == "#N/A argument as_of is #N/A"
    assert call("RELDEV", "B", "SP500", harness.MISSING, harness.NA, harness.MISSING) == \
        "#N/A argument weeks is #N/A"
    assert call("PERF", "SP500", harness.VALUE_ERROR) == "#VALUE! argument start is #VALUE!"
    spill = 0x800A0000 + 2045 - 2**32  # #SPILL!, which xlwings leaves as an integer
    assert call("CLOSEPRICE", "SP500", spill) == "#SPILL! argument as_of is #SPILL!"


def test_every_udf_answers_an_error_argument_with_an_error(call, udf_module):
    for name, info in udfs_of(udf_module).items():
        count = len([a for a in info["args"] if a["name"] != "caller"])
        for position in range(count):
            args = ["SP500" if i == 0 else harness.MISSING for i in range(count)]
            args[position] = harness.NA
            shown = call(name, *args)
            assert isinstance(shown, str) and shown.startswith("#"), (name, position, shown)


def test_an_error_cell_in_a_range_spoils_that_element_only(call):
    column = (("SP500",), (harness.NA,), ("B",))
    shown = call("PERF", column, serial("2024-12-20"), serial("2024-12-27"))
    assert shown[0][0] == pytest.approx(WEEK, rel=1e-12)
    assert shown[1][0] == "#N/A argument ticker is #N/A"
    assert shown[2][0] == pytest.approx(close_on("2024-12-27", "B") / close_on("2024-12-20", "B") - 1)


def test_a_whole_column_stops_at_the_last_ticker(call):
    column = (("SP500",), (None,), ("B",), *(((None,),) * (ROWS - 3)))
    assert len(column) == ROWS
    shown = call("CLOSEPRICE", column, serial("2024-12-27"))
    assert shown == [[close_on("2024-12-27")], [""], [close_on("2024-12-27", "B")]]
    assert call("CLOSEPRICE", ((None,),) * ROWS, harness.MISSING) == ""


def test_a_table_comes_back_as_rows_with_com_dates(call):
    shown = call("HISTORY", "SP500", serial("2024-12-16"), serial("2025-01-08"), "weekly")
    assert shown[0] == ["date", "close"]
    assert [row[0].date() for row in shown[1:]] == [dt.date(2024, 12, 20), dt.date(2024, 12, 27),
                                                    dt.date(2025, 1, 3), dt.date(2025, 1, 8)]
    assert [row[1] for row in shown[1:]] == [close_on("2024-12-20"), close_on("2024-12-27"),
                                             close_on("2025-01-03"), close_on("2025-01-08")]


# -- real Excel error values (xlwings issue #776) --------------------------------------------------------


def test_what_vba_receives_for_a_variant_error(windows, udf_module):
    """A UDF returning ``VARIANT(VT_ERROR, #N/A)`` gets it back from CallUDF untouched, alone or in an array:
    xlwings neither converts nor refuses it. Whether it then becomes a real ``#N/A`` is pywin32's marshalling,
    which no test without Windows can show, so MarketReview keeps ``#N/A reason`` text (README, "Use it in
    Excel") and this records what xlwings' side does."""
    module = types.ModuleType("variant_probe")
    module.__file__ = __file__

    def NAPROBE(x):
        return harness.VARIANT(harness.VT_ERROR, harness.NA) if x == 1 else [[harness.VARIANT(10, harness.NA), 1]]

    module.NAPROBE = windows.udfs.xlfunc(NAPROBE)
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(__import__("sys").modules, "variant_probe", module)
        single = windows.call("variant_probe", "NAPROBE", 1.0)
        table = windows.call("variant_probe", "NAPROBE", 2.0)
        windows.udfs.udf_modules.pop("variant_probe", None)
    assert isinstance(single, harness.VARIANT) and (single.varianttype, single.value) == (10, harness.NA)
    assert isinstance(table[0], harness.VARIANT) and table[1] == 1


# -- the add-in version ----------------------------------------------------------------------------------


def test_xlwings_is_pinned_to_the_version_the_template_comes_from():
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pins = [d for d in project["dependencies"] if d.startswith("xlwings")]
    assert pins == [f"xlwings=={xlwings.__version__}"]


# -- the two processes: formulas follow what Refresh / fetch commit ------------------------------------------


def _frame(offset: float):
    """Standard closes of ^GSPC over the fake calendar, shifted by ``offset`` (another refresh's data)."""
    source = FunctionSource(lambda symbol, dates: linear_prices(symbol, dates) + offset, name="fake")
    return source.fetch(["^GSPC"], dt.date(2024, 12, 1), dt.date(2025, 1, 10))


def _never(symbol, dates):
    raise AssertionError(f"a formula fetched {symbol}")


@pytest.fixture
def udfs(monkeypatch):
    import marketreview.udfs as module

    module.set_engine(None)
    yield module
    module.set_engine(None)


def test_a_formula_answers_what_another_connection_committed(tmp_path, udfs, monkeypatch):
    path = tmp_path / "prices.sqlite"
    writer = Cache(path)  # the Refresh button's process (its own connection)
    writer.write(_frame(0.0), source="fake", start=dt.date(2024, 12, 1), end=dt.date(2025, 1, 10), fetched_at=NOW)
    reader = Cache(path)
    udfs.set_engine(Engine(Router(FunctionSource(_never)), reader, clock=lambda: NOW, fetch_missing=False))
    try:
        assert udfs.CLOSEPRICE("SP500", "2025-01-10") == close_on("2025-01-10")
        writer.write(_frame(500.0), source="fake", start=dt.date(2024, 12, 1), end=dt.date(2025, 1, 10),
                     fetched_at=NOW + dt.timedelta(hours=1))
        monkeypatch.setattr(udfs, "_last_call", -1e9)  # the recalculation Refresh asks for: a new burst
        assert udfs.CLOSEPRICE("SP500", "2025-01-10") == close_on("2025-01-10", offset=500.0)
    finally:
        writer.close()
        reader.close()


def test_the_freshness_check_runs_once_per_burst(engine, udfs, monkeypatch):
    checks = []
    real = engine.cache.data_version
    monkeypatch.setattr(engine.cache, "data_version", lambda: checks.append(1) or real())
    monkeypatch.setattr(udfs, "BURST_GAP", 3600.0)
    udfs.set_engine(engine)
    for _ in range(50):
        assert udfs.CLOSEPRICE("SP500", "2024-12-27") == close_on("2024-12-27")
    assert len(checks) == 1


def test_formulas_and_refreshed_sheets_read_the_same_closes(tmp_path, udfs):
    """The workbook's settings reach the UDF process through the settings file: the formula's close is the
    one on the refreshed sheet (demo source, the book's own cache), not one from another source or cache."""
    from fake_book import settings_book

    import marketreview.addin as addin

    cache = tmp_path / "book-cache.sqlite"
    book = settings_book(("MARKETREVIEW_SOURCE", "demo"), ("MARKETREVIEW_CACHE", str(cache)), ("Lang", "en"))
    result = addin.refresh(book)
    assert result.ok, result.message
    indices = book.sheets["US Indices"]
    row = next(r for (r, c), v in indices.cells.items() if c == 1 and v == "S&P 500")
    shown = [v for (r, c), v in indices.cells.items() if r == row and isinstance(v, float)]
    formula = udfs.CLOSEPRICE("SP500")
    assert isinstance(formula, float) and formula in shown
    engine = udfs.get_engine()
    assert engine.is_demo and engine.cache.path == cache


def test_a_cold_formula_answers_at_once_without_fetching(tmp_path, udfs):
    from marketreview import settings

    settings.save({"source": "demo", "cache": str(tmp_path / "cold.sqlite")})
    shown = udfs.PERF("SP500", "1W")
    assert shown == "#N/A SP500: not loaded yet: press Refresh"
    engine = udfs.get_engine()
    assert engine.cache.symbols() == []  # the demo source could have answered: nothing was fetched
    assert engine.cache.timeout == udfs.BUSY_TIMEOUT  # SQLite busy waits are bounded in the UDF path


@pytest.mark.parametrize(("given", "trimmed"), [
    ([["A"], [None], ["B"], [None], [None]], [["A"], [None], ["B"]]),
    ([[None]] * 5, []),
    ([["A", None], [None, None]], [["A"]]),
    ([["A", None], [None, "x"], [" ", None]], [["A", None], [None, "x"]]),
    (["A", None, "", "B", "  ", None], ["A", None, "", "B"]),
    ([["A"], *[[None]] * 1000, [""], *[[None]] * 3], [["A"]]),
    ([["A"], *[[None]] * 1000, ["B"], *[[None]] * 7], [["A"], *[[None]] * 1000, ["B"]]),
    ([], []),
])
def test_trim_range(given, trimmed):
    from marketreview.functions import trim_range

    assert trim_range(given) == trimmed


def test_a_settings_change_reopens_the_formulas_engine(tmp_path, udfs, monkeypatch):
    """``marketreview config`` (or Refresh from a book with other settings) while Excel runs: the next
    calculation burst opens the engine the file now names."""
    from marketreview import settings

    settings.save({"source": "demo", "cache": str(tmp_path / "first.sqlite")})
    assert udfs.fresh_engine().cache.path == tmp_path / "first.sqlite"
    settings.save({"cache": str(tmp_path / "second.sqlite")})
    monkeypatch.setattr(udfs, "_last_call", -1e9)  # the next burst
    assert udfs.fresh_engine().cache.path == tmp_path / "second.sqlite"
