"""A built workbook laid out for paper: every sheet prints on one landscape A4 page that holds its week.

- Histories (date-led tables longer than :data:`~marketreview.report.layout.DATA_ROWS` rows, or drawn by a
  chart: the daily yields, the weekly ratios and shares, the Macro sheet's chart tables) go to a data sheet
  (``データ`` / ``Data``) at the end, side by side. Its print area is one empty cell, so printing the workbook
  skips it; it is there to read and to copy.
- The charts stay on their sheets and draw from the data sheet, arranged beside or below the tables
  (:func:`marketreview.render.charts.add_charts` with ``fit_page``) so the page fits at the largest scale; no
  header row is repeated, so no chart can cross one. Charts that would print the page below 8 pt get a page of
  their own after a manual break, at a fixed scale.
- Long text (the stamp, the status, lines under a table) wraps inside the printed width instead of widening it,
  and the Summary's two languages sit side by side.
- Every cell and chart names its font (:data:`~marketreview.render.styles.FONT_NAME`).
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.utils.indexed_list import IndexedList
from openpyxl.worksheet.properties import PageSetupProperties

from ..errors import RenderError
from ..report import layout
from ..report.labels import label
from ..report.model import Cell, Fmt, Lines, Report, Sheet, Table
from . import styles
from .charts import add_charts
from .xlsx import (
    _BODY_FONT,
    _DEMO_FONT,
    _STAMP_FONT,
    _TITLE_FONT,
    _put_text,
    _set_widths,
    _shown_width,
    _titles,
    _write_table,
    sheet_title,
    write_blocks,
)

#: Points of row height per line of wrapped body text (the CJK font's line is taller than Calibri's).
_LINE_PT = 15.5
_WRAP_TOP = Alignment(wrap_text=True, vertical="top")
#: On paper a column is as wide as its values need (headers wrap onto two lines), at most this; longer text
#: wraps. Lines in a column of their own (the Summary) are at most MAX_LINES wide.
MAX_COLUMN = 28
#: the caps tried on a sheet without charts (the one that prints largest wins)
CAPS = tuple(float(cap) for cap in range(20, 68, 4))
#: how much narrower :func:`_narrow` makes one column at a time
CAP_STEP = 4.0
#: proportional Latin text takes about this share of the width :func:`styles.text_width` counts for it
_PROPORTIONAL = 0.9
#: and capitals about this much more
_CAPITALS = 1.15
#: scales this close count as equal when choosing a cap
_SCALE_TIE = 0.01
#: centimetres per unit of column width, per default row and per point (for choosing a cap)
CHAR_CM = 0.206
ROW_PT = 15.0
ROW_CM = ROW_PT * 2.54 / 72
PT_CM = 2.54 / 72
#: a header up to this wide keeps one line
SHORT_HEADER = 10
MAX_LINES = 70
#: width of the blank column between blocks placed side by side
GAP_WIDTH = 2


def _text_cm_width(text: str) -> float:
    """The width of ``text`` in column-width units as it wraps: wide (CJK) characters count two, Latin ones a
    little less than one."""
    wide = styles.text_width(text) - len(text)
    return 2 * wide + _PROPORTIONAL * (len(text) - wide)


def _name_fonts(book: Any) -> None:
    """The default font of a fresh workbook (font 0, and the Normal style) is the named body font."""
    book._fonts = IndexedList([_BODY_FONT])
    for style in book._named_styles:
        if style.name == "Normal":
            style.font = _BODY_FONT


def _data_title(report: Report, titles: list[str]) -> str:
    title = sheet_title(label("sheet.data", report.lang))
    if title.casefold() in {t.casefold() for t in titles}:
        raise RenderError("data sheet", f"title {title!r} is already a sheet of the report")
    return title


def render_printed(report: Report, wb: Workbook | None, titles: list[str]) -> Workbook:
    """:func:`marketreview.render.xlsx.render_workbook` for paper (see the module docstring), into a fresh
    workbook (a template keeps its layout, where the Refresh button writes)."""
    if wb is not None:
        raise RenderError("workbook", "the printed layout is for a new file; render into a template with "
                                      "printed=False")
    book: Any = Workbook()
    book.remove(book.active)
    _name_fonts(book)
    placed = printed_placements(report, titles)
    titled = {sheet.key: sheet.title for sheet in report.sheets}
    # the data sheet's tables are titled by their sheet too ("Rates: Daily yields")
    owners = [(sheet.key, layout.Placement(replace(p.block, title=f"{titled[sheet.key]}: {p.block.title}"),
                                           p.row, p.column))
              for sheet, title in zip(report.sheets, titles, strict=True)
              for on, p in placed[sheet.key] if on != title]
    data_ws = book.create_sheet(_data_title(report, titles)) if owners else None
    if data_ws is not None:
        _render_data(data_ws, report, [p for _, p in owners])
    for sheet, title in zip(report.sheets, titles, strict=True):
        ws = book.create_sheet(title)
        elsewhere = {p.block.key: (data_ws, p) for key, p in owners if key == sheet.key}
        _render_sheet(ws, report, sheet, [p for on, p in placed[sheet.key] if on == title], elsewhere)
    if data_ws is not None:
        book.move_sheet(data_ws, offset=len(book.sheetnames) - 1 - book.index(data_ws))
    book.active = 0
    for index, ws in enumerate(book.worksheets):
        ws.sheet_view.tabSelected = index == 0
    return book


def printed_placements(report: Report, titles: list[str] | None = None
                       ) -> dict[str, list[tuple[str, layout.Placement]]]:
    """Where :func:`render_printed` puts each block of each report sheet (``titles``: the sheets' worksheet
    titles, by default :func:`~marketreview.render.xlsx.sheet_title`'s): sheet key → (worksheet title,
    placement), the blocks kept on the sheet first, then the tables moved to the data sheet (whose title there
    is prefixed by the sheet's)."""
    titles = _titles(report) if titles is None else titles
    splits = {sheet.key: layout.split_for_print(sheet) for sheet in report.sheets}
    moved = [(sheet.key, t) for sheet in report.sheets for t in splits[sheet.key][1]]
    out = {sheet.key: [(title, p) for p in layout.place_printed(splits[sheet.key][0])]
           for sheet, title in zip(report.sheets, titles, strict=True)}
    if moved:
        data_title = _data_title(report, titles)
        for (key, _), p in zip(moved, layout.place_across([t for _, t in moved]), strict=True):
            out[key].append((data_title, p))
    return out


def _render_data(ws: Any, report: Report, placements: list[layout.Placement]) -> None:
    title = ws.cell(row=layout.TITLE_ROW, column=1)
    _put_text(title, label("sheet.data", report.lang))
    title.font = _TITLE_FONT
    stamp = ws.cell(row=layout.STAMP_ROW, column=1)
    words = [f"{label('stamp.as_of', report.lang)}: {report.as_of.isoformat()}", label("stamp.data_sheet", report.lang)]
    if report.demo:  # first, as on every sheet of a demo build
        words.insert(0, label("stamp.demo", report.lang))
    _put_text(stamp, " · ".join(words))
    stamp.font = _DEMO_FONT if report.demo else _STAMP_FONT
    holder = Sheet("data", "data", "", tuple(p.block for p in placements))
    for placement in placements:
        assert isinstance(placement.block, Table)
        _write_table(ws, holder, placement, placement.block, report.lang)
    ws.freeze_panes = f"A{layout.FIRST_BLOCK_ROW + 2}"
    last = _set_widths(ws, placements, report.lang)
    # Printing the workbook skips a sheet whose print area holds nothing: this one is read on screen.
    ws.print_area = f"{get_column_letter(last + 2)}{layout.TITLE_ROW}"


def _render_sheet(ws: Any, report: Report, sheet: Sheet, placements: list[layout.Placement],
                  elsewhere: dict[str, tuple[Any, layout.Placement]]) -> None:
    write_blocks(ws, report, sheet, placements)
    last_table_column = _set_print_widths(ws, placements, report.lang, charts=bool(sheet.charts))
    chart_column, chart_row = add_charts(ws, sheet, placements, elsewhere=elsewhere, fit_page=True)
    last_column = max(last_table_column, chart_column, 1)
    _wrap_text(ws, placements, last_table_column, last_column, chart_row)
    content_rows = max((p.last_row for p in placements), default=layout.STATUS_ROW)
    _page_setup(ws, last_column, max(content_rows, chart_row, layout.STATUS_ROW))


def _value_width(item: Cell, fmt: Fmt, lang: Any) -> int:
    """:func:`xlsx._shown_width`, with room for capitals (``FRED:GACDFSA066MSFRBPHI``), which are wider than the
    digit a column-width unit measures."""
    width = _shown_width(item, fmt, lang)
    text = item.shown if item.error is None else None
    if isinstance(text, str) and 2 * sum(ch.isupper() for ch in text) > len(text):
        return math.ceil(width * _CAPITALS)
    return width


def _column_widths(placements: list[layout.Placement], lang: Any, cap: float) -> dict[int, float]:
    """Each column as narrow as its values allow, at most ``cap`` (longer text wraps); headers up to
    :data:`SHORT_HEADER` wide keep one line, longer ones take two without breaking a word. Lines alone on a
    sheet (the Summary) get their own column, at most :data:`MAX_LINES` wide."""
    widths: dict[int, float] = {}
    tables = [p for p in placements if isinstance(p.block, Table)]
    for placement in tables:
        table = placement.block
        assert isinstance(table, Table)
        for offset, column in enumerate(table.columns):
            longest = max([0, *(_value_width(row[offset], column.fmt, lang) for row in table.rows)])
            header = styles.text_width(column.header)
            if header > SHORT_HEADER:  # on two lines, but a word is not broken ("Observation")
                header = max(math.ceil(header / 2), *(math.ceil(_word_width(w)) for w in _words(column.header)))
            index = placement.column + offset
            widths[index] = max(widths.get(index, 0.0), min(max(styles.MIN_WIDTH, longest + 2, header + 2), cap))
    for placement in placements:
        if isinstance(placement.block, Lines) and not tables:
            longest = max((styles.text_width(line) for line in placement.block.lines), default=0)
            widths[placement.column] = max(widths.get(placement.column, 0.0), min(longest + 1, MAX_LINES))
    return widths


def _row_lines(placement: layout.Placement, widths: dict[int, float]) -> list[tuple[int, int]]:
    """(sheet row, lines of text) of a table's header and data rows at ``widths``."""
    table = placement.block
    assert isinstance(table, Table)

    def lines(text: object, column: int) -> int:
        if not isinstance(text, str):
            return 1
        return max(math.ceil(_word_width(text) / max(widths[column] - 2, 1.0)), 1)

    out = [(placement.header_row, max(lines(c.header, placement.column + i) for i, c in enumerate(table.columns)))]
    for r, row in enumerate(table.rows):
        out.append((placement.first_data_row + r,
                    max(lines(item.shown, placement.column + i) if item.error is None else 1
                        for i, item in enumerate(row))))
    return out


def _estimate(placements: list[layout.Placement], widths: dict[int, float]) -> float:
    """The scale one page allows for the tables at ``widths`` (before charts)."""
    width = sum(widths.values()) * CHAR_CM
    rows = max((p.last_row for p in placements), default=layout.STATUS_ROW)
    extra = sum(lines - 1 for p in placements if isinstance(p.block, Table) for _, lines in _row_lines(p, widths))
    for p in placements:
        if isinstance(p.block, Lines):
            room = sum(widths.values()) if any(isinstance(q.block, Table) for q in placements) else widths[p.column]
            extra += sum(math.ceil(styles.text_width(line) / max(room - 1, 1.0)) - 1 for line in p.block.lines)
    height = rows * ROW_CM + extra * _LINE_PT * PT_CM
    return min(layout.PAGE_WIDTH_CM / max(width, 1e-9), layout.PAGE_HEIGHT_CM / height, 1.0)


def _word_floors(placements: list[layout.Placement]) -> dict[int, float]:
    """Per column, the narrowest :func:`_narrow` may make it: the smallest cap, or its longest word (a run of
    Latin letters without a space: ``FRED:GACDFSA066MSFRBPHI``, ``sp500_total_market_cap.csv:``) on one line."""
    floors: dict[int, float] = {}
    for placement in placements:
        if not isinstance(placement.block, Table):
            continue
        for offset, _ in enumerate(placement.block.columns):
            words = [word for row in placement.block.rows
                     if row[offset].error is None and isinstance(row[offset].shown, str)
                     for word in _words(str(row[offset].shown))]
            longest = max((_word_width(word) for word in words), default=0.0)
            index = placement.column + offset
            floors[index] = max(floors.get(index, 0.0), float(min(CAPS)), math.ceil(longest) + 2.0)
    return floors


def _words(text: str) -> list[str]:
    """The runs of ``text`` a wrap cannot break: a line may break at a space, after a hyphen
    (``Dividend-adjusted``) and at a wide (CJK) character."""
    return [word for token in text.replace("-", "- ").split()
            for word in "".join(" " if styles.text_width(ch) == 2 else ch for ch in token).split()]


def _word_width(text: str) -> float:
    """The width of ``text`` as :func:`_row_lines` counts it: :func:`_text_cm_width`, with the Latin part of
    a text mostly in capitals (``FRED:GACDFSA066MSFRBPHI``) as wide as :func:`_value_width` counts it."""
    if 2 * sum(ch.isupper() for ch in text) <= len(text):
        return _text_cm_width(text)
    wide = styles.text_width(text) - len(text)
    return 2 * wide + _CAPITALS * (len(text) - wide)


def _narrow(placements: list[layout.Placement], widths: dict[int, float]) -> dict[int, float]:
    """One cap for every column keeps a column wide for the one long text in it (the Sources sheet's source
    column: \"csv\" but once) and wraps others that need the room: narrow one table column at a time, by a
    multiple of :data:`CAP_STEP` down to :func:`_word_floors`, the step that prints the page largest each time,
    while a step makes it print larger. Kept when the page prints larger by more than :data:`_SCALE_TIE` (else
    the fewer wrapped cells win)."""
    floors = _word_floors(placements)
    start = scale = _estimate(placements, widths)
    narrowed = widths
    while True:
        steps = [{**narrowed, index: max(narrowed[index] - CAP_STEP * k, floor)}
                 for index, floor in floors.items() if index in narrowed
                 for k in range(1, math.ceil((narrowed[index] - floor) / CAP_STEP) + 1)]
        best = max(((_estimate(placements, w), w) for w in steps), key=lambda pair: pair[0], default=None)
        if best is None or best[0] <= scale:
            break
        scale, narrowed = best
    return narrowed if scale > start + _SCALE_TIE else widths


def _set_print_widths(ws: Any, placements: list[layout.Placement], lang: Any, *, charts: bool) -> int:
    """Column widths for one page (the cap on wide columns that lets the sheet print largest; a sheet with
    charts keeps :data:`MAX_COLUMN`, its charts take the room); every row that wraps is made tall enough for
    its lines and reads from the top. Returns the last table column."""
    caps = (MAX_COLUMN,) if charts else CAPS
    starts = [_column_widths(placements, lang, cap) for cap in caps]
    if not charts:  # from every cap: narrowing one column at a time can stop short of a better start's end
        starts = [_narrow(placements, w) for w in starts]
    choices = [(_estimate(placements, w), w) for w in starts]
    best = max(scale for scale, _ in choices)
    # the widest columns that print about as large: fewer wrapped cells for the same size
    widths = [w for scale, w in choices if scale >= best - _SCALE_TIE][-1]
    for index, width in widths.items():
        ws.column_dimensions[get_column_letter(index)].width = width
    for index in range(1, max(widths, default=1)):
        if index not in widths:
            ws.column_dimensions[get_column_letter(index)].width = GAP_WIDTH
    last = 0
    for placement in placements:
        if not isinstance(placement.block, Table):
            continue
        end = placement.column + len(placement.block.columns) - 1
        last = max(last, end)
        for row, lines in _row_lines(placement, widths):
            if lines > 1 and row != placement.header_row:  # the whole row wraps and starts at the top
                for column in range(placement.column, end + 1):
                    ws.cell(row=row, column=column).alignment = _WRAP_TOP
            _tall(ws, row, lines)
    return last or max(widths, default=1)


def _tall(ws: Any, row: int, lines: int) -> None:
    if lines > 1:
        ws.row_dimensions[row].height = max(ws.row_dimensions[row].height or 0, _LINE_PT * lines)


def _width_of(ws: Any, first: int, last: int) -> float:
    return sum(float(ws.column_dimensions[get_column_letter(c)].width or styles.DEFAULT_COLUMN_WIDTH)
               for c in range(first, last + 1))


def _wrap_cell(ws: Any, row: int, column: int, last_column: int) -> None:
    """Wrap the text of one cell inside columns ``column``..``last_column`` (merged when more than one) and
    make its row tall enough for the lines it takes."""
    cell = ws.cell(row=row, column=column)
    if not isinstance(cell.value, str) or not cell.value:
        return
    room = max(_width_of(ws, column, last_column) - 2, 1.0)
    lines = math.ceil(styles.text_width(cell.value) / room)
    if lines <= 1:
        return
    if last_column > column:
        ws.merge_cells(start_row=row, start_column=column, end_row=row, end_column=last_column)
    cell.alignment = _WRAP_TOP
    _tall(ws, row, lines)


def _wrap_text(ws: Any, placements: list[layout.Placement], last_table_column: int, last_column: int,
               chart_row: int) -> None:
    """The stamp, the status and every line wrap within the printed width (beside a chart, within the tables'
    width; a line in a column of its own, the Summary's, within that column), so no text runs past the page,
    under a chart or over its neighbour."""
    for row in (layout.STAMP_ROW, layout.STATUS_ROW):  # above every chart
        _wrap_cell(ws, row, layout.FIRST_COLUMN, last_column)
    has_tables = any(isinstance(p.block, Table) for p in placements)
    for placement in placements:
        if not isinstance(placement.block, Lines):
            continue
        for row in layout.lines_rows(placement):
            last = (placement.column if not has_tables else last_column if row > chart_row else last_table_column)
            _wrap_cell(ws, row, placement.column, last)


def _page_setup(ws: Any, last_column: int, last_row: int) -> None:
    """One landscape A4 page: the sheet scaled to fit it, narrow margins, no repeated header rows."""
    ws.print_area = f"A1:{get_column_letter(last_column)}{last_row}"
    # rows one body line tall, as the layout counts them (a CJK font would otherwise make every row taller)
    ws.sheet_format.defaultRowHeight = ROW_PT
    ws.sheet_format.customHeight = True
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 1
    # fitted to one page, unless the charts were given a page of their own: then the break above them holds
    # at the scale add_charts chose
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=not ws.row_breaks.brk)
    left, right, top, bottom, header, footer = layout.PAGE_MARGINS_IN
    ws.page_margins.left, ws.page_margins.right = left, right
    ws.page_margins.top, ws.page_margins.bottom = top, bottom
    ws.page_margins.header, ws.page_margins.footer = header, footer
