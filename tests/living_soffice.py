"""Recalculating workbooks in LibreOffice headless: one ``soffice --convert-to xlsx`` call for many files, in a
fresh profile told to recalculate every formula on load (``OOXMLRecalcMode`` 0 = always), so the values read
back are LibreOffice's own, never the cached ones."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
TIMEOUT = 600
_RECALC_ALWAYS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">
<value>0</value></prop></item>
</oor:items>
"""


def recalc(files: list[Path], outdir: Path, profile: Path) -> list[Path]:
    """Each of ``files`` recalculated and saved as xlsx in ``outdir`` (same names), in one soffice run."""
    assert SOFFICE is not None
    (profile / "user").mkdir(parents=True, exist_ok=True)
    (profile / "user" / "registrymodifications.xcu").write_text(_RECALC_ALWAYS, encoding="utf-8")
    outdir.mkdir(parents=True, exist_ok=True)
    subprocess.run([SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                    "--convert-to", "xlsx", "--outdir", str(outdir), *map(str, files)],
                   check=True, capture_output=True, timeout=TIMEOUT)
    out = [outdir / f.name for f in files]
    missing = [p for p in out if not p.is_file()]
    assert not missing, f"LibreOffice wrote no {missing}"
    return out


def set_number(path: Path, target: Path, part: str, coordinate: str, value: float) -> Path:
    """A copy of the workbook ``path`` at ``target`` whose cell ``coordinate`` of sheet part ``part``
    (``xl/worksheets/sheet1.xml``) holds the number ``value`` (the way a reader types a new date)."""
    cell = re.compile(rf'(<c r="{coordinate}"[^>]*>)<v>[^<]*</v>(</c>)')
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == part:
                xml, count = cell.subn(rf"\g<1><v>{value!r}</v>\g<2>", data.decode("utf-8"))
                assert count == 1, f"{coordinate} not found as a value cell in {part}"
                data = xml.encode("utf-8")
            out.writestr(item, data)
    return target


def serial(day: dt.date) -> int:
    return (day - dt.date(1899, 12, 30)).days
