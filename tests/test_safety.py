"""Hostile text and the shape of the code: nothing from a cell, a file or a source is run, opened or followed.

- Symbols like ``=HYPERLINK(...)`` or ``../../etc/passwd`` never reach a network call, a path or a cell.
- Names from a user's symbol-map file are written as text by both renderers, never as formulas.
- Workbooks are parsed with XML defences (defusedxml); an XML bomb or an external entity fails, unexpanded.
- The template's VBA runs MarketReview's own entry point and nothing else.
- The dependency arrows of the architecture hold (parsed from the source, and in a fresh interpreter).
"""

from __future__ import annotations

import ast
import datetime as dt
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from conftest import REPO
from fake_book import Book, settings_book

import marketreview
from marketreview import cli, functions
from marketreview.cache import Cache
from marketreview.engine import Engine
from marketreview.errors import BadArgumentError, UnknownSymbolError
from marketreview.excel.book import render_book
from marketreview.excel.refresh import refresh_book
from marketreview.render.xlsx import write_xlsx
from marketreview.report.build import build_report
from marketreview.sources.base import FunctionSource
from marketreview.sources.csvdir import CsvDirSource
from marketreview.sources.fred import FredSource
from marketreview.sources.router import Router
from marketreview.sources.yahoo import YahooSource
from marketreview.symbols import SymbolMap

CLOCK = dt.datetime(2025, 1, 10, 23, 0, tzinfo=dt.timezone.utc)
PACKAGE = Path(marketreview.__file__).parent

HOSTILE_SYMBOLS = [
    '=HYPERLINK("http://x","y")',
    "=cmd|' /C calc'!A0",
    "../../etc/passwd",
    "..\\..\\windows\\win.ini",
    "/etc/passwd",
    "C:\\Windows\\System32",
    "+1",
    "-2+3",
    "@A1",
    "\t=1+1",
    "SP500;DROP TABLE prices",
    "AAPL\n=1+1",
    "a b",
    "X" * 200,
    "%2e%2e%2fetc",
]


def refuse(*_: Any, **__: Any) -> Any:
    raise AssertionError("hostile text reached the network")


# -- hostile symbols never leave the process --------------------------------------------------------


@pytest.fixture
def network_engine(tmp_cache: Cache) -> Engine:
    """An engine whose Yahoo and FRED would fail the test if they were ever called."""
    router = Router(YahooSource(download=refuse, sleep=refuse), [(lambda t: t.startswith("DGS"),
                                                                  FredSource(get=refuse, sleep=refuse))])
    return Engine(router, tmp_cache, clock=lambda: CLOCK)


@pytest.mark.parametrize("text", HOSTILE_SYMBOLS)
def test_hostile_symbol_is_refused_before_the_network(network_engine: Engine, text: str) -> None:
    for name in functions.FUNCTIONS:
        params = functions.FUNCTIONS[name].params
        if params[0].name not in ("ticker", "num", "tenor"):
            continue
        args: list[Any] = [text, "SP500"] if params[1].name == "den" else [text]
        if any(p.name == "start" for p in params):
            args.append("1W")
        answer = functions.call(network_engine, name, *args)
        assert isinstance(answer, functions.Answer)
        assert isinstance(answer.error, (BadArgumentError, UnknownSymbolError)), (name, answer)
        assert answer.value is None
    with pytest.raises((BadArgumentError, UnknownSymbolError)):
        network_engine.ensure([text])
    assert network_engine.cache.symbols() == []


@pytest.mark.parametrize("text", HOSTILE_SYMBOLS)
def test_hostile_symbol_is_refused_by_fred_itself(text: str) -> None:
    """Even when handed straight to the source (no engine in front), no request is made."""
    with pytest.raises(BadArgumentError):
        FredSource(get=refuse, sleep=refuse).fetch([text], dt.date(2025, 1, 2), dt.date(2025, 1, 3))


def test_hostile_symbol_is_refused_by_yahoo_itself() -> None:
    calls: list[Any] = []
    source = YahooSource(download=lambda **kw: calls.append(kw), sleep=refuse)
    with pytest.raises(BadArgumentError):
        source.fetch(['=HYPERLINK("http://x","y")', "../../etc/passwd"], dt.date(2025, 1, 2),
                     dt.date(2025, 1, 3))
    assert calls == []


@pytest.mark.parametrize("text", HOSTILE_SYMBOLS)
def test_hostile_symbol_never_becomes_a_file_path(tmp_path: Path, text: str) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (tmp_path / "passwd.csv").write_text("date,close\n2025-01-02,1.0\n", encoding="utf-8")
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "passwd.csv").write_text("date,close\n2025-01-02,1.0\n", encoding="utf-8")
    source = CsvDirSource(data)
    with pytest.raises(BadArgumentError):
        source.fetch([text], dt.date(2025, 1, 2), dt.date(2025, 1, 3))
    with pytest.raises(BadArgumentError):
        source.fetch(["../passwd"], dt.date(2025, 1, 2), dt.date(2025, 1, 3))


def test_hostile_symbol_in_a_cell_comes_back_as_error_text(network_engine: Engine) -> None:
    udfs = pytest.importorskip("marketreview_udfs")
    udfs.set_engine(network_engine)
    try:
        shown = udfs.CLOSEPRICE([['=HYPERLINK("http://x","y")'], ["../../etc/passwd"], ["@A1"]])
    finally:
        udfs.set_engine(None)
    for (text,) in shown:
        assert text.startswith("#VALUE! bad ticker"), text


def test_hostile_symbol_on_the_command_line_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                                        ) -> None:
    cache = tmp_path / "prices.sqlite"
    for text in ('=HYPERLINK("http://x","y")', "../../etc/passwd"):
        code = cli.main(["fetch", "--source", "demo", "--cache", str(cache), text])
        assert code == cli.EXIT_ERROR
        assert "bad ticker" in capsys.readouterr().err
    with Cache(cache) as opened:
        assert opened.symbols() == []


def test_hostile_ticker_in_a_symbol_map_file_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "symbols.csv"
    bad.write_text('alias,tickers,label_en\nEVIL,"=HYPERLINK(""http://x"",""y"")",Evil\n', encoding="utf-8")
    with pytest.raises(BadArgumentError, match="HYPERLINK"):
        SymbolMap.default().with_overrides(bad)
    traversal = tmp_path / "traversal.csv"
    traversal.write_text("alias,tickers\nEVIL,../../etc/passwd\n", encoding="utf-8")
    with pytest.raises(BadArgumentError, match="passwd"):
        SymbolMap.default().with_overrides(traversal)


# -- hostile names are written as text by both renderers ----------------------------------------------

HOSTILE_NAMES = {
    "label_en": "=cmd|' /C calc'!A0",
    "label_ja": '=HYPERLINK("http://evil.example","クリック")',
    "short_en": "@SUM(1+1)",
    "short_ja": "+1+1",
}


@pytest.fixture
def hostile_engine(fake_source: FunctionSource, tmp_cache: Cache, tmp_path: Path) -> Engine:
    overrides = tmp_path / "my_symbols.csv"
    frame = pd.DataFrame([
        {"alias": "DOW", "tickers": "^DJI", "group": "us_indices", "calendar": "XNYS", **HOSTILE_NAMES},
        {"alias": "NIKKEI225", "tickers": "^N225", "group": "japan", "calendar": "XTKS", "label_en": "-1-1",
         "label_ja": "=1+1", "short_en": "=2+2", "short_ja": "@A1"},
    ])
    frame.to_csv(overrides, index=False)
    symbols = SymbolMap.default().with_overrides(overrides)
    return Engine(Router(fake_source), tmp_cache, symbols, clock=lambda: CLOCK)


def _sheet_xml(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as archive:
        return {n: archive.read(n).decode("utf-8") for n in archive.namelist()
                if n.startswith("xl/worksheets/") and n.endswith(".xml")}


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_hostile_names_are_text_in_the_xlsx_file(hostile_engine: Engine, tmp_path: Path, lang: str) -> None:
    report = build_report(hostile_engine, lang=lang)  # type: ignore[arg-type]
    path = write_xlsx(report, tmp_path / f"review-{lang}.xlsx")
    sheets = _sheet_xml(path)
    assert sheets
    for name, xml in sheets.items():
        assert "<f>" not in xml and "<f " not in xml, f"{name} holds a formula"
        assert 't="e"' not in xml, f"{name} holds an Excel error value instead of error text"
    label = HOSTILE_NAMES["label_en" if lang == "en" else "label_ja"]
    found = []
    workbook = openpyxl.load_workbook(path)
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value == label:
                    found.append(cell)
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate} is a formula: {cell.value!r}"
    assert found, "the hostile label was written somewhere (as text)"
    assert all(cell.data_type == "s" for cell in found)


def test_hostile_names_are_apostrophe_prefixed_in_the_live_book(hostile_engine: Engine) -> None:
    report = build_report(hostile_engine, lang="en")
    book = Book("Sheet1")
    render_book(report, book)
    written: list[str] = []
    for sheet in book.sheets:
        assert sheet.formulas == {}, f"{sheet.name}: {sheet.formulas}"
        for _, values in sheet.writes:
            rows = values if isinstance(values, list) else [[values]]
            for row in rows:
                written.extend(v for v in (row if isinstance(row, list) else [row]) if isinstance(v, str))
    assert "'" + HOSTILE_NAMES["label_en"] in written
    assert "'-1-1" in written
    risky = [v for v in written if v[:1] in "=+-@"]
    assert risky == [], "every text starting with = + - @ is apostrophe-prefixed"


def test_hostile_settings_in_the_book_are_data_not_code(hostile_engine: Engine) -> None:
    """A formula-looking value on the xlwings.conf sheet is refused as a bad setting and shown as text."""
    book = settings_book(("Lang", "=cmd|' /C calc'!A0"), sheets=("US Indices",))
    result = refresh_book(book, hostile_engine)
    assert not result.ok and "bad Lang \"=cmd|' /C calc'!A0\"" in result.message
    for sheet in book.sheets:
        if sheet.name != "xlwings.conf":  # the user's own cell, as typed
            assert sheet.formulas == {}, sheet.name
    status = book.sheets["US Indices"].cells[(3, 1)]
    assert status.startswith("更新失敗") and "=cmd" in status


# -- XML defences -------------------------------------------------------------------------------------

BOMB_PROLOG = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
               + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
                         for i in range(1, 10))
               + "]>")


def _poisoned(tmp_path: Path, part: str, prolog: str, reference: str) -> Path:
    """A valid workbook whose ``part`` starts with ``prolog`` and uses ``reference`` (an entity)."""
    clean = tmp_path / "clean.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "hello"
    workbook.save(clean)
    poisoned = tmp_path / f"poisoned-{part.replace('/', '_')}-{len(prolog)}.xlsx"
    with zipfile.ZipFile(clean) as source, zipfile.ZipFile(poisoned, "w") as target:
        for name in source.namelist():
            data = source.read(name).decode("utf-8")
            if name == part:
                if "worksheets" in part:
                    data = data.replace("<t>hello</t>", f"<t>{reference}</t>")
                else:
                    data = data.replace("<workbookPr/>", f'<workbookPr codeName="{reference}"/>')
                data = prolog + data
            target.writestr(name, data)
    return poisoned


def test_openpyxl_runs_with_defusedxml() -> None:
    assert openpyxl.DEFUSEDXML is True
    done = subprocess.run([sys.executable, "-c", "import marketreview.render.xlsx, openpyxl; "
                           "print(openpyxl.DEFUSEDXML)"], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "True"


@pytest.mark.parametrize("part", ["xl/worksheets/sheet1.xml", "xl/workbook.xml"])
@pytest.mark.parametrize("kind", ["bomb", "external"])
def test_poisoned_workbook_fails_to_load_without_expanding(tmp_path: Path, part: str, kind: str) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT", encoding="utf-8")
    if kind == "bomb":
        prolog, reference = BOMB_PROLOG, "&lol9;"
    else:
        prolog = f'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>'
        reference = "&xxe;"
    path = _poisoned(tmp_path, part, prolog, reference)
    for read_only in (False, True):
        with pytest.raises(Exception) as caught:
            openpyxl.load_workbook(path, read_only=read_only)
        chain, error = [], caught.value
        while error is not None:
            chain.append(f"{type(error).__module__}.{type(error).__name__}: {error}")
            error = error.__cause__ or error.__context__
        assert "TOP-SECRET-CONTENT" not in "\n".join(chain)
        assert any(m.startswith(("defusedxml.", "lxml.")) for m in chain), chain


def test_the_template_reads_xml_through_defusedxml() -> None:
    import defusedxml.ElementTree

    from marketreview.excel import template

    assert template.ElementTree is defusedxml.ElementTree
    with pytest.raises(defusedxml.EntitiesForbidden):
        template.ElementTree.fromstring(BOMB_PROLOG + "<x>&lol9;</x>")


# -- the refresh macro ---------------------------------------------------------------------------------

TEMPLATE = REPO / "workbook" / "MarketReview.xlsm"
FORBIDDEN_VBA = ("Shell", "Evaluate", "ExecuteExcel4Macro", "CreateObject", "GetObject", "Application.Run",
                 "CallByName", "Declare ", ".Value", "Range(", "Cells(", "Kill ", "Open ", "Auto_Open",
                 "Workbook_Open", "Environ")


def _vba_modules() -> dict[str, str]:
    olevba = pytest.importorskip("oletools.olevba")
    if not TEMPLATE.is_file():
        pytest.skip(f"{TEMPLATE} not built")
    parser = olevba.VBA_Parser(str(TEMPLATE))
    try:
        return {name: code for _, _, name, code in parser.extract_macros()}
    finally:
        parser.close()


def _statements(code: str) -> list[str]:
    lines = [line.strip() for line in code.splitlines()]
    return [line for line in lines if line and not line.startswith(("Attribute ", "'"))]


def test_the_macro_runs_only_marketreviews_entry_point() -> None:
    modules = _vba_modules()
    code = {name: _statements(text) for name, text in modules.items()}
    with_code = {name: lines for name, lines in code.items() if lines}
    assert list(with_code) == ["Module1.bas"], "only one module holds code; document modules are empty"
    lines = with_code["Module1.bas"]
    runs = [line for line in lines if "RunPython" in line]
    assert runs == ['RunPython "import marketreview.addin;marketreview.addin.main()"']
    assert lines == ["Sub RefreshMarketReview()", *runs, "End Sub"]
    everything = "\n".join(modules.values())
    for word in FORBIDDEN_VBA:
        assert word not in everything, word


def test_the_entry_point_module_is_marketreviews() -> None:
    """``import marketreview.addin;marketreview.addin.main()`` runs the installed package's module; the design
    card's ``addin/`` and ``udfs/`` files are shims that only alias the installed modules."""
    shims = (REPO / "addin" / "marketreview_addin.py", REPO / "udfs" / "marketreview_udfs.py")
    for module in (PACKAGE / "addin.py", PACKAGE / "excel" / "addin.py", *shims):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        calls = {ast.unparse(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
        assert not calls & {"eval", "exec", "compile", "__import__", "os.system", "subprocess.run"}, module
    for shim in shims:
        tree = ast.parse(shim.read_text(encoding="utf-8"))
        imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        assert imported == {"marketreview"}, shim


# -- architecture ----------------------------------------------------------------------------------------


def _imports(path: Path) -> set[str]:
    """Absolute names of every module ``path`` imports (relative imports resolved inside the package)."""
    package = ("marketreview", *path.relative_to(PACKAGE).parent.parts)
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join((*base, node.module)) if node.module else ".".join(base)
                found.update([module] if node.module else [f"{module}.{a.name}" for a in node.names])
            else:
                found.add(node.module or "")
    return found


def _modules(*patterns: str) -> list[Path]:
    return sorted(p for pattern in patterns for p in PACKAGE.glob(pattern) if p.name != "__init__.py")


THIRD_PARTY_IO = ("sqlite3", "openpyxl", "xlwings", "requests", "yfinance", "curl_cffi", "urllib", "http",
                  "socket")
UPPER_LAYERS = ("marketreview.report", "marketreview.render", "marketreview.functions", "marketreview.engine",
                "marketreview.app", "marketreview.cli", "marketreview.excel.refresh", "marketreview.excel.template")


@pytest.mark.parametrize("path", _modules("calc/*.py"), ids=lambda p: p.name)
def test_calc_does_no_io(path: Path) -> None:
    for name in _imports(path):
        top = name.split(".")[0]
        assert top not in THIRD_PARTY_IO, f"{path.name} imports {name}"
        if top == "marketreview":
            assert name.startswith(("marketreview.calc", "marketreview.errors", "marketreview.types")), name


@pytest.mark.parametrize("path", _modules("sources/*.py", "cache.py", "_sqlite_store.py"),
                         ids=lambda p: p.name)
def test_sources_and_cache_do_not_reach_up(path: Path) -> None:
    for name in _imports(path):
        assert not name.startswith(UPPER_LAYERS), f"{path.name} imports {name}"


@pytest.mark.parametrize("path", [PACKAGE / "errors.py", PACKAGE / "types.py"], ids=lambda p: p.name)
def test_errors_and_types_import_nothing_from_the_package(path: Path) -> None:
    assert not any(name.startswith("marketreview") for name in _imports(path))


def test_import_functions_stays_light() -> None:
    code = ("import sys, marketreview.functions; "
            "print(','.join(m for m in ('yfinance', 'requests', 'curl_cffi', 'openpyxl', 'xlwings') "
            "if m in sys.modules))")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONSTARTUP"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert done.stdout.strip() == "", f"importing marketreview.functions pulled in {done.stdout.strip()}"
