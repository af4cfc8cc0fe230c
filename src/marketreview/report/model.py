"""The report model: what goes on each sheet, independent of how it is written.

One :class:`Report` is rendered twice — into a distributable file by ``render.xlsx`` (openpyxl) and into a live
workbook by ``excel.book`` (xlwings) — and both place blocks with :func:`marketreview.report.layout.place`, so a
cell address means the same thing in both.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal, Union

from ..calc.marks import Mark
from ..types import Lang

#: How a value is shown. pct / pct_signed take fractions (0.0067 → +0.67%); level_pct takes percent numbers
#: (4.52 → 4.52%); bp takes basis points (10.0 → +10 bp); ratio is a plain 4-decimal number.
#: pt takes percentage points (0.67 → +0.67pt); price0 is a price without decimals (yen ETFs).
Fmt = Literal["text", "date", "datetime", "price", "number", "pct", "pct_signed", "level_pct", "bp", "ratio",
              "pt", "price0"]
CellValue = Union[float, int, str, dt.date, dt.datetime, None]  # noqa: UP007 (a runtime alias)


@dataclass(frozen=True)
class Cell:
    """One value. ``error`` replaces the value with a readable reason; ``warning`` travels with a good value
    (a renderer shows it as a comment/note and marks the cell)."""

    value: CellValue = None
    warning: str | None = None
    error: str | None = None
    #: overrides the column's format for this cell (e.g. a yen ETF's price in a table of index levels)
    fmt: Fmt | None = None
    #: what the warning means to a reader (the close used, an estimate, a substitute …); None: read from
    #: ``warning`` (:func:`marketreview.report.published.cell_marks`)
    marks: tuple[Mark, ...] | None = None

    @property
    def shown(self) -> CellValue:
        return self.error if self.error is not None else self.value


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    fmt: Fmt = "text"
    width: int = 12
    #: colour changes red/green (negative/positive)
    signed: bool = False


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]

    def column_index(self, key: str) -> int:
        for i, column in enumerate(self.columns):
            if column.key == key:
                return i
        raise KeyError(f"table {self.key} has no column {key}")

    def column_values(self, key: str) -> list[CellValue]:
        i = self.column_index(key)
        return [row[i].value for row in self.rows]

    def row_by(self, key: str, value: CellValue) -> dict[str, Cell] | None:
        """The first row whose ``key`` column holds ``value``, as {column key: cell}; None if there is none."""
        i = self.column_index(key)
        for row in self.rows:
            if row[i].value == value:
                return {column.key: cell for column, cell in zip(self.columns, row, strict=True)}
        return None

    def records(self) -> list[dict[str, Cell]]:
        """Every row as {column key: cell}, in order."""
        return [{column.key: cell for column, cell in zip(self.columns, row, strict=True)} for row in self.rows]


@dataclass(frozen=True)
class Chart:
    key: str
    kind: Literal["line", "bar"]
    title: str
    table: str
    x: str
    series: tuple[str, ...]
    y_title: str = ""
    #: columns drawn against a second value axis on the right (a dual-axis chart)
    secondary: tuple[str, ...] = ()


@dataclass(frozen=True)
class Lines:
    """Paste-ready text lines (the Summary sheet)."""

    key: str
    title: str
    lines: tuple[str, ...]


Block = Union[Table, Lines]  # noqa: UP007 (a runtime alias)


@dataclass(frozen=True)
class Sheet:
    key: str
    title: str
    #: "As of …, source …, fetched …" and DEMO where it applies: written at the top of the sheet
    stamp: str
    blocks: tuple[Block, ...]
    charts: tuple[Chart, ...] = ()
    #: a refresh/build problem to show in the status cell ("" when all is well)
    status: str = ""

    def table(self, key: str) -> Table:
        for block in self.blocks:
            if isinstance(block, Table) and block.key == key:
                return block
        raise KeyError(f"sheet {self.key} has no table {key}")


@dataclass(frozen=True)
class Report:
    as_of: dt.date
    lang: Lang
    sheets: tuple[Sheet, ...]
    source: str
    generated_at: dt.datetime
    demo: bool = False
    failed: dict[str, str] = field(default_factory=dict)
    #: ticker → who published its numbers, where the source names them (a CSV folder's index.csv ``source``)
    providers: dict[str, str] = field(default_factory=dict)
    #: tables only the chart images draw (report/exhibits.py), not sheets of the workbook
    exhibit_tables: tuple[Table, ...] = ()

    def exhibit_table(self, key: str) -> Table:
        for table in self.exhibit_tables:
            if table.key == key:
                return table
        raise KeyError(f"report has no exhibit table {key}")

    def sheet(self, key: str) -> Sheet:
        for sheet in self.sheets:
            if sheet.key == key:
                return sheet
        raise KeyError(f"report has no sheet {key}")

    def warnings(self) -> list[str]:
        """Every distinct warning a cell of the report carries, in sheet order, each once ("sheet: warning")."""
        seen: dict[str, None] = {}
        for sheet in self.sheets:
            for block in sheet.blocks:
                if isinstance(block, Table):
                    for row in block.rows:
                        for cell in row:
                            if cell.warning:
                                seen.setdefault(f"{sheet.title}: {cell.warning}", None)
        return list(seen)
