"""The living workbook as the default build (issue 19): ``marketreview build`` writes it, ``--values`` the
value-only file; it is laid out like the value build's printed file and prints the same pages; a living build
that cannot be made fails with its reason and leaves the previous file as it was.

The page counts are LibreOffice's, for the living file and the value file printed in one run; expected closes
are read straight from the CSV files."""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from marketreview import cli
from marketreview.app import open_engine
from marketreview.errors import RenderError
from marketreview.render.living import write_living
from marketreview.render.printed import printed_placements
from marketreview.render.xlsx import write_xlsx
from marketreview.report.build import build_report
from marketreview.report.model import Table

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
PDFTOTEXT = shutil.which("pdftotext")
BUILD = dt.date(2025, 10, 31)
#: the printed value build of 2025-10-31 (issue 18): at most this many pages
MAX_PAGES = 8
#: the living file's hidden sheets (written out here, not imported)
HIDDEN = ("_data", "Calc")


@pytest.fixture(scope="module")
def engine(market_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    return open_engine(f"csv:{market_dir}", cache_path=tmp_path_factory.mktemp("default-cache") / "c.sqlite")


@pytest.fixture(scope="module")
def files(engine: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("default")
    ja = build_report(engine, BUILD, "ja")
    en = build_report(engine, BUILD, "en", fetch=False)
    return {"living": write_living(ja, engine, root / "living.xlsx"),
            "values": write_xlsx(ja, root / "values.xlsx"),
            "living_en": write_living(en, engine, root / "living_en.xlsx")}


@pytest.fixture(scope="module")
def pages(files: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """Each file's printed pages (text), from one LibreOffice run."""
    if SOFFICE is None or PDFTOTEXT is None:
        pytest.skip("LibreOffice (`soffice`) and pdftotext are needed to print")
    root = tmp_path_factory.mktemp("default-print")
    subprocess.run([SOFFICE, f"-env:UserInstallation={(root / 'profile').as_uri()}", "--headless", "--norestore",
                    "--convert-to", "pdf", "--outdir", str(root), str(files["living"]), str(files["values"])],
                   check=True, capture_output=True, timeout=300)
    out = {}
    for key in ("living", "values"):
        text = subprocess.run([PDFTOTEXT, "-layout", str(root / f"{files[key].stem}.pdf"), "-"], check=True,
                              capture_output=True, text=True, timeout=60).stdout
        out[key] = [page for page in text.split("\f") if page.strip()]
    return out


def _close(market_dir: Path, file: str, day: dt.date) -> float:
    with (market_dir / file).open() as fh:
        return max((dt.date.fromisoformat(r["date"]), float(r["close"])) for r in csv.DictReader(fh)
                   if dt.date.fromisoformat(r["date"]) <= day)[1]


def _short(line: str) -> str:
    return re.sub(r"#N/A (?!#)\S+", "#N/A", line)


def _lines(page: str) -> list[str]:
    return [re.sub(r"\s+", " ", line).strip() for line in page.splitlines() if line.strip()]


@pytest.mark.soffice
def test_the_living_file_prints_the_pages_of_the_value_build(pages: dict[str, list[str]], engine: Any,
                                                             market_dir: Path) -> None:
    living, values = pages["living"], pages["values"]
    assert len(living) == len(values) <= MAX_PAGES
    titles = [s.title for s in build_report(engine, BUILD, "ja", fetch=False).sheets]
    assert [_lines(p)[0] for p in living] == titles  # one page a sheet; the data and hidden sheets not printed
    for page in living:
        assert BUILD.isoformat() in page
    # page by page the same text, but for the AsOf row and a formula's error, which is #N/A without the short
    # reason the value file writes as text ("#N/A データなし"; a figure kept behind the as-of guard keeps it)
    for mine, theirs in zip(living, values, strict=True):
        got = [_short(line) for line in _lines(mine) if not line.startswith("基準日（変更可）")]
        assert got == [_short(line) for line in _lines(theirs)]
    assert "基準日（変更可） 2025-10-31" in _lines(living[0])
    sp500 = _close(market_dir, "GSPC.csv", BUILD)
    assert f"{sp500:,.2f}" in living[0]  # the cached value of a formula, printed
    assert not any("Excel date serials" in page for page in living)  # the hidden data sheet's header


def test_blocks_sit_where_the_printed_layout_put_them(files: dict[str, Path], engine: Any) -> None:
    """printed_placements answers for the written file: each table's title at its place, its header below; a
    table moved to the data sheet is titled there by its sheet."""
    report = build_report(engine, BUILD, "ja", fetch=False)
    book = load_workbook(files["living"])
    placed = printed_placements(report)
    moved = 0
    for sheet in report.sheets:
        for title, placement in placed[sheet.key]:
            if not isinstance(placement.block, Table):
                continue
            ws = book[title]
            shown = ws.cell(row=placement.row, column=placement.column).value
            if title == sheet.title:
                assert shown == placement.block.title
            else:
                assert (title, shown) == ("データ", f"{sheet.title}: {placement.block.title}")
                moved += 1
            assert ws.cell(row=placement.header_row, column=placement.column).value == \
                placement.block.columns[0].header
    assert moved >= 3  # the weekly ratios, the Mag7 share's weeks, the daily yields


def test_charts_read_visible_tables_of_formulas(files: dict[str, Path]) -> None:
    """Every chart of the living file draws from a visible sheet (its own, or the printed data sheet), and what
    it draws are formulas over AsOf with the engine's values cached."""
    book = load_workbook(files["living"])
    cached = load_workbook(files["living"], data_only=True)
    refs = [s.val.numRef.f for ws in book.worksheets for chart in ws._charts for s in chart.series
            if s.val is not None and s.val.numRef is not None]
    assert len(refs) >= 6
    for ref in refs:
        found = re.fullmatch(r"'?(.+?)'?!\$([A-Z]+)\$(\d+):\$([A-Z]+)\$(\d+)", ref)
        assert found, ref
        title, first = found.group(1), f"{found.group(2)}{found.group(3)}"
        assert title not in HIDDEN and book[title].sheet_state == "visible", ref
        assert str(book[title][first].value).startswith("="), ref
        assert isinstance(cached[title][first].value, int | float), ref


def test_the_english_file_has_both_data_sheets_apart(files: dict[str, Path]) -> None:
    """In English the value build's data sheet is "Data": the living file's hidden one is "_data", and every
    series name points there."""
    book = load_workbook(files["living_en"])
    assert book.sheetnames[-3:] == ["Data", "_data", "Calc"]
    assert book["Data"].sheet_state == "visible" and book["Data"].print_area == "'Data'!$Q$1"
    assert book["_data"].sheet_state == "hidden" and book["_data"].protection.sheet
    assert book.defined_names["SP500_close"].attr_text.startswith("'_data'!$")
    assert book.defined_names["XNYS_sessions"].attr_text.startswith("'_data'!$")
    assert str(book["Data"]["B7"].value).startswith("=")  # the weekly ratios' history: formulas over Calc
    assert book.calculation.fullCalcOnLoad


def _build(tmp_path: Path, *args: str) -> int:
    return cli.main(["build", "--source", "demo", "--cache", str(tmp_path / "c.sqlite"), "--asof", "2024-12-27",
                     "--lang", "en", *args])


def _formulas(path: Path) -> dict[str, dict[str, str]]:
    book = load_workbook(path)
    return {ws.title: {c.coordinate: c.value for row in ws.iter_rows() for c in row
                       if isinstance(c.value, str) and c.value.startswith("=")}
            for ws in book.worksheets if ws.title != "_data"}


def test_build_writes_the_living_workbook_by_default(tmp_path: Path) -> None:
    assert _build(tmp_path, "--out", str(tmp_path / "default.xlsx")) == 0
    assert _build(tmp_path, "--living", "--out", str(tmp_path / "living.xlsx")) == 0
    assert _build(tmp_path, "--values", "--out", str(tmp_path / "values.xlsx")) == 0
    default = _formulas(tmp_path / "default.xlsx")
    assert sum(map(len, default.values())) > 1000
    assert default == _formulas(tmp_path / "living.xlsx")
    book = load_workbook(tmp_path / "default.xlsx")
    assert "AsOf" in book.defined_names and book["_data"].sheet_state == "hidden"
    assert book.worksheets[0]["B4"].value == dt.datetime(2024, 12, 27)  # the AsOf cell
    values = load_workbook(tmp_path / "values.xlsx")
    assert "AsOf" not in values.defined_names and not set(HIDDEN) & set(values.sheetnames)
    assert not any(map(len, _formulas(tmp_path / "values.xlsx").values()))


def test_a_living_build_that_cannot_be_made_keeps_the_previous_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """A formula Excel would refuse (here: longer than a lowered limit) fails the build, with the cell named;
    no value-only file takes its place."""
    from marketreview.render.living import workbook

    out = tmp_path / "out" / "review.xlsx"
    out.parent.mkdir()
    out.write_bytes(b"the previous build")
    capsys.readouterr()
    monkeypatch.setattr(workbook, "MAX_FORMULA", 40)
    assert _build(tmp_path, "--out", str(out)) == cli.EXIT_ERROR
    err = capsys.readouterr().err
    assert "a formula of" in err and "(Excel takes 39)" in err and "cell " in err and str(out) in err
    assert out.read_bytes() == b"the previous build"
    assert [p.name for p in out.parent.iterdir()] == ["review.xlsx"]  # no temporary or fallback file


def test_the_living_file_follows_the_report_settings(tmp_path: Path) -> None:
    """``--ytd-basis us-close`` and ``--year-dating first-session`` reach the living file: its YTD and previous
    years' cells are formulas whose cached values are the value file's, cell for cell (their formulas are
    recalculated against the engine in tests/test_living_tables.py)."""
    settings = ("--ytd-basis", "us-close", "--year-dating", "first-session")
    living, values = tmp_path / "living.xlsx", tmp_path / "values.xlsx"
    assert _build(tmp_path, *settings, "--out", str(living)) == 0
    assert _build(tmp_path, *settings, "--values", "--out", str(values)) == 0
    formulas = _formulas(living)["US Indices"]
    cached = load_workbook(living, data_only=True)["US Indices"]
    plain = load_workbook(values)["US Indices"]
    header = {plain.cell(row=6, column=c).value: c for c in range(1, plain.max_column + 1)}
    ytd = next(c for h, c in header.items() if isinstance(h, str) and "YTD" in h)
    cells = [f"{get_column_letter(ytd)}{r}" for r in range(7, 14)]
    assert all(c in formulas for c in cells)
    assert all(isinstance(plain[c].value, float) for c in cells)
    assert all(math.isclose(cached[c].value, plain[c].value, rel_tol=1e-12) for c in cells)


def test_a_source_without_the_clock_series_is_named(tmp_path: Path) -> None:
    """The data sheet dates AsOf by the S&P 500's sessions: without its closes there is no living file."""
    from openpyxl import Workbook

    from marketreview.render.living.data_sheet import write_data_sheet

    folder = tmp_path / "csv"
    folder.mkdir()
    (folder / "index.csv").write_text("file,symbol,kind,adjusted,notes\nN225.csv,^N225,index,no,Nikkei 225\n")
    days = [dt.date(2024, 12, 2) + dt.timedelta(days=i) for i in range(28)]
    closes = [f"{day.isoformat()},{38000 + 17.5 * i:.2f}" for i, day in enumerate(days) if day.weekday() < 5]
    (folder / "N225.csv").write_text("date,close\n" + "\n".join(closes) + "\n")
    engine = open_engine(f"csv:{folder}", cache_path=tmp_path / "c.sqlite")
    with pytest.raises(RenderError) as caught:
        write_data_sheet(Workbook(), engine, ["N225", "SP500"], "SP500", dt.date(2024, 12, 27))
    assert "no closes of SP500" in str(caught.value) and "--values" in str(caught.value)
