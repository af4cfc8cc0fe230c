"""An object with the xlwings Book/Sheets/Sheet/Range surface the live renderer and the refresh use, recording
what was written. No Excel: cells live in dicts.

Kept for the renderer's and the refresh's unit tests (fast, and able to refuse writes mid-refresh). The Refresh
button's real path, xlwings' own ``Book``/``Sheet``/``Range`` over COM, runs in tests/test_template_refresh.py on
tests/com_excel.py (COM objects at the pywin32 boundary); new tests of that path belong there.

It imitates Excel where it matters to a test: a string written with a leading apostrophe is stored without it
(the apostrophe is a prefix, not part of the value); a string written *without* one that starts with ``=`` is
taken as a formula (recorded in ``Sheet.formulas``, so a test can assert there are none); reading a one-row or
one-column range gives a flat list, as xlwings does.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

Address = tuple[int, int]


class Note:
    def __init__(self, text: str) -> None:
        self.text = text


class Font:
    """Setting an attribute sets it on every cell of the range (``sheet.styles[(row, col)]['font.x']``)."""

    def __init__(self, target: Range) -> None:
        object.__setattr__(self, "_target", target)

    def __setattr__(self, name: str, value: Any) -> None:
        self._target._style(f"font.{name}", value)

    def __getattr__(self, name: str) -> Any:
        return self._target.sheet.styles.get(self._target.top_left, {}).get(f"font.{name}")


class Range:
    def __init__(self, sheet: Sheet, first: Address, last: Address | None = None) -> None:
        self.sheet = sheet
        last = last or first
        self.top_left = (min(first[0], last[0]), min(first[1], last[1]))
        self.bottom_right = (max(first[0], last[0]), max(first[1], last[1]))

    # -- geometry --------------------------------------------------------------------------------

    @property
    def row(self) -> int:
        return self.top_left[0]

    @property
    def column(self) -> int:
        return self.top_left[1]

    @property
    def shape(self) -> tuple[int, int]:
        return (self.bottom_right[0] - self.row + 1, self.bottom_right[1] - self.column + 1)

    @property
    def last_cell(self) -> Range:
        return Range(self.sheet, self.bottom_right)

    def cells(self) -> Iterator[Address]:
        for r in range(self.row, self.bottom_right[0] + 1):
            for c in range(self.column, self.bottom_right[1] + 1):
                yield (r, c)

    # -- values ----------------------------------------------------------------------------------

    @property
    def value(self) -> Any:
        rows, cols = self.shape
        grid = [[self.sheet.cells.get((r, c)) for c in range(self.column, self.column + cols)]
                for r in range(self.row, self.row + rows)]
        if rows == 1 and cols == 1:
            return grid[0][0]
        if rows == 1:
            return grid[0]
        if cols == 1:
            return [row[0] for row in grid]
        return grid

    @value.setter
    def value(self, values: Any) -> None:
        self.sheet.writes.append((self.top_left, values))
        if isinstance(values, (list, tuple)):
            nested = bool(values) and isinstance(values[0], (list, tuple))
            grid = [list(v) for v in values] if nested else [list(values)]
            for i, row in enumerate(grid):
                for j, v in enumerate(row):
                    self.sheet.put((self.row + i, self.column + j), v)
        else:
            for address in self.cells():
                self.sheet.put(address, values)

    def clear_contents(self) -> None:
        for address in self.cells():
            self.sheet.cells.pop(address, None)
            self.sheet.formulas.pop(address, None)

    def clear(self) -> None:
        self.clear_contents()
        for address in self.cells():
            self.sheet.styles.pop(address, None)
            self.sheet.notes.pop(address, None)

    # -- formatting ------------------------------------------------------------------------------

    def _style(self, key: str, value: Any) -> None:
        self.sheet.format_calls.append((self.top_left, self.bottom_right, key, value))
        for address in self.cells():
            self.sheet.styles.setdefault(address, {})[key] = value

    def _get_style(self, key: str) -> Any:
        return self.sheet.styles.get(self.top_left, {}).get(key)

    @property
    def number_format(self) -> Any:
        return self._get_style("number_format")

    @number_format.setter
    def number_format(self, value: str) -> None:
        self._style("number_format", value)

    @property
    def color(self) -> Any:
        return self._get_style("color")

    @color.setter
    def color(self, value: Any) -> None:
        self._style("color", value)

    @property
    def font(self) -> Font:
        return Font(self)

    @property
    def column_width(self) -> Any:
        return self.sheet.widths.get(self.column)

    @column_width.setter
    def column_width(self, value: float) -> None:
        for c in range(self.column, self.bottom_right[1] + 1):
            self.sheet.widths[c] = value

    @property
    def note(self) -> Note | None:
        return self.sheet.notes.get(self.top_left)

    def add_note(self, text: str) -> Note:
        if self.shape != (1, 1) or self.top_left in self.sheet.notes or not text:
            raise ValueError("a note goes on one cell without a note")
        note = self.sheet.notes[self.top_left] = Note(text)
        return note


class Sheet:
    def __init__(self, book: Book, name: str) -> None:
        self.book = book
        self.name = name
        self.visible = True
        self.cells: dict[Address, Any] = {}
        #: cells that received a string without an apostrophe starting with "=" (Excel would evaluate them)
        self.formulas: dict[Address, str] = {}
        #: every ``range.value = ...`` as (top-left, what was assigned), in order
        self.writes: list[tuple[Address, Any]] = []
        self.format_calls: list[tuple[Address, Address, str, Any]] = []
        self.styles: dict[Address, dict[str, Any]] = {}
        self.notes: dict[Address, Note] = {}
        self.widths: dict[int, float] = {}

    def put(self, address: Address, value: Any) -> None:
        if self.book.fail_writes:
            raise RuntimeError(f"write refused at {self.name}!{address}")
        self.formulas.pop(address, None)
        if value is None or value == "":
            self.cells.pop(address, None)
            return
        if isinstance(value, str) and value.startswith("'"):
            value = value[1:]
        elif isinstance(value, str) and value.startswith("="):
            self.formulas[address] = value
        self.cells[address] = value

    def range(self, first: Address, last: Address | None = None) -> Range:
        for address in (first, last):
            if address is not None and (address[0] < 1 or address[1] < 1):
                raise ValueError(f"bad address {address}")
        return Range(self, first, last)

    def __getitem__(self, address: Address) -> Range:
        return self.range(address)

    @property
    def used_range(self) -> Range:
        marked = set(self.cells) | set(self.styles) | set(self.notes)
        if not marked:
            return Range(self, (1, 1))
        return Range(self, (1, 1), (max(r for r, _ in marked), max(c for _, c in marked)))


class Sheets:
    def __init__(self, book: Book) -> None:
        self.book = book
        self._sheets: list[Sheet] = []

    def __iter__(self) -> Iterator[Sheet]:
        return iter(list(self._sheets))

    def __len__(self) -> int:
        return len(self._sheets)

    def __getitem__(self, key: int | str) -> Sheet:
        if isinstance(key, int):
            return self._sheets[key]
        for sheet in self._sheets:
            if sheet.name.casefold() == key.casefold():
                return sheet
        raise KeyError(key)

    def add(self, name: str | None = None, before: Sheet | None = None, after: Sheet | None = None) -> Sheet:
        name = name or f"Sheet{len(self._sheets) + 1}"
        if any(s.name.casefold() == name.casefold() for s in self._sheets):
            raise ValueError(f"a sheet called {name} exists")
        sheet = Sheet(self.book, name)
        if after is not None:
            self._sheets.insert(self._sheets.index(after) + 1, sheet)
        elif before is not None:
            self._sheets.insert(self._sheets.index(before), sheet)
        else:
            self._sheets.insert(0, sheet)  # xlwings adds in front of the active sheet by default
        self.book.added.append(name)
        return sheet

    @property
    def names(self) -> list[str]:
        return [s.name for s in self._sheets]


class App:
    """``calculate()`` recalculates what Excel thinks is dirty; ``api.CalculateFull()`` (Windows only) everything.
    ``windows=False`` imitates macOS, whose appscript object has no CalculateFull."""

    def __init__(self, windows: bool = True) -> None:
        self.screen_updating = True
        self.calculations = 0
        self.full_calculations = 0
        self.api = _Api(self) if windows else object()

    def calculate(self) -> None:
        self.calculations += 1


class _Api:
    def __init__(self, app: App) -> None:
        self._app = app

    def CalculateFull(self) -> None:
        self._app.full_calculations += 1


class Book:
    def __init__(self, *names: str) -> None:
        self.app = App()
        self.sheets = Sheets(self)
        self.added: list[str] = []
        #: set to make every cell write raise (an Excel that refuses mid-refresh)
        self.fail_writes = False
        previous = None
        for name in names or ("Sheet1",):
            previous = self.sheets.add(name, after=previous)
        self.added.clear()


def settings_book(*rows: tuple[str, str], sheets: tuple[str, ...] = ("Sheet1",)) -> Book:
    """A book with an ``xlwings.conf`` sheet holding ``rows`` (key, value) from A1."""
    book = Book(*sheets, "xlwings.conf")
    if rows:
        book.sheets["xlwings.conf"].range((1, 1)).value = [list(r) for r in rows]
    return book
