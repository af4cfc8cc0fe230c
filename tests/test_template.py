"""The macro-enabled template: the committed workbook/MarketReview.xlsm is what the generator makes now;
its sheets, settings, VBA and Refresh button are right; LibreOffice opens it; a renamed copy in another folder
still finds its (installed) modules."""

from __future__ import annotations

import io
import posixpath
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import pytest
from openpyxl.comments import Comment
from openpyxl.worksheet.table import Table

from marketreview.excel.template import (
    Anchor,
    add_button,
    demo_report,
    dynamic_cells,
    normalise_package,
    quickstart_path,
    template_bytes,
)
from marketreview.excel.vba_project import compress, read_streams

REPO = Path(__file__).resolve().parents[1]
COMMITTED = REPO / "workbook" / "MarketReview.xlsm"
REGENERATE = ('python -c "from pathlib import Path; from marketreview.excel.template import build_template; '
              "build_template(Path('workbook/MarketReview.xlsm'))\"")

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
# The demo report is Japanese (xlwings.conf Lang = ja), so the report's sheets carry the Japanese titles.
EXPECTED_SHEETS = ["米国株価指数", "マグニフィセント7", "相対比較", "金利", "日本セクター", "サマリー",
                   "マクロ", "データ出所", "Formulas", "xlwings.conf", "_marketreview_status"]
EXPECTED_FORMULAS = ['=PERF("SP500","1W")', '=RELRATIO("^RUO","^GSPC")', '=RELDEV("RUSSELL2000G","SP500")',
                     "=MAG7SHARE()", '=UST("10Y")', '=YIELDCHG("10Y","1W")', '=CLOSEPRICE("TOPIX17_BANKS")',
                     '=REVIEWLINE("SP500","1W")', '=MACROSERIES("FRED:BOGZ1FA105050005Q",,"pc1")',
                     '=HISTORY("SP500","1M")']
# CT_Worksheet children in schema order (ECMA-376 part 1, 18.3.1.99).
WORKSHEET_ORDER = ["sheetPr", "dimension", "sheetViews", "sheetFormatPr", "cols", "sheetData", "sheetCalcPr",
                   "sheetProtection", "protectedRanges", "scenarios", "autoFilter", "sortState",
                   "dataConsolidate", "customSheetViews", "mergeCells", "phoneticPr", "conditionalFormatting",
                   "dataValidations", "hyperlinks", "printOptions", "pageMargins", "pageSetup",
                   "headerFooter", "rowBreaks", "colBreaks", "customProperties", "cellWatches",
                   "ignoredErrors", "smartTags", "drawing", "legacyDrawing", "legacyDrawingHF", "drawingHF",
                   "picture", "oleObjects", "controls", "webPublishItems", "tableParts", "extLst"]
BUTTON_ANCHOR = Anchor(3, 0, 0, 0, 5, 0, 2, 0)


@pytest.fixture(scope="module")
def committed() -> Path:
    if not COMMITTED.is_file():
        pytest.fail(f"{COMMITTED} is missing; generate it with {REGENERATE}")
    return COMMITTED


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """What the generator makes now, from the demo report."""
    return template_bytes(demo_report(tmp_path_factory.mktemp("demo-cache")))


def parts_of(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def first_sheet_button(parts: dict[str, bytes], index: int = 0) -> tuple[str, ElementTree.Element, str]:
    """(sheet part, sheet root, VML text) of the sheet's legacy drawing, found through the relationships."""
    sheets = ElementTree.fromstring(parts["xl/workbook.xml"]).findall(f"{MAIN}sheets/{MAIN}sheet")
    sheet_rid = sheets[index].get(f"{REL}id")
    rels_root = ElementTree.fromstring(parts["xl/_rels/workbook.xml.rels"])
    workbook_rels = {r.get("Id"): r.get("Target") for r in rels_root}
    sheet = workbook_rels[sheet_rid].lstrip("/")
    sheet = sheet if sheet.startswith("xl/") else "xl/" + sheet
    root = ElementTree.fromstring(parts[sheet])
    drawings = root.findall(f"{MAIN}legacyDrawing")
    assert len(drawings) == 1, "a sheet has exactly one legacyDrawing"
    folder, name = posixpath.split(sheet)
    rels = {r.get("Id"): r for r in ElementTree.fromstring(parts[f"{folder}/_rels/{name}.rels"])}
    rel = rels[drawings[0].get(f"{REL}id")]
    assert rel.get("Type", "").endswith("/vmlDrawing")
    target = rel.get("Target", "")
    vml = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
    return sheet, root, parts[vml].decode("utf-8")


def children_in_schema_order(root: ElementTree.Element) -> bool:
    positions = [WORKSHEET_ORDER.index(child.tag.removeprefix(MAIN)) for child in root]
    return positions == sorted(positions)


# -- (a) the committed file is current and the output is stable ------------------------------------------


def test_committed_template_equals_what_the_generator_makes(committed: Path, fresh: bytes) -> None:
    old, new = parts_of(committed.read_bytes()), parts_of(fresh)
    assert sorted(old) == sorted(new), f"parts differ; regenerate with {REGENERATE}"
    changed = [name for name in new if old[name] != new[name]]
    assert changed == [], f"parts {changed} differ; regenerate with {REGENERATE}"


def test_same_report_gives_the_same_bytes(tmp_path: Path) -> None:
    report = demo_report(tmp_path)
    assert template_bytes(report) == template_bytes(report)


def test_package_has_fixed_entry_times_and_content_types_first(committed: Path) -> None:
    with zipfile.ZipFile(committed) as archive:
        infos = archive.infolist()
    assert infos[0].filename == "[Content_Types].xml"
    assert [i.filename for i in infos[1:]] == sorted(i.filename for i in infos[1:])
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    core = parts_of(committed.read_bytes())["docProps/core.xml"].decode()
    assert "<dcterms:created" in core and core.count("2025-10-31T00:00:00Z") == 2


def test_normalise_package_orders_parts_and_fixes_times() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/b.xml", b"b")
        archive.writestr("[Content_Types].xml", b"t")
        archive.writestr("_rels/.rels", b"r")
    with zipfile.ZipFile(io.BytesIO(normalise_package(buffer.getvalue()))) as archive:
        assert archive.namelist() == ["[Content_Types].xml", "_rels/.rels", "xl/b.xml"]
        assert [archive.getinfo(n).date_time for n in archive.namelist()] == [(1980, 1, 1, 0, 0, 0)] * 3
        assert archive.read("xl/b.xml") == b"b"


# -- (b) sheets and settings ----------------------------------------------------------------------------


def test_sheets_formulas_and_conf(committed: Path) -> None:
    wb = openpyxl.load_workbook(committed, keep_vba=True)
    assert wb.sheetnames == EXPECTED_SHEETS
    assert wb.active is wb.worksheets[0]
    conf = wb["xlwings.conf"]
    rows = []
    for row in conf.iter_rows(min_row=1, max_col=2, values_only=True):
        if row[0] is None:
            break
        rows.append(row)
    assert rows == [("UDF Modules", "marketreview.udfs"), ("MARKETREVIEW_SOURCE", "auto"), ("Lang", "ja")]
    # the xlwings add-in reads the sheet's keys upper-cased: GetConfig("UDF MODULES")
    import xlwings

    main_bas = Path(xlwings.__file__).parent / "addin" / "Main.bas"
    assert 'GetConfig("UDF MODULES")' in main_bas.read_text(encoding="utf-8", errors="replace")
    formulas = wb["Formulas"]
    live = [c for c in formulas["C"] if c.data_type == "f"]
    assert [getattr(c.value, "text", c.value) for c in live] == EXPECTED_FORMULAS
    for cell in live:
        text = formulas.cell(row=cell.row, column=1)
        assert (text.value, text.data_type) == (getattr(cell.value, "text", cell.value), "s")
        assert formulas.cell(row=cell.row, column=2).value
    notes = " ".join(str(c.value) for c in formulas["A"][:4] if c.value)
    assert "macOS" in notes and "更新" in notes
    assert str(formulas["A2"].value).startswith("最初に") and "Import Functions" in str(formulas["A2"].value)
    japanese = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
    assert all(japanese.search(str(formulas.cell(row=c.row, column=2).value)) for c in live)  # ja descriptions
    # the sheets that replaced quickstart's own keep their VBA document modules' code names
    assert wb.worksheets[0].sheet_properties.codeName == "Sheet1"
    assert conf.sheet_properties.codeName == "Sheet2"


# -- (c) the VBA ----------------------------------------------------------------------------------------


def vba_modules(path: Path) -> dict[str, str]:
    olevba = pytest.importorskip("oletools.olevba")
    parser = olevba.VBA_Parser(str(path))
    try:
        assert parser.detect_vba_macros()
        return {name: code for _, _, name, code in parser.extract_macros()}
    finally:
        parser.close()


def test_vba_samplecall_runs_a_fixed_installed_module(committed: Path) -> None:
    modules = vba_modules(committed)
    sample = [code for code in modules.values() if re.search(r"^Sub RefreshMarketReview\(\)", code, re.M)]
    assert len(sample) == 1
    code = sample[0]
    assert 'RunPython "import marketreview.addin;marketreview.addin.main()"' in code
    assert "ThisWorkbook.Name" not in code and "mymodule" not in code  # nothing derived from the file name
    # the rest of xlwings' quickstart VBA project is kept as it was
    quickstart = vba_modules(quickstart_path())
    assert set(modules) == set(quickstart) and {"Sheet1.cls", "Sheet2.cls", "ThisWorkbook.cls"} <= set(modules)
    for name in set(modules) - {"Module1.bas"}:
        assert modules[name] == quickstart[name]
    # Excel recompiles from this source: the project's compiled cache is marked unusable (MS-OVBA 2.3.4.1)
    project = parts_of(committed.read_bytes())["xl/vbaProject.bin"]
    streams, _ = read_streams(project)
    assert streams["VBA/_VBA_PROJECT"] == b"\xcc\x61\xff\xff\x00\x00\x00"


@pytest.mark.parametrize("data", [b"", b"Sub A()\r\nEnd Sub\r\n" * 700, bytes(range(256)) * 40, b"a" * 4096])
def test_vba_compression_round_trips_through_oletools(data: bytes) -> None:
    olevba = pytest.importorskip("oletools.olevba")
    assert olevba.decompress_stream(bytearray(compress(data))) == data


def test_the_modules_resolve_from_a_renamed_copy_in_another_folder(committed: Path, tmp_path: Path) -> None:
    """What Excel runs for a copy called "Weekly 2025-W03.xlsm" elsewhere: RunPython's import and the
    "UDF Modules" import, from that folder, with the repository nowhere on the path."""
    folder = tmp_path / "weekly reports"
    folder.mkdir()
    shutil.copy(committed, folder / "Weekly 2025-W03.xlsm")
    code = ("import marketreview.addin, marketreview.udfs; "
            "print(callable(marketreview.addin.main), callable(marketreview.udfs.PERF))")
    env = {k: v for k, v in __import__("os").environ.items() if k != "PYTHONPATH"}
    done = subprocess.run([sys.executable, "-c", code], cwd=folder, capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "True"]


def test_history_is_a_dynamic_array_with_room_to_spill(committed: Path) -> None:
    parts = parts_of(committed.read_bytes())
    wb = openpyxl.load_workbook(committed, keep_vba=True)
    formulas = wb["Formulas"]
    (cell,) = dynamic_cells()
    assert getattr(formulas[cell].value, "text", None) == '=HISTORY("SP500","1M")'
    index = wb.sheetnames.index("Formulas") + 1
    sheet = parts[f"xl/worksheets/sheet{index}.xml"].decode()
    assert re.search(rf'<c r="{cell}"[^>]* cm="1"><f t="array" ref="{cell}">HISTORY\(', sheet)
    metadata = parts["xl/metadata.xml"].decode()
    assert 'name="XLDAPR"' in metadata and 'fDynamic="1"' in metadata
    assert "metadata.xml" in parts["xl/_rels/workbook.xml.rels"].decode()
    assert "/xl/metadata.xml" in parts["[Content_Types].xml"].decode()
    # two columns wide and as long as a month of closes: nothing in the way, right or below
    row, column = formulas[cell].row, formulas[cell].column
    blocking = [c.coordinate for r in formulas.iter_rows(min_row=row, max_row=row + 60, min_col=column,
                                                         max_col=column + 1) for c in r
                if c.value is not None and c.coordinate != cell]
    assert blocking == []


# -- (d) the Refresh button ------------------------------------------------------------------------------


def test_first_sheet_has_the_refresh_button(committed: Path) -> None:
    parts = parts_of(committed.read_bytes())
    _, root, vml = first_sheet_button(parts)
    assert children_in_schema_order(root)
    buttons = re.findall(r'<x:ClientData ObjectType="Button">(.*?)</x:ClientData>', vml, re.S)
    assert len(buttons) == 1
    assert "<x:FmlaMacro>[0]!RefreshMarketReview</x:FmlaMacro>" in buttons[0]  # a name that says what it does
    assert 'o:button="t"' in vml and ">更新</font>" in vml  # the ja template's button speaks Japanese
    ElementTree.fromstring(vml)  # well-formed
    content_types = parts["[Content_Types].xml"].decode()
    vml_type = "application/vnd.openxmlformats-officedocument.vmlDrawing"
    assert f'Extension="vml" ContentType="{vml_type}"' in content_types
    assert "application/vnd.ms-excel.sheet.macroEnabled.main+xml" in content_types
    assert "xl/vbaProject.bin" in parts


def _package(build) -> bytes:  # type: ignore[no-untyped-def]
    wb = openpyxl.Workbook()
    build(wb)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_button_gets_its_own_drawing_with_an_unused_block() -> None:
    def build(wb: openpyxl.Workbook) -> None:
        wb.active["A1"] = "first"
        second = wb.create_sheet("Second")
        second["A1"] = "noted"
        second["A1"].comment = Comment("a note", "test")  # openpyxl's VML claims block 1 (shapes 1025…)

    parts = parts_of(add_button(_package(build), 0, "Go", "Press <me>", BUTTON_ANCHOR))
    _, root, vml = first_sheet_button(parts)
    assert children_in_schema_order(root)
    assert '<o:idmap v:ext="edit" data="2"/>' in vml and 'id="_x0000_s2049"' in vml
    assert "<x:Anchor>3, 0, 0, 0, 5, 0, 2, 0</x:Anchor>" in vml
    assert "<x:FmlaMacro>[0]!Go</x:FmlaMacro>" in vml and "Press &lt;me&gt;" in vml


def test_button_joins_the_comment_drawing_of_its_sheet() -> None:
    def build(wb: openpyxl.Workbook) -> None:
        wb.active["B2"] = "noted"
        wb.active["B2"].comment = Comment("a note", "test")

    parts = parts_of(add_button(_package(build), 0, "Go", "Refresh", BUTTON_ANCHOR))
    _, root, vml = first_sheet_button(parts)
    assert children_in_schema_order(root)
    shapes = ElementTree.fromstring(vml).findall("{urn:schemas-microsoft-com:vml}shape")
    kinds = [s.find("{urn:schemas-microsoft-com:office:excel}ClientData").get("ObjectType") for s in shapes]
    assert kinds == ["Note", "Button"]
    ids = [s.get("id") for s in shapes]
    assert ids == ["_x0000_s1026", "_x0000_s1025"]
    assert not any(n.startswith("xl/drawings/vmlDrawing") for n in parts)


def test_legacy_drawing_goes_before_table_parts() -> None:
    def build(wb: openpyxl.Workbook) -> None:
        ws = wb.active
        for row in (("a", "b"), (1, 2)):
            ws.append(row)
        ws.add_table(Table(displayName="T1", ref="A1:B2"))

    _, root, _ = first_sheet_button(parts_of(add_button(_package(build), 0, "Go", "Go", BUTTON_ANCHOR)))
    tags = [child.tag.removeprefix(MAIN) for child in root]
    assert tags.index("legacyDrawing") == tags.index("tableParts") - 1
    assert children_in_schema_order(root)


# -- (e) LibreOffice opens it --------------------------------------------------------------------------


def _soffice(committed: Path, tmp_path: Path, fmt: str) -> Path:
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed; install it to check the template opens headless")
    result = subprocess.run(
        [soffice, "--headless", "--norestore", f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
         "--convert-to", fmt, "--outdir", str(tmp_path / "out"), str(committed)],
        capture_output=True, text=True, timeout=600, check=False)
    out = tmp_path / "out" / f"MarketReview.{fmt}"
    assert result.returncode == 0 and out.is_file(), result.stdout + result.stderr
    return out


@pytest.mark.soffice
def test_libreoffice_converts_it_to_pdf(committed: Path, tmp_path: Path) -> None:
    pdf = _soffice(committed, tmp_path, "pdf")
    assert pdf.read_bytes().startswith(b"%PDF-")


@pytest.mark.soffice
def test_libreoffice_sees_the_button_bound_to_its_macro(committed: Path, tmp_path: Path) -> None:
    ods = _soffice(committed, tmp_path, "ods")
    with zipfile.ZipFile(ods) as archive:
        content = archive.read("content.xml").decode("utf-8")
    assert re.search(r'<form:button [^>]*form:label="更新"', content)
    assert "Module1.RefreshMarketReview" in content


# -- (f) the design card's folders ---------------------------------------------------------------------------


def test_the_folders_shim_the_installed_modules() -> None:
    import marketreview_addin
    import marketreview_udfs

    import marketreview.addin
    import marketreview.udfs

    assert marketreview_udfs is marketreview.udfs and marketreview_addin is marketreview.addin
