"""The living workbook's seed tables (render/living/tables.py) and the rebased pair (render/living/relative.py),
recalculated by LibreOffice after ``AsOf`` is typed in: what the general comparison of test_living_workbook cannot
say. Expected numbers come from the CSV files of ``market_dir`` (read here, by hand), except where a test says it
compares with the engine's value build made with the same settings (year dating, YTD basis), which that
comparison never builds. One soffice run recalculates every file of this module.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import os
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from living_soffice import SOFFICE, recalc, serial, set_number
from openpyxl import load_workbook
from test_living_workbook import _values

from marketreview.app import open_engine
from marketreview.render.living import write_living
from marketreview.render.living.cached import sheet_parts
from marketreview.render.printed import printed_placements
from marketreview.render.xlsx import write_xlsx
from marketreview.report.build import build_report
from marketreview.report.layout import lines_rows
from marketreview.report.model import Lines, Report, Table

BUILD = dt.date(2025, 10, 31)
#: (build, AsOf typed in): the default build, first-session dating with the US-close basis, RSP as a price
CASES = {
    "prev_years": ("default", dt.date(2025, 1, 3)),
    "high_tie": ("default", dt.date(2025, 1, 8)),  # DGS10 4.67 on 01-07 and 01-08: the high is dated 01-07
    "low_tie": ("default", dt.date(2025, 1, 21)),  # DGS10 4.57 on 01-02 and 01-21: the low is dated 01-02
    "new_year": ("default", dt.date(2025, 1, 1)),  # no close yet this year: no YTD high or low
    "first_session": ("first_us", dt.date(2025, 1, 3)),
    "first_session_jan1": ("first_us", dt.date(2025, 1, 1)),  # the first close of 2025 is not known yet
    "first_session_build": ("first_us", BUILD),
    "rebased": ("rsp_price", dt.date(2025, 6, 27)),
    "rebased_build": ("rsp_price", BUILD),
    "anchors_grow": ("early", BUILD),  # built with 2 anchor notes and the method; 2025-10-31 has 6 and the method
    "nvda_missing": ("default", dt.date(2025, 8, 27)),  # NVDA has no closes on 2025-08-25..27
}
EARLY = dt.date(2024, 12, 27)
ERRORS = ("#N/A", "#DIV/0!", "#VALUE!", "#NUM!", "#REF!", "#NAME?")


def _closes(market_dir: Path, name: str) -> list[tuple[dt.date, float]]:
    with (market_dir / name).open(encoding="utf-8") as handle:
        return [(dt.date.fromisoformat(r["date"]), float(r["close"])) for r in csv.DictReader(handle)]


def _on_or_before(rows: list[tuple[dt.date, float]], day: dt.date) -> tuple[dt.date, float]:
    return [r for r in rows if r[0] <= day][-1]


def _first_in(rows: list[tuple[dt.date, float]], year: int) -> tuple[dt.date, float]:
    return next(r for r in rows if r[0].year == year)


def _rsp_as_price(market_dir: Path, root: Path) -> Path:
    """The shared folder with RSP listed as unadjusted (so the equal-weight pair is computed): links to the
    files, and an index.csv of its own."""
    root.mkdir()
    for item in market_dir.iterdir():
        if item.name != "index.csv":
            os.symlink(item, root / item.name)
    text = (market_dir / "index.csv").read_text(encoding="utf-8")
    lines = [line.replace("RSP.csv,RSP,etf,yes,", "RSP.csv,RSP,etf,no,") for line in text.splitlines()]
    assert sum(line.startswith("RSP.csv,RSP,etf,no,") for line in lines) == 1
    (root / "index.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


SETTINGS: dict[str, dict[str, Any]] = {"default": {}, "first_us": {"year_dating": "first_session",
                                                                   "ytd_basis": "us_close"},
                                       "rsp_price": {}, "early": {}}


@pytest.fixture(scope="module")
def engines(market_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("tables-cache")
    shared = open_engine(f"csv:{market_dir}", cache_path=root / "shared.sqlite")
    rsp = open_engine(f"csv:{_rsp_as_price(market_dir, root / 'rsp')}", cache_path=root / "rsp.sqlite")
    for engine in (shared, rsp):
        build_report(engine, BUILD, "ja")  # fills the cache once
    return {"default": shared, "first_us": shared, "rsp_price": rsp, "early": shared}


def _report(engines: dict[str, Any], build: str, day: dt.date) -> Report:
    return build_report(engines[build], day, "ja", fetch=False, **SETTINGS[build])


@pytest.fixture(scope="module")
def built(engines: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("tables-living")
    return {build: write_living(_report(engines, build, EARLY if build == "early" else BUILD), engines[build],
                                root / f"{build}.xlsx", cached=False) for build in SETTINGS}


@pytest.fixture(scope="module")
def recalculated(built: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    if SOFFICE is None:
        pytest.skip("LibreOffice (`soffice`) is not on PATH")
    root = tmp_path_factory.mktemp("tables-variants")
    files = {}
    for key, (build, day) in CASES.items():
        with zipfile.ZipFile(built[build]) as archive:
            workbook = load_workbook(built[build], read_only=True)
            part = sheet_parts(archive)[workbook.sheetnames[0]]
            workbook.close()
        files[key] = set_number(built[build], root / f"{key}.xlsx", part, "B4", serial(day))
    out = recalc(list(files.values()), root / "out", root / "profile")
    return dict(zip(files, out, strict=True))


def _where(report: Report, sheet_key: str, table_key: str) -> tuple[str, Table, int, int]:
    """(sheet title, table, first data row, first column) of a table as the living layout places it."""
    for title, placement in printed_placements(report)[sheet_key]:
        if isinstance(placement.block, Table) and placement.block.key == table_key:
            return title, placement.block, placement.first_data_row, placement.column
    raise AssertionError(f"no table {table_key} on {sheet_key}")


def _anchors(report: Report) -> tuple[str, Any]:
    """(sheet title, placement) of the Mag7 anchor notes in the living (printed) layout."""
    return next((t, p) for t, p in printed_placements(report)["mag7"]
                if isinstance(p.block, Lines) and p.block.key == "mag7_anchors")


def _table_values(values: dict[str, dict[str, Any]], report: Report, sheet_key: str, table_key: str
                  ) -> list[dict[str, Any]]:
    """Each row of the table, column key → the recalculated value."""
    from openpyxl.utils import get_column_letter

    title, table, first, column = _where(report, sheet_key, table_key)
    return [{c.key: values[title].get(f"{get_column_letter(column + j)}{first + i}")
             for j, c in enumerate(table.columns)} for i in range(len(table.rows))]


def _is_error(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(ERRORS)


def _day(value: Any) -> dt.date:
    assert isinstance(value, dt.datetime | dt.date), value
    return value.date() if isinstance(value, dt.datetime) else value


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


@pytest.mark.soffice
def test_prev_years_follow_asof_year(engines: dict[str, Any], built: dict[str, Path],
                                     recalculated: dict[str, Path], market_dir: Path) -> None:
    """At AsOf 2025-01-03 the block is 2023 then 2024, year-end close to year-end close (GSPC.csv)."""
    report = _report(engines, "default", BUILD)
    rows = _table_values(_values(recalculated["prev_years"]), report, "us_indices", "prev_years")
    aliases = [i.alias for i in engines["default"].symbols.in_group("us_indices")]
    gspc = _closes(market_dir, "GSPC.csv")
    assert [r["year"] for r in rows] == [2023] * len(aliases) + [2024] * len(aliases)
    for year in (2023, 2024):
        row = rows[(year - 2023) * len(aliases) + aliases.index("SP500")]
        start, end = _on_or_before(gspc, dt.date(year - 1, 12, 31)), _on_or_before(gspc, dt.date(year, 12, 31))
        assert (_day(row["start_date"]), _day(row["end_date"])) == (start[0], end[0])
        assert _close(row["start"], start[1]) and _close(row["end"], end[1])
        assert _close(row["change"], end[1] / start[1] - 1) and _close(row["points"], end[1] - start[1])
    assert (start[0], end[0]) == (dt.date(2023, 12, 29), dt.date(2024, 12, 31))


@pytest.mark.soffice
def test_prev_years_first_session_dating(engines: dict[str, Any], recalculated: dict[str, Path],
                                         market_dir: Path) -> None:
    """``first_session``: each year from its first close to the next year's first (GSPC.csv); on 2025-01-01
    the first close of 2025 is not known, so 2024's figure is an error and 2023's is not."""
    report = _report(engines, "first_us", BUILD)
    aliases = [i.alias for i in engines["first_us"].symbols.in_group("us_indices")]
    gspc = _closes(market_dir, "GSPC.csv")
    rows = _table_values(_values(recalculated["first_session"]), report, "us_indices", "prev_years")
    for year in (2023, 2024):
        row = rows[(year - 2023) * len(aliases) + aliases.index("SP500")]
        start, end = _first_in(gspc, year), _first_in(gspc, year + 1)
        assert row["year"] == year
        assert (_day(row["start_date"]), _day(row["end_date"])) == (start[0], end[0])
        assert _close(row["change"], end[1] / start[1] - 1)
    assert (start[0], end[0]) == (dt.date(2024, 1, 2), dt.date(2025, 1, 2))
    rows = _table_values(_values(recalculated["first_session_jan1"]), report, "us_indices", "prev_years")
    older, newer = rows[aliases.index("SP500")], rows[len(aliases) + aliases.index("SP500")]
    assert _day(older["end_date"]) == dt.date(2024, 1, 2) and isinstance(older["change"], float)
    assert all(_is_error(newer[k]) for k in ("start_date", "start", "end_date", "end", "change", "points"))


@pytest.mark.soffice
def test_members_ytd_on_the_us_close_basis(engines: dict[str, Any], recalculated: dict[str, Path],
                                           market_dir: Path) -> None:
    """``us_close``: AsOf Friday 2025-01-03 (Japan) sees Thursday's US close, 2025-01-02 (AMZN.csv)."""
    report = _report(engines, "first_us", BUILD)
    members = [i.alias for i in engines["first_us"].symbols.group("MAG7")]
    amzn = _closes(market_dir, "AMZN.csv")
    row = _table_values(_values(recalculated["first_session"]), report, "mag7", "members")[members.index("AMZN")]
    end, start = _on_or_before(amzn, dt.date(2025, 1, 2)), _on_or_before(amzn, dt.date(2024, 12, 31))
    assert end[0] == dt.date(2025, 1, 2)
    assert _close(row["ytd"], end[1] / start[1] - 1)
    week_end, prev = _on_or_before(amzn, dt.date(2025, 1, 3)), _on_or_before(amzn, dt.date(2024, 12, 29))
    assert _close(row["close"], week_end[1]) and _close(row["prev"], prev[1])
    assert _close(row["w1"], week_end[1] / prev[1] - 1)


@pytest.mark.soffice
@pytest.mark.parametrize(("key", "day", "column", "which"), [
    ("high_tie", dt.date(2025, 1, 8), "ytd_high", max),
    ("low_tie", dt.date(2025, 1, 21), "ytd_low", min),
    ("prev_years", dt.date(2025, 1, 3), "ytd_high", max),
])
def test_yield_range_extreme_and_its_first_date(key: str, day: dt.date, column: str, which: Any,
                                                engines: dict[str, Any], recalculated: dict[str, Path],
                                                market_dir: Path) -> None:
    """The 10Y's YTD extreme from January 1 to AsOf, dated by its first occurrence (DGS10.csv)."""
    report = _report(engines, "default", BUILD)
    row = _table_values(_values(recalculated[key]), report, "rates", "yield_range")[0]
    window = [r for r in _closes(market_dir, "DGS10.csv") if dt.date(day.year, 1, 1) <= r[0] <= day]
    value = which(v for _, v in window)
    first = next(d for d, v in window if v == value)
    assert _close(row[column], value) and _day(row[f"{column}_date"]) == first
    assert _close(row["level"], window[-1][1])
    if key != "prev_years":  # the case is a tie: a later close equals the extreme
        assert sum(v == value for _, v in window) == 2


@pytest.mark.soffice
def test_yield_range_on_new_years_day_is_an_error(engines: dict[str, Any], recalculated: dict[str, Path]) -> None:
    report = _report(engines, "default", BUILD)
    for row in _table_values(_values(recalculated["new_year"]), report, "rates", "yield_range"):
        assert all(_is_error(row[k]) for k in ("ytd_high", "ytd_high_date", "ytd_low", "ytd_low_date"))
        assert isinstance(row["level"], float)  # the last close of 2024, within the gap allowed


@pytest.mark.soffice
def test_rebased_pair_when_both_legs_are_prices(engines: dict[str, Any], recalculated: dict[str, Path],
                                                market_dir: Path) -> None:
    """RSP listed as a price: the equal-weight pair is rebased to 100 at the window's first week (the Friday
    25 weeks before AsOf's week): 100 × (RSP/GSPC on 2025-06-27) ÷ (RSP/GSPC on 2025-01-03)."""
    report = _report(engines, "rsp_price", BUILD)
    values = _values(recalculated["rebased"])
    pairs = _table_values(values, report, "relative", "pairs")
    rsp, gspc = _closes(market_dir, "RSP.csv"), _closes(market_dir, "GSPC.csv")

    def ratio(day: dt.date) -> float:
        return _on_or_before(rsp, day)[1] / _on_or_before(gspc, day)[1]

    expected = 100 * ratio(dt.date(2025, 6, 27)) / ratio(dt.date(2025, 1, 5))
    ew = next(r for r in pairs if r["num"] == "RSP")
    assert _close(ew["rebased"], expected)
    history = _table_values(values, report, "relative", "ratio_history")
    assert _close(history[0]["ew_rebased"], expected) and _close(history[25]["ew_rebased"], 100.0)
    assert history[26]["ew_rebased"] in (None, "")
    assert _close(history[10]["ew_rebased"], 100 * ratio(dt.date(2025, 4, 20)) / ratio(dt.date(2025, 1, 5)))


@pytest.mark.soffice
def test_refused_pair_is_an_error_on_every_date(engines: dict[str, Any], built: dict[str, Path],
                                                recalculated: dict[str, Path]) -> None:
    """RSP dividend-adjusted over ^GSPC: the pair's cells are NA() (no date guard), an error on any date."""
    report = _report(engines, "default", BUILD)
    title, table, first, column = _where(report, "relative", "pairs")
    index = next(i for i, row in enumerate(table.rows) if row[table.column_index("num")].value == "RSP")
    wb = load_workbook(built["default"], read_only=True)
    from openpyxl.utils import get_column_letter

    cells = {c.key: f"{get_column_letter(column + j)}{first + index}" for j, c in enumerate(table.columns)}
    formulas = {k: wb[title][cells[k]].value for k in ("ratio", "ma", "deviation", "rel_deviation", "rebased")}
    wb.close()
    assert set(formulas.values()) == {"=NA()"}
    for key in ("prev_years", "new_year"):
        got = _values(recalculated[key])[title]
        assert all(_is_error(got[cells[k]]) for k in formulas)


def _engine_cells(report: Report, path: Path, keys: set[str]) -> dict[str, dict[str, Any]]:
    """The value build's cells of the tables ``keys`` and of the Mag7 anchor notes."""
    from openpyxl.utils import get_column_letter

    values = _values(path)
    out: dict[str, dict[str, Any]] = {}
    for sheet in report.sheets:
        for title, placement in printed_placements(report)[sheet.key]:
            block = placement.block
            if isinstance(block, Table) and block.key in keys:
                for i in range(len(block.rows)):
                    for j in range(len(block.columns)):
                        ref = f"{get_column_letter(placement.column + j)}{placement.first_data_row + i}"
                        out.setdefault(title, {})[ref] = values[title].get(ref)
            elif isinstance(block, Lines) and block.key == "mag7_anchors":
                for r in lines_rows(placement):
                    ref = f"{get_column_letter(placement.column)}{r}"
                    out.setdefault(title, {})[ref] = values[title].get(ref)
    return out


@pytest.mark.soffice
@pytest.mark.parametrize("key", ["first_session", "first_session_jan1", "first_session_build", "rebased",
                                 "rebased_build", "anchors_grow"])
def test_settings_the_general_comparison_never_builds(key: str, engines: dict[str, Any], built: dict[str, Path],
                                                      recalculated: dict[str, Path],
                                                      tmp_path: Path) -> None:
    """Every cell of the seed tables, the US price and yield tables (their YTD on the US-close basis), the pairs
    and their history and the anchor notes equals the engine's value build made with the same settings for the
    same date (first-session dating and the US-close basis; RSP as a price)."""
    build, day = CASES[key]
    wanted_report = _report(engines, build, day)
    wanted = _engine_cells(wanted_report, write_xlsx(wanted_report, tmp_path / "v.xlsx"),
                           {"prev_years", "members", "yield_range", "pairs", "ratio_history", "indices", "stocks",
                            "yields"})
    got = _values(recalculated[key])
    bad = []
    for title, cells in wanted.items():
        for ref, want in cells.items():
            have = got[title].get(ref)
            if isinstance(want, str) and want.startswith("#"):
                ok = _is_error(have)
            elif isinstance(want, float):
                ok = isinstance(have, int | float) and _close(have, want)
            elif isinstance(want, dt.datetime | dt.date):
                ok = isinstance(have, dt.datetime | dt.date) and _day(have) == _day(want)
            else:
                ok = have == want or (want is None and have == "")
            if not ok:
                bad.append(f"{title}!{ref}: got {have!r}, engine {want!r}")
    assert not bad, "\n".join(bad[:20])
    assert sum(len(c) for c in wanted.values()) > 150


@pytest.mark.soffice
def test_anchor_notes_grow_below_the_build_s(engines: dict[str, Any], built: dict[str, Path],
                                            recalculated: dict[str, Path]) -> None:
    """Built on 2024-12-27 (two snapshots anchor its year of history), typed 2025-10-31: the six snapshots of
    2024-09-30 .. 2025-09-30 and the method line, in the rows below the build's, each a formula over AsOf."""
    early = _report(engines, "early", EARLY)
    title, placement = _anchors(early)
    assert len(placement.block.lines) == 3
    from openpyxl.utils import get_column_letter

    letter = get_column_letter(placement.column)
    got = _values(recalculated["anchors_grow"])[title]
    lines = [got.get(f"{letter}{placement.row + 1 + i}") for i in range(13)]
    shown = [line for line in lines if line not in (None, "")]
    assert len(shown) == 7 and shown == lines[:7]
    assert [line[:13] for line in shown[:6]] == [f"基準 {d}" for d in (
        "2024-09-30", "2024-12-31", "2025-01-31", "2025-03-31", "2025-06-30", "2025-09-30")]
    assert shown[6] == early.sheet("mag7").blocks[-1].lines[-1]  # the method, as the build words it


def test_anchor_notes_without_snapshots_are_plain_text(market_dir: Path, tmp_path: Path) -> None:
    """No fundamentals folder: the notes say so on every date, so they are the build's text, not a guard."""
    root = tmp_path / "market"
    root.mkdir()
    for item in market_dir.iterdir():
        if item.name != "fundamentals":
            os.symlink(item, root / item.name)
    engine = open_engine(f"csv:{root}", cache_path=tmp_path / "prices.sqlite")
    report = build_report(engine, BUILD, "ja")
    path = write_living(report, engine, tmp_path / "living.xlsx", cached=False)
    title, placement = _anchors(report)
    assert isinstance(placement.block, Lines)
    wb = load_workbook(path, read_only=True)
    ws = wb[title]
    got = [ws.cell(row=r, column=placement.column).value for r in lines_rows(placement)]
    wb.close()
    assert got == list(placement.block.lines)
    assert got[0].startswith("スナップショットなし: #N/A no fundamentals folder")


@pytest.mark.soffice
def test_member_warning_fill_follows_asof(engines: dict[str, Any], built: dict[str, Path],
                                          recalculated: dict[str, Path]) -> None:
    """NVIDIA's YTD on 2025-08-27 ends on 08-22's close, three sessions without a close (its week is an error):
    the engine warns; the cell's fill rule reads Calc marks that are set on that date and blank on 2025-01-03."""
    from openpyxl.utils import get_column_letter

    report = _report(engines, "default", BUILD)
    title, table, first, column = _where(report, "mag7", "members")
    index = [i.alias for i in engines["default"].symbols.group("MAG7")].index("NVDA")
    warned = _report(engines, "default", dt.date(2025, 8, 27))
    assert warned.sheet("mag7").blocks[1].rows[index][table.column_index("ytd")].warning is not None
    ref = f"{get_column_letter(column + table.column_index('ytd'))}{first + index}"
    wb = load_workbook(built["default"])
    rules = [rule for cf in wb[title].conditional_formatting for rule in cf.rules if str(cf.sqref) == ref]
    wb.close()
    assert len(rules) == 1
    marks = [f"{c}{r}" for c, r in re.findall(r"Calc!\$([A-Z]+)\$(\d+)", rules[0].formula[0])]
    assert len(marks) == 2
    missing, calm = _values(recalculated["nvda_missing"])["Calc"], _values(recalculated["prev_years"])["Calc"]
    assert any(missing.get(m) for m in marks) and not any(calm.get(m) for m in marks)
