"""The rendered file in a real spreadsheet program: LibreOffice opens it headless, prints it to PDF and
exports every sheet to CSV with the values as shown (so number formats are checked as a reader sees them)."""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from sample_report import HOSTILE, sample_report

from marketreview.render.xlsx import write_xlsx

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
TIMEOUT = 180
TITLES = ["US Indices", "Magnificent 7", "Relative", "Rates", "Japan Sectors", "Summary", "Sources"]
# Comma, double quote, UTF-8, from line 1, no column formats, default language, don't quote every text,
# detect numbers, save cell contents AS SHOWN (token 9), no formulas, no BOM, -1 = every sheet to its own file
# (LibreOffice >= 7.2 names them <file>-<Sheet>.csv).
CSV_FILTER = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1"

pytestmark = [
    pytest.mark.soffice,
    pytest.mark.skipif(SOFFICE is None,
                       reason="LibreOffice (`soffice`) is not on PATH: apt install libreoffice-calc"),
]


def _version() -> tuple[int, int]:
    assert SOFFICE is not None
    out = subprocess.run([SOFFICE, "--version"], capture_output=True, text=True, timeout=60).stdout
    found = re.search(r"(\d+)\.(\d+)", out)
    return (int(found.group(1)), int(found.group(2))) if found else (0, 0)


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """review.xlsx converted once to review.pdf and once to review-<Sheet>.csv, in a fresh profile."""
    assert SOFFICE is not None
    version = _version()
    if version < (7, 2):
        pytest.skip(f"LibreOffice {version} is older than 7.2, which cannot export every sheet to CSV")
    root = tmp_path_factory.mktemp("soffice")
    xlsx = write_xlsx(sample_report(), root / "review.xlsx")
    profile = (root / "profile").as_uri()
    for target in ("pdf", CSV_FILTER):
        subprocess.run(
            [SOFFICE, f"-env:UserInstallation={profile}", "--headless", "--norestore", "--convert-to", target,
             "--outdir", str(root), str(xlsx)],
            check=True, capture_output=True, timeout=TIMEOUT,
        )
    return root


def _csv(root: Path, sheet: str) -> list[list[str]]:
    with (root / f"review-{sheet}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def test_pdf_has_one_page_per_sheet(converted: Path) -> None:
    pdf = (converted / "review.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf)) == len(TITLES)


def test_every_sheet_exported(converted: Path) -> None:
    # the data sheet (the histories the charts draw) is exported too, though not printed
    assert sorted(p.name for p in converted.glob("review-*.csv")) == sorted(f"review-{t}.csv"
                                                                           for t in (*TITLES, "Data"))


@pytest.mark.parametrize(
    ("sheet", "row", "shown"),
    [
        ("US Indices", 6, ["S&P 500", "^GSPC", "5,970.84", "2025-01-10", "+0.67%", "-1.94%", "+1.52%"]),
        ("US Indices", 8, ["Dow Jones", "^DJI", "42,635.20", "2025-01-09", "0.00%", "-1.86%", "+0.21%"]),
        ("Magnificent 7", 8, ["NVDA", "NVIDIA", "#N/A no data", "#N/A no data", "6.55%"]),
        ("Data", 6, ["2024-11-15", "1.2031", ""]),  # the Relative sheet's weekly history, on the data sheet
        ("Data", 9, ["2024-12-06", "1.2250", "1.2093"]),
        ("Rates", 8, ["30Y", "DGS30", "4.96%", "-3 bp", "2025-01-09"]),
        ("Sources", 6, ["SPX", "^GSPC", "yahoo", "2020-01-02", "2025-01-10", "2025-01-11 07:05", HOSTILE[0]]),
    ],
)
def test_values_as_shown(converted: Path, sheet: str, row: int, shown: list[str]) -> None:
    assert _csv(converted, sheet)[row] == shown


def test_top_rows(converted: Path) -> None:
    rows = _csv(converted, "Magnificent 7")
    assert [r[0] for r in rows[:3]] == [
        "Magnificent 7", "As of 2025-01-10 · source yahoo, fred · fetched 2025-01-11 07:05",
        "NVDA: no close on or before 2025-01-10"]


def test_hostile_strings_shown_literally(converted: Path) -> None:
    assert [r[6] for r in _csv(converted, "Sources")[6:11]] == list(HOSTILE)
    assert _csv(converted, "Summary")[-1] == [HOSTILE[0]]
