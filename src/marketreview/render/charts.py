"""Native Excel charts over a sheet's table ranges, placed right of the tables and stacked top to bottom.

The charts reference cells (they hold no copies of the data), so the file and its chart agree by construction.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.chart.axis import DateAxis
from openpyxl.chart.data_source import StrRef
from openpyxl.chart.series import SeriesLabel
from openpyxl.chart.text import RichText, Text
from openpyxl.chart.title import Title
from openpyxl.drawing.text import CharacterProperties, Font, Paragraph, ParagraphProperties, RegularTextRun
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.pagebreak import Break

from ..errors import RenderError
from ..report.layout import FIRST_BLOCK_ROW, FIRST_COLUMN, PAGE_HEIGHT_CM, PAGE_WIDTH_CM, Placement, chart_anchor_column
from ..report.model import Chart, Sheet, Table
from .styles import CHART_HEIGHT_CM, CHART_WIDTH_CM, DEFAULT_COLUMN_WIDTH, FONT_NAME, NUMBER_FORMATS

#: Height of a default row and width of a default (8.43-character) column, in centimetres.
_ROW_CM = 0.53
_COLUMN_CM = 1.69
#: Height a bar chart needs for each category, so every one gets its label.
_BAR_CM = 0.7
#: Value axes of these formats fit the data; returns (bars) keep zero in view.
_FITTED_FORMATS = ("pct", "level_pct", "ratio", "number")
_AXIS_MARGIN = 0.08
#: Font sizes in hundredths of a point.
_TITLE_SIZE = 1200
_LABEL_SIZE = 800


def _placement(sheet: Sheet, placements: list[Placement], chart: Chart) -> tuple[Table, Placement]:
    for placement in placements:
        if isinstance(placement.block, Table) and placement.block.key == chart.table:
            return placement.block, placement
    raise RenderError(f"sheet {sheet.key} chart {chart.key}", f"no table {chart.table!r} on the sheet")


def _column(sheet: Sheet, chart: Chart, table: Table, key: str) -> int:
    try:
        return table.column_index(key)
    except KeyError:
        raise RenderError(f"sheet {sheet.key} chart {chart.key}",
                          f"table {table.key!r} has no column {key!r}") from None


def _height_cm(chart: Chart, table: Table) -> float:
    if chart.kind == "bar":
        return max(CHART_HEIGHT_CM, 3.0 + _BAR_CM * len(table.rows))
    return CHART_HEIGHT_CM


def _rows_spanned(height_cm: float) -> int:
    return math.ceil(height_cm / _ROW_CM) + 1


def _date_axis(dates: list[Any]) -> DateAxis:
    """A time axis over daily points, with a tick every 1, 3, 6 or 12 months (about ten labels at most)."""
    known = [d for d in dates if isinstance(d, dt.date)]
    months = 0
    if known:
        first, last = min(known), max(known)
        months = (last.year - first.year) * 12 + last.month - first.month
    step = next((s for s in (1, 3, 6, 12) if months <= 10 * s), 12 * math.ceil(months / 120))
    axis = DateAxis(crossAx=100)
    axis.baseTimeUnit = "days"
    axis.majorTimeUnit = "months"
    axis.majorUnit = step
    axis.number_format = "yyyy-mm"
    axis.numFmt.sourceLinked = False
    return axis


def _numbers(table: Table, key: str) -> list[float]:
    return [float(v) for v in table.column_values(key)
            if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)]


def _fit_axis(axis: Any, values: list[float]) -> None:
    """A value axis over the data's range plus a margin, on round steps, instead of from zero (a 29–37%
    share drawn from 0% looks flat)."""
    if not values:
        return
    low, high = min(values), max(values)
    span = high - low if high > low else abs(high) * 0.1 or 1.0
    step = 10 ** math.floor(math.log10(span / 2))
    for factor in (1, 2, 5, 10):
        if span / (step * factor) <= 6:
            step *= factor
            break
    axis.scaling.min = math.floor((low - span * _AXIS_MARGIN) / step) * step
    axis.scaling.max = math.ceil((high + span * _AXIS_MARGIN) / step) * step
    axis.majorUnit = step


def _chars(size_hundredths: int, bold: bool = False) -> CharacterProperties:
    """Text properties that name the font for Latin and East Asian text (no viewer falls back to a serif)."""
    return CharacterProperties(sz=size_hundredths, b=bold, latin=Font(typeface=FONT_NAME),
                               ea=Font(typeface=FONT_NAME))


def _font(size_hundredths: int, bold: bool = False) -> RichText:
    return RichText(p=[Paragraph(pPr=ParagraphProperties(defRPr=_chars(size_hundredths, bold)),
                                 endParaRPr=_chars(size_hundredths, bold))])


def _title(text: str, size: int = _TITLE_SIZE) -> Title:
    """A chart (or axis) title in a size that fits the chart's width on one line."""
    run = RegularTextRun(t=text, rPr=_chars(size, True))
    return Title(tx=Text(rich=RichText(p=[Paragraph(pPr=ParagraphProperties(
        defRPr=_chars(size, True)), r=[run])])), overlay=False)


def _rows_with_data(table: Table, placement: Placement, columns: list[int]) -> tuple[int, int]:
    """The sheet rows from the first to the last table row where any of ``columns`` has a number, so a short
    series (seven weeks of a new index) is not squeezed against a two-year axis."""
    filled = [i for i, row in enumerate(table.rows)
              if any(isinstance(row[c].value, int | float) and not isinstance(row[c].value, bool) for c in columns)]
    if not filled:
        return placement.first_data_row, placement.last_row
    return placement.first_data_row + filled[0], placement.first_data_row + filled[-1]


def _build(ws: Any, sheet: Sheet, chart: Chart, table: Table, placement: Placement) -> Any:
    x_index = _column(sheet, chart, table, chart.x)
    # A series without a single number (a 26-week average of a 7-week history) gets no line and no legend entry.
    series_index = [_column(sheet, chart, table, key) for key in chart.series]
    series_index = [i for i, key in zip(series_index, chart.series, strict=True) if _numbers(table, key)]
    first, last = _rows_with_data(table, placement, series_index)
    x_fmt = table.columns[x_index].fmt
    y_fmt = table.columns[series_index[0]].fmt if series_index else "number"

    made: Any
    if chart.kind == "line":
        made = LineChart()
        if x_fmt in ("date", "datetime"):
            offset = placement.first_data_row
            made.x_axis = _date_axis(table.column_values(chart.x)[first - offset:last - offset + 1])
        made.x_axis.tickLblPos = "low"  # dates below the plot even when values go negative
        if y_fmt in _FITTED_FORMATS:
            _fit_axis(made.y_axis, [v for key in chart.series for v in _numbers(table, key)])
    else:
        made = BarChart()
        made.type = "bar"
        made.gapWidth = 40
        # Categories read top-down in table order; the value axis then sits at the bottom, labels at the left.
        made.x_axis.scaling.orientation = "maxMin"
        made.x_axis.tickLblPos = "low"
        made.x_axis.tickLblSkip = 1  # every category labelled, not every other one
        made.x_axis.txPr = _font(_LABEL_SIZE)
        made.y_axis.crosses = "max"
    made.title = _title(chart.title)
    if made.x_axis.txPr is None:
        made.x_axis.txPr = _font(_LABEL_SIZE)
    made.y_axis.txPr = _font(_LABEL_SIZE)
    made.y_axis.title = _title(chart.y_title, _LABEL_SIZE) if chart.y_title else None
    made.y_axis.number_format = NUMBER_FORMATS[y_fmt]
    made.x_axis.delete = False
    made.y_axis.delete = False
    made.legend.position = "b"
    made.width = CHART_WIDTH_CM
    made.height = _height_cm(chart, table)

    for index in series_index:
        column = placement.column + index
        made.add_data(Reference(ws, min_col=column, min_row=first, max_row=last), titles_from_data=False)
        made.series[-1].tx = SeriesLabel(strRef=StrRef(f"{quote_sheetname(ws.title)}!"
                                                       f"${get_column_letter(column)}${placement.header_row}"))
    made.set_categories(Reference(ws, min_col=placement.column + x_index, min_row=first, max_row=last))
    if chart.kind == "line":
        for series in made.series:
            series.smooth = False
            series.marker.symbol = "none"
    if len(series_index) <= 1 and not chart.secondary:  # the title names the one series
        made.legend = None
    else:
        made.legend.txPr = _font(_LABEL_SIZE)
    if chart.secondary:
        _add_secondary(ws, sheet, chart, table, placement, made)
    return made


def _add_secondary(ws: Any, sheet: Sheet, chart: Chart, table: Table, placement: Placement, made: Any) -> None:
    """Lines for ``chart.secondary`` against a value axis on the right, sharing the category axis."""
    other = LineChart()
    for key in chart.secondary:
        column = placement.column + _column(sheet, chart, table, key)
        other.add_data(Reference(ws, min_col=column, min_row=placement.header_row, max_row=placement.last_row),
                       titles_from_data=True)
    for series in other.series:
        series.smooth = False
        series.marker.symbol = "none"
    other.x_axis = made.x_axis
    other.y_axis.axId = 200
    other.y_axis.crossAx = made.x_axis.axId
    other.y_axis.crosses = "max"
    other.y_axis.delete = False
    other.y_axis.majorGridlines = None
    first_secondary = table.columns[_column(sheet, chart, table, chart.secondary[0])].fmt
    other.y_axis.number_format = NUMBER_FORMATS[first_secondary]
    made += other


def add_charts(ws: Any, sheet: Sheet, placements: list[Placement], *,
               elsewhere: dict[str, tuple[Any, Placement]] | None = None, fit_page: bool = False) -> tuple[int, int]:
    """Add ``sheet.charts`` to the worksheet ``ws``; return the last column and row they cover (0, 0 if none).

    ``elsewhere`` maps the key of a table placed on another worksheet (a built file's data sheet) to that
    worksheet and placement; the chart stays on ``ws`` and draws from there. With ``fit_page`` the charts are
    sized for print and arranged (beside or below the tables, in one to three columns) so the sheet fits one
    page at the largest scale. A chart over a table without rows is left out: the empty table and the sheet
    status already say why.
    """
    built = []
    for chart in sheet.charts:
        if elsewhere and chart.table in elsewhere:
            source, placement = elsewhere[chart.table]
            table = placement.block
            assert isinstance(table, Table)
        else:
            source = ws
            table, placement = _placement(sheet, placements, chart)
        made = _build(source, sheet, chart, table, placement)
        if not table.rows:
            continue
        if fit_page:
            made.width, made.height = _print_width_cm(chart), _print_height_cm(chart, table)
        built.append(made)
    if fit_page:
        return _arrange(ws, built, placements)
    column = chart_anchor_column(sheet, tuple(p.block for p in placements))
    row = FIRST_BLOCK_ROW
    last_column = last_row = 0
    for made in built:
        ws.add_chart(made, f"{get_column_letter(column)}{row}")
        span = _rows_spanned(made.height)
        last_row = row + span - 1
        last_column = column + math.ceil(made.width / _COLUMN_CM)
        row += span + 1
    return last_column, last_row


# -- charts arranged for one printed page ------------------------------------------------------------------

#: A printed chart's size in centimetres (a bar chart grows with its categories).
PRINT_CHART_CM = (13.5, 7.0)
_PRINT_BAR_CM = _BAR_CM
#: Centimetres per unit of column width (a character of the body font) and between charts.
_CHAR_CM = 0.2
_GAP_CM = 0.6
#: a default row, in points
_ROW_PT = 15.0
#: Below this scale (8 pt body text) the charts print on a page of their own instead.
MIN_PRINT_SCALE = 8 / 11
_SCALE_MARGIN = 0.9


#: A printed bar chart (one bar per category, labels at the left) needs less width than a time series.
PRINT_BAR_WIDTH_CM = 10.0


def _print_width_cm(chart: Chart) -> float:
    return PRINT_BAR_WIDTH_CM if chart.kind == "bar" else PRINT_CHART_CM[0]


def _print_height_cm(chart: Chart, table: Table) -> float:
    if chart.kind == "bar":
        return max(PRINT_CHART_CM[1], 3.0 + _PRINT_BAR_CM * len(table.rows))
    return PRINT_CHART_CM[1]


def _column_cm(ws: Any, column: int) -> float:
    return float(ws.column_dimensions[get_column_letter(column)].width or DEFAULT_COLUMN_WIDTH) * _CHAR_CM


def _column_at(ws: Any, start: int, offset_cm: float) -> int:
    """The column ``offset_cm`` to the right of the left edge of column ``start``."""
    column, covered = start, 0.0
    while covered + _column_cm(ws, column) <= offset_cm + 1e-9:
        covered += _column_cm(ws, column)
        column += 1
    return column


def _grid_heights(charts: list[Any], per_row: int) -> list[float]:
    return [max(c.height for c in charts[i:i + per_row]) for i in range(0, len(charts), per_row)]


def _arrange(ws: Any, charts: list[Any], placements: list[Placement]) -> tuple[int, int]:
    """Place ``charts`` beside or below the blocks, in the arrangement that fits one page at the largest scale."""
    if not charts:
        return 0, 0
    table_columns = [p.column + len(p.block.columns) - 1 for p in placements if isinstance(p.block, Table)]
    last_column = max(table_columns, default=FIRST_COLUMN)
    last_row = max((p.last_row for p in placements), default=FIRST_BLOCK_ROW)
    width = sum(_column_cm(ws, c) for c in range(FIRST_COLUMN, last_column + 1))
    height = sum((ws.row_dimensions[r].height or _ROW_PT) for r in range(1, last_row + 1)) * 2.54 / 72
    chart_width = max(c.width for c in charts)
    options = []
    for per_row in range(1, min(3, len(charts)) + 1):
        rows = _grid_heights(charts, per_row)
        grid_w = per_row * chart_width + (per_row - 1) * _GAP_CM
        grid_h = sum(rows) + (len(rows) - 1) * _GAP_CM
        beside = (width + _GAP_CM + grid_w, max(height, FIRST_BLOCK_ROW * _ROW_CM + grid_h))
        below = (max(width, grid_w), height + _GAP_CM + grid_h)
        for where, (w, h) in (("beside", beside), ("below", below)):
            scale = min(PAGE_WIDTH_CM / w, PAGE_HEIGHT_CM / h, 1.0)
            options.append((scale, where == "beside", -per_row, where, per_row))
    scale, _, _, where, per_row = max(options)
    if scale < MIN_PRINT_SCALE:  # the charts take a page of their own, below the tables
        pages = []
        for per_row in range(1, min(3, len(charts)) + 1):
            rows = _grid_heights(charts, per_row)
            grid_w = per_row * chart_width + (per_row - 1) * _GAP_CM
            grid_h = sum(rows) + (len(rows) - 1) * _GAP_CM
            pages.append((min(PAGE_WIDTH_CM / max(width, grid_w), PAGE_HEIGHT_CM / max(height, grid_h), 1.0),
                          -per_row, per_row))
        scale, _, per_row = max(pages)
        where = "next_page"
        # a manual break holds only at a fixed scale (fitting to pages ignores it): a margin for the estimate
        ws.row_breaks.append(Break(id=last_row + 1))
        ws.page_setup.scale = max(10, math.floor(scale * 100 * _SCALE_MARGIN))
    if where == "beside":  # a narrow blank column between the tables and the charts
        ws.column_dimensions[get_column_letter(last_column + 1)].width = _GAP_CM / _CHAR_CM
    start_column = last_column + 2 if where == "beside" else FIRST_COLUMN
    start_row = FIRST_BLOCK_ROW if where == "beside" else last_row + 2
    top_cm, end_column, end_row = 0.0, 0, 0
    for index, row_height in enumerate(_grid_heights(charts, per_row)):
        for k, made in enumerate(charts[index * per_row:(index + 1) * per_row]):
            column = _column_at(ws, start_column, k * (chart_width + _GAP_CM))
            row = start_row + math.ceil(top_cm / _ROW_CM)
            ws.add_chart(made, f"{get_column_letter(column)}{row}")
            end_column = max(end_column, _column_at(ws, column, made.width))
            end_row = max(end_row, row + _rows_spanned(made.height) - 1)
        top_cm += row_height + _GAP_CM
    return end_column, end_row
