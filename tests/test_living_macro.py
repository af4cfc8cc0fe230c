"""The living workbook's Macro sheet follows AsOf (render/living/macro.py).

Two folders: the shared one, which has no macro file (every line says which file is missing, on any date), and
the shared price files read in place plus a tmp folder of small macro CSVs with known values (quarter starts and
quarter ends, months with a hole, month ends, year ends). Each is built as of 2025-10-31; other dates are typed
into AsOf and everything is recalculated in ONE soffice run; every Macro cell is compared with the engine's value
build for the same date, cell by cell, with the comparison of tests/test_living_workbook.py. A few figures are
also worked out by hand from the CSV files written here.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from living_soffice import SOFFICE, recalc, serial, set_number
from openpyxl import load_workbook
from openpyxl.utils import coordinate_to_tuple, get_column_letter
from test_living_workbook import _compare, _first_part, _formulas, _values

from marketreview.cache import Cache
from marketreview.engine import Engine
from marketreview.render.living import write_living
from marketreview.render.printed import printed_placements
from marketreview.render.xlsx import write_xlsx
from marketreview.report.build import build_report
from marketreview.report.layout import FIRST_BLOCK_ROW, place
from marketreview.report.model import Report, Table
from marketreview.sources.csvdir import CsvDirSource
from marketreview.sources.router import Router, router_from_spec
from marketreview.symbols import SymbolMap

BUILD = dt.date(2025, 10, 31)
#: dates typed into AsOf on the build with the macro files
VARIANTS = {
    "older": dt.date(2023, 6, 30),  # a quarter's last day: Q2 2023 counts
    "seeds_week": dt.date(2024, 12, 27),  # the 2024 buybacks not yet (the year ends on 12-31)
    "quarter_end": dt.date(2025, 6, 30),
    "day_before": dt.date(2025, 10, 30),  # October not ended: the month-end files give September
    "year_end": dt.date(2025, 12, 31),  # the Philadelphia survey six months behind: an error
}
#: the date typed into the build from the shared folder (no macro file)
MISSING_VARIANT = dt.date(2024, 12, 27)
#: the demo source serves every macro series (synthetic): its build and one other date
DEMO_VARIANT = dt.date(2025, 6, 30)
MACRO = "マクロ"
FILES = {"BOGZ1FA105050005Q", "BOGZ1FA106000105Q", "GACDFSA066MSFRBPHI", "GACDINA066MSFRBNY", "ISM", "SPX_FWD_EPS",
         "JP_BUYBACKS"}


def _write(folder: Path, name: str, rows: dict[pd.Timestamp, float]) -> None:
    lines = ["date,close", *(f"{d.date().isoformat()},{v!r}" for d, v in rows.items())]
    (folder / f"{name}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def macro_folder(folder: Path) -> Path:
    """Every series of the packaged macro list, with values worked out by hand in the tests below."""
    folder.mkdir()
    (folder / "index.csv").write_text(
        "file,symbol,kind,adjusted,notes,frequency\n"
        "BOGZ1FA105050005Q.csv,FRED:BOGZ1FA105050005Q,macro,no,test capex (quarter starts),q\n"
        "BOGZ1FA106000105Q.csv,FRED:BOGZ1FA106000105Q,macro,no,test internal funds (quarter ends),\n"
        "GACDFSA066MSFRBPHI.csv,FRED:GACDFSA066MSFRBPHI,macro,no,test Philadelphia (no 2025-04),m\n"
        "GACDINA066MSFRBNY.csv,FRED:GACDINA066MSFRBNY,macro,no,test Empire State,\n"
        "ISM.csv,ISM,macro,no,test ISM (month ends),\n"
        "SPX_FWD_EPS.csv,SPX_FWD_EPS,macro,no,test forward EPS (month ends),\n"
        "JP_BUYBACKS.csv,JP_BUYBACKS,macro,no,test buybacks (year ends),\n", encoding="utf-8")
    quarters = pd.date_range("2014-01-01", "2025-07-01", freq="QS")  # 1000 + 10 i: 2025-07-01 is 1460
    _write(folder, "BOGZ1FA105050005Q", {d: 1000.0 + 10 * i for i, d in enumerate(quarters)})
    ends = pd.date_range("2014-03-31", "2025-03-31", freq="QE")  # 800 + 4 i: 2025-03-31 is 976
    _write(folder, "BOGZ1FA106000105Q", {d: 800.0 + 4 * i for i, d in enumerate(ends)})
    months = pd.date_range("2019-01-01", "2025-06-01", freq="MS")
    _write(folder, "GACDFSA066MSFRBPHI", {d: (i % 21) - 10.5 for i, d in enumerate(months)
                                          if d != pd.Timestamp("2025-04-01")})
    months = pd.date_range("2019-01-01", "2025-10-01", freq="MS")
    _write(folder, "GACDINA066MSFRBNY", {d: (i % 7) * 1.5 - 4.0 for i, d in enumerate(months)})
    month_ends = pd.date_range("2020-01-31", "2025-10-31", freq="ME")
    _write(folder, "ISM", {d: 45.0 + (i % 9) * 0.7 for i, d in enumerate(month_ends)})
    eps = {d: 150.0 + i for i, d in enumerate(month_ends)}
    eps[pd.Timestamp("2024-10-31")], eps[pd.Timestamp("2025-10-31")] = 240.0, 264.0  # pc1: +10%
    eps[pd.Timestamp("2024-09-30")], eps[pd.Timestamp("2025-09-30")] = 250.0, 225.0  # pc1: -10%
    _write(folder, "SPX_FWD_EPS", eps)
    years = pd.date_range("2008-12-31", "2024-12-31", freq="YE")  # 5 + 0.5 i: 2024 is 13.0
    _write(folder, "JP_BUYBACKS", {d: 5.0 + 0.5 * i for i, d in enumerate(years)})
    return folder


def macro_engine(market: Path, folder: Path, cache: Path) -> Engine:
    """The shared price files read in place, the macro series from ``folder``."""
    router = Router(CsvDirSource(market),
                    [(lambda t: t.upper().removeprefix("FRED:") in FILES, CsvDirSource(folder))])
    return Engine(router, Cache(cache), SymbolMap.default())


@pytest.fixture(scope="module")
def engines(market_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Engine]:
    root = tmp_path_factory.mktemp("living-macro")
    with_files = macro_engine(market_dir, macro_folder(root / "macro"), root / "c.sqlite")
    without = Engine(Router(CsvDirSource(market_dir)), Cache(root / "plain.sqlite"), SymbolMap.default())
    demo = Engine(router_from_spec("demo"), Cache(root / "demo.sqlite"), SymbolMap.default())
    for engine in (with_files, without, demo):
        build_report(engine, BUILD, "ja")  # fills the cache once
    return {"files": with_files, "missing": without, "demo": demo}


#: the build's report of each folder, for where its Macro blocks are (the printed layout moves the chart tables
#: to the data sheet): the tests read the sheet as if every block were where ``place`` stacks it
LAYOUT: dict[str, Report] = {}


@pytest.fixture(scope="module")
def built(engines: dict[str, Engine], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("living-macro-built")
    out = {}
    for key, engine in engines.items():
        LAYOUT[key] = build_report(engine, BUILD, "ja", fetch=False)
        out[key] = write_living(LAYOUT[key], engine, root / f"{key}.xlsx", cached=False)
    return out


def _view(cells: dict[str, dict[str, Any]], key: str) -> dict[str, Any]:
    """The Macro sheet's cells with each block at the place ``report.layout.place`` gives it (the rows above the
    first block as they are), wherever the printed layout put the block (the Macro sheet or the data sheet)."""
    report = LAYOUT[key]
    sheet = report.sheet("macro")
    stacked = {id(p.block): p for p in place(sheet)}
    out = {c: v for c, v in cells[MACRO].items() if coordinate_to_tuple(c)[0] < FIRST_BLOCK_ROW}
    for title, printed in printed_placements(report)["macro"]:
        flat = stacked[id(printed.block)]
        width = len(printed.block.columns) if isinstance(printed.block, Table) else 1
        for c, v in cells[title].items():
            r, col = coordinate_to_tuple(c)
            if printed.row <= r <= printed.last_row and printed.column <= col < printed.column + width:
                out[f"{get_column_letter(col - printed.column + flat.column)}{r - printed.row + flat.row}"] = v
    return out


@pytest.fixture(scope="module")
def recalculated(built: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    if SOFFICE is None:
        pytest.skip("LibreOffice (`soffice`) is not on PATH")
    root = tmp_path_factory.mktemp("living-macro-variants")
    files = {"files": built["files"]}
    part = _first_part(built["files"])
    for key, day in VARIANTS.items():
        files[key] = set_number(built["files"], root / f"{key}.xlsx", part, "B4", serial(day))
    files["missing"] = set_number(built["missing"], root / "missing.xlsx", _first_part(built["missing"]), "B4",
                                  serial(MISSING_VARIANT))
    files["demo"] = built["demo"]
    files["demo_variant"] = set_number(built["demo"], root / "demo_variant.xlsx", _first_part(built["demo"]), "B4",
                                       serial(DEMO_VARIANT))
    out = recalc(list(files.values()), root / "out", root / "profile")
    return dict(zip(files, out, strict=True))


@pytest.fixture(scope="module")
def expected(engines: dict[str, Engine], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("living-macro-values")
    days = {"files": BUILD, **VARIANTS}
    out = {key: write_xlsx(build_report(engines["files"], day, "ja", fetch=False), root / f"{key}.xlsx")
           for key, day in days.items()}
    out["missing"] = write_xlsx(build_report(engines["missing"], MISSING_VARIANT, "ja", fetch=False),
                                root / "missing.xlsx")
    for key, day in (("demo", BUILD), ("demo_variant", DEMO_VARIANT)):
        out[key] = write_xlsx(build_report(engines["demo"], day, "ja", fetch=False), root / f"{key}.xlsx")
    return out


def _macro_only(cells: dict[str, dict[str, Any]], key: str) -> dict[str, dict[str, Any]]:
    return {MACRO: _view(cells, key)}


#: a chart point's formula: the series at the row's period (IF($A18>…), and the ratio of the row's two series
_POINT = ("=IF($", "=IF(AND(ISNUMBER(")


def _check(formulas_of: Path, actual: Path, wanted: Path, *, build_date: bool, recalculated: bool = True,
           key: str = "files") -> tuple[int, int]:
    """_compare on the Macro sheet, where a recalculated chart point the value build leaves blank must be #N/A (a
    gap in the chart, not a zero; the file as written caches nothing there), and no other cell may be #N/A where
    the engine has nothing."""
    formulas, got, want = (_macro_only(_formulas(formulas_of), key), _macro_only(_values(actual), key),
                           _macro_only(_values(wanted), key))
    for coordinate, formula in formulas[MACRO].items():
        if recalculated and want[MACRO].get(coordinate) is None and formula.startswith(_POINT):
            assert got[MACRO].get(coordinate) == "#N/A", (coordinate, got[MACRO].get(coordinate), formula)
            got[MACRO][coordinate] = None
    bad, computed, guarded = _compare(formulas, got, want, build_date=build_date)
    assert not bad, "\n".join(bad[:20])
    return computed, guarded


@pytest.mark.soffice
def test_with_files_the_build_date_equals_engine(built: dict[str, Path], recalculated: dict[str, Path],
                                                 expected: dict[str, Path]) -> None:
    computed, guarded = _check(built["files"], recalculated["files"], expected["files"], build_date=True)
    assert computed == 580 and guarded == 0  # 14 overview cells, 565 chart cells, the stamp


@pytest.mark.soffice
@pytest.mark.parametrize("key", list(VARIANTS))
def test_with_files_another_date_equals_engine(key: str, built: dict[str, Path], recalculated: dict[str, Path],
                                               expected: dict[str, Path]) -> None:
    computed, guarded = _check(built["files"], recalculated[key], expected[key], build_date=False)
    assert computed == 580 and guarded == 0  # 14 overview cells, 565 chart cells, the stamp


def _row(values: dict[str, Any], series: str) -> int:
    return next(int(c[1:]) for c, v in values.items() if c.startswith("B") and v == series)


@pytest.mark.soffice
def test_figures_by_hand(recalculated: dict[str, Path]) -> None:
    """From the CSV files above: capex 1000 + 10 i from 2014Q1, so 2025Q3 (dated 2025-07-01) is 1460 once the
    quarter has ended, 2025Q2 is 1450 on its last day; forward EPS 264 / 240 = +10% on 2025-10-31, 225 / 250 =
    −10% the day before (October not ended); the 2024 buybacks (5 + 0.5 × 16 = 13) count only from 2024-12-31."""
    build = _view(_values(recalculated["files"]), "files")
    before = _view(_values(recalculated["day_before"]), "files")
    quarter = _view(_values(recalculated["quarter_end"]), "files")
    seeds = _view(_values(recalculated["seeds_week"]), "files")
    capex, eps, buybacks = (_row(build, s) for s in ("FRED:BOGZ1FA105050005Q", "SPX_FWD_EPS", "JP_BUYBACKS"))
    assert (build[f"E{capex}"], build[f"F{capex}"]) == (dt.datetime(2025, 7, 1), 1460.0)
    assert (quarter[f"E{capex}"], quarter[f"F{capex}"]) == (dt.datetime(2025, 4, 1), 1450.0)
    assert build[f"F{eps}"] == pytest.approx(10.0, rel=1e-12)
    assert (before[f"E{eps}"], before[f"F{eps}"]) == (dt.datetime(2025, 9, 1), pytest.approx(-10.0, rel=1e-12))
    assert (build[f"E{buybacks}"], build[f"F{buybacks}"]) == (dt.datetime(2024, 1, 1), 13.0)
    assert (seeds[f"E{buybacks}"], seeds[f"F{buybacks}"]) == (dt.datetime(2023, 1, 1), 12.5)


@pytest.mark.soffice
def test_chart_rows_by_hand(recalculated: dict[str, Path]) -> None:
    """The ISM/EPS grid's last row is October 2025: ISM 45 + 0.7 × (69 mod 9) = 49.2 and EPS +10% once October has
    ended, blank the day before (the month is not over). The Philadelphia survey ends 2025-06 and has no 2025-04:
    four months behind on 2025-10-31 (a figure), six on 2025-12-31 (an error); its grid row for April is blank."""
    build = _view(_values(recalculated["files"]), "files")
    before = _view(_values(recalculated["day_before"]), "files")
    october = [int(c[1:]) for c, v in build.items() if c.startswith("A") and v == dt.datetime(2025, 10, 1)]
    capex, regional, ism = october  # the tables in the order of the list: capex ends with 2025Q4
    assert build[f"B{ism}"] == pytest.approx(49.2, rel=1e-12) and build[f"C{ism}"] == pytest.approx(10.0, rel=1e-12)
    assert build[f"B{capex}"] == "#N/A" and build[f"B{capex - 1}"] == 1460.0  # 2025Q4 has not ended
    assert before[f"A{ism}"] == dt.datetime(2025, 10, 1) and before[f"B{ism}"] == "#N/A"
    assert before[f"C{ism}"] == "#N/A" and before[f"C{ism - 1}"] == pytest.approx(-10.0, rel=1e-12)
    assert build[f"A{regional - 6}"] == dt.datetime(2025, 4, 1) and build[f"B{regional - 6}"] == "#N/A"
    assert build[f"B{regional - 4}"] == (77 % 21) - 10.5  # 2025-06 is the 78th month from 2019-01 (i = 77): 3.5
    philly = _row(build, "FRED:GACDFSA066MSFRBPHI")
    year_end = _view(_values(recalculated["year_end"]), "files")
    assert build[f"F{philly}"] == (77 % 21) - 10.5
    assert str(year_end[f"F{philly}"]).startswith("#N/A") and str(year_end[f"E{philly}"]).startswith("#N/A")


@pytest.mark.soffice
def test_without_files_the_lines_say_so_on_another_date(built: dict[str, Path], recalculated: dict[str, Path],
                                                        expected: dict[str, Path]) -> None:
    computed, guarded = _check(built["missing"], recalculated["missing"], expected["missing"], build_date=False,
                               key="missing")
    assert computed == 12 and guarded == 0  # seven "file not found" cells, four lines and the stamp
    lines = [v for v in _view(_values(recalculated["missing"]), "missing").values()
             if isinstance(v, str) and v.startswith("未取得")]
    assert ("未取得: ファイルがありません: ISM.csv, SPX_FWD_EPS.csv（列は date,close。出所は index.csv の source 列に）"
            in lines)
    assert len(lines) == 4


def test_every_macro_figure_is_a_formula_of_as_of(built: dict[str, Path]) -> None:
    """No Macro cell is guarded; the data sheet holds each series; the MacroCalc sheet is hidden."""
    formulas = _view(_formulas(built["files"]), "files")
    assert formulas and not [c for c, f in formulas.items() if f.startswith("=IF(AsOf_end=DATE(")]
    wb = load_workbook(built["files"], read_only=True)
    assert {"Macro_ISM_start", "Macro_ISM_value", "Macro_BOGZ1FA106000105Q_start"} <= set(wb.defined_names)
    assert wb["MacroCalc"].sheet_state == "hidden"
    wb.close()
    title, grid = next((t, p) for t, p in printed_placements(LAYOUT["files"])["macro"]
                       if isinstance(p.block, Table) and p.block.columns[0].fmt == "date")  # capex, the first
    ws = load_workbook(built["files"])[title]
    hidden = {str(cf.sqref): rule for cf in ws.conditional_formatting for rule in cf.rules if rule.dxf.font}
    first = f"{get_column_letter(grid.column + 1)}{grid.first_data_row}"
    where = f"{first}:{get_column_letter(grid.column + 3)}{grid.first_data_row + 39}"
    assert hidden[where].formula == [f"ISERROR({first})"]  # capex: 40 quarters, its two series and their ratio
    assert hidden[where].dxf.font.color.rgb.endswith("FFFFFF")
    plain = _view(_formulas(built["missing"]), "missing")
    assert plain and not [c for c, f in plain.items() if f.startswith("=IF(AsOf_end=DATE(")]


@pytest.mark.soffice
@pytest.mark.parametrize("key", ["demo", "demo_variant"])
def test_the_demo_source_follows_as_of(key: str, built: dict[str, Path], recalculated: dict[str, Path],
                                       expected: dict[str, Path]) -> None:
    computed, guarded = _check(built["demo"], recalculated[key], expected[key], build_date=key == "demo",
                               key="demo")
    assert computed == 580 and guarded == 0


def test_cached_values_equal_engine(engines: dict[str, Engine], expected: dict[str, Path], tmp_path: Path) -> None:
    """The values cached in the file as written (no recalculation) are the engine's, formulas included."""
    engine = engines["files"]
    path = write_living(build_report(engine, BUILD, "ja", fetch=False), engine, tmp_path / "cached.xlsx")
    computed, guarded = _check(path, path, expected["files"], build_date=True, recalculated=False)
    assert computed == 580 and guarded == 0


@pytest.mark.soffice
def test_warning_fill_follows_as_of(built: dict[str, Path], recalculated: dict[str, Path]) -> None:
    """Internal funds end with 2025Q1: two quarters missing on 2025-10-31 (the engine warns, the cell is filled),
    one on 2025-06-30 (2025Q2 ends that day), none on 2024-12-27 (2024Q3 is there, 2024Q4 not ended: no fill).
    Capex is never behind on these dates."""
    ws = load_workbook(built["files"])[MACRO]
    build, quarter = _values(recalculated["files"]), _values(recalculated["quarter_end"])
    seeds = _values(recalculated["seeds_week"])
    funds, capex = (_row(build[MACRO], s) for s in ("FRED:BOGZ1FA106000105Q", "FRED:BOGZ1FA105050005Q"))
    rules = {str(cf.sqref): rule for cf in ws.conditional_formatting for rule in cf.rules}
    missing = {}
    for row in (funds, capex):
        rule = rules[f"F{row}"]
        assert rule.dxf.fill.fgColor.rgb.endswith("FFF2CC") and rules[f"E{row}"].formula == rule.formula
        found = re.fullmatch(r"AND\(ISNUMBER\(MacroCalc!\$G\$(\d+)\),MacroCalc!\$E\$(\d+)>0\)", rule.formula[0])
        assert found and found.group(1) == found.group(2), rule.formula
        missing[row] = f"E{found.group(1)}"
    assert [v["MacroCalc"][missing[funds]] for v in (build, quarter, seeds)] == [2, 1, 0]
    assert [v["MacroCalc"][missing[capex]] for v in (build, quarter, seeds)] == [0, 0, 0]
