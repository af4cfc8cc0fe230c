"""Dynamic-array formulas in a saved package, as Excel 365 writes them.

openpyxl writes an ``ArrayFormula`` as a legacy (Ctrl+Shift+Enter) array formula, which dynamic-array Excel
evaluates with implicit intersection: a formula returning a table shows one cell. Excel marks a spilling formula
with the ``cm`` attribute pointing at the ``XLDAPR`` cell metadata in ``xl/metadata.xml`` (MS-XLSX 2.3.1,
``dynamicArrayProperties fDynamic="1"``); :func:`mark_dynamic_arrays` adds exactly that.
"""

from __future__ import annotations

import io
import re
import zipfile

from ..errors import RenderError

METADATA_PART = "xl/metadata.xml"
METADATA_REL_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sheetMetadata"
METADATA_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheetMetadata+xml"
METADATA_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<metadata xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:xda="http://schemas.microsoft.com/office/spreadsheetml/2017/dynamicarray">'
    '<metadataTypes count="1"><metadataType name="XLDAPR" minSupportedVersion="120000" copy="1" pasteAll="1" '
    'pasteValues="1" merge="1" splitFirst="1" rowColShift="1" clearFormats="1" clearComments="1" assign="1" '
    'coerce="1" cellMeta="1"/></metadataTypes>'
    '<futureMetadata name="XLDAPR" count="1"><bk><extLst><ext uri="{bdbb8cdc-fa1e-496e-a857-3c3f30c029c3}">'
    '<xda:dynamicArrayProperties fDynamic="1" fCollapsed="0"/></ext></extLst></bk></futureMetadata>'
    '<cellMetadata count="1"><bk><rc t="1" v="0"/></bk></cellMetadata></metadata>'
)


def mark_dynamic_arrays(package: bytes, sheet_part: str, cells: list[str]) -> bytes:
    """A copy of ``package`` in which the array formulas at ``cells`` (e.g. ``["C14"]``) of ``sheet_part`` are
    dynamic-array formulas."""
    if not cells:
        return package
    with zipfile.ZipFile(io.BytesIO(package)) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    if METADATA_PART in parts:
        raise RenderError("workbook", f"{METADATA_PART} exists already; merging cell metadata is not supported")
    sheet = parts[sheet_part].decode("utf-8")
    for cell in cells:
        pattern = re.compile(rf'<c r="{cell}"([^>]*)>(<f t="array" ref="{cell}"[ >])')
        sheet, found = pattern.subn(rf'<c r="{cell}"\1 cm="1">\2', sheet)
        if found != 1:
            raise RenderError("workbook", f"no array formula at {sheet_part} {cell} to mark as a dynamic array")
    parts[sheet_part] = sheet.encode("utf-8")
    parts[METADATA_PART] = METADATA_XML.encode("utf-8")
    rels_name = "xl/_rels/workbook.xml.rels"
    rels = parts[rels_name].decode("utf-8")
    ids = {int(n) for n in re.findall(r'Id="rId(\d+)"', rels)}
    rid = f"rId{max(ids, default=0) + 1}"
    relationship = f'<Relationship Id="{rid}" Type="{METADATA_REL_TYPE}" Target="metadata.xml"/>'
    parts[rels_name] = rels.replace("</Relationships>", relationship + "</Relationships>").encode("utf-8")
    types = parts["[Content_Types].xml"].decode("utf-8")
    override = f'<Override PartName="/{METADATA_PART}" ContentType="{METADATA_CONTENT_TYPE}"/>'
    parts["[Content_Types].xml"] = types.replace("</Types>", override + "</Types>").encode("utf-8")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)
    return buffer.getvalue()


__all__ = ["METADATA_PART", "mark_dynamic_arrays"]
