"""What a reader gets on paper: the four builds (2024-12-27 and 2025-10-31, ja and en) over the real closes,
printed to PDF by LibreOffice and read back as text with pdftotext. Each sheet prints on one page that holds its
week, the histories stay on the data sheet (not printed), the text is readable (measured against a reference page
printed at 100% in the same run), and every font is named; error cells, units, stamps and notes read as the
reader expects. Expected closes are read here straight from the CSV files."""

from __future__ import annotations

import csv
import datetime as dt
import re
import shutil
import statistics
import subprocess
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from by_hand import week_change_pt
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from marketreview.app import open_engine
from marketreview.render.xlsx import write_xlsx
from marketreview.report.build import build_report
from marketreview.report.model import Report

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
PDFTOTEXT = shutil.which("pdftotext")
PDFFONTS = shutil.which("pdffonts")
TIMEOUT = 300
D = dt.date.fromisoformat
WEEKS = {"2024-12-27": "2024-12-20", "2025-10-31": "2025-10-24"}
BUILDS = [(day, lang) for day in WEEKS for lang in ("ja", "en")]
#: sheet key -> weekly history tables on it
HISTORIES = {"mag7": ["share_history"], "relative": ["ratio_history"], "rates": ["yield_history"]}

pytestmark = [
    pytest.mark.soffice,
    pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (`soffice`) is not on PATH"),
    pytest.mark.skipif(PDFTOTEXT is None or PDFFONTS is None,
                       reason="pdftotext / pdffonts are not on PATH: apt install poppler-utils"),
]
#: the most pages a build may print, and the smallest body text (points, median word height on a page)
MAX_PAGES = 8
MIN_POINTS = 8.0
#: the Sources sheet lists every series (about 55 rows) and prints smaller (measured 6.0–6.3 pt)
MIN_POINTS_SOURCES = 5.5
REFERENCE = "基準日 2025-10-31 米国株価指数 47,562.87 Reference 100%"


@pytest.fixture(scope="module")
def paper(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder of the printed run: the workbooks, the reference page and their PDFs."""
    return tmp_path_factory.mktemp("print")


@pytest.fixture(scope="module")
def printed(market_dir: Path, paper: Path) -> dict[tuple[str, str], tuple[Report, str]]:
    """Each build's report and its printed text (pages separated by form feeds), from one LibreOffice run."""
    assert SOFFICE is not None and PDFTOTEXT is not None
    root = paper
    engine = open_engine(f"csv:{market_dir}", cache_path=root / "c.sqlite")
    reports = {}
    for day, lang in BUILDS:
        reports[day, lang] = build_report(engine, D(day), lang)  # type: ignore[arg-type]
        write_xlsx(reports[day, lang], root / f"{lang}-{day}.xlsx")
    reference = Workbook()  # body text at 100%: what the pages' text heights are measured against
    for row in range(1, 30):
        reference.active.cell(row=row, column=1, value=REFERENCE).font = Font(name="Noto Sans CJK JP", size=11)
    reference.save(root / "reference.xlsx")
    subprocess.run([SOFFICE, f"-env:UserInstallation={(root / 'profile').as_uri()}", "--headless", "--norestore",
                    "--convert-to", "pdf", "--outdir", str(root), str(root / "reference.xlsx"),
                    *(str(root / f"{lang}-{day}.xlsx") for day, lang in BUILDS)],
                   check=True, capture_output=True, timeout=TIMEOUT)
    out = {}
    for day, lang in BUILDS:
        text = subprocess.run([PDFTOTEXT, "-layout", str(root / f"{lang}-{day}.pdf"), "-"], check=True,
                              capture_output=True, text=True, timeout=60).stdout
        out[day, lang] = (reports[day, lang], text)
    return out


def word_heights(pdf: Path) -> list[list[float]]:
    """Each page's word heights in points (pdftotext -bbox)."""
    out = subprocess.run([PDFTOTEXT, "-bbox", str(pdf), "-"], check=True, capture_output=True, text=True,
                         timeout=60).stdout
    return [[float(b) - float(a) for a, b in re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)"', page)]
            for page in out.split("<page ")[1:]]


def sheet_text(report: Report, text: str, key: str) -> str:
    """The printed pages of one sheet: from the page that starts with its title to the next sheet's."""
    pages = text.split("\f")
    titles = [s.title for s in report.sheets]
    starts = []
    for title in titles:
        start = next(i for i, page in enumerate(pages)
                     if (page.strip().splitlines() or [""])[0].strip() == title and i >= (starts[-1] if starts
                                                                                          else 0))
        starts.append(start)
    index = [s.key for s in report.sheets].index(key)
    end = starts[index + 1] if index + 1 < len(starts) else len(pages)
    return "\f".join(pages[starts[index]:end])


def close_on_or_before(market_dir: Path, file: str, when: dt.date) -> float:
    with (market_dir / file).open() as fh:
        rows = [(D(r["date"]), float(r["close"])) for r in csv.DictReader(fh)]
    return max((d, c) for d, c in rows if d <= when)[1]


@pytest.mark.parametrize(("day", "lang"), BUILDS)
def test_each_sheet_is_one_page_with_its_week_and_the_histories_stay_on_the_data_sheet(printed, paper, day,
                                                                                      lang) -> None:
    report, text = printed[day, lang]
    pages = [p for p in text.split("\f") if p.strip()]
    assert len(pages) <= MAX_PAGES
    firsts = [p.strip().splitlines()[0].strip() for p in pages]
    assert firsts == [s.title for s in report.sheets]  # one page per sheet, in order; the data sheet is not printed
    for page, sheet in zip(pages, report.sheets, strict=True):
        assert day in page, sheet.key  # the sheet's week (its as-of date) is on its page
    book = load_workbook(paper / f"{lang}-{day}.xlsx")
    data = book[book.sheetnames[-1]]
    assert book.sheetnames[-1] == ("データ" if lang == "ja" else "Data")
    shown = [str(c.value) for row in data.iter_rows(min_row=5, max_row=5) for c in row if c.value]
    for sheet_key, tables in HISTORIES.items():
        for table_key in tables:
            table = report.sheet(sheet_key).table(table_key)
            assert f"{report.sheet(sheet_key).title}: {table.title}" in shown
            assert table.title not in text  # not on paper
            dates = [v for v in table.column_values("date") if isinstance(v, dt.date)]
            assert dates[0] == D(day) and WEEKS[day] <= dates[1].isoformat() <= day
    for ws in book.worksheets[:-1]:
        assert ws.print_title_rows is None  # one page each: no repeated header for a chart to cross
        assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 1)


@pytest.mark.parametrize(("day", "lang"), BUILDS)
def test_every_page_is_readable_and_names_its_fonts(printed, paper, day, lang) -> None:
    report, _ = printed[day, lang]
    reference = statistics.median(word_heights(paper / "reference.pdf")[0])
    points = [11 * statistics.median(page) / reference for page in word_heights(paper / f"{lang}-{day}.pdf")]
    for sheet, size in zip(report.sheets, points, strict=True):
        least = MIN_POINTS_SOURCES if sheet.key == "sources" else MIN_POINTS
        assert size >= least, (sheet.key, round(size, 1))
    assert points[[s.key for s in report.sheets].index("macro")] >= MIN_POINTS
    fonts = subprocess.run([PDFFONTS, str(paper / f"{lang}-{day}.pdf")], check=True, capture_output=True,
                           text=True, timeout=60).stdout.splitlines()[2:]
    assert fonts and all("NotoSansCJK" in line for line in fonts), fonts  # no serif, no unnamed fallback


@pytest.mark.parametrize(("day", "lang"), BUILDS)
def test_weekly_moves_tables_show_both_weeks(printed, market_dir: Path, day, lang) -> None:
    report, text = printed[day, lang]
    for sheet_key, file in (("us_indices", "GSPC.csv"), ("japan_sectors", "TOPIX.csv")):
        paper = sheet_text(report, text, sheet_key)
        before = close_on_or_before(market_dir, file, D(WEEKS[day]))
        now = close_on_or_before(market_dir, file, D(day))
        assert day in paper and ("前週末" if lang == "ja" else "Prev week") in paper
        assert re.search(rf"{re.escape(f'{before:,.2f}')}\s+{re.escape(f'{now:,.2f}')}", paper)


@pytest.mark.parametrize(("day", "lang"), BUILDS)
def test_error_cells_are_short_and_localised(printed, day, lang) -> None:
    report, text = printed[day, lang]
    assert "#N/A ^" not in text and "no close on or before" not in text  # the full message is in the note
    paper = sheet_text(report, text, "us_indices")
    assert ("#N/A データなし" if lang == "ja" else "#N/A no data") in paper  # ^RUO has no 2023 closes


@pytest.mark.parametrize(("day", "lang"), BUILDS)
def test_units_stamps_and_notes(printed, market_dir: Path, day, lang) -> None:
    report, text = printed[day, lang]
    mag7 = sheet_text(report, text, "mag7")
    change = Decimal(repr(week_change_pt(market_dir, D(day)))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert f"{change:+}pt" in mag7  # the weekly change of the share, in points, worked out from the CSV files
    banks = close_on_or_before(market_dir, "1631_T.csv", D(day))
    japan = sheet_text(report, text, "japan_sectors")
    assert f"{banks:,.0f}" in japan and f"{banks:,.2f}" not in japan  # a yen ETF price has no ".00"
    sources = sheet_text(report, text, "sources")
    if lang == "ja":
        assert "JST" in text and "UTC" not in text
        assert "配当調整済み" in sources and "dividend-adjusted" not in sources
    else:
        assert "UTC" in text and "dividend-adjusted" in sources


@pytest.mark.parametrize(("day", "lang"), BUILDS)
def test_every_sector_is_labelled_on_the_chart(printed, day, lang) -> None:
    report, text = printed[day, lang]
    paper = sheet_text(report, text, "japan_sectors")
    names = report.sheet("japan_sectors").table("sectors").column_values("name")
    assert len(names) == 17
    squeezed = re.sub(r"\s+", "", paper)  # pdftotext's layout may split a chart label ("Ener gy")
    for name in names:  # once in the table, once as the bar's label
        assert squeezed.count(re.sub(r"\s+", "", str(name))) >= 2, name


@pytest.mark.parametrize(("day", "lang"), BUILDS)
def test_summary_names_the_other_language(printed, day, lang) -> None:
    report, text = printed[day, lang]
    paper = sheet_text(report, text, "summary")
    assert ("コピー用サマリー（英語）" if lang == "ja" else "Paste-ready lines (Japanese)") in paper
