"""PNG pictures of workbook sheets for the README: LibreOffice prints to PDF, pdftoppm rasterises.

    python tools/render_png.py FILE.xlsx OUTDIR --sheets Summary Relative

A sheet prints one page wide and as many pages tall as its tables need; the picture is the sheet's first page,
found as the page whose first line is the sheet's title (``render_workbook`` writes the title in A1). Writes
OUTDIR/<file>.pdf and OUTDIR/<file>-<sheet>.png. Needs ``soffice`` (LibreOffice) and ``pdftoppm``/``pdftotext``
(poppler-utils) on PATH.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path

from defusedxml import ElementTree

TIMEOUT = 300
_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


class ToolError(Exception):
    """A problem the user can fix; printed without a traceback."""


def visible_sheets(workbook: Path) -> list[str]:
    """Sheet names in tab order, without hidden ones (LibreOffice does not print those)."""
    try:
        with zipfile.ZipFile(workbook) as archive:
            root = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    except (OSError, KeyError, zipfile.BadZipFile) as exc:
        raise ToolError(f"{workbook}: not a readable .xlsx/.xlsm ({exc})") from exc
    sheets = root.iter(f"{_MAIN_NS}sheet")
    return [s.get("name", "") for s in sheets if s.get("state", "visible") == "visible"]


def pdf_pages(pdf: Path) -> int:
    pdfinfo = shutil.which("pdfinfo")
    if pdfinfo:
        out = subprocess.run([pdfinfo, str(pdf)], capture_output=True, text=True, timeout=60).stdout
        found = re.search(r"^Pages:\s+(\d+)", out, re.MULTILINE)
        if found:
            return int(found.group(1))
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf.read_bytes()))


def first_pages(pdf: Path, sheets: Sequence[str]) -> dict[str, int]:
    """The 1-based page on which each of ``sheets`` (in tab order) starts: the next page, in order, whose
    first line of text is the sheet's name. Sheets without their name in A1 (a template's Formulas sheet) are
    left out."""
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        raise ToolError(f"pdftotext is not installed (apt install poppler-utils); the PDF is at {pdf}")
    firsts = []
    for page in range(1, pdf_pages(pdf) + 1):
        text = subprocess.run([pdftotext, "-f", str(page), "-l", str(page), str(pdf), "-"],
                              capture_output=True, text=True, timeout=60).stdout
        firsts.append(next((line.strip() for line in text.splitlines() if line.strip()), ""))
    found: dict[str, int] = {}
    start = 0
    for name in sheets:
        if name in firsts[start:]:
            start = firsts.index(name, start) + 1
            found[name] = start
    return found


def to_pdf(workbook: Path, outdir: Path) -> Path:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise ToolError("LibreOffice is not installed (no `soffice` on PATH): apt install libreoffice-calc")
    with tempfile.TemporaryDirectory(prefix="render_png_") as scratch:
        profile = (Path(scratch) / "profile").as_uri()
        done = subprocess.run(
            [soffice, f"-env:UserInstallation={profile}", "--headless", "--norestore", "--convert-to", "pdf",
             "--outdir", scratch, str(workbook)],
            capture_output=True, text=True, timeout=TIMEOUT,
        )
        made = Path(scratch) / f"{workbook.stem}.pdf"
        if done.returncode != 0 or not made.is_file():
            why = done.stderr.strip() or done.stdout.strip()
            raise ToolError(f"soffice could not convert {workbook}: {why}")
        pdf = outdir / made.name
        shutil.move(made, pdf)
    return pdf


def warn_without_japanese_font() -> None:
    """Without a CJK font LibreOffice draws Japanese text as boxes; say so rather than make bad pictures."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return
    found = subprocess.run([fc_list, ":lang=ja", "family"], capture_output=True, text=True, timeout=60).stdout
    if not found.strip():
        print("render_png: warning: no Japanese font installed, Japanese text will show as boxes "
              "(apt install fonts-noto-cjk)", file=sys.stderr)


def slug(name: str) -> str:
    return re.sub(r"[^\w.-]+", "_", name).strip("_") or "sheet"


def render(workbook: Path, outdir: Path, sheets: Sequence[str] | None, dpi: int) -> list[Path]:
    visible = visible_sheets(workbook)
    wanted = list(sheets) if sheets else visible
    unknown = [s for s in wanted if s not in visible]
    if unknown:
        raise ToolError(f"no visible sheet {', '.join(map(repr, unknown))} in {workbook}; it has {visible}")
    outdir.mkdir(parents=True, exist_ok=True)
    warn_without_japanese_font()
    pdf = to_pdf(workbook, outdir)
    starts = first_pages(pdf, visible)
    lost = [name for name in wanted if name not in starts]
    if lost:
        raise ToolError(f"{pdf}: no page starts with the title of {', '.join(map(repr, lost))} (A1 must hold it)")
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        raise ToolError(f"pdftoppm is not installed (apt install poppler-utils); the PDF is at {pdf}")
    made: list[Path] = []
    for name in wanted:
        page = str(starts[name])
        stem = outdir / f"{slug(workbook.stem)}-{slug(name)}"
        subprocess.run([pdftoppm, "-png", "-r", str(dpi), "-f", page, "-l", page, "-singlefile", str(pdf),
                        str(stem)], check=True, capture_output=True, timeout=TIMEOUT)
        made.append(stem.with_suffix(".png"))
    return made


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workbook", type=Path, help="the .xlsx/.xlsm to picture")
    parser.add_argument("outdir", type=Path, help="folder for the PDF and PNGs")
    parser.add_argument("--sheets", nargs="+", metavar="SHEET", help="sheet names (default: all visible)")
    parser.add_argument("--dpi", type=int, default=110, help="resolution of the PNGs (default 110)")
    args = parser.parse_args(argv)
    try:
        made = render(args.workbook, args.outdir, args.sheets, args.dpi)
    except (ToolError, subprocess.SubprocessError) as exc:
        print(f"render_png: {exc}", file=sys.stderr)
        return 2
    for path in made:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
