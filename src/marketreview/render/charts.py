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
from openpyxl.drawing.text import CharacterProperties, Paragraph, ParagraphProperties, RegularTextRun
from openpyxl.utils import get_column_letter, quote_sheetname

from ..errors import RenderError
from ..report.layout import FIRST_BLOCK_ROW, Placement, chart_anchor_column
from ..report.model import Chart, Sheet, Table
from .styles import CHART_HEIGHT_CM, CHART_WIDTH_CM, NUMBER_FORMATS

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


def _font(size_hundredths: int, bold: bool = False) -> RichText:
    return RichText(p=[Paragraph(pPr=ParagraphProperties(defRPr=CharacterProperties(sz=size_hundredths, b=bold)),
                                 endParaRPr=CharacterProperties(sz=size_hundredths, b=bold))])


def _title(text: str) -> Title:
    """A chart title in a size that fits the chart's width on one line."""
    run = RegularTextRun(t=text, rPr=CharacterProperties(sz=_TITLE_SIZE, b=True))
    return Title(tx=Text(rich=RichText(p=[Paragraph(pPr=ParagraphProperties(
        defRPr=CharacterProperties(sz=_TITLE_SIZE, b=True)), r=[run])])), overlay=False)


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
    made.y_axis.title = chart.y_title or None
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
