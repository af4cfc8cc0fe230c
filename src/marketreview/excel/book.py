"""Writing a report into a live workbook through xlwings' object model (``book.sheets``, ``sheet.range``).

Blocks go where :func:`marketreview.report.layout.place` puts them, so addresses agree with the openpyxl file.
Every sheet is prepared in full first (all values converted, every block a 2-D list); only then is the book
touched, one ``range.value`` assignment per block, so a failure while preparing leaves the previous values
in place. Text is written with a leading apostrophe, which Excel keeps as a prefix, not as part of the value,
so a name like ``=HYPERLINK(…)`` or ``2024-01`` stays text instead of becoming a formula, a date or a number.

Charts are left to the workbook (the template's charts keep pointing at the same addresses).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from ..errors import RenderError
from ..render import styles
from ..render.xlsx import sheet_title
from ..report import layout
from ..report.model import CellValue, Column, Lines, Report, Sheet, Table
from ..report.published import note_text
from ..report.reasons import short_reason
from ..types import Lang


@dataclass
class SheetPlan:
    """Everything to write on one sheet, already converted: 2-D blocks by top-left cell, formats, marks."""

    name: str
    blocks: list[tuple[int, int, list[list[Any]]]] = field(default_factory=list)
    #: (first row, last row, column, Excel number format)
    formats: list[tuple[int, int, int, str]] = field(default_factory=list)
    #: table header rows to fill: (row, first column, last column)
    headers: list[tuple[int, int, int]] = field(default_factory=list)
    #: cells showing an error text (red italic): (row, column)
    errors: list[tuple[int, int]] = field(default_factory=list)
    #: cells with a warning (filled, with a note): (row, column, warning)
    notes: list[tuple[int, int, str]] = field(default_factory=list)
    #: the full message of each error cell, which shows a short reason (a note, no fill): (row, column, message)
    error_notes: list[tuple[int, int, str]] = field(default_factory=list)
    widths: dict[int, float] = field(default_factory=dict)
    failing: bool = False
    demo: bool = False


def excel_value(value: CellValue) -> Any:
    """One value as xlwings should receive it: text always apostrophe-prefixed (cut at Excel's limit), dates
    as datetimes (naive, UTC for aware ones), NaN as a blank and an infinite number as ``#NUM!`` text."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        if len(value) > styles.MAX_CELL_TEXT - 1:
            value = value[: styles.MAX_CELL_TEXT - 2] + "…"
        return "'" + value if value else None
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    number = float(value)
    if math.isnan(number):
        return None
    if math.isinf(number):
        return excel_value(f"#NUM! {number}")
    return value if isinstance(value, int) else number


def _table(plan: SheetPlan, table: Table, placement: layout.Placement, lang: Lang) -> None:
    width = len(table.columns)
    col0 = placement.column
    values: list[list[Any]] = [[excel_value(table.title), *([None] * (width - 1))],
                               [excel_value(c.header) for c in table.columns]]
    own_formats: list[tuple[int, int, int, str]] = []  # a cell's own format wins over its column's
    for r, row in enumerate(table.rows):
        if len(row) != width:
            raise RenderError(f"table {table.key}", f"row {r + 1} has {len(row)} cells for {width} columns")
        values.append([excel_value(short_reason(cell.error, lang) if cell.error is not None else cell.value)
                       for cell in row])
        for c, cell in enumerate(row):
            where = (placement.first_data_row + r, col0 + c)
            if cell.error is not None:
                plan.errors.append(where)
                plan.error_notes.append((*where, cell.error))
            elif cell.fmt is not None:
                own_formats.append((where[0], where[0], where[1], styles.number_format(cell.fmt)))
            if cell.warning:
                plan.notes.append((*where, note_text(cell, lang) or cell.warning))
    plan.blocks.append((placement.row, col0, values))
    plan.headers.append((placement.header_row, col0, col0 + width - 1))
    for c, column in enumerate(table.columns):
        plan.widths[col0 + c] = max(plan.widths.get(col0 + c, 0.0), _width(column))
        fmt = _number_format(column)
        if table.rows and fmt is not None:
            plan.formats.append((placement.first_data_row, placement.last_row, col0 + c, fmt))
    plan.formats.extend(own_formats)


def _width(column: Column) -> float:
    floor = styles.MIN_TEXT_WIDTH if column.fmt == "text" else styles.MIN_WIDTH
    return float(max(column.width, floor))


def _number_format(column: Column) -> str | None:
    """The column's number format; signed columns colour themselves (green up, red down) through it. Text
    columns keep General: the apostrophe already keeps their values as text."""
    if column.fmt == "text":
        return None
    fmt = styles.number_format(column.fmt)
    if column.signed:
        sections = fmt.split(";")
        positive, negative = sections[0], sections[1] if len(sections) > 1 else "-" + sections[0]
        rest = ";".join(sections[2:]) if len(sections) > 2 else positive
        fmt = f"[Color10]{positive};[Red]{negative};{rest}"
    return fmt


def plan_sheet(sheet: Sheet, status: str = "", *, problem: bool = False, demo: bool = False,
               lang: Lang = "en") -> SheetPlan:
    """Convert one sheet of the report into what :func:`write_sheet` writes. ``status`` is shown when the
    sheet has none of its own; ``problem``: it reports a failure (red, like a sheet's own status); ``demo``:
    the stamp must say DEMO; ``lang``: the language of the short reasons error cells show (the full message
    goes into the cell's note)."""
    plan = SheetPlan(sheet_title(sheet.title), demo=demo)
    shown_status = sheet.status or status
    plan.failing = bool(sheet.status) or (problem and bool(status))
    stamp = sheet.stamp
    if demo and "DEMO" not in stamp:
        stamp = f"{styles.DEMO_MARK} · {stamp}" if stamp else styles.DEMO_MARK
    heading = [[excel_value(sheet.title)], [excel_value(stamp)], [excel_value(shown_status)]]
    plan.blocks.append((layout.TITLE_ROW, layout.FIRST_COLUMN, heading))
    for placement in layout.place(sheet):
        block = placement.block
        if isinstance(block, Table):
            _table(plan, block, placement, lang)
        elif isinstance(block, Lines):
            plan.blocks.append((placement.row, placement.column,
                                [[excel_value(block.title)], *([excel_value(line)] for line in block.lines)]))
        else:  # pragma: no cover - the model has two kinds of block
            raise RenderError(f"sheet {sheet.key}", f"unknown block {type(block).__name__}")
    return plan


# -- touching the book -----------------------------------------------------------------------------


def find_sheet(book: Any, name: str) -> Any | None:
    """The sheet called ``name`` (Excel compares names case-insensitively), or None."""
    for sheet in book.sheets:
        if str(sheet.name).casefold() == name.casefold():
            return sheet
    return None


def _target(book: Any, name: str, after: Any | None) -> Any:
    sheet = find_sheet(book, name)
    if sheet is not None:
        return sheet
    return book.sheets.add(name, after=after if after is not None else book.sheets[-1])


def write_sheet(sheet: Any, plan: SheetPlan) -> None:
    """Clear what the previous render left and write ``plan``: one assignment per block."""
    sheet.used_range.clear()
    for row, column, values in plan.blocks:
        sheet.range((row, column)).value = values
    for first, last, column, fmt in plan.formats:
        sheet.range((first, column), (last, column)).number_format = fmt
    for column, width in plan.widths.items():
        sheet.range((1, column)).column_width = width
    title = sheet.range((layout.TITLE_ROW, layout.FIRST_COLUMN))
    title.font.bold = True
    title.font.size = styles.TITLE_FONT_SIZE
    stamp = sheet.range((layout.STAMP_ROW, layout.FIRST_COLUMN))
    stamp.font.color = styles.rgb(styles.RED if plan.demo else styles.STAMP_GREY)
    stamp.font.bold = plan.demo
    status = sheet.range((layout.STATUS_ROW, layout.FIRST_COLUMN))
    status.font.color = styles.rgb(styles.RED if plan.failing else styles.STAMP_GREY)
    status.font.bold = plan.failing
    for row, column, _values in plan.blocks[1:]:
        sheet.range((row, column)).font.bold = True  # block titles
    for row, first, last in plan.headers:
        header = sheet.range((row, first), (row, last))
        header.color = styles.rgb(styles.HEADER_FILL)
        header.font.bold = True
    for row, column in plan.errors:
        cell = sheet.range((row, column))
        cell.font.color = styles.rgb(styles.RED)
        cell.font.italic = True
    for row, column, text in plan.notes:
        cell = sheet.range((row, column))
        cell.color = styles.rgb(styles.WARNING_FILL)
        _note(cell, text)
    for row, column, text in plan.error_notes:
        _note(sheet.range((row, column)), text)


def _note(cell: Any, text: str) -> None:
    existing = cell.note
    if existing is not None:
        existing.text = text
    elif hasattr(cell, "add_note"):  # an xlwings without add_note keeps the fill only
        cell.add_note(text)


def _rename(book: Any, old: Sequence[str], new: Sequence[str]) -> None:
    """Rename the sheets called ``old[i]`` to ``new[i]`` (the same report sheet in another language)."""
    for before, after in zip(old, new, strict=True):
        if before.casefold() == after.casefold():
            continue
        sheet = find_sheet(book, before)
        if sheet is not None and find_sheet(book, after) is None:
            sheet.name = after


@contextmanager
def quiet(book: Any) -> Iterator[None]:
    """Screen updating off while writing (restored even when a write fails)."""
    app = getattr(book, "app", None)
    before = getattr(app, "screen_updating", None)
    if app is not None and before is not None:
        app.screen_updating = False
    try:
        yield
    finally:
        if app is not None and before is not None:
            app.screen_updating = before


def render_book(report: Report, book: Any, *, status: str = "", problem: bool = False,
                last_names: Sequence[str] = ()) -> list[str]:
    """Write every sheet of ``report`` into the open ``book`` (an xlwings Book), creating missing sheets after
    the previous report sheet. ``status`` goes in the status cell of sheets without a status of their own
    (``problem``: it reports a failure). ``last_names``: the names the last render wrote, in order; a sheet whose
    name changed (``Lang`` switched) is renamed in place instead of getting a twin. Returns the sheet names
    written, in order."""
    plans = [plan_sheet(sheet, status, problem=problem, demo=report.demo, lang=report.lang)
             for sheet in report.sheets]
    names = [plan.name for plan in plans]
    if len({n.casefold() for n in names}) != len(names):
        raise RenderError("workbook", f"two sheets would share a name: {names}")
    with quiet(book):
        if len(last_names) == len(names):
            _rename(book, last_names, names)
        previous = None
        for plan in plans:
            sheet = _target(book, plan.name, previous)
            write_sheet(sheet, plan)
            previous = sheet
    return names


__all__ = ["SheetPlan", "excel_value", "find_sheet", "plan_sheet", "render_book", "write_sheet"]
