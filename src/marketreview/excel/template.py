"""The macro-enabled template, ``workbook/MarketReview.xlsm``, generated from source.

It starts from xlwings' own ``quickstart.xlsm`` (loaded with ``keep_vba``) and keeps its VBA project, except
that ``SampleCall`` runs a fixed, installed module (:data:`REFRESH_CALL`) instead of one named after the workbook
file, so a renamed copy in any folder refreshes (:mod:`marketreview.excel.vba_project` rewrites that one module).
Into the workbook go the report's sheets (rendered by :func:`marketreview.render.xlsx.render_workbook`), a
Formulas sheet with the UDFs as live formulas (``HISTORY`` as a dynamic-array formula, as Excel 365 writes one),
an ``xlwings.conf`` sheet whose "UDF Modules" names the installed :mod:`marketreview.udfs`, and a Refresh button
on the first sheet.

openpyxl cannot make form controls, so the button, a legacy VML drawing as Excel writes one, is added to the
saved package afterwards. The output is byte-stable for one report: fixed document times, fixed zip entry
times and attributes, parts in a fixed order.
"""
from __future__ import annotations

import datetime as dt
import io
import itertools
import posixpath
import re
import tempfile
import zipfile
from dataclasses import astuple, dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import openpyxl
from defusedxml import ElementTree
from openpyxl.styles import Font
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.formula import ArrayFormula
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.writer.excel import ExcelWriter

from ..errors import RenderError
from ..functions import FUNCTIONS
from ..render.atomic import atomic_write
from ..render.dynamic_arrays import mark_dynamic_arrays
from ..render.xlsx import render_workbook
from ..report.layout import chart_anchor_column
from ..report.model import Report
from ..types import Lang
from .vba_project import replace_module_source

#: The demo report behind the committed template: a fixed date and clock, so the file is reproducible.
DEMO_AS_OF = dt.date(2025, 10, 31)
DEMO_CLOCK = dt.datetime(2025, 10, 31, 22, 0, tzinfo=dt.timezone.utc)
DEMO_LANG: Lang = "ja"

#: The Refresh button's macro: a name that says what it does (quickstart's ``SampleCall`` is replaced).
MACRO = "RefreshMarketReview"
#: What the Refresh button runs (xlwings' ``RunPython``): an installed module, not one beside the workbook.
REFRESH_MODULE = "marketreview.addin"
REFRESH_CALL = f"import {REFRESH_MODULE};{REFRESH_MODULE}.main()"
#: quickstart's Module1 with its one macro calling :data:`REFRESH_CALL` (its only change to xlwings' VBA).
MODULE1_SOURCE = (
    'Attribute VB_Name = "Module1"\n'
    f"Sub {MACRO}()\n"
    "    ' The Refresh button: the same installed module whatever this copy of the workbook is called\n"
    f'    RunPython "{REFRESH_CALL}"\n'
    "End Sub\n"
)
#: The button's caption in the workbook's language.
BUTTON_CAPTIONS: dict[str, str] = {"en": "Refresh", "ja": "更新"}
BUTTON_CAPTION = BUTTON_CAPTIONS["en"]
#: The installed module "Import Functions" reads (any copy of the workbook, in any folder, finds it).
UDF_MODULE = "marketreview.udfs"
FORMULAS_SHEET = "Formulas"
CONF_SHEET = "xlwings.conf"
#: The document modules in quickstart.xlsm's VBA project: Sheet1 for its first sheet, Sheet2 for its
#: config sheet. The sheets that replace those take over the code names, so no module is left without a sheet.
FIRST_SHEET_CODE_NAME = "Sheet1"
CONF_SHEET_CODE_NAME = "Sheet2"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)

#: The Windows extra: UDFs as live formulas (function name, the arguments as typed in the cell).
FORMULAS: tuple[tuple[str, str], ...] = (
    ("PERF", '"SP500","1W"'),
    ("RELRATIO", '"^RUO","^GSPC"'),
    ("RELDEV", '"RUSSELL2000G","SP500"'),
    ("MAG7SHARE", ""),
    ("UST", '"10Y"'),
    ("YIELDCHG", '"10Y","1W"'),
    ("CLOSEPRICE", '"TOPIX17_BANKS"'),
    ("REVIEWLINE", '"SP500","1W"'),
    ("MACROSERIES", '"FRED:BOGZ1FA105050005Q",,"pc1"'),
    ("HISTORY", '"SP500","1M"'),  # last: its table spills down
)

_FORMULA_NOTES: dict[str, tuple[str, str, str, tuple[str, str, str]]] = {
    "en": (
        "MarketReview functions as live formulas (the Windows extra)",
        "First: with the xlwings add-in installed, run xlwings tab → Import Functions once (Windows). Until then "
        "the Result cells show #NAME?; afterwards they recalculate (UDF Modules = marketreview.udfs on the "
        "xlwings.conf sheet). A cell saying \"press Refresh\" is loaded by the Refresh button on the first sheet.",
        "macOS has no UDFs: the Refresh button on the first sheet fills every sheet.",
        ("Formula", "What it does", "Result"),
    ),
    "ja": (
        "MarketReview 関数のライブ数式（Windows 向けの追加機能）",
        "最初に: xlwings アドインを入れて、xlwings タブ → Import Functions を一度実行してください（Windows）。"
        "それまで「結果」の列は #NAME? です。実行後はこれらのセルが再計算されます（xlwings.conf シートの "
        "UDF Modules = marketreview.udfs）。「press Refresh」と出たセルは、最初のシートの「更新」ボタンで"
        "読み込まれます。",
        "macOS では UDF は使えません。最初のシートの「更新」ボタンで全シートを更新します。",
        ("数式", "説明", "結果"),
    ),
}

#: What each function of the Formulas sheet does, in Japanese (the English text is the function's own help).
_FORMULA_DOCS_JA: dict[str, str] = {
    "PERF": "開始日から終了日（省略時は最新の終値）までの騰落率。",
    "RELRATIO": "2 つの銘柄の終値の比（それぞれの取引所の暦で）。",
    "RELDEV": "週次の比と、その N 週（既定 26 週、今週を含む）平均との差。",
    "MAG7SHARE": "S&P 500 の時価総額に占めるマグニフィセント 7 の比率。",
    "UST": "米国債利回り（%）。3M、2Y、10Y、30Y。",
    "YIELDCHG": "米国債利回りの変化（bp）。",
    "CLOSEPRICE": "指定日（省略時は最新）時点の終値（その日以前の直近の終値）。",
    "REVIEWLINE": "貼り付け用の 1 行（警告があれば印付き）。",
    "MACROSERIES": "マクロ系列（FRED の任意の系列など）の指定日時点の値。FRED の units と frequency で変換。",
    "HISTORY": "日付と終値の表（日次・週次・月次）。動的配列で下へ広がります（Excel 2016/2019 では表示されません）。",
}

_CONF_NOTES = (
    "Settings: key in column A, value in column B, from A1 without blank rows. xlwings and MarketReview read "
    "down to the first blank row, so these notes are not settings.",
    "UDF Modules: the installed module that holds the functions (marketreview.udfs); the workbook may have "
    "any name and sit in any folder.",
    "These settings are copied to your MarketReview settings file on Refresh, so formulas and sheets read the "
    "same source and cache (`marketreview config` shows them; MARKETREVIEW_* environment variables override).",
    "MARKETREVIEW_SOURCE: auto | yahoo | fred | demo | csv:FOLDER.  Lang: ja | en.  Optional: "
    "MARKETREVIEW_CACHE (a file), MARKETREVIEW_OFFLINE (true | false).",
    "Interpreter_Win / Interpreter_Mac are left out on purpose: a row with a blank value would override the "
    "interpreter set in the xlwings ribbon.",
)


def quickstart_path() -> Path:
    """xlwings' quickstart workbook, whose VBA project the template reuses."""
    import xlwings

    return Path(xlwings.__file__).resolve().parent / "quickstart.xlsm"


def conf_settings(lang: Lang) -> tuple[tuple[str, str], ...]:
    """The rows of the xlwings.conf sheet: (key, value)."""
    return (("UDF Modules", UDF_MODULE), ("MARKETREVIEW_SOURCE", "auto"), ("Lang", lang))


def build_template(out: Path, report: Report | None = None) -> Path:
    """Write the macro-enabled template to ``out`` atomically and return its absolute path.

    ``report`` defaults to :func:`demo_report`, so the committed file can be rebuilt byte for byte.
    """
    if report is None:
        with tempfile.TemporaryDirectory(prefix="marketreview-template-") as folder:
            return build_template(out, demo_report(Path(folder)))
    data = template_bytes(report)
    target = Path(out)
    target.parent.mkdir(parents=True, exist_ok=True)

    def write(temp: Path) -> None:
        temp.write_bytes(data)

    return atomic_write(target, write, _verify)


def template_bytes(report: Report) -> bytes:
    """The template's package for ``report``, as :func:`build_template` writes it."""
    wb = _quickstart_workbook()
    for sheet in list(wb.worksheets):
        wb.remove(sheet)
    wb = render_workbook(report, wb)
    report_sheets = list(wb.sheetnames)
    _add_formulas_sheet(wb, report.lang)
    _add_conf_sheet(wb, report.lang)
    _add_status_sheet(wb, report_sheets)
    _finish_sheets(wb)
    package = _save(wb, dt.datetime.combine(report.as_of, dt.time()))
    column = chart_anchor_column(report.sheets[0]) - 1 if report.sheets else 8
    anchor = Anchor(column, 4, 0, 4, column + 2, 0, 2, 4)
    package = add_button(package, 0, MACRO, BUTTON_CAPTIONS[report.lang], anchor)
    formulas_part = _sheet_part(_parts(package), wb.sheetnames.index(FORMULAS_SHEET))
    package = mark_dynamic_arrays(package, formulas_part, dynamic_cells())
    return normalise_package(_with_fixed_module(package))


def dynamic_cells() -> list[str]:
    """The Formulas sheet's cells holding a function that returns a table (a dynamic-array formula)."""
    return [f"C{row}" for row, (name, _) in enumerate(FORMULAS, start=6) if FUNCTIONS[name].returns == "table"]


def _parts(package: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(package)) as source:
        return {name: source.read(name) for name in source.namelist()}


def _with_fixed_module(package: bytes) -> bytes:
    """The package with quickstart's ``SampleCall`` calling :data:`REFRESH_CALL`."""
    parts = _parts(package)
    if VBA_PART not in parts:
        raise RenderError("template", f"the saved workbook has no {VBA_PART}")
    parts[VBA_PART] = replace_module_source(parts[VBA_PART], "Module1", MODULE1_SOURCE)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)
    return buffer.getvalue()


def demo_report(cache_dir: Path) -> Report:
    """The demo report: synthetic closes at a fixed date and clock, cached under ``cache_dir``."""
    from ..cache import Cache
    from ..engine import Engine
    from ..report.build import build_report
    from ..sources.demo import DemoSource
    from ..sources.router import Router

    cache = Cache(cache_dir / "demo.sqlite")
    try:
        engine = Engine(Router(DemoSource()), cache, clock=lambda: DEMO_CLOCK)
        return build_report(engine, DEMO_AS_OF, DEMO_LANG)
    finally:
        cache.close()


def normalise_package(package: bytes) -> bytes:
    """The same parts in a fixed order (``[Content_Types].xml`` first), with fixed times and attributes."""
    with zipfile.ZipFile(io.BytesIO(package)) as source:
        names = source.namelist()
        if len(set(names)) != len(names):
            raise RenderError("template", "the saved package has duplicate parts")
        parts = {name: source.read(name) for name in names}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for name in sorted(parts, key=lambda name: (name != CONTENT_TYPES, name)):
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = 0
            target.writestr(info, parts[name])
    return buffer.getvalue()


# -- the workbook ---------------------------------------------------------------------------------------


def _quickstart_workbook() -> Workbook:
    path = quickstart_path()
    if not path.is_file():
        raise RenderError(str(path), "xlwings' quickstart.xlsm is missing; reinstall xlwings")
    try:
        return openpyxl.load_workbook(path, keep_vba=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise RenderError(str(path), f"cannot read xlwings' quickstart workbook: {exc}") from exc


def _add_formulas_sheet(wb: Workbook, lang: Lang) -> None:
    title, windows, mac, headers = _FORMULA_NOTES[lang]
    ws = wb.create_sheet(FORMULAS_SHEET)
    ws["A1"] = title
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = windows
    ws["A3"] = mac
    for column, header in enumerate(headers, start=1):
        ws.cell(row=5, column=column, value=header).font = Font(bold=True)
    for row, (name, args) in enumerate(FORMULAS, start=6):
        formula = f"={name}({args})"
        shown = ws.cell(row=row, column=1, value=formula)
        shown.data_type = "s"  # the formula's text, not a second live formula
        ws.cell(row=row, column=2, value=_FORMULA_DOCS_JA[name] if lang == "ja" else FUNCTIONS[name].doc)
        if FUNCTIONS[name].returns == "table":  # spills right and down: nothing beside or below it
            ws.cell(row=row, column=3).value = ArrayFormula(f"C{row}", formula)
        else:
            ws.cell(row=row, column=3, value=formula)
    for letter, width in (("A", 40), ("B", 80), ("C", 28)):
        ws.column_dimensions[letter].width = width
    _one_page(ws)


def _add_conf_sheet(wb: Workbook, lang: Lang) -> None:
    ws = wb.create_sheet(CONF_SHEET)
    settings = conf_settings(lang)
    for row, (key, value) in enumerate(settings, start=1):
        ws.cell(row=row, column=1, value=key)
        ws.cell(row=row, column=2, value=value)
    for row, note in enumerate(_CONF_NOTES, start=len(settings) + 3):
        ws.cell(row=row, column=1, value=note)
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 16
    _one_page(ws)


def _add_status_sheet(wb: Workbook, names: list[str]) -> None:
    """The hidden state sheet a refresh reads (:data:`marketreview.excel.refresh.STATUS_SHEET`), naming the report
    sheets the template holds: the first Refresh in another language renames them in place instead of adding
    twins beside them."""
    from .refresh import STATUS_SHEET, status_rows

    ws = wb.create_sheet(STATUS_SHEET)
    for row, (key, value) in enumerate(status_rows({"sheets": "|".join(names)}), start=1):
        ws.cell(row=row, column=1, value=key)
        ws.cell(row=row, column=2, value=value or None)
    ws.sheet_state = "hidden"


def _one_page(ws: Any) -> None:
    """Print (and so picture) the sheet on one landscape page, like the report sheets."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 1
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)


def _finish_sheets(wb: Workbook) -> None:
    sheets = wb.worksheets
    if len(sheets) < 3:
        raise RenderError("template", "the report rendered no sheets")
    for sheet in sheets:
        sheet.sheet_properties.codeName = None
        sheet.sheet_view.tabSelected = sheet is sheets[0]
    sheets[0].sheet_properties.codeName = FIRST_SHEET_CODE_NAME
    wb[CONF_SHEET].sheet_properties.codeName = CONF_SHEET_CODE_NAME
    wb.active = 0


def _save(wb: Workbook, when: dt.datetime) -> bytes:
    """The package as openpyxl writes it, with fixed document times (``Workbook.save`` stamps the clock)."""
    wb.properties.created = when
    wb.properties.modified = when
    wb.properties.creator = "MarketReview"
    wb.properties.lastModifiedBy = "MarketReview"
    buffer = io.BytesIO()
    try:
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            ExcelWriter(wb, archive).write_data()
    except Exception as exc:  # openpyxl's errors are translated here, at the boundary
        raise RenderError("template", f"openpyxl could not write the workbook: {exc}") from exc
    return buffer.getvalue()


def _verify(path: Path) -> None:
    try:
        check = openpyxl.load_workbook(path, read_only=True, keep_vba=True)
    except Exception as exc:
        raise RenderError(str(path), f"the written template does not open again: {exc}") from exc
    names = check.sheetnames
    check.close()
    if CONF_SHEET not in names or FORMULAS_SHEET not in names:
        raise RenderError(str(path), f"the written template lacks its {FORMULAS_SHEET}/{CONF_SHEET} sheets")


# -- the Refresh button: a legacy VML form control, added to the saved package ---------------------------

CONTENT_TYPES = "[Content_Types].xml"
VBA_PART = "xl/vbaProject.bin"
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_DOC_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"
VML_REL_TYPE = _DOC_REL_NS + "/vmlDrawing"
VML_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.vmlDrawing"
_VML_NS = ('xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
           'xmlns:x="urn:schemas-microsoft-com:office:excel"')
#: CT_Worksheet children that come after legacyDrawing, in schema order.
_AFTER_LEGACY_DRAWING = ("legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls",
                         "webPublishItems", "tableParts", "extLst")
_BUTTON_TYPE = "_x0000_t201"


@dataclass(frozen=True)
class Anchor:
    """Where a form control sits, as VML's ``x:Anchor``: 0-based columns and rows, offsets in pixels."""

    left_column: int
    left_offset: int
    top_row: int
    top_offset: int
    right_column: int
    right_offset: int
    bottom_row: int
    bottom_offset: int

    def text(self) -> str:
        return ", ".join(str(value) for value in astuple(self))

    def style(self) -> str:
        """An approximate position in points for default cell sizes (Excel goes by the anchor)."""
        left = (self.left_column * 64 + self.left_offset) * 0.75
        top = (self.top_row * 20 + self.top_offset) * 0.75
        width = ((self.right_column - self.left_column) * 64 + self.right_offset - self.left_offset) * 0.75
        height = ((self.bottom_row - self.top_row) * 20 + self.bottom_offset - self.top_offset) * 0.75
        return (f"position:absolute;margin-left:{left:g}pt;margin-top:{top:g}pt;width:{width:g}pt;"
                f"height:{height:g}pt;z-index:1;mso-wrap-style:tight")


def add_button(package: bytes, sheet_index: int, macro: str, caption: str, anchor: Anchor) -> bytes:
    """A copy of ``package`` with a form button on sheet ``sheet_index`` (0-based) that runs ``macro``.

    A sheet has at most one legacy drawing: when it already has one (openpyxl's comment shapes), the button
    joins it; otherwise the button gets its own ``xl/drawings/vmlDrawingN.vml``, relationship and element.
    """
    with zipfile.ZipFile(io.BytesIO(package)) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    sheet = _sheet_part(parts, sheet_index)
    folder, name = posixpath.split(sheet)
    rels_name = f"{folder}/_rels/{name}.rels"
    empty_rels = f'<Relationships xmlns="{_PKG_REL_NS}"></Relationships>'
    rels = parts[rels_name].decode("utf-8") if rels_name in parts else empty_rels
    sheet_xml = parts[sheet].decode("utf-8")
    existing = _legacy_drawing(sheet_xml, rels, folder)
    if existing is not None:
        vml = parts[existing].decode("utf-8")
        blocks = _idmap_blocks(parts[existing])
        shapetype = "" if _BUTTON_TYPE in vml else _button_shapetype(declare=True)
        shape = _button_shape(vml, blocks[0] if blocks else 1, macro, caption, anchor, declare=True)
        parts[existing] = _insert_before(vml, "</xml>", shapetype + shape).encode("utf-8")
    else:
        used = [b for part, data in parts.items() if part.endswith(".vml") for b in _idmap_blocks(data)]
        block = max(used, default=0) + 1
        vml_name = next(f"xl/drawings/vmlDrawing{n}.vml" for n in itertools.count(1)
                        if f"xl/drawings/vmlDrawing{n}.vml" not in parts)
        layout = f'<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="{block}"/></o:shapelayout>'
        shape = _button_shape("", block, macro, caption, anchor, declare=False)
        parts[vml_name] = f"<xml {_VML_NS}>{layout}{_button_shapetype(declare=False)}{shape}</xml>".encode()
        rid = _unused_rid(rels)
        relationship = (f'<Relationship Id="{rid}" Type="{VML_REL_TYPE}" '
                        f'Target="{posixpath.relpath(vml_name, folder)}"/>')
        parts[rels_name] = _insert_before(rels, "</Relationships>", relationship).encode("utf-8")
        parts[sheet] = _insert_legacy_drawing(sheet_xml, rid).encode("utf-8")
    parts[CONTENT_TYPES] = _with_vml_default(parts[CONTENT_TYPES].decode("utf-8")).encode("utf-8")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for part, data in parts.items():
            target.writestr(part, data)
    return buffer.getvalue()


def _sheet_part(parts: dict[str, bytes], index: int) -> str:
    sheets = ElementTree.fromstring(parts["xl/workbook.xml"]).findall(f"{_MAIN}sheets/{_MAIN}sheet")
    if not 0 <= index < len(sheets):
        raise RenderError("template", f"no sheet number {index + 1} to put the button on")
    rid = sheets[index].get(f"{{{_DOC_REL_NS}}}id")
    for rel in ElementTree.fromstring(parts["xl/_rels/workbook.xml.rels"]):
        if rel.get("Id") == rid:
            return _resolve("xl", rel.get("Target", ""))
    raise RenderError("template", f"sheet {sheets[index].get('name')!r} has no part")


def _resolve(folder: str, target: str) -> str:
    if target.startswith("/"):
        return target[1:]
    return posixpath.normpath(posixpath.join(folder, target))


def _legacy_drawing(sheet_xml: str, rels: str, folder: str) -> str | None:
    """The part name of the sheet's legacy drawing, if it has one."""
    element = ElementTree.fromstring(sheet_xml).find(f"{_MAIN}legacyDrawing")
    if element is None:
        return None
    rid = element.get(f"{{{_DOC_REL_NS}}}id")
    for rel in ElementTree.fromstring(rels):
        if rel.get("Id") == rid:
            return _resolve(folder, rel.get("Target", ""))
    raise RenderError("template", f"the sheet's legacy drawing {rid!r} has no relationship")


def _insert_legacy_drawing(sheet_xml: str, rid: str) -> str:
    root = ElementTree.fromstring(sheet_xml)
    if root.tag != f"{_MAIN}worksheet" or not re.search(r"<worksheet[\s>]", sheet_xml):
        raise RenderError("template", "unexpected worksheet XML (not an unprefixed <worksheet>)")
    children = {child.tag for child in root}
    element = f'<legacyDrawing xmlns:r="{_DOC_REL_NS}" r:id="{rid}"/>'
    for later in _AFTER_LEGACY_DRAWING:
        if f"{_MAIN}{later}" in children:
            # the top-level element is the last of its name (an extLst nested deeper comes earlier)
            at = sheet_xml.rfind(f"<{later}")
            return sheet_xml[:at] + element + sheet_xml[at:]
    return _insert_before(sheet_xml, "</worksheet>", element)


def _insert_before(xml: str, end_tag: str, fragment: str) -> str:
    at = xml.rfind(end_tag)
    if at < 0:
        raise RenderError("template", f"no {end_tag} to insert the button before")
    return xml[:at] + fragment + xml[at:]


def _with_vml_default(content_types: str) -> str:
    for default in ElementTree.fromstring(content_types).findall(f"{_CT}Default"):
        if default.get("Extension", "").lower() == "vml":
            return content_types
    default = f'<Default Extension="vml" ContentType="{VML_CONTENT_TYPE}"/>'
    return _insert_before(content_types, "</Types>", default)


def _idmap_blocks(vml: bytes) -> list[int]:
    """The shape-id blocks a VML drawing claims (``o:idmap data="1,2"``)."""
    return [int(n) for found in re.findall(r'<[^>]*idmap[^>]*\sdata="([\d,\s]+)"', vml.decode("utf-8"))
            for n in found.split(",") if n.strip()]


def _unused_rid(rels: str) -> str:
    ids = {rel.get("Id") for rel in ElementTree.fromstring(rels)}
    return next(f"rId{n}" for n in itertools.count(1) if f"rId{n}" not in ids)


def _button_shapetype(*, declare: bool) -> str:
    return (f'<v:shapetype {_VML_NS + " " if declare else ""}id="{_BUTTON_TYPE}" coordsize="21600,21600" '
            'o:spt="201" path="m,l,21600r21600,l21600,xe"><v:stroke joinstyle="miter"/>'
            '<v:path shadowok="f" o:extrusionok="f" strokeok="f" fillok="f" o:connecttype="rect"/>'
            '<o:lock v:ext="edit" shapetype="t"/></v:shapetype>')


def _button_shape(vml: str, block: int, macro: str, caption: str, anchor: Anchor, *, declare: bool) -> str:
    used = {int(n) for n in re.findall(r'id="_x0000_s(\d+)"', vml)}
    shape_id = next(n for n in range(block * 1024 + 1, block * 1024 + 1024) if n not in used)
    return (f'<v:shape {_VML_NS + " " if declare else ""}id="_x0000_s{shape_id}" type="#{_BUTTON_TYPE}" '
            f'style="{anchor.style()}" o:button="t" fillcolor="buttonFace [67]" '
            'strokecolor="windowText [64]" o:insetmode="auto">'
            '<v:fill color2="buttonFace [67]" o:detectmouseclick="t"/><o:lock v:ext="edit" rotation="t"/>'
            '<v:textbox style="mso-direction-alt:auto" o:singleclick="f"><div style="text-align:center">'
            f'<font face="Calibri" size="220" color="#000000">{escape(caption)}</font></div></v:textbox>'
            f'<x:ClientData ObjectType="Button"><x:Anchor>{anchor.text()}</x:Anchor>'
            "<x:PrintObject>False</x:PrintObject><x:AutoFill>False</x:AutoFill>"
            f"<x:FmlaMacro>[0]!{escape(macro)}</x:FmlaMacro>"
            "<x:TextHAlign>Center</x:TextHAlign><x:TextVAlign>Center</x:TextVAlign></x:ClientData></v:shape>")


__all__ = ["CONF_SHEET", "DEMO_AS_OF", "FORMULAS", "FORMULAS_SHEET", "MACRO", "MODULE1_SOURCE", "REFRESH_CALL",
           "UDF_MODULE", "Anchor", "add_button", "build_template", "conf_settings", "demo_report",
           "dynamic_cells", "normalise_package", "quickstart_path", "template_bytes"]
