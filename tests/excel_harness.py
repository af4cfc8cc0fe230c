"""xlwings' real Windows machinery (``_xlwindows``, ``udfs``, ``com_server``, ``conversion``) on Linux, with only
pywin32 stubbed: what Excel's "Import Functions" and a UDF call really run.

:func:`load` installs the stubs, imports the Windows modules once and returns them. :func:`decorated` imports a
UDF module afresh with xlwings' real ``xlfunc``/``xlarg``/``xlret`` in place of the no-op decorators Linux gets,
so ``__xlfunc__`` holds what Excel would see. Values are handed over the way pywin32 delivers COM VARIANTs.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import importlib.util
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
    pythoncom = sys.modules["pythoncom"]
    pythoncom.VT_ERROR = VT_ERROR  # type: ignore[attr-defined]
    pythoncom.__file__ = "pythoncom.dll"
    sys.modules["win32timezone"].TimeZoneInfo = types.SimpleNamespace(  # type: ignore[attr-defined]
        utc=lambda: dt.timezone.utc)
    client = sys.modules["win32com.client"]
    client.VARIANT = VARIANT  # type: ignore[attr-defined]
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
        spec = importlib.util.find_spec(module_name)
        assert spec is not None and spec.origin is not None, module_name
        saved = {name: getattr(xlwings, name) for name in ("func", "arg", "ret")}
        previous = sys.modules.get(module_name)
        xlwings.func, xlwings.arg, xlwings.ret = self.udfs.xlfunc, self.udfs.xlarg, self.udfs.xlret
        try:
            module = types.ModuleType(module_name)
            module.__file__ = spec.origin
            sys.modules[module_name] = module
            exec(compile(Path(spec.origin).read_text(encoding="utf-8"), spec.origin, "exec"), module.__dict__)
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
        """What VBA receives from ``XLPy.CallUDF(module, name, Array(args...))`` (no caller range)."""
        return self.com_server.XLPython().CallUDF(module_name, name, tuple(args), None, None)


_loaded: Windows | None = None


def load() -> Windows:
    global _loaded
    if _loaded is None:
        _loaded = Windows()
    return _loaded
