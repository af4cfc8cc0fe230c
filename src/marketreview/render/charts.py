"""Native Excel charts over a sheet's table ranges, placed right of the tables and stacked top to bottom.

The charts reference cells (they hold no copies of the data), so the file and its chart agree by construction.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.chart.axis import DateAxis
from openpyxl.utils import get_column_letter

from ..errors import RenderError
from ..report.layout import FIRST_BLOCK_ROW, Placement, chart_anchor_column
from ..report.model import Chart, Sheet, Table
from .styles import CHART_HEIGHT_CM, CHART_WIDTH_CM, NUMBER_FORMATS

#: Height of a default row and width of a default (8.43-character) column, in centimetres.
_ROW_CM = 0.53
_COLUMN_CM = 1.69
#: Extra height a bar chart needs for each category beyond the first dozen.
_BAR_CM = 0.55


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


def _build(ws: Any, sheet: Sheet, chart: Chart, table: Table, placement: Placement) -> Any:
    x_index = _column(sheet, chart, table, chart.x)
    series_index = [_column(sheet, chart, table, key) for key in chart.series]
    first, last = placement.first_data_row, placement.last_row
    x_fmt = table.columns[x_index].fmt
    y_fmt = table.columns[series_index[0]].fmt if series_index else "number"

    made: Any
    if chart.kind == "line":
        made = LineChart()
        if x_fmt in ("date", "datetime"):
            made.x_axis = _date_axis(table.column_values(chart.x))
        made.x_axis.tickLblPos = "low"  # dates below the plot even when values go negative
    else:
        made = BarChart()
        made.type = "bar"
        made.gapWidth = 60
        # Categories read top-down in table order; the value axis then sits at the bottom, labels at the left.
        made.x_axis.scaling.orientation = "maxMin"
        made.x_axis.tickLblPos = "low"
        made.y_axis.crosses = "max"
    made.title = chart.title
    made.y_axis.title = chart.y_title or None
    made.y_axis.number_format = NUMBER_FORMATS[y_fmt]
    made.x_axis.delete = False
    made.y_axis.delete = False
    made.legend.position = "b"
    made.width = CHART_WIDTH_CM
    made.height = _height_cm(chart, table)

    for index in series_index:
        column = placement.column + index
        made.add_data(Reference(ws, min_col=column, min_row=placement.header_row, max_row=last),
                      titles_from_data=True)
    made.set_categories(Reference(ws, min_col=placement.column + x_index, min_row=first, max_row=last))
    if chart.kind == "line":
        for series in made.series:
            series.smooth = False
            series.marker.symbol = "none"
    elif len(series_index) == 1 and not chart.secondary:
        made.legend = None
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


def add_charts(ws: Any, sheet: Sheet, placements: list[Placement]) -> tuple[int, int]:
    """Add ``sheet.charts`` to the worksheet ``ws``; return the last column and row they cover (0, 0 if none).

    A chart over a table without rows is left out: the empty table and the sheet status already say why.
    """
    column = chart_anchor_column(sheet)
    row = FIRST_BLOCK_ROW
    last_column = last_row = 0
    for chart in sheet.charts:
        table, placement = _placement(sheet, placements, chart)
        made = _build(ws, sheet, chart, table, placement)
        if not table.rows:
            continue
        ws.add_chart(made, f"{get_column_letter(column)}{row}")
        span = _rows_spanned(made.height)
        last_row = row + span - 1
        last_column = column + math.ceil(made.width / _COLUMN_CM)
        row += span + 1
    return last_column, last_row
