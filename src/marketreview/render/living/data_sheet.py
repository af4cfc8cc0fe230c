"""The living workbook's hidden, protected data sheet: every series the formulas read (dates and closes, one
pair of columns each), each exchange's sessions (so a missing close can be told from a holiday), and the
workbook-level names the formulas use (``SP500_dates``, ``SP500_close``, ``XNYS_sessions``).

Dates are stored as Excel serial numbers (1900 system), so MATCH compares them with ``AsOf`` directly.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from itertools import zip_longest
from typing import Any

import pandas as pd
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName

from ... import calendars
from ...engine import Engine
from ...errors import MarketReviewError, RenderError

#: not "Data": the value build's own data sheet (histories, printed layout) is called that in English builds
DATA_TITLE = "_data"
HEADER_ROWS = 2
_EPOCH = dt.date(1899, 12, 30)
_NAME_OK = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def serial(day: dt.date) -> int:
    """``day`` as an Excel date serial (1900 system; every date here is after 1900-03-01)."""
    return (day - _EPOCH).days


def _serials(index: pd.DatetimeIndex) -> list[int | float]:
    days = index.to_numpy().astype("datetime64[D]").astype("int64") + serial(dt.date(1970, 1, 1))
    return [int(d) for d in days]


@dataclass(frozen=True)
class SeriesRef:
    """Where one series lives on the data sheet, by its defined names."""

    alias: str
    ticker: str
    #: the exchange's sessions name (``XNYS_sessions``), or None where no calendar applies (FRED, FX)
    sessions: str | None
    dates: str
    close: str
    first: dt.date
    last: dt.date


@dataclass(frozen=True)
class DataSheet:
    series: dict[str, SeriesRef]
    #: the AsOf dates the data covers: one year after the clock series' first close to the build's date
    first_as_of: dt.date
    last_as_of: dt.date
    #: each column's values (from row HEADER_ROWS + 1), written by :meth:`rows_xml`
    columns: tuple[tuple[int | float, ...], ...] = ()

    @property
    def last_cell(self) -> str:
        length = max((len(c) for c in self.columns), default=0)
        return f"{get_column_letter(max(len(self.columns), 1))}{HEADER_ROWS + length}"

    def rows_xml(self) -> str:
        """The data rows as sheet XML, for splicing into the saved sheet: openpyxl would build a cell object
        for each of the ~150,000 numbers, which took longer than the whole value build."""
        texts = [list(map(repr, column)) for column in self.columns]
        letters = [get_column_letter(i) for i in range(1, len(self.columns) + 1)]
        out: list[str] = []
        for offset, row in enumerate(zip_longest(*texts)):
            r = HEADER_ROWS + 1 + offset
            out.append(f'<row r="{r}">')
            out.extend(f'<c r="{letter}{r}"><v>{value}</v></c>'
                       for letter, value in zip(letters, row, strict=True) if value is not None)
            out.append("</row>")
        return "".join(out)


def _name(text: str) -> str:
    name = re.sub(r"[^A-Za-z0-9_]", "_", text)
    if not _NAME_OK.match(name):
        name = "_" + name
    return name


def _define(wb: Any, name: str, ref: str) -> None:
    wb.defined_names[name] = DefinedName(name, attr_text=ref)


def write_data_sheet(wb: Any, engine: Engine, aliases: list[str], clock_alias: str,
                     last_as_of: dt.date, extra: list[tuple[str, list[int | float]]] | None = None) -> DataSheet:
    """Add the data sheet to ``wb`` with every alias the engine can serve (the others are left out: their
    figures keep the build's values). ``last_as_of`` is the latest date ``AsOf`` may take. ``extra`` columns
    (the MAG7 snapshots) are added as they are, each defined by its title."""
    columns: list[tuple[str, list[int | float]]] = []
    refs: dict[str, SeriesRef] = {}
    wanted_calendars: dict[str, None] = {}
    first_dates: list[dt.date] = []
    spans: dict[str, tuple[int, int, int]] = {}
    shared: dict[tuple[int | float, ...], int] = {}
    for alias in dict.fromkeys(aliases):
        try:
            series = engine.series(alias)
            ticker = engine.ticker(alias)
        except MarketReviewError:
            continue
        series = series.dropna()
        if series.empty:
            continue
        dates = _serials(pd.DatetimeIndex(series.index))
        calendar = engine.resolve(alias).calendar
        base = _name(alias)
        key = tuple(dates)
        if key not in shared:  # series on one exchange mostly share their dates: one column serves them all
            columns.append((f"{alias} date", dates))
            shared[key] = len(columns)
        columns.append((f"{alias} close", [float(v) for v in series.to_numpy(dtype=float)]))
        first, last = series.index[0].date(), series.index[-1].date()
        first_dates.append(first)
        refs[alias] = SeriesRef(alias, ticker, f"{calendar}_sessions" if calendar else None,
                                f"{base}_dates", f"{base}_close", first, last)
        spans[alias] = (shared[key], len(columns), len(dates))
        if calendar:
            wanted_calendars.setdefault(calendar, None)
    if clock_alias not in refs:
        raise RenderError("living workbook", f"the source has no closes of {clock_alias}, whose sessions date AsOf "
                          "and its allowed range: build with --values for a value-only file")
    since = min(first_dates)
    for calendar in wanted_calendars:
        days = calendars.sessions(calendar, since, last_as_of)
        assert days is not None  # a calendar name always has sessions
        columns.append((f"{calendar}_sessions", _serials(days)))
    columns += extra or []
    ws = wb.create_sheet(DATA_TITLE)
    ws.append([title for title, _ in columns])
    ws.append(["Excel date serials and closes, written by marketreview build; the figures read them by name"])
    for offset, (title, values) in enumerate(columns, start=1):
        letter = get_column_letter(offset)
        ref = f"'{DATA_TITLE}'!${letter}${HEADER_ROWS + 1}:${letter}${HEADER_ROWS + max(len(values), 1)}"
        if title.endswith("_sessions") or any(title == name for name, _ in extra or []):
            _define(wb, title, ref)
    for alias, series_ref in refs.items():
        date_column, close_column, length = spans[alias]
        for column, name in ((date_column, series_ref.dates), (close_column, series_ref.close)):
            letter = get_column_letter(column)
            _define(wb, name, f"'{DATA_TITLE}'!${letter}${HEADER_ROWS + 1}:${letter}${HEADER_ROWS + length}")
    ws.sheet_state = "hidden"
    ws.protection.sheet = True
    clock = refs[clock_alias]
    first_as_of = clock.first.replace(year=clock.first.year + 1) if not (
        clock.first.month == 2 and clock.first.day == 29) else dt.date(clock.first.year + 1, 2, 28)
    return DataSheet(refs, first_as_of, last_as_of, tuple(tuple(values) for _, values in columns))
