"""xlwings' real Windows machinery (``_xlwindows``, ``udfs``, ``com_server``, ``conversion``) on Linux, with only
pywin32 stubbed: what Excel's "Import Functions" and a UDF call really run.

:func:`load` installs the stubs, imports the Windows modules once and returns them. :func:`decorated` imports a
UDF module afresh with xlwings' real ``xlfunc``/``xlarg``/``xlret`` in place of the no-op decorators Linux gets,
so ``__xlfunc__`` holds what Excel would see. Values are handed over the way pywin32 delivers COM VARIANTs.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import importlib
import io
import sys
import types
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import xlwings

MISSING = -2147352572  # DISP_E_PARAMNOTFOUND: an omitted optional argument
NA = -2146826246  # #N/A as a VT_ERROR's scode
VALUE_ERROR = -2146826273  # #VALUE!
VT_ERROR = 10


class TimeType(dt.datetime):
    """pywintypes.TimeType: what a date-formatted cell arrives as (a datetime subclass on pywin32 >= 300)."""


class VARIANT:
    """win32com.client.VARIANT: an explicitly typed value."""

    def __init__(self, varianttype: int, value: Any) -> None:
        self.varianttype = varianttype
        self.value = value


class _Anything(types.ModuleType):
    """A stub module: every attribute is a callable stub (for the import-time lookups of the Windows code)."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return _Stub(name)


class _Stub:
    def __init__(self, name: str) -> None:
        self._name = name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return _Stub(self._name)

    def __getattr__(self, name: str) -> Any:
        return _Stub(f"{self._name}.{name}")

    def __getitem__(self, key: Any) -> Any:
        return type(f"Stub_{key}", (), {})  # pythoncom.TypeIIDs[...]: a type nothing is an instance of


_STUBS = ("pythoncom", "pywintypes", "win32api", "win32con", "win32gui", "win32process", "win32timezone",
          "win32event", "win32com", "win32com.client", "win32com.client.gencache", "win32com.server",
          "win32com.server.dispatcher", "win32com.server.policy", "win32com.server.util",
          "win32com.server.exception")


def _install_stubs() -> None:
    for name in _STUBS:
        sys.modules.setdefault(name, _Anything(name))
    pywintypes = sys.modules["pywintypes"]
    pywintypes.TimeType = TimeType  # type: ignore[attr-defined]
    pywintypes.com_error = type("com_error", (Exception,), {})  # type: ignore[attr-defined]
    pywintypes.error = type("error", (Exception,), {})  # type: ignore[attr-defined]
    pywintypes.IID = str  # type: ignore[attr-defined]  # an interface id compares as its text
    pythoncom = sys.modules["pythoncom"]
    pythoncom.VT_ERROR = VT_ERROR  # type: ignore[attr-defined]
    pythoncom.__file__ = "pythoncom.dll"
    sys.modules["win32timezone"].TimeZoneInfo = types.SimpleNamespace(  # type: ignore[attr-defined]
        utc=lambda: dt.timezone.utc)
    sys.modules["win32process"].GetWindowThreadProcessId = (  # type: ignore[attr-defined]
        lambda hwnd: (1, hwnd))  # an Excel's pid: its window's (one App per faked window)
    client = sys.modules["win32com.client"]
    client.VARIANT = VARIANT  # type: ignore[attr-defined]
    client.Dispatch = lambda obj, *a, **k: obj  # type: ignore[attr-defined]  # our COM stand-ins are dispatch-ready
    for base in ("CDispatch", "CoClassBaseClass", "DispatchBaseClass"):
        setattr(client, base, type(base, (), {}))
    util = sys.modules["win32com.server.util"]
    util.unwrap = lambda var: (_ for _ in ()).throw(ValueError("not a wrapped object"))  # type: ignore[attr-defined]
    sys.modules["win32com"].client = client  # type: ignore[attr-defined]
    sys.modules["win32com"].server = sys.modules["win32com.server"]  # type: ignore[attr-defined]
    sys.modules["win32com.server"].util = util  # type: ignore[attr-defined]


@contextmanager
def _windows_ctypes() -> Iterator[None]:
    """``ctypes.windll``/``oledll`` and the PyDLL pywin32 loads exist only on Windows: stand-ins during import."""
    saved = {name: getattr(ctypes, name, None) for name in ("windll", "oledll", "PyDLL")}
    ctypes.windll = _Stub("windll")  # type: ignore[attr-defined]
    ctypes.oledll = _Stub("oledll")  # type: ignore[attr-defined]
    ctypes.PyDLL = lambda *a, **k: _Stub("PyDLL")  # type: ignore[assignment,misc]
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                delattr(ctypes, name)
            else:
                setattr(ctypes, name, value)


class Windows:
    """The loaded Windows modules."""

    def __init__(self) -> None:
        _install_stubs()
        with _windows_ctypes():
            from xlwings import _xlwindows, com_server, conversion, udfs
        self.xlwindows = _xlwindows
        self.udfs = udfs
        self.com_server = com_server
        self.conversion = conversion
        if "excel" not in xlwings.engines.engines_by_name:
            xlwings.engines.add(xlwings.main.Engine(impl=_xlwindows.engine))
        xlwings._xlwindows = _xlwindows  # type: ignore[attr-defined]

    @contextmanager
    def decorated(self, module_name: str) -> Iterator[types.ModuleType]:
        """``module_name`` imported afresh under xlwings' real decorators and registered in ``sys.modules`` for
        ``call_udf``'s import; the plain module comes back afterwards."""
        origin = importlib.import_module(module_name).__file__  # an alias (marketreview.udfs): its real file
        assert origin is not None, module_name
        saved = {name: getattr(xlwings, name) for name in ("func", "arg", "ret")}
        previous = sys.modules.get(module_name)
        xlwings.func, xlwings.arg, xlwings.ret = self.udfs.xlfunc, self.udfs.xlarg, self.udfs.xlret
        try:
            module = types.ModuleType(module_name)
            module.__file__ = origin
            sys.modules[module_name] = module
            exec(compile(Path(origin).read_text(encoding="utf-8"), origin, "exec"), module.__dict__)
            self.udfs.udf_modules.pop(module_name, None)
            yield module
        finally:
            for name, value in saved.items():
                setattr(xlwings, name, value)
            self.udfs.udf_modules.pop(module_name, None)
            if previous is None:
                sys.modules.pop(module_name, None)
            else:
                sys.modules[module_name] = previous

    def vba(self, module_name: str, module: types.ModuleType) -> str:
        """The VBA module "Import Functions" writes for ``module``."""
        out = io.StringIO()
        book = types.SimpleNamespace(Name="Weekly 2025-W03.xlsm")
        self.udfs.generate_vba_wrapper(module_name, module, out, book)
        return out.getvalue()

    def call(self, module_name: str, name: str, *args: Any) -> Any:
        """What VBA receives from ``XLPy.CallUDF(module, name, Array(args...), ThisWorkbook, Application.Caller)``
        for a formula in cell E1 of a workbook's only sheet (see :meth:`call_from`)."""
        sheet = ComSheet("Sheet1")
        return self.call_from(module_name, name, *args, workbook=ComWorkbook("Weekly 2025-W03.xlsm", (sheet,)),
                              caller=sheet.cell(1, 5))

    def call_from(self, module_name: str, name: str, *args: Any, workbook: Any, caller: Any) -> Any:
        """``XLPy.CallUDF(module, name, Array(args...), ThisWorkbook, Application.Caller)``: what a formula in a
        cell really sends (the workbook and the calling cell as COM objects). As VBA's ``Array(...)`` does, every
        parameter gets its slot: an omitted one is Missing, xlwings' reserved ``caller`` is ``Nothing``."""
        declared = getattr(sys.modules[module_name], name).__xlfunc__["args"]
        slots: list[Any] = [None if a["name"] == "caller" else MISSING for a in declared]
        given = [a for a in declared if a["name"] != "caller"]
        assert len(args) <= len(given), f"{name} takes {len(given)} arguments"
        for info, value in zip(given, args, strict=False):
            slots[info["pos"]] = value
        saved = self.xlwindows.BOOK_CALLER
        try:
            return self.com_server.XLPython().CallUDF(module_name, name, tuple(slots), workbook, caller)
        finally:  # call_udf leaves the calling workbook behind for Book.caller(): not for the next test
            self.xlwindows.BOOK_CALLER = saved


_loaded: Windows | None = None


def load() -> Windows:
    global _loaded
    if _loaded is None:
        _loaded = Windows()
    return _loaded


# -- COM objects as pywin32 hands them over (a cell reference, its sheet, the workbook) -----------------

RANGE_IID = "{00020846-0000-0000-C000-000000000046}"  # Excel's Range interface: what is_range_instance checks


class _TypeInfo:
    def __init__(self, iid: str) -> None:
        self.iid = iid

    def GetTypeInfo(self) -> _TypeInfo:
        return self

    def GetTypeAttr(self) -> _TypeInfo:
        return self


class _Count:
    def __init__(self, count: int) -> None:
        self.Count = count


class ComRange:
    """A COM ``Range`` as pywin32 hands it to ``CallUDF`` for a cell-reference argument: ``is_range_instance``
    is true, so xlwings' own Range conversion runs. ``Value`` is a scalar for one cell and a tuple of row tuples
    otherwise (``None`` for empty cells), as pywin32 returns it; every read is counted on the sheet."""

    def __init__(self, sheet: ComSheet, row: int, column: int, rows: int = 1, columns: int = 1) -> None:
        self._oleobj_ = _TypeInfo(RANGE_IID)
        self.Worksheet = sheet
        self.Parent = sheet
        self.Row, self.Column = row, column
        self.Rows, self.Columns = _Count(rows), _Count(columns)
        self.Count = rows * columns
        self.CLSID = RANGE_IID

    @property
    def HasSpill(self) -> bool:
        """Only an Excel with dynamic arrays (365, 2021) has it; pywin32 raises AttributeError on 2016/2019."""
        if not self.Worksheet.dynamic_arrays:
            raise AttributeError("<unknown>.HasSpill")
        return False

    @property
    def Value(self) -> Any:
        sheet = self.Worksheet
        sheet.cells_read += self.Count
        cells = sheet.cells
        rows = tuple(tuple(cells.get((r, c)) for c in range(self.Column, self.Column + self.Columns.Count))
                     for r in range(self.Row, self.Row + self.Rows.Count))
        return rows[0][0] if self.Count == 1 else rows

    @property
    def Address(self) -> str:
        return f"$R{self.Row}C{self.Column}:R{self.Row + self.Rows.Count - 1}C{self.Column + self.Columns.Count - 1}"

    def __repr__(self) -> str:
        return f"ComRange({self.Worksheet.Name}!{self.Address})"


class ComSheet:
    """A COM ``Worksheet``: cells by (row, column), ``UsedRange`` (the box around the non-empty cells, A1 when
    there are none, as Excel reports it), ``Cells`` and ``Range``."""

    ROWS, COLUMNS = 1_048_576, 16_384

    def __init__(self, name: str = "Sheet1", cells: dict[tuple[int, int], Any] | None = None) -> None:
        self.Name = name
        self.cells: dict[tuple[int, int], Any] = dict(cells or {})
        self.cells_read = 0
        self.Parent: Any = None  # the workbook, once the sheet is in one
        #: False: an Excel 2016/2019 without dynamic arrays (a formula fills only the cells it was entered in)
        self.dynamic_arrays = True

    @property
    def UsedRange(self) -> ComRange:
        filled = [key for key, value in self.cells.items() if value is not None]
        if not filled:
            return ComRange(self, 1, 1)
        top, left = min(r for r, _ in filled), min(c for _, c in filled)
        bottom, right = max(r for r, _ in filled), max(c for _, c in filled)
        return ComRange(self, top, left, bottom - top + 1, right - left + 1)

    def Cells(self, row: int, column: int) -> ComRange:
        return ComRange(self, row, column)

    def Range(self, first: ComRange, last: ComRange | None = None) -> ComRange:
        last = last or first
        return ComRange(self, first.Row, first.Column, last.Row - first.Row + last.Rows.Count,
                        last.Column - first.Column + last.Columns.Count)

    def column(self, column: int = 1) -> ComRange:
        """``A:A``: a whole column."""
        return ComRange(self, 1, column, self.ROWS, 1)

    def cell(self, row: int, column: int = 1) -> ComRange:
        return ComRange(self, row, column)


class ComWorkbook:
    """``ThisWorkbook`` as a formula's VBA passes it: its name and its worksheets."""

    def __init__(self, name: str = "MarketReview.xlsm", sheets: tuple[ComSheet, ...] = ()) -> None:
        self.Name = name
        self._sheets = list(sheets) or [ComSheet()]
        self.Worksheets = self.Sheets = self
        self.Application = types.SimpleNamespace(Name="Microsoft Excel", Hwnd=4242)
        for sheet in self._sheets:
            sheet.Parent = self

    @property
    def Count(self) -> int:
        return len(self._sheets)

    def __iter__(self) -> Iterator[ComSheet]:
        return iter(list(self._sheets))

    def __call__(self, key: int | str) -> ComSheet:
        if isinstance(key, int):
            return self._sheets[key - 1]
        return next(s for s in self._sheets if s.Name == key)


class _Components:
    """``VBProject.VBComponents``: what "Import Functions" removes and imports (the module's text is kept)."""

    def __init__(self) -> None:
        self.imported: list[str] = []
        self.removed: list[Any] = []

    def __call__(self, name: str) -> str:
        return name

    def Remove(self, component: Any) -> None:
        self.removed.append(component)

    def Import(self, path: str) -> None:
        self.imported.append(Path(path).read_text(encoding="utf-8"))


class RecordingWorkbook(ComWorkbook):
    """The workbook "Import Functions" runs on (``xlwings.udfs.import_udfs``): it records the VBA module it
    imports and every ``Application.MacroOptions`` call (the Insert Function dialog's texts)."""

    def __init__(self, name: str = "MarketReview.xlsm", version: str = "16.0") -> None:
        super().__init__(name)
        self.VBProject = types.SimpleNamespace(VBComponents=_Components())
        self.macro_options: list[dict[str, Any]] = []

        def macro_options(macro: str, **options: Any) -> None:
            self.macro_options.append({"Macro": macro, **options})

        self.Application = types.SimpleNamespace(Name="Microsoft Excel", Hwnd=4242, Version=version,
                                                 MacroOptions=macro_options, Run=lambda *a: None)
