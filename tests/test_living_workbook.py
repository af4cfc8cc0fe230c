"""The living workbook (``marketreview build --living``): every formula recalculated by LibreOffice equals the
engine's value build for the same date, for the build's date and for other dates typed into ``AsOf``; the
cached values equal the engine's; every function used is portable.

Expected values are the engine's own value build (``write_xlsx(build_report(engine, day))``) for each date,
read back at the same cell: the layout is shared, the figures are computed by ``calc`` and never by formulas.
One soffice run recalculates every variant.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from living_soffice import SOFFICE, recalc, serial, set_number
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from marketreview.app import open_engine
from marketreview.render.living import write_living
from marketreview.render.living.cached import ERROR, fill_sheet_xml, sheet_parts
from marketreview.render.living.workbook import pad_summary
from marketreview.render.printed import printed_placements
from marketreview.render.xlsx import write_xlsx
from marketreview.report.build import build_report
from marketreview.report.layout import lines_rows

BUILD = dt.date(2025, 10, 31)
VARIANTS = {
    "before_estimates": dt.date(2023, 6, 30),  # over 400 days before the first snapshot with member caps
    "seeds_week": dt.date(2024, 12, 27),
    "anchor_switch": dt.date(2025, 1, 31),  # a member snapshot of this day; the week before anchored at 2024-12-31
    "us_holiday": dt.date(2024, 12, 25),
    "year_boundary": dt.date(2025, 1, 3),
    "missing_sessions": dt.date(2025, 8, 27),  # NVDA has no closes on 2025-08-25..27
    "tokyo_holiday": dt.date(2025, 11, 3),  # Culture Day: Tokyo shut, New York open
    "past_series_end": dt.date(2025, 12, 19),  # ^RUO ends 2025-12-16: three sessions missing, marked
    "five_missing": dt.date(2025, 12, 23),  # ^RUO five sessions behind: still a figure, marked
    "six_missing": dt.date(2025, 12, 24),  # six: more than MAX_MISSING_SESSIONS, an error
    "long_past_end": dt.date(2026, 1, 9),  # ^RUO sixteen sessions behind: an error
}
#: the demo source: an equal-weight pair on one basis (its line is the rebased relative performance) and DEMO tags
DEMO_BUILD, DEMO_VARIANT = dt.date(2024, 12, 27), dt.date(2024, 11, 29)
OUT_OF_RANGE = dt.date(2019, 6, 3)  # before one year after the data's first date
#: the functions a portable workbook may call (Excel 2010+ and LibreOffice 7): written out here, not imported
ALLOWED = {"ABS", "AND", "AVERAGE", "AVERAGEIFS", "COUNT", "COUNTIFS", "DATE", "DAY", "EDATE", "FALSE", "FIND", "IF",
           "IFERROR", "INDEX", "INT", "ISERROR", "ISNUMBER", "MATCH", "MAX", "MIN", "MONTH", "NA", "NETWORKDAYS", "NOT",
           "OR", "ROUND", "SUMPRODUCT", "TEXT", "TRUE", "WEEKDAY", "YEAR"}
FORBIDDEN = {"XLOOKUP", "XMATCH", "LET", "FILTER", "SORT", "UNIQUE", "SEQUENCE", "LAMBDA"}
ERRORS = ("#N/A", "#DIV/0!", "#VALUE!", "#NUM!", "#REF!", "#NAME?")


@pytest.fixture(scope="module")
def engine(market_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    cache = tmp_path_factory.mktemp("living-cache") / "prices.sqlite"
    engine = open_engine(f"csv:{market_dir}", cache_path=cache)
    build_report(engine, BUILD, "ja")  # fills the cache once
    return engine


def _proxy_engine(market_dir: Path, root: Path) -> Any:
    """The shared folder without TOPIX itself: the 1306 ETF stands in, under its own name (tests/test_proxies)."""
    from test_proxies import folder_without_topix

    return open_engine(f"csv:{folder_without_topix(market_dir, root / 'no_topix')}", cache_path=root / "proxy.sqlite")


@pytest.fixture(scope="module")
def reports(engine: Any) -> dict[str, Any]:
    return {lang: build_report(engine, BUILD, lang, fetch=False) for lang in ("ja", "en")}


@pytest.fixture(scope="module")
def built(engine: Any, reports: dict[str, Any], tmp_path_factory: pytest.TempPathFactory,
          market_dir: Path) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("living")
    report, english = reports["ja"], reports["en"]
    demo = open_engine("demo", cache_path=root / "demo.sqlite")
    proxy = _proxy_engine(market_dir, root)
    files = {"demo": write_living(build_report(demo, DEMO_BUILD, "ja"), demo, root / "demo.xlsx", cached=False),
             "proxy": write_living(build_report(proxy, BUILD, "ja"), proxy, root / "proxy.xlsx", cached=False),
             "cached": write_living(report, engine, root / "cached.xlsx"),
             "build": write_living(report, engine, root / "build.xlsx", cached=False),
             "build_en": write_living(english, engine, root / "build_en.xlsx", cached=False)}
    return files


def _first_part(path: Path) -> str:
    with zipfile.ZipFile(path) as archive:
        workbook = load_workbook(path, read_only=True)
        first = workbook.sheetnames[0]
        workbook.close()
        return sheet_parts(archive)[first]


@pytest.fixture(scope="module")
def recalculated(built: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    if SOFFICE is None:
        pytest.skip("LibreOffice (`soffice`) is not on PATH")
    root = tmp_path_factory.mktemp("living-variants")
    part = _first_part(built["build"])
    files = {"build": built["build"], "build_en": built["build_en"], "demo": built["demo"], "proxy": built["proxy"]}
    for key, day in {**VARIANTS, "out_of_range": OUT_OF_RANGE}.items():
        files[key] = set_number(built["build"], root / f"{key}.xlsx", part, "B4", serial(day))
    files["proxy_variant"] = set_number(built["proxy"], root / "proxy_variant.xlsx", _first_part(built["proxy"]),
                                        "B4", serial(VARIANTS["past_series_end"]))
    files["demo_variant"] = set_number(built["demo"], root / "demo_variant.xlsx", _first_part(built["demo"]), "B4",
                                       serial(DEMO_VARIANT))
    out = recalc(list(files.values()), root / "out", root / "profile")
    return dict(zip(files, out, strict=True))


@pytest.fixture(scope="module")
def expected(engine: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[dt.date | str, Path]:
    root = tmp_path_factory.mktemp("living-values")
    out: dict[dt.date | str, Path] = {
        day: write_xlsx(build_report(engine, day, "ja", fetch=False), root / f"{day}.xlsx")
        for day in (BUILD, *VARIANTS.values())}
    out["en"] = write_xlsx(build_report(engine, BUILD, "en", fetch=False), root / "en.xlsx")
    return out


def _cells(path: Path, *, data_only: bool) -> dict[str, dict[str, Any]]:
    """Every non-empty cell of every sheet but the data sheet (150,000 numbers with no formula)."""
    wb = load_workbook(path, data_only=data_only, read_only=True)
    out = {ws.title: {c.coordinate: c.value for row in ws.iter_rows() for c in row
                      if getattr(c, "coordinate", None) is not None}
           for ws in wb.worksheets if ws.title != "_data"}
    wb.close()
    return out


def _formulas(path: Path) -> dict[str, dict[str, str]]:
    return {title: {k: v for k, v in cells.items() if isinstance(v, str) and v.startswith("=")}
            for title, cells in _cells(path, data_only=False).items()}


def _values(path: Path) -> dict[str, dict[str, Any]]:
    return _cells(path, data_only=True)


def _is_error(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(ERRORS)


def _same(actual: Any, wanted: Any) -> bool:
    if isinstance(wanted, str) and wanted.startswith("#"):  # the value build's short error text
        return _is_error(actual)
    if isinstance(wanted, str):
        if isinstance(actual, str) and actual.endswith(": #N/A") and "→" not in wanted:
            return wanted.startswith(actual.removesuffix("#N/A")) and ": #" in wanted  # an error line
        return actual == wanted
    if isinstance(wanted, dt.datetime | dt.date):
        return isinstance(actual, dt.datetime | dt.date) and actual == wanted
    if isinstance(wanted, bool) or wanted is None:
        return actual == wanted or (wanted is None and actual == "")
    if isinstance(wanted, int | float):
        return isinstance(actual, int | float) and not isinstance(actual, bool) and (
            math.isclose(actual, wanted, rel_tol=1e-9, abs_tol=1e-12))
    return actual == wanted


def _line_cells(report: Any) -> dict[str, list[list[str]]]:
    """Sheet title → the cells of each block of the Summary's lines (and the room for their footnotes) in the
    living file: their rows differ from a value build's, whose footnotes take only the rows they need."""
    placed = printed_placements(pad_summary(report))["summary"]
    out: dict[str, list[list[str]]] = {}
    for title, p in placed:
        out.setdefault(title, []).append([f"{get_column_letter(p.column)}{row}" for row in lines_rows(p)])
    return out


def _lines_of(values: dict[str, dict[str, Any]], cells: dict[str, list[list[str]]]) -> list[list[str]]:
    """The text of each block of lines, the empty room left out."""
    return [[values[title][c] for c in block if values[title].get(c) not in (None, "")]
            for title, blocks in cells.items() for block in blocks]


def _engine_lines(report: Any) -> list[list[str]]:
    sheet = next(s for s in report.sheets if s.key == "summary")
    return [list(block.lines) for block in sheet.blocks]


def _compare(formulas: dict[str, dict[str, str]], actual: dict[str, dict[str, Any]],
             wanted: dict[str, dict[str, Any]], *, build_date: bool,
             skip: dict[str, list[list[str]]] | None = None) -> tuple[list[str], int, int]:
    """Mismatches, and how many computed and guarded cells were checked (the cells of ``skip`` are compared
    as lines, by :func:`_lines_of`)."""
    bad, computed, guarded = [], 0, 0
    skipped = {(t, c) for t, blocks in (skip or {}).items() for block in blocks for c in block}
    for title, cells in wanted.items():
        for coordinate, formula in formulas[title].items():
            if (title, coordinate) in skipped:
                continue
            got, want = actual[title].get(coordinate), cells.get(coordinate)
            if formula.startswith("=IF(AsOf_ok"):
                ok = got in (None, "")
            elif formula.startswith("=IF(AsOf_end=DATE("):  # a figure kept from the build, behind the guard
                guarded += 1
                ok = _same(got, want) if build_date else _is_error(got)
            else:
                computed += 1
                ok = _same(got, want)
            if not ok:
                bad.append(f"{title}!{coordinate}: got {got!r}, engine {want!r} ({formula[:90]})")
    return bad, computed, guarded


@pytest.mark.soffice
def test_recalculated_build_equals_engine(built: dict[str, Path], recalculated: dict[str, Path],
                                          expected: dict[dt.date | str, Path], reports: dict[str, Any]) -> None:
    lines = _line_cells(reports["ja"])
    bad, computed, _ = _compare(_formulas(built["build"]), _values(recalculated["build"]),
                                _values(expected[BUILD]), build_date=True, skip=lines)
    assert not bad, "\n".join(bad[:20])
    assert computed > 1500
    assert _lines_of(_values(recalculated["build"]), lines) == _engine_lines(reports["ja"])


@pytest.mark.soffice
def test_recalculated_english_build_equals_engine(built: dict[str, Path], recalculated: dict[str, Path],
                                                  expected: dict[dt.date | str, Path],
                                                  reports: dict[str, Any]) -> None:
    """English lines: thousands separators, "week +0.71%", the Fed range with an en dash."""
    cells = _line_cells(reports["en"])
    bad, computed, _ = _compare(_formulas(built["build_en"]), _values(recalculated["build_en"]),
                                _values(expected["en"]), build_date=True, skip=cells)
    assert not bad, "\n".join(bad[:20])
    assert computed > 1500
    assert _lines_of(_values(recalculated["build_en"]), cells) == _engine_lines(reports["en"])
    lines = [v for v in _values(recalculated["build_en"])["Summary"].values() if isinstance(v, str)]
    # GSPC.csv: 6791.68994 on 2025-10-24, 6840.20020 on 10-31: +48.51 points, +0.714%
    assert "・S&P 500 6,791.69 → 6,840.20 (week +48.51, +0.71%)" in lines


@pytest.mark.soffice
@pytest.mark.parametrize("key", list(VARIANTS))
def test_recalculated_variant_equals_engine(key: str, built: dict[str, Path], recalculated: dict[str, Path],
                                            expected: dict[dt.date | str, Path], reports: dict[str, Any],
                                            engine: Any) -> None:
    """Every figure, and the Summary's lines in both languages character for character (their marks, the
    closes they name, their ※ footnotes and the footnotes' numbers), as the engine writes them for that date."""
    cells = _line_cells(reports["ja"])
    bad, computed, _ = _compare(_formulas(built["build"]), _values(recalculated[key]),
                                _values(expected[VARIANTS[key]]), build_date=False, skip=cells)
    assert not bad, "\n".join(bad[:20])
    assert computed > 1500
    wanted = _engine_lines(build_report(engine, VARIANTS[key], "ja", fetch=False))
    assert _lines_of(_values(recalculated[key]), cells) == wanted


@pytest.mark.soffice
def test_summary_lines_follow_as_of(built: dict[str, Path], recalculated: dict[str, Path],
                                    reports: dict[str, Any]) -> None:
    """No line is kept behind the as-of guard. On 2025-12-19 ^RUO (RUO.csv ends 2025-12-16) has no close for
    12/17, 12/18 and 12/19: its week line names the close it used and the missing days, written out
    here from the CSV; on 2025-12-24 (six sessions behind) its figures are errors with numbered footnotes."""
    formulas = _formulas(built["build"])["サマリー"]
    cells = _line_cells(reports["ja"])
    assert not [c for c, f in formulas.items() if f.startswith("=IF(AsOf_end=DATE(")]
    past_end = _lines_of(_values(recalculated["past_series_end"]), cells)[0]
    # RUO.csv: 1696.41 on 2025-12-12, 1672.41 on 2025-12-16: -24.00 points, -1.41%
    line = "・ラッセル2000グロース 1,696.41 → 1,672.41（12/16終値）（前週比 -24.00、-1.41%）（12/17他2日欠損）"
    assert line in past_end
    six = _lines_of(_values(recalculated["six_missing"]), cells)[0]
    assert "・ラッセル2000グロース —※1" in six and "・ラッセル2000グロース 年初来 —※1" in six
    assert six[-3:-1] == ["※1 ラッセル2000グロースは12/16までのデータ",
                          "※2 ラッセル2000グロース / S&P500は12/16までのデータ"]
    values = _values(recalculated["past_series_end"])
    wb = load_workbook(built["build"])
    ws = wb.worksheets[0]
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(row=r, column=2).value == "^RUO")
    assert ws["E6"].value == "終値"
    rules = [rule for cf in ws.conditional_formatting if f"E{row}" == str(cf.sqref) for rule in cf.rules
             if rule.dxf is not None and rule.dxf.fill is not None]  # the close's fill
    found = re.fullmatch(r'Calc!\$([A-Z]+)\$(\d+)<>""', rules[0].formula[0])
    assert found, rules[0].formula
    assert values["Calc"][f"{found.group(1)}{found.group(2)}"] == "（12/17他2日欠損）"  # 12/17, 12/18, 12/19


@pytest.mark.soffice
def test_demo_lines_follow_as_of(recalculated: dict[str, Path], tmp_path: Path) -> None:
    """The demo source's build and another date: every line with its DEMO tag, and the equal-weight pair (two
    price series there) as its rebased relative performance, as the engine writes them for each date."""
    demo = open_engine("demo", cache_path=tmp_path / "demo.sqlite")
    cells = _line_cells(build_report(demo, DEMO_BUILD, "ja"))  # where the built file has its lines
    for key, day in (("demo", DEMO_BUILD), ("demo_variant", DEMO_VARIANT)):
        wanted = _engine_lines(build_report(demo, day, "ja"))
        assert _lines_of(_values(recalculated[key]), cells) == wanted
        assert all(line.endswith(" [DEMO (synthetic)]") for line in wanted[0] if line.startswith("・"))
        assert any("相対パフォーマンス" in line and "（期初=100）" in line for line in wanted[0])


@pytest.mark.soffice
def test_proxy_lines_follow_as_of(recalculated: dict[str, Path], market_dir: Path, tmp_path: Path) -> None:
    """Without TOPIX in the folder every TOPIX line names the 1306 ETF, with its whole-yen closes and its raw-close
    mark, on the build's date and on another, as the engine writes them."""
    proxy = _proxy_engine(market_dir, tmp_path)
    cells = _line_cells(build_report(proxy, BUILD, "ja"))
    for key, day in (("proxy", BUILD), ("proxy_variant", VARIANTS["past_series_end"])):
        wanted = _engine_lines(build_report(proxy, day, "ja", fetch=False))
        assert _lines_of(_values(recalculated[key]), cells) == wanted
        etf = [line for line in wanted[0] if line.startswith("・TOPIX連動ETF(1306) ")]
        assert len(etf) == 2 and all(line.endswith("（分配金含まず）") for line in etf)


@pytest.mark.soffice
def test_out_of_range_as_of_is_an_error(built: dict[str, Path], recalculated: dict[str, Path]) -> None:
    formulas, values = _formulas(built["build"]), _values(recalculated["out_of_range"])
    first = next(iter(formulas))
    assert "2020-01-02" in values[first]["C4"] and values[first]["C4"].startswith("#N/A")
    figures = [(t, c) for t, cells in formulas.items() if t not in ("_data", "Calc") for c, f in cells.items()
               if not f.startswith(("=IF(AsOf_ok", "=IF(AsOf_end=DATE(")) and "AsOf" not in f[:20]]
    numbers = [(t, c, values[t][c]) for t, c in figures if isinstance(values[t][c], int | float)]
    assert figures and not numbers


def test_cached_values_equal_engine(built: dict[str, Path], expected: dict[dt.date | str, Path],
                                    reports: dict[str, Any]) -> None:
    formulas, wanted = _formulas(built["cached"]), _values(expected[BUILD])
    cells = _line_cells(reports["ja"])
    bad, computed, _ = _compare(formulas, _values(built["cached"]), wanted, build_date=True, skip=cells)
    assert not bad, "\n".join(bad[:20])
    assert computed > 1500
    assert _lines_of(_values(built["cached"]), cells) == _engine_lines(reports["ja"])


def test_every_function_is_portable(built: dict[str, Path]) -> None:
    called: set[str] = set()
    for cells in _formulas(built["cached"]).values():
        for formula in cells.values():
            called |= {n.upper() for n in re.findall(r"([A-Za-z_][A-Za-z0-9_.]*)\(", re.sub(r'"[^"]*"', "", formula))}
    assert called and not called & FORBIDDEN and called <= ALLOWED, sorted(called - ALLOWED)


def test_build_living_from_the_command_line(tmp_path: Path) -> None:
    from marketreview import cli

    out = tmp_path / "living.xlsx"
    code = cli.main(["build", "--living", "--source", "demo", "--cache", str(tmp_path / "c.sqlite"), "--lang", "en",
                     "--out", str(out)])
    assert code == 0
    wb = load_workbook(out)
    assert "AsOf" in wb.defined_names and "_data" in wb.sheetnames
    first = wb.worksheets[0]
    assert isinstance(first["F7"].value, str) and first["F7"].value.startswith("=IF(Calc!")  # a weekly return
    values = load_workbook(out, data_only=True)
    summary = [v for row in values["Summary"].iter_rows(values_only=True) for v in row if isinstance(v, str)]
    assert any(line.endswith("[DEMO (synthetic)]") and "→" in line for line in summary)
    plain = tmp_path / "values.xlsx"  # --values keeps the value-only file
    assert cli.main(["build", "--values", "--source", "demo", "--cache", str(tmp_path / "c.sqlite"),
                     "--out", str(plain)]) == 0
    values_book = load_workbook(plain)
    assert "AsOf" not in values_book.defined_names and "_data" not in values_book.sheetnames


def test_data_sheet_hidden_protected_and_named(built: dict[str, Path]) -> None:
    wb = load_workbook(built["cached"])
    assert wb["_data"].sheet_state == "hidden" and wb["_data"].protection.sheet
    assert wb["Calc"].sheet_state == "hidden"
    for name in ("AsOf", "SP500_close", "SP500_dates", "XNYS_sessions", "XTKS_sessions"):
        assert name in wb.defined_names, name
    first = wb.worksheets[0]
    assert wb.defined_names["AsOf"].attr_text == f"'{first.title}'!$B$4"
    rule = first.data_validations.dataValidation[0]
    assert (rule.type, rule.formula1, rule.formula2) == ("date", "DATE(2020,1,2)", "DATE(2026,8,21)")
    assert "2020-01-02" in rule.error and "基準日" in rule.error
    assert wb.calculation.fullCalcOnLoad


def test_file_size(built: dict[str, Path]) -> None:
    assert built["cached"].stat().st_size <= 3_000_000


def test_fill_sheet_xml_writes_each_kind() -> None:
    xml = ('<sheetData><row r="1"><c r="A1"><f>1+1</f><v></v></c><c r="B1" s="2"><f>"a"&amp;"b"</f><v/></c>'
           '<c r="C1"><f>NA()</f><v></v></c><c r="D1"><f>AsOf</f><v></v></c><c r="E1"><v>3</v></c></row>'
           '</sheetData>')
    out, filled = fill_sheet_xml(xml, {"A1": 2.5, "B1": "a<b", "C1": ERROR, "D1": dt.date(2024, 12, 27)})
    assert filled == {"A1", "B1", "C1", "D1"}
    assert '<c r="A1"><f>1+1</f><v>2.5</v></c>' in out
    assert '<c r="B1" s="2" t="str"><f>"a"&amp;"b"</f><v>a&lt;b</v></c>' in out
    assert '<c r="C1" t="e"><f>NA()</f><v>#N/A</v></c>' in out
    assert '<c r="D1"><f>AsOf</f><v>45653</v></c>' in out  # 2024-12-27 as an Excel serial
    assert '<c r="E1"><v>3</v></c>' in out


@pytest.mark.parametrize(("text", "literal"), [
    ("", '""'),
    ('S&P "500" =1+1', '"S&P ""500"" =1+1"'),  # quotes doubled: the label stays text inside the formula
    ("a\x01b", '"a\ufffdb"'),  # a character XML cannot hold is replaced, as in the value build
    ("x" * 300, '"' + "x" * 255 + '"&"' + "x" * 45 + '"'),  # Excel's literals hold at most 255 characters
])
def test_text_becomes_a_safe_literal(text: str, literal: str) -> None:
    from marketreview.render.living.lines import lit

    assert lit(text) == literal


@pytest.mark.soffice
def test_warning_fill_follows_as_of(built: dict[str, Path], recalculated: dict[str, Path]) -> None:
    """NVIDIA's close cell is filled when its Calc mark is not empty: empty on the build date, NVIDIA's missing
    2025-08-25..27 on 2025-08-27 (the rule reads the mark LibreOffice computed for each date)."""
    wb = load_workbook(built["build"])
    ws = wb["マグニフィセント7"]
    assert ws["B11"].value == "NVDA"
    rules = [rule for cf in ws.conditional_formatting if "D11" in str(cf.sqref) for rule in cf.rules]
    assert len(rules) == 1 and rules[0].dxf.fill.fgColor.rgb.endswith("FFF2CC")
    found = re.fullmatch(r'Calc!\$([A-Z]+)\$(\d+)<>""', rules[0].formula[0])
    assert found, rules[0].formula
    mark = f"{found.group(1)}{found.group(2)}"
    assert _values(recalculated["build"])["Calc"][mark] in (None, "")
    assert _values(recalculated["missing_sessions"])["Calc"][mark] == "（8/25他2日欠損）"


def test_the_summary_prints_every_footnote_a_date_can_have(built: dict[str, Path], engine: Any,
                                                            reports: dict[str, Any]) -> None:
    """The Summary keeps a row for every footnote a line could need, but prints only as many as the dates the file
    covers can fill (a page sized for all would print the lines at about half their size): at least the footnotes
    the engine writes for each variant date and for 2026-07-17 (eleven: several series end early in 2026)."""
    wb = load_workbook(built["cached"])
    found = re.search(r"\$(\d+)$", str(wb["サマリー"].print_area))
    assert found
    placement = next(p for _, p in printed_placements(pad_summary(reports["ja"]))["summary"]
                     if p.block.key == "lines")
    body = sum(1 for line in reports["ja"].sheet("summary").blocks[0].lines if not line.startswith("※"))
    printed = int(found.group(1)) - placement.row - body  # footnote rows on the page
    notes = [sum(1 for line in build_report(engine, day, "ja", fetch=False).sheet("summary").blocks[0].lines
                 if line.startswith("※")) for day in (*VARIANTS.values(), dt.date(2026, 7, 17))]
    assert max(notes) == 11 and printed >= max(notes)
    assert printed < body  # not a row for every line: RUSSELL2000, NASDAQ … cover the whole range
