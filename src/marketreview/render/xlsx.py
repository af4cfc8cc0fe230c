"""The headless renderer: a :class:`~marketreview.report.model.Report` as an .xlsx file, via openpyxl.

Every string that comes from data is written as text, never as a formula or an error value. The file holds
values only: no formulas, so it shows the same numbers in any spreadsheet program without recalculation.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
import os
import re
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties

from ..errors import RenderError
from ..report.layout import STAMP_ROW, STATUS_ROW, TITLE_ROW, Placement, lines_rows, place
from ..report.model import Cell, CellValue, Fmt, Lines, Report, Sheet, Table
from ..report.published import note_text
from ..report.reasons import short_reason
from ..types import Lang
from . import styles
from .atomic import atomic_write
from .charts import add_charts

__all__ = ["render_workbook", "sheet_title", "verify_written", "write_xlsx"]

# Shared style objects: openpyxl stores each distinct style once per workbook, and reusing the objects keeps
# the per-cell cost to an index lookup.
_NAME = styles.FONT_NAME
#: the workbook's default font (every cell without a font of its own): named, so no viewer picks a serif face
_BODY_FONT = Font(name=_NAME, size=styles.BODY_FONT_SIZE, family=2)
_TITLE_FONT = Font(name=_NAME, bold=True, size=styles.TITLE_FONT_SIZE)
_BOLD = Font(name=_NAME, bold=True)
_STAMP_FONT = Font(name=_NAME, italic=True, color=styles.STAMP_GREY)
_DEMO_FONT = Font(name=_NAME, bold=True, color=styles.RED)
_STATUS_FONT = Font(name=_NAME, bold=True, color=styles.RED)
_ERROR_FONT = Font(name=_NAME, italic=True, color=styles.RED)
_HEADER_FILL = PatternFill("solid", fgColor=styles.HEADER_FILL)
_WARNING_FILL = PatternFill("solid", fgColor=styles.WARNING_FILL)
_HEADER_ALIGN = Alignment(wrap_text=True, vertical="center", horizontal="center")
_WRAP = Alignment(wrap_text=True, vertical="top")
_NEGATIVE_FONT = Font(color=styles.RED)
_POSITIVE_FONT = Font(color=styles.GREEN)

_FORBIDDEN_IN_TITLE = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def sheet_title(title: str) -> str:
    """``title`` as Excel takes it: no ``[]:*?/\\``, no leading/trailing apostrophe, at most 31 characters."""
    cleaned = _FORBIDDEN_IN_TITLE.sub("_", title).strip().strip("'").strip()
    cleaned = cleaned[: styles.MAX_SHEET_TITLE].rstrip().rstrip("'")
    if not cleaned:
        return "Sheet"
    return cleaned + "_" if cleaned.casefold() == "history" else cleaned


def _text(value: str) -> str:
    """Characters XML cannot hold become U+FFFD (visible, not dropped); Excel's length limit holds."""
    value = _ILLEGAL_XML.sub("\ufffd", value)
    if len(value) > styles.MAX_CELL_TEXT:
        value = value[: styles.MAX_CELL_TEXT - 1] + "…"
    return value


def _put_text(cell: Any, value: str) -> None:
    """Write ``value`` as a plain string. openpyxl would read "=…" as a formula and "#N/A" as an error value;
    forcing the type keeps them text (they are saved as inline strings, with no <f> element)."""
    cell.value = _text(value)
    cell.data_type = "s"


def _put(cell: Any, value: CellValue, where: str) -> bool:
    """Write one value; return False when it cannot be shown as a number (the caller marks it as an error)."""
    if value is None:
        return True
    if isinstance(value, str):
        _put_text(cell, value)
    elif isinstance(value, dt.datetime):
        if value != value:  # NaT
            return True
        cell.value = value.replace(tzinfo=None) if value.tzinfo is not None else value
    elif isinstance(value, (dt.date, bool)):
        cell.value = value
    elif isinstance(value, numbers.Real):
        number = float(value)
        if math.isnan(number):
            return True
        if math.isinf(number):
            _put_text(cell, f"#NUM! {number}")
            return False
        cell.value = value if isinstance(value, int) else number
    else:
        raise RenderError(where, f"cannot write a {type(value).__name__} value: {value!r}")
    return True


def _write_header(ws: Any, placement: Placement, table: Table) -> None:
    title = ws.cell(row=placement.row, column=placement.column)
    _put_text(title, table.title)
    title.font = _BOLD
    for offset, column in enumerate(table.columns):
        cell = ws.cell(row=placement.header_row, column=placement.column + offset)
        _put_text(cell, column.header)
        cell.font = _BOLD
        cell.fill = _HEADER_FILL
        cell.alignment = _HEADER_ALIGN


def _mark_error(cell: Any, text: str, lang: Lang) -> None:
    """A short reason in the reader's language that fits the column; the full message goes in the note."""
    _put_text(cell, short_reason(text, lang))
    cell.font = _ERROR_FONT
    comment = Comment(_text(text), styles.WARNING_AUTHOR)
    comment.width, comment.height = 300, 80
    cell.comment = comment


def _mark_warning(cell: Any, text: str) -> None:
    comment = Comment(_text(text), styles.WARNING_AUTHOR)
    comment.width, comment.height = 240, 80
    cell.comment = comment
    cell.fill = _WARNING_FILL


def _write_table(ws: Any, sheet: Sheet, placement: Placement, table: Table, lang: Lang) -> None:
    _write_header(ws, placement, table)
    formats = [styles.NUMBER_FORMATS[column.fmt] for column in table.columns]
    first_column = placement.column
    for row_number, row in enumerate(table.rows, start=placement.first_data_row):
        if len(row) != len(table.columns):
            raise RenderError(f"sheet {sheet.key} table {table.key} row {row_number}",
                              f"{len(row)} cells for {len(table.columns)} columns")
        for offset, item in enumerate(row):
            cell = ws.cell(row=row_number, column=first_column + offset)
            _write_cell(cell, item, formats[offset], sheet, table, lang)
    _add_signed_colours(ws, placement, table)


def _write_cell(cell: Any, item: Cell, number_format: str, sheet: Sheet, table: Table, lang: Lang) -> None:
    if item.error is not None:
        _mark_error(cell, item.error, lang)
    else:
        where = f"sheet {sheet.key} table {table.key} cell {cell.coordinate}"
        if not _put(cell, item.value, where):
            cell.font = _ERROR_FONT
        if item.value is not None and not isinstance(item.value, str):
            cell.number_format = styles.NUMBER_FORMATS[item.fmt] if item.fmt else number_format
    if item.warning is not None:
        note = note_text(item, lang) or item.warning  # the marks in the reader's words, then the warning
        _mark_warning(cell, note if item.error is None else f"{item.error}\n{note}")


def _add_signed_colours(ws: Any, placement: Placement, table: Table) -> None:
    """Red below zero, green above, as conditional formats so the colour follows the value if it is edited.
    A formula rule with ISNUMBER (not a plain "cell value > 0" rule) because Excel ranks text above every
    number, which would paint an error text green."""
    if not table.rows:
        return
    for offset, column in enumerate(table.columns):
        if not column.signed:
            continue
        letter = get_column_letter(placement.column + offset)
        top = f"{letter}{placement.first_data_row}"
        cells = f"{top}:{letter}{placement.last_row}"
        ws.conditional_formatting.add(
            cells, FormulaRule(formula=[f"AND(ISNUMBER({top}),{top}<0)"], font=_NEGATIVE_FONT))
        ws.conditional_formatting.add(
            cells, FormulaRule(formula=[f"AND(ISNUMBER({top}),{top}>0)"], font=_POSITIVE_FONT))


def _write_lines(ws: Any, placement: Placement, block: Lines) -> None:
    title = ws.cell(row=placement.row, column=placement.column)
    _put_text(title, block.title)
    title.font = _BOLD
    for row_number, line in zip(lines_rows(placement), block.lines, strict=True):
        _put_text(ws.cell(row=row_number, column=placement.column), line)


def _stamp(report: Report, sheet: Sheet) -> str:
    if report.demo and "DEMO" not in sheet.stamp:
        return f"{styles.DEMO_MARK} · {sheet.stamp}" if sheet.stamp else styles.DEMO_MARK
    return sheet.stamp


def _write_top(ws: Any, report: Report, sheet: Sheet) -> None:
    title = ws.cell(row=TITLE_ROW, column=1)
    _put_text(title, sheet.title)
    title.font = _TITLE_FONT
    stamp = ws.cell(row=STAMP_ROW, column=1)
    _put_text(stamp, _stamp(report, sheet))
    stamp.font = _DEMO_FONT if report.demo else _STAMP_FONT
    if sheet.status:
        status = ws.cell(row=STATUS_ROW, column=1)
        _put_text(status, sheet.status)
        status.font = _STATUS_FONT


def _shown_width(item: Cell, fmt: Fmt, lang: Lang) -> int:
    """About how many characters ``item`` takes on screen in a column of format ``fmt``."""
    if item.error is not None:
        return styles.text_width(short_reason(item.error, lang))
    value = item.value
    if value is None:
        return 0
    if isinstance(value, str):
        return styles.text_width(value)
    fixed = styles.SHOWN_WIDTH[item.fmt or fmt]
    if fixed:
        return fixed
    if isinstance(value, int | float) and math.isfinite(value):
        return len(f"{value:,.0f}" if (item.fmt or fmt) == "price0" else f"{value:,.2f}")
    return 10


def _set_widths(ws: Any, placements: list[Placement], lang: Lang) -> int:
    """Each column as wide as its longest header or value (at least the model's width, at most
    MAX_COLUMN_WIDTH, beyond which text wraps); returns the last table column."""
    widths: dict[int, int] = {}
    for placement in placements:
        if isinstance(placement.block, Table):
            table = placement.block
            for offset, column in enumerate(table.columns):
                least = styles.MIN_TEXT_WIDTH if column.fmt == "text" else styles.MIN_WIDTH
                longest = max([styles.text_width(column.header),
                               *(_shown_width(row[offset], column.fmt, lang) for row in table.rows)])
                index = placement.column + offset
                widths[index] = max(widths.get(index, 0), min(max(column.width, least, longest + 2),
                                                              styles.MAX_COLUMN_WIDTH))
                if longest + 2 > styles.MAX_COLUMN_WIDTH:
                    _wrap(ws, placement, offset)
    table_columns = set(widths)
    for placement in placements:
        # Lines under a table (the Mag7 anchor notes) run on across the empty cells to their right; only lines
        # in a column of their own (the Summary) widen it.
        if isinstance(placement.block, Lines) and placement.column not in table_columns:
            longest = max((styles.text_width(line) for line in placement.block.lines), default=0)
            widths[placement.column] = max(widths.get(placement.column, 0), min(longest + 2, styles.MAX_LINES_WIDTH))
    for index, width in widths.items():
        ws.column_dimensions[get_column_letter(index)].width = width
    return max(widths, default=1)


def _columns_spanned(ws: Any, width: float) -> int:
    """How many columns from A a text of ``width`` characters runs across (so the print area holds the stamp)."""
    column, covered = 0, 0.0
    while covered < width:
        column += 1
        covered += ws.column_dimensions[get_column_letter(column)].width or styles.DEFAULT_COLUMN_WIDTH
    return max(column, 1)


def _wrap(ws: Any, placement: Placement, offset: int) -> None:
    for row in range(placement.first_data_row, placement.last_row + 1):
        ws.cell(row=row, column=placement.column + offset).alignment = _WRAP


def _page_setup(ws: Any, last_column: int, content_rows: int, chart_rows: int,
                placements: list[Placement]) -> None:
    """Landscape A4, everything printed: one page wide, as many pages tall as the tables need, with the
    header row of the sheet's long table repeated on every page (weekly tables run newest first, so the
    as-of week is on the first page)."""
    last_row = max(content_rows, chart_rows, 1)
    ws.print_area = f"A1:{get_column_letter(max(last_column, 1))}{last_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    tables = [p for p in placements if isinstance(p.block, Table)]
    longest = max(tables, key=lambda p: len(p.block.rows), default=None)  # type: ignore[union-attr]
    if longest is not None and longest.last_row - longest.header_row > styles.REPEAT_HEADER_AFTER_ROWS:
        ws.print_title_rows = f"{longest.header_row}:{longest.header_row}"


def write_blocks(ws: Any, report: Report, sheet: Sheet, placements: list[Placement]) -> None:
    """The sheet's title, stamp and status, each placed block, and the panes frozen under the first table's
    header: what the in-place and the printed layouts write alike."""
    _write_top(ws, report, sheet)
    for placement in placements:
        if isinstance(placement.block, Table):
            _write_table(ws, sheet, placement, placement.block, report.lang)
        else:
            _write_lines(ws, placement, placement.block)
    first_table = next((p for p in placements if isinstance(p.block, Table)), None)
    if first_table is not None:
        ws.freeze_panes = f"A{first_table.header_row + 1}"


def _render_sheet(ws: Any, report: Report, sheet: Sheet) -> None:
    placements = place(sheet)
    write_blocks(ws, report, sheet, placements)
    last_table_column = _set_widths(ws, placements, report.lang)
    chart_column, chart_row = add_charts(ws, sheet, placements)
    content_rows = max((p.last_row for p in placements), default=STATUS_ROW)
    lines = [line for p in placements if isinstance(p.block, Lines) for line in p.block.lines]
    top_width = max(styles.text_width(text) for text in (sheet.title, _stamp(report, sheet), sheet.status, *lines))
    last_column = max(last_table_column, chart_column, _columns_spanned(ws, top_width))
    _page_setup(ws, last_column, content_rows, chart_row, placements)


def _titles(report: Report) -> list[str]:
    titles = [sheet_title(sheet.title) for sheet in report.sheets]
    seen: dict[str, str] = {}
    for sheet, title in zip(report.sheets, titles, strict=True):
        if title.casefold() in seen:
            raise RenderError(f"sheet {sheet.key}",
                              f"title {title!r} is already used by sheet {seen[title.casefold()]}")
        seen[title.casefold()] = sheet.key
    return titles


def render_workbook(report: Report, wb: Workbook | None = None, *, printed: bool | None = None) -> Workbook:
    """One worksheet per report sheet, in order. With ``wb`` (e.g. a macro template loaded with
    ``keep_vba=True``), a sheet of the same title is replaced in place, new ones are appended and every other
    sheet is kept.

    ``printed`` (default: for a fresh workbook, not for ``wb``) lays the file out for paper
    (:mod:`marketreview.render.printed`): each sheet one page with its week, long tables on a data sheet that
    is not printed, charts that draw from there. A template keeps every table in place, where the live
    workbook's Refresh writes it."""
    titles = _titles(report)
    fresh = wb is None
    if printed if printed is not None else fresh:
        from .printed import render_printed

        return render_printed(report, wb, titles)
    book: Any = Workbook() if wb is None else wb
    if fresh:
        book.remove(book.active)
    for sheet, title in zip(report.sheets, titles, strict=True):
        existing = {name.casefold(): name for name in book.sheetnames}
        if title.casefold() in existing:
            old = book[existing[title.casefold()]]
            index = book.index(old)
            book.remove(old)
            ws = book.create_sheet(title, index)
        else:
            ws = book.create_sheet(title)
        _render_sheet(ws, report, sheet)
    if fresh and report.sheets:
        book.active = 0
        for index, ws in enumerate(book.worksheets):
            ws.sheet_view.tabSelected = index == 0
    return book


def verify_written(path: Path, titles: list[str]) -> None:
    """Refuse a written workbook that does not open again or lacks one of ``titles`` (its sheets)."""
    try:
        check = load_workbook(path, read_only=True)
    except Exception as exc:
        raise RenderError(str(path), f"the written file does not open again: {exc}") from exc
    try:
        missing = [title for title in titles if title not in check.sheetnames]
    finally:
        check.close()
    if missing:
        raise RenderError(str(path), f"the written file lacks sheets {missing}")


def write_xlsx(report: Report, path: str | os.PathLike[str], *, printed: bool = True) -> Path:
    """Render ``report`` into a new .xlsx at ``path`` atomically: an existing file is replaced only by a
    complete file that opened again; on any failure it is left untouched (RenderError names ``path``).
    ``printed`` lays it out for paper (:mod:`marketreview.render.printed`); ``False`` keeps every table in
    place, as in the template."""
    if Path(path).suffix.lower() != ".xlsx":
        raise RenderError(str(path), "a built review is a macro-free workbook: name it .xlsx (a .xlsm name on "
                          "a macro-free file will not open in Excel; `marketreview template` writes the .xlsm)")
    titles = _titles(report)

    def writer(temp: Path) -> None:
        render_workbook(report, printed=printed).save(temp)

    return atomic_write(path, writer, lambda temp: verify_written(temp, titles))
