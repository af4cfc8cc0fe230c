"""A faked Excel at the pywin32 boundary: the COM objects (Application, Workbook, Worksheets, Worksheet, Range,
Font, Interior, Comment) that xlwings' own ``Book``, ``Sheet`` and ``Range`` classes (``_xlwindows``) drive. The
Refresh button's path runs through xlwings' real classes over these; nothing of xlwings' API is rewritten here.

Cells live in dicts; what the renderer writes is recorded per sheet (values, number formats, fonts, fills, notes).
Sheets carry their charts and buttons as counts and captions, so a test sees whether a sheet survived (renamed
in place) or was replaced by a twin without them. Built from excel_harness (pywin32 stubbed, xlwings' Windows
modules loaded).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import excel_harness as harness

Address = tuple[int, int]


class _Count:
    def __init__(self, count: int) -> None:
        self.Count = count


class Font:
    def __init__(self, rng: Range) -> None:
        object.__setattr__(self, "_rng", rng)

    def __getattr__(self, name: str) -> Any:
        return self._rng.Worksheet.style(self._rng.address[0], f"font.{name}")

    def __setattr__(self, name: str, value: Any) -> None:
        self._rng.set_style(f"font.{name}", value)


class Interior:
    def __init__(self, rng: Range) -> None:
        object.__setattr__(self, "_rng", rng)

    def __getattr__(self, name: str) -> Any:
        return self._rng.Worksheet.style(self._rng.address[0], f"interior.{name}")

    def __setattr__(self, name: str, value: Any) -> None:
        self._rng.set_style(f"interior.{name}", value)


class Comment:
    def __init__(self, rng: Range, text: str) -> None:
        self._rng = rng
        self._text = text

    def Text(self, Text: str | None = None, Start: Any = None, Overwrite: Any = None) -> str:
        if Text is not None:
            self._text = Text
            self._rng.Worksheet.notes[self._rng.address[0]] = Text
        return self._text

    def Delete(self) -> None:
        self._rng.Worksheet.notes.pop(self._rng.address[0], None)


class Range(harness.ComRange):
    """A COM Range that can be written: Value (a scalar or rows), NumberFormat, Font, Interior, notes."""

    def __init__(self, sheet: Worksheet, row: int, column: int, rows: int = 1, columns: int = 1) -> None:
        super().__init__(sheet, row, column, rows, columns)  # type: ignore[arg-type]

    @property
    def address(self) -> tuple[Address, Address]:
        return ((self.Row, self.Column), (self.Row + self.Rows.Count - 1, self.Column + self.Columns.Count - 1))

    def _cells(self) -> Iterator[Address]:
        for r in range(self.Row, self.Row + self.Rows.Count):
            for c in range(self.Column, self.Column + self.Columns.Count):
                yield (r, c)

    @property
    def Value(self) -> Any:
        return harness.ComRange.Value.fget(self)  # type: ignore[attr-defined]

    @Value.setter
    def Value(self, data: Any) -> None:
        sheet = self.Worksheet
        rows = data if isinstance(data, (list, tuple)) else [[data] * self.Columns.Count] * self.Rows.Count
        rows = [r if isinstance(r, (list, tuple)) else [r] for r in rows]
        for dr, row in enumerate(rows):
            for dc, value in enumerate(row):
                sheet.put((self.Row + dr, self.Column + dc), value)

    Value2 = Value

    def set_style(self, key: str, value: Any) -> None:
        for address in self._cells():
            self.Worksheet.styles.setdefault(address, {})[key] = value

    @property
    def Font(self) -> Font:
        return Font(self)

    @property
    def Interior(self) -> Interior:
        return Interior(self)

    @property
    def NumberFormat(self) -> Any:
        return self.Worksheet.style(self.address[0], "number_format")

    @NumberFormat.setter
    def NumberFormat(self, value: str) -> None:
        self.set_style("number_format", value)

    @property
    def ColumnWidth(self) -> Any:
        return self.Worksheet.widths.get(self.Column)

    @ColumnWidth.setter
    def ColumnWidth(self, value: float) -> None:
        for c in range(self.Column, self.Column + self.Columns.Count):
            self.Worksheet.widths[c] = value

    @property
    def Comment(self) -> Comment | None:
        text = self.Worksheet.notes.get(self.address[0])
        return None if text is None else Comment(self, text)

    def AddComment(self, Text: str = "") -> Comment:
        self.Worksheet.notes[self.address[0]] = Text
        return Comment(self, Text)

    def ClearContents(self) -> None:
        for address in self._cells():
            self.Worksheet.cells.pop(address, None)

    def Clear(self) -> None:
        sheet = self.Worksheet
        for address in self._cells():
            sheet.cells.pop(address, None)
            sheet.styles.pop(address, None)
            sheet.notes.pop(address, None)

    def __call__(self, row: int, column: int = 1) -> Range:
        """``Range(i, j)``: the cell at that place relative to the range's top-left (COM's default Item)."""
        return Range(self.Worksheet, self.Row + row - 1, self.Column + column - 1)

    Item = __call__

    def Resize(self, RowSize: int | None = None, ColumnSize: int | None = None) -> Range:
        return Range(self.Worksheet, self.Row, self.Column, RowSize or self.Rows.Count,
                     ColumnSize or self.Columns.Count)

    @property
    def Address(self) -> str:
        (r1, c1), (r2, c2) = self.address
        return f"$R{r1}C{c1}:R{r2}C{c2}" if (r1, c1) != (r2, c2) else f"$R{r1}C{c1}"


class Worksheet(harness.ComSheet):
    """A worksheet with its objects (charts, buttons) and everything written to it."""

    def __init__(self, book: Workbook, name: str) -> None:
        super().__init__(name)
        self.Parent = book
        self.Visible = -1  # xlSheetVisible
        self.styles: dict[Address, dict[str, Any]] = {}
        self.notes: dict[Address, str] = {}
        self.widths: dict[int, float] = {}
        self.formulas: dict[Address, str] = {}
        self.charts = 0
        self.buttons: list[str] = []
        self.CodeName = ""

    def put(self, address: Address, value: Any) -> None:
        self.formulas.pop(address, None)
        if value is None or value == "":
            self.cells.pop(address, None)
            return
        if isinstance(value, str) and value.startswith("'"):
            value = value[1:]
        elif isinstance(value, str) and value.startswith("="):
            self.formulas[address] = value
        if isinstance(value, dt.datetime):
            value = harness.TimeType(value.year, value.month, value.day, value.hour, value.minute, value.second)
        self.cells[address] = value

    def style(self, address: Address, key: str) -> Any:
        return self.styles.get(address, {}).get(key)

    @property
    def UsedRange(self) -> Range:  # type: ignore[override]
        marked = set(self.cells) | set(self.styles) | set(self.notes)
        if not marked:
            return Range(self, 1, 1)
        top, left = min(r for r, _ in marked), min(c for _, c in marked)
        return Range(self, top, left, max(r for r, _ in marked) - top + 1, max(c for _, c in marked) - left + 1)

    def Cells(self, row: int, column: int) -> Range:  # type: ignore[override]
        return Range(self, row, column)

    def Range(self, first: Any, last: Any = None) -> Range:  # type: ignore[override]
        last = last or first
        return Range(self, first.Row, first.Column, last.Row - first.Row + last.Rows.Count,
                     last.Column - first.Column + last.Columns.Count)

    @property
    def Index(self) -> int:
        return self.Parent.sheets.index(self) + 1

    @property
    def Application(self) -> Application:
        return self.Parent.Application

    def Delete(self) -> None:
        self.Parent.sheets.remove(self)

    def Move(self, Before: Worksheet | None = None, After: Worksheet | None = None) -> None:
        sheets = self.Parent.sheets
        sheets.remove(self)
        if Before is not None:
            sheets.insert(sheets.index(Before), self)
        elif After is not None:
            sheets.insert(sheets.index(After) + 1, self)
        else:
            sheets.append(self)

    def Activate(self) -> None:
        self.Parent.ActiveSheet = self


class Worksheets:
    """``Workbook.Worksheets``: by 1-based index or name, ``Count``, ``Add(Before=, After=)``."""

    def __init__(self, book: Workbook) -> None:
        self._book = book

    @property
    def Count(self) -> int:
        return len(self._book.sheets)

    def __call__(self, key: int | str) -> Worksheet:
        if isinstance(key, int):
            return self._book.sheets[key - 1]
        for sheet in self._book.sheets:
            if sheet.Name.casefold() == str(key).casefold():
                return sheet
        raise harness.sys.modules["pywintypes"].com_error(f"no sheet {key}")

    Item = __call__

    def __iter__(self) -> Iterator[Worksheet]:
        return iter(list(self._book.sheets))

    def Add(self, Before: Worksheet | None = None, After: Worksheet | None = None) -> Worksheet:
        sheets = self._book.sheets
        number = len(sheets) + 1
        while any(s.Name == f"Sheet{number}" for s in sheets):
            number += 1
        sheet = Worksheet(self._book, f"Sheet{number}")
        if After is not None:
            sheets.insert(sheets.index(After) + 1, sheet)
        elif Before is not None:
            sheets.insert(sheets.index(Before), sheet)
        else:
            sheets.insert(0, sheet)
        self._book.added.append(sheet)
        return sheet


class Application:
    """``Excel.Application``: screen updating, recalculation, the version."""

    def __init__(self) -> None:
        self.ScreenUpdating = True
        self.Hwnd = 4242
        self.Version = "16.0"
        self.Name = "Microsoft Excel"
        self.full_calculations = 0
        self.calculations = 0

    def CalculateFull(self) -> None:
        self.full_calculations += 1

    def Calculate(self) -> None:
        self.calculations += 1


class Workbook:
    """``ThisWorkbook``: its sheets (in order), its Application."""

    def __init__(self, name: str = "MarketReview.xlsm", *sheet_names: str) -> None:
        self.Name = name
        self.FullName = f"C:\\\\Users\\\\me\\\\{name}"
        self.Application = Application()
        self.sheets: list[Worksheet] = [Worksheet(self, n) for n in sheet_names or ("Sheet1",)]
        self.added: list[Worksheet] = []
        self.Worksheets = self.Sheets = Worksheets(self)

    def book(self) -> Any:
        """This workbook as xlwings' own ``Book`` (``xlwings.main.Book`` over ``_xlwindows.Book``)."""
        windows = harness.load()
        import xlwings

        return xlwings.Book(impl=windows.xlwindows.Book(xl=self))

    def sheet(self, name: str) -> Worksheet:
        return self.Worksheets(name)

    @property
    def names(self) -> list[str]:
        return [s.Name for s in self.sheets]
