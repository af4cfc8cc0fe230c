"""What a reader gets on paper: the four builds (2024-12-27 and 2025-10-31, ja and en) over the real closes,
printed to PDF by LibreOffice and read back as text with pdftotext. Every weekly table must print whole with
the as-of week and the week before on paper; error cells, units, stamps and notes read as the reader expects.
Expected closes are read here straight from the CSV files."""

from __future__ import annotations

import csv
import datetime as dt
import re
import shutil
import subprocess
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from by_hand import week_change_pt

from marketreview.app import open_engine
from marketreview.render.xlsx import write_xlsx
from marketreview.report.build import build_report
from marketreview.report.model import Report

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
PDFTOTEXT = shutil.which("pdftotext")
TIMEOUT = 300
D = dt.date.fromisoformat
WEEKS = {"2024-12-27": "2024-12-20", "2025-10-31": "2025-10-24"}
BUILDS = [(day, lang) for day in WEEKS for lang in ("ja", "en")]
#: sheet key -> weekly history tables on it
HISTORIES = {"mag7": ["share_history"], "relative": ["ratio_history"], "rates": ["yield_history"]}

pytestmark = [
    pytest.mark.soffice,
    pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (`soffice`) is not on PATH"),
    pytest.mark.skipif(PDFTOTEXT is None, reason="pdftotext is not on PATH: apt install poppler-utils"),
]


@pytest.fixture(scope="module")
def printed(market_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], tuple[Report, str]]:
    """Each build's report and its printed text (pages separated by form feeds), from one LibreOffice run."""
    assert SOFFICE is not None and PDFTOTEXT is not None
    root = tmp_path_factory.mktemp("print")
    engine = open_engine(f"csv:{market_dir}", cache_path=root / "c.sqlite")
    reports = {}
    for day, lang in BUILDS:
        reports[day, lang] = build_report(engine, D(day), lang)  # type: ignore[arg-type]
        write_xlsx(reports[day, lang], root / f"{lang}-{day}.xlsx")
    subprocess.run([SOFFICE, f"-env:UserInstallation={(root / 'profile').as_uri()}", "--headless", "--norestore",
                    "--convert-to", "pdf", "--outdir", str(root), *(str(root / f"{lang}-{day}.xlsx")
                                                                   for day, lang in BUILDS)],
                   check=True, capture_output=True, timeout=TIMEOUT)
    out = {}
    for day, lang in BUILDS:
        text = subprocess.run([PDFTOTEXT, "-layout", str(root / f"{lang}-{day}.pdf"), "-"], check=True,
                              capture_output=True, text=True, timeout=60).stdout
        out[day, lang] = (reports[day, lang], text)
    return out


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
def test_every_weekly_table_prints_whole_with_the_as_of_week_and_the_week_before(printed, day, lang) -> None:
    report, text = printed[day, lang]
    for sheet_key, tables in HISTORIES.items():
        sheet = report.sheet(sheet_key)
        paper = sheet_text(report, text, sheet_key)
        for table_key in tables:
            table = sheet.table(table_key)
            at = paper.index(table.title)
            head = paper[at:at + 2500]  # the rows printed right under the table's title
            assert day in head and WEEKS[day] in head, (sheet_key, table_key)
            dates = [v for v in table.column_values("date") if isinstance(v, dt.date)]
            assert dates[0] == D(day) and min(dates).isoformat() in paper  # the oldest row is printed too


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
