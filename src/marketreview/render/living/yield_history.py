"""The 2Y/10Y daily history (the Rates chart's data) as formulas: the days on which either yield has a close,
newest first, from AsOf back 365 days (report.sheets.YIELD_HISTORY_DAYS), each yield's close that day or blank.
The union of the two series' dates is a column of the data sheet (``Yields_dates``); the table keeps the
build's number of rows, so a date whose year holds more closing days shows its newest ones."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ...engine import Engine
from ...errors import MarketReviewError
from ...report.sheets import YIELD_HISTORY_DAYS
from .data_sheet import SeriesRef, serial

LEGS = {"us2y": "US2Y", "us10y": "US10Y"}
DATES = "Yields_dates"


def data_columns(engine: Engine) -> list[tuple[str, list[int | float]]]:
    try:
        indexes = [pd.DatetimeIndex(engine.series(alias).dropna().index) for alias in LEGS.values()]
    except MarketReviewError:
        return []
    days = np.union1d(*(index.to_numpy().astype("datetime64[D]").astype("int64") for index in indexes))
    if not len(days):
        return []
    return [(DATES, [int(d) + serial(dt.date(1970, 1, 1)) for d in days])]


def history_cell(series: dict[str, SeriesRef], enabled: bool, column: str, k: int) -> str | None:
    if not enabled or not all(a in series for a in LEGS.values()):
        return None
    position = f"MATCH(AsOf_end,{DATES},1)-{k}"
    day = (f'IF({position}<1,"",IF(INDEX({DATES},{position})<AsOf_end-{YIELD_HISTORY_DAYS},"",'
           f"INDEX({DATES},{position})))")
    if column == "date":
        return day
    alias = LEGS.get(column)
    if alias is None:
        return None
    ref = series[alias]
    found = f"MATCH({day},{ref.dates},0)"
    return f'IF(ISNUMBER({day}),IF(ISNUMBER({found}),INDEX({ref.close},{found}),""),"")'
