"""MarketReview's worksheet functions for Excel (xlwings UDFs), one per entry of ``marketreview.functions``.

Each UDF declares its conversions and makes one call into the library through :func:`_cell`, which turns the
answer into what a cell shows: the value, an error text such as ``"#N/A unknown symbol ^XYZ"``, or for a range
of tickers a column of them (computed after one batched fetch). Nothing here calculates or writes to a sheet.

The functions stay plain Python functions (xlwings' decorators only attach metadata), so tests call them
directly. Dynamic-array Excel spills the lists that ranges and HISTORY return (no ``expand`` option needed).
The arguments carry no type hints on purpose: xlwings reads hints as conversions.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import xlwings as xw

from marketreview import functions
from marketreview.errors import MarketReviewError

if TYPE_CHECKING:
    from marketreview.engine import Engine

CATEGORY = "MarketReview"
_F = TypeVar("_F", bound=Callable[..., Any])

_engine: Engine | None = None
_engine_lock = threading.Lock()


# -- the process-wide engine ----------------------------------------------------------------------


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def get_engine() -> Engine:
    """The engine every UDF of this process uses, opened on first use from the environment
    (``MARKETREVIEW_SOURCE``, ``MARKETREVIEW_CACHE``, ``MARKETREVIEW_OFFLINE``)."""
    global _engine
    with _engine_lock:
        if _engine is None:
            from marketreview.app import open_engine  # imported late: it pulls in the sources

            _engine = open_engine(offline=_env_flag("MARKETREVIEW_OFFLINE"))
        return _engine


def set_engine(engine: Engine | None) -> None:
    """Use ``engine`` for every following UDF call; ``None`` drops it so the next call opens a fresh one
    (the refresh does this so recalculated formulas see what it fetched)."""
    global _engine
    with _engine_lock:
        _engine = engine


# -- one call into the library --------------------------------------------------------------------


def _shown(answer: Any) -> Any:
    """What a cell shows for one answer: ``""`` for a blank cell of a range, the value, or the error text."""
    if answer is None:
        return ""
    if answer.error is not None:
        return answer.error.excel_text
    if isinstance(answer.value, list):
        return [[_scalar(v) for v in row] for row in answer.value]
    return _scalar(answer.value)


def _scalar(value: Any) -> Any:
    if value is None:
        return ""
    if hasattr(value, "item") and not isinstance(value, (str, dt.date)):  # NumPy scalars
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return "#NUM! not a finite number"
    return value


def _first(value: Any) -> Any:
    """A one-cell range (``[[x]]`` or ``[x]``) is that cell's value."""
    while isinstance(value, (list, tuple)) and len(value) == 1:
        value = value[0]
    return value


def _cell(name: str, *args: Any) -> Any:
    """Evaluate worksheet function ``name``; never raises (a cell shows text, never a traceback)."""
    try:
        if args:
            args = (_first(args[0]), *args[1:])
        result = functions.call(get_engine(), name, *args)
        if isinstance(result, list):
            return [_one_of_range(a) for a in result]
        return _shown(result)
    except MarketReviewError as exc:  # e.g. the engine cannot be opened: the cell says why
        return exc.excel_text
    except Exception as exc:  # a worksheet cell must get text, never an exception
        return f"#VALUE! internal error: {type(exc).__name__}: {exc}"


def _one_of_range(answer: Any) -> Any:
    if isinstance(answer, list):
        return [_one_of_range(a) for a in answer]
    if answer is not None and answer.error is None and isinstance(answer.value, list):
        return "#VALUE! a table cannot fill one cell of a range: give one ticker"
    return _shown(answer)


# -- declarations ---------------------------------------------------------------------------------


def _documented(name: str) -> Callable[[_F], _F]:
    """Give the UDF the registry's description (applied first, so xlwings reads it)."""

    def attach(func: _F) -> _F:
        func.__doc__ = functions.FUNCTIONS[name].doc
        return func

    return attach


def _doc(name: str, param: str) -> str:
    for p in functions.FUNCTIONS[name].params:
        if p.name == param:
            return p.doc + (" (optional)" if p.optional else "")
    raise KeyError(f"{name} has no parameter {param}")


# A ticker argument is read as a 2-D block so a column range comes back as a column; one cell is unwrapped.
# Dates are read as dates (a time of day is dropped); serial numbers and ISO text pass through unchanged.


@xw.func(category=CATEGORY)
@xw.arg("ticker", ndim=2, doc=_doc("CLOSE", "ticker"))
@xw.arg("date", dates=dt.date, doc=_doc("CLOSE", "date"))
@_documented("CLOSE")
def CLOSE(ticker, date=None):
    return _cell("CLOSE", ticker, date)


@xw.func(category=CATEGORY)
@xw.arg("ticker", ndim=2, doc=_doc("PERF", "ticker"))
@xw.arg("start", dates=dt.date, doc=_doc("PERF", "start"))
@xw.arg("end", dates=dt.date, doc=_doc("PERF", "end"))
@_documented("PERF")
def PERF(ticker, start, end=None):
    return _cell("PERF", ticker, start, end)


@xw.func(category=CATEGORY)
@xw.arg("num", ndim=2, doc=_doc("RELRATIO", "num"))
@xw.arg("den", doc=_doc("RELRATIO", "den"))
@xw.arg("date", dates=dt.date, doc=_doc("RELRATIO", "date"))
@_documented("RELRATIO")
def RELRATIO(num, den, date=None):
    return _cell("RELRATIO", num, den, date)


@xw.func(category=CATEGORY)
@xw.arg("num", ndim=2, doc=_doc("RELDEV", "num"))
@xw.arg("den", doc=_doc("RELDEV", "den"))
@xw.arg("date", dates=dt.date, doc=_doc("RELDEV", "date"))
@xw.arg("weeks", doc=_doc("RELDEV", "weeks"))
@xw.arg("mode", doc=_doc("RELDEV", "mode"))
@_documented("RELDEV")
def RELDEV(num, den, date=None, weeks=None, mode=None):
    return _cell("RELDEV", num, den, date, weeks, mode)


@xw.func(category=CATEGORY)
@xw.arg("date", dates=dt.date, doc=_doc("MAG7SHARE", "date"))
@_documented("MAG7SHARE")
def MAG7SHARE(date=None):
    return _cell("MAG7SHARE", date)


@xw.func(category=CATEGORY)
@xw.arg("tenor", ndim=2, doc=_doc("UST", "tenor"))
@xw.arg("date", dates=dt.date, doc=_doc("UST", "date"))
@_documented("UST")
def UST(tenor, date=None):
    return _cell("UST", tenor, date)


@xw.func(category=CATEGORY)
@xw.arg("tenor", ndim=2, doc=_doc("YIELDCHG", "tenor"))
@xw.arg("start", dates=dt.date, doc=_doc("YIELDCHG", "start"))
@xw.arg("end", dates=dt.date, doc=_doc("YIELDCHG", "end"))
@_documented("YIELDCHG")
def YIELDCHG(tenor, start, end=None):
    return _cell("YIELDCHG", tenor, start, end)


@xw.func(category=CATEGORY)
@xw.arg("ticker", doc=_doc("HISTORY", "ticker"))
@xw.arg("start", dates=dt.date, doc=_doc("HISTORY", "start"))
@xw.arg("end", dates=dt.date, doc=_doc("HISTORY", "end"))
@xw.arg("interval", doc=_doc("HISTORY", "interval"))
@xw.arg("units", doc=_doc("HISTORY", "units"))
@_documented("HISTORY")
def HISTORY(ticker, start, end=None, interval=None, units=None):
    return _cell("HISTORY", ticker, start, end, interval, units)


@xw.func(category=CATEGORY)
@xw.arg("ticker", ndim=2, doc=_doc("REVIEWLINE", "ticker"))
@xw.arg("start", dates=dt.date, doc=_doc("REVIEWLINE", "start"))
@xw.arg("end", dates=dt.date, doc=_doc("REVIEWLINE", "end"))
@xw.arg("lang", doc=_doc("REVIEWLINE", "lang"))
@_documented("REVIEWLINE")
def REVIEWLINE(ticker, start, end=None, lang=None):
    return _cell("REVIEWLINE", ticker, start, end, lang)


__all__ = ["CLOSE", "HISTORY", "MAG7SHARE", "PERF", "RELDEV", "RELRATIO", "REVIEWLINE", "UST", "YIELDCHG"]


# -- issue 13: macro series (a self-contained block) ------------------------------------------------


# Excel reserves SERIES for chart formulas (a cell cannot call it), so the worksheet name is MACROSERIES.
@xw.func(category=CATEGORY)
@xw.arg("series_id", doc=_doc("MACROSERIES", "series_id"))
@xw.arg("as_of", dates=dt.date, doc=_doc("MACROSERIES", "as_of"))
@xw.arg("units", doc=_doc("MACROSERIES", "units"))
@xw.arg("frequency", doc=_doc("MACROSERIES", "frequency"))
@_documented("MACROSERIES")
def MACROSERIES(series_id, as_of=None, units=None, frequency=None):
    return _cell("MACROSERIES", series_id, as_of, units, frequency)


__all__ += ["MACROSERIES"]


# -- WARNINGS (issue 10): the warnings of another call, as text -----------------------------------------


@xw.func(category=CATEGORY)
@xw.arg("function_name", doc=_doc("WARNINGS", "function_name"))
@xw.arg("arg1", ndim=2, doc=_doc("WARNINGS", "arg1"))
@xw.arg("arg2", dates=dt.date, doc=_doc("WARNINGS", "arg2"))
@xw.arg("arg3", dates=dt.date, doc=_doc("WARNINGS", "arg3"))
@xw.arg("arg4", doc=_doc("WARNINGS", "arg4"))
@xw.arg("arg5", doc=_doc("WARNINGS", "arg5"))
@_documented("WARNINGS")
def WARNINGS(function_name, arg1=None, arg2=None, arg3=None, arg4=None, arg5=None):
    """``=WARNINGS("PERF", A2, "1W")`` beside ``=PERF(A2, "1W")``: "" when that call is clean, else its warnings
    or its error reason. The value cell stays a number; this cell says what to know about it."""
    args = [_first(arg1), arg2, arg3, arg4, arg5]
    while args and args[-1] is None:
        args.pop()
    return _cell("WARNINGS", function_name, *args)


__all__ += ["WARNINGS"]
