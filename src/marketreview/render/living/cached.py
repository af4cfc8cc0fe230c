"""Cached values for a saved workbook's formulas: openpyxl writes every formula with an empty ``<v>``, so
previews, pandas and ``openpyxl(data_only=True)`` see nothing until a program recalculates. This fills each
formula cell's ``<v>`` with the value our engine computed, in the saved sheet XML (the only place that can)."""

from __future__ import annotations

import datetime as dt
import math
import re
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

from ...errors import RenderError

#: a value to cache: a number, a date, text, a bool, or :data:`ERROR` (the formula's result is #N/A)
Cached = float | int | str | bool | dt.date | dt.datetime | None
ERROR = object()
#: zlib level of the rewritten file: 1 is several times faster than the default and ~20% larger
COMPRESS_LEVEL = 1

_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_SHEET = re.compile(r'<sheet [^>]*?name="([^"]*)"[^>]*?r:id="([^"]*)"')
_REL = re.compile(r'<Relationship [^>]*?Id="([^"]*)"[^>]*?Target="([^"]*)"|'
                  r'<Relationship [^>]*?Target="([^"]*)"[^>]*?Id="([^"]*)"')
_CELL = re.compile(r'<c r="([A-Z]+[0-9]+)"([^>]*)><f>(.*?)</f>(?:<v\s*/>|<v></v>)?</c>', re.S)
_EPOCH = dt.datetime(1899, 12, 30)


def _unescape_attr(text: str) -> str:
    return text.replace("&quot;", '"').replace("&apos;", "'").replace("&lt;", "<").replace("&gt;", ">") \
        .replace("&amp;", "&")


def sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet title → its XML part inside the archive, read from the workbook and its relationships."""
    workbook = archive.read("xl/workbook.xml").decode("utf-8")
    rels = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8")
    targets = {}
    for match in _REL.finditer(rels):
        rid, target = (match.group(1), match.group(2)) if match.group(1) else (match.group(4), match.group(3))
        targets[rid] = target.lstrip("/") if target.startswith("/") else "xl/" + target
    return {_unescape_attr(name): targets[rid] for name, rid in _SHEET.findall(workbook)}


def _value(value: object) -> tuple[str, str] | None:
    """(type attribute, text of <v>) for ``value``; None to leave the cell without a cached value."""
    if value is ERROR:
        return ' t="e"', "#N/A"
    if value is None:
        return None
    if isinstance(value, bool):
        return ' t="b"', "1" if value else "0"
    if isinstance(value, dt.datetime):
        return "", repr((value.replace(tzinfo=None) - _EPOCH).total_seconds() / 86400)
    if isinstance(value, dt.date):
        return "", str((value - _EPOCH.date()).days)
    if isinstance(value, int | float):
        number = float(value)
        if not math.isfinite(number):
            return ' t="e"', "#NUM!"
        return "", str(value) if isinstance(value, int) else repr(number)
    if isinstance(value, str):
        return ' t="str"', escape(value)
    raise RenderError("cached value", f"cannot cache a {type(value).__name__}: {value!r}")


def fill_sheet_xml(xml: str, values: dict[str, object]) -> tuple[str, set[str]]:
    """``xml`` with each formula cell named in ``values`` given its cached value; also the cells filled."""
    filled: set[str] = set()

    def replace(match: re.Match[str]) -> str:
        coordinate, attrs, formula = match.group(1), match.group(2), match.group(3)
        if coordinate not in values:
            return match.group(0)
        shown = _value(values[coordinate])
        filled.add(coordinate)
        attrs = re.sub(r'\s+t="[^"]*"', "", attrs)
        if shown is None:
            return f'<c r="{coordinate}"{attrs}><f>{formula}</f></c>'
        kind, text = shown
        return f'<c r="{coordinate}"{attrs}{kind}><f>{formula}</f><v>{text}</v></c>'

    return _CELL.sub(replace, xml), filled


def append_rows(xml: str, rows: str, last_cell: str) -> str:
    """``xml`` with ``rows`` (``<row>`` elements) added at the end of its sheetData, the dimension up to
    ``last_cell``."""
    if "</sheetData>" in xml:
        xml = xml.replace("</sheetData>", rows + "</sheetData>", 1)
    elif "<sheetData/>" in xml:
        xml = xml.replace("<sheetData/>", f"<sheetData>{rows}</sheetData>", 1)
    else:
        raise RenderError("sheet XML", "has no sheetData to add rows to")
    return re.sub(r'<dimension ref="[^"]*"/>', f'<dimension ref="A1:{last_cell}"/>', xml, count=1)


def fill_cached(path: Path, values: dict[str, dict[str, object]],
                rows: dict[str, tuple[str, str]] | None = None) -> None:
    """Rewrite the workbook at ``path`` with the cached values ``values`` (sheet title → cell → value) and
    the extra ``rows`` (sheet title → (rows XML, last cell)). A cell named in ``values`` that holds no formula
    is a RenderError (the value would be lost silently)."""
    rows = rows or {}
    temp = path.with_name(path.name + ".cached")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(temp, "w", zipfile.ZIP_DEFLATED,
                                                                    compresslevel=COMPRESS_LEVEL) as target:
        parts = sheet_parts(source)
        missing = [title for title in (*values, *rows) if title not in parts]
        if missing:
            raise RenderError(str(path), f"no sheets {missing} to write into")
        by_part = {parts[title]: cells for title, cells in values.items() if cells}
        rows_by_part = {parts[title]: extra for title, extra in rows.items()}
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename in by_part or item.filename in rows_by_part:
                xml = data.decode("utf-8")
                if item.filename in by_part:
                    xml, filled = fill_sheet_xml(xml, by_part[item.filename])
                    lost = sorted(set(by_part[item.filename]) - filled)
                    if lost:
                        raise RenderError(str(path), f"cells {lost[:5]} of {item.filename} hold no formula")
                if item.filename in rows_by_part:
                    xml = append_rows(xml, *rows_by_part[item.filename])
                data = xml.encode("utf-8")
            target.writestr(item, data, compresslevel=COMPRESS_LEVEL)
    temp.replace(path)
