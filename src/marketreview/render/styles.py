"""Number formats, colours and sizes shared by every renderer.

Plain data with no imports from a spreadsheet library, so the openpyxl renderer and the xlwings renderer show
the same value the same way: ``NUMBER_FORMATS[column.fmt]`` is the Excel number format of a column.
"""

from __future__ import annotations

import unicodedata
from types import MappingProxyType
from typing import Final

from ..report.model import Fmt

#: Excel number format of each :data:`~marketreview.report.model.Fmt`. pct/pct_signed take fractions
#: (0.0067 → +0.67%), level_pct percent numbers (4.52 → 4.52%), bp numbers of basis points (10 → +10 bp).
NUMBER_FORMATS: Final = MappingProxyType[Fmt, str](
    {
        "text": "@",
        "date": "yyyy-mm-dd",
        "datetime": "yyyy-mm-dd hh:mm",
        "price": "#,##0.00",
        "number": "General",
        "pct": "0.00%",
        "pct_signed": "+0.00%;-0.00%;0.00%",
        "level_pct": '0.00"%"',
        "bp": '+0" bp";-0" bp";0" bp"',
        "ratio": "0.0000",
        "pt": '+0.00"pt";-0.00"pt";0.00"pt"',
        "price0": "#,##0",
    }
)


def number_format(fmt: Fmt) -> str:
    """The Excel number format for ``fmt`` (KeyError names an unknown one)."""
    return NUMBER_FORMATS[fmt]


# Colours are RGB hex without "#", the form openpyxl takes; xlwings wants a tuple: see :func:`rgb`.
RED: Final = "C00000"
GREEN: Final = "008000"
HEADER_FILL: Final = "DDEBF7"
WARNING_FILL: Final = "FFF2CC"
STAMP_GREY: Final = "595959"


def rgb(hex_colour: str) -> tuple[int, int, int]:
    """``"C00000"`` → ``(192, 0, 0)``, for renderers that take colour tuples (xlwings ``range.color``)."""
    return int(hex_colour[0:2], 16), int(hex_colour[2:4], 16), int(hex_colour[4:6], 16)


#: The font every workbook cell and chart names (CJK and Latin), so no viewer substitutes a serif face.
FONT_NAME: Final = "Noto Sans CJK JP"
TITLE_FONT_SIZE: Final = 14
BODY_FONT_SIZE: Final = 11

#: Column widths in Excel character units; text columns are never narrower than this.
MIN_TEXT_WIDTH: Final = 14
MIN_WIDTH: Final = 8
#: Paste-ready lines get a column as wide as the longest line, up to this.
MAX_LINES_WIDTH: Final = 90


def text_width(text: str) -> int:
    """Width of ``text`` in Excel character units: East Asian wide characters count twice."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)

#: Text shown in the stamp row of a demo build when the stamp does not already say so.
DEMO_MARK: Final = "DEMO (synthetic)"
WARNING_AUTHOR: Final = "MarketReview"

#: Chart size in centimetres (a bar chart grows with its categories).
CHART_WIDTH_CM: Final = 18.0
CHART_HEIGHT_CM: Final = 9.0

#: A table longer than this gets its header row repeated on every printed page.
REPEAT_HEADER_AFTER_ROWS: Final = 30
#: Excel's width of a column nobody sized.
DEFAULT_COLUMN_WIDTH: Final = 8.43
#: Widest a column grows to fit its values; wider text wraps (the Sources note).
MAX_COLUMN_WIDTH: Final = 60
#: Shown width of a value of each format (in characters, before padding), for sizing columns.
SHOWN_WIDTH: Final = MappingProxyType[Fmt, int](
    {"text": 0, "date": 11, "datetime": 17, "price": 0, "number": 10, "pct": 8, "pct_signed": 8,
     "level_pct": 7, "bp": 8, "ratio": 7, "pt": 8, "price0": 0}
)

#: Excel's limits: sheet names and cell text.
MAX_SHEET_TITLE: Final = 31
MAX_CELL_TEXT: Final = 32767
