"""MarketReview's worksheet functions for Excel (xlwings UDFs), one per entry of ``marketreview.functions``.

This installed module is what the workbook's "UDF Modules" names (``marketreview.udfs``), so "Import Functions"
works from any copy of the workbook in any folder; ``udfs/marketreview_udfs.py`` is a shim over it.

Each UDF declares its conversions and makes one call into the library through :func:`_cell`, which turns the
answer into what a cell shows: the value, an error text such as ``"#N/A unknown symbol ^XYZ"``, or for a range
of tickers a column of them (computed after one batched read). Nothing here calculates or writes to a sheet.

What Excel really hands over (checked by tests/test_excel_contract.py through xlwings' Windows code):

- parameter names are legal VBA identifiers (``as_of`` and ``end_date``, never ``date``/``end``);
- every argument is read with ``err_to_str=True``: an error cell (``#N/A`` …) makes an error answer instead of
  being taken as "omitted"; in a range it spoils that element only;
- a range argument is trimmed after its last non-empty row and column (a whole column is 1,048,576 rows);
- formulas never wait on the network: a symbol the cache lacks answers ``#N/A QQQ: not loaded yet: press Refresh`` at
  once, and SQLite busy waits are bounded by :data:`BUSY_TIMEOUT`;
- the engine answers from what another process (the Refresh button, ``marketreview fetch``) last committed: the
  cache's ``PRAGMA data_version`` and the settings file are checked once per calculation burst.

The functions stay plain Python functions (xlwings' decorators only attach metadata), so tests call them
directly. The arguments carry no type hints on purpose: xlwings reads hints as conversions.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import xlwings as xw

from marketreview import functions
from marketreview import settings as user_settings
from marketreview.errors import MarketReviewError
from marketreview.excel.udf_args import EMPTY, UsedCells

if TYPE_CHECKING:
    from marketreview.engine import Engine

CATEGORY = "MarketReview"
#: Seconds a formula may wait for the SQLite write lock another process holds.
BUSY_TIMEOUT = 2.0
#: A pause longer than this between two UDF calls starts a new calculation burst (and one freshness check).
BURST_GAP = 0.25
_F = TypeVar("_F", bound=Callable[..., Any])

_engine: Engine | None = None
_from_settings = False
_settings_stamp: tuple[int, int, int] | None = None
_last_call = -math.inf
_engine_lock = threading.RLock()

#: VT_ERROR scodes pywin32 hands over for error cells (0x800A0000 + Excel's xlErr number). xlwings turns the
#: first seven into text with ``err_to_str``; the newer ones arrive as these integers.
COM_ERRORS = {0x800A0000 + code - 2**32: text for code, text in functions.EXCEL_ERROR_CODES.items()}


# -- the process-wide engine ----------------------------------------------------------------------


def get_engine() -> Engine:
    """The engine every UDF of this process uses, opened on first use from the user's settings (the file the
    Refresh button and ``marketreview config`` write, with ``$MARKETREVIEW_*`` overrides). It never fetches."""
    global _engine, _from_settings, _settings_stamp
    with _engine_lock:
        if _engine is None:
            from marketreview.app import open_engine  # imported late: it pulls in the sources

            stamp = user_settings.stamp()
            _engine = open_engine(cache_timeout=BUSY_TIMEOUT, fetch_missing=False)
            _from_settings, _settings_stamp = True, stamp
        return _engine


def set_engine(engine: Engine | None) -> None:
    """Use ``engine`` for every following UDF call; ``None`` drops it so the next call opens a fresh one."""
    global _engine, _from_settings, _last_call
    with _engine_lock:
        if _engine is not None and _from_settings and _engine is not engine:
            _engine.cache.close()
        _engine, _from_settings, _last_call = engine, False, -math.inf


def fresh_engine() -> Engine:
    """:func:`get_engine`, first checking — once per calculation burst — whether the settings file changed
    (then the engine is reopened) or another process committed to the cache (then memoised series are
    dropped)."""
    global _last_call
    with _engine_lock:
        now = time.monotonic()
        new_burst = now - _last_call > BURST_GAP
        _last_call = now
        if new_burst and _engine is not None and _from_settings and user_settings.stamp() != _settings_stamp:
            set_engine(None)
            _last_call = now
        engine = get_engine()
        if new_burst:
            engine.reload_if_changed()  # a freshly opened engine records the version it started from
        return engine


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


def _errors_as_text(value: Any) -> Any:
    """Error cells that xlwings leaves as VT_ERROR integers (``#SPILL!``, ``#CALC!`` …) become their text."""
    if isinstance(value, (list, tuple)):
        return [_errors_as_text(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool) and value in COM_ERRORS:
        return COM_ERRORS[value]
    return value


def _empty_cell(name: str, args: tuple[Any, ...]) -> str | None:
    """The answer when an argument is a reference to an empty cell: an error, never "omitted"."""
    params = functions.FUNCTIONS[name].params
    for position, value in enumerate(args):
        if value is EMPTY:
            param = params[min(position, len(params) - 1)]
            if not param.optional:
                return f"#VALUE! {param.name} is an empty cell"
            default = "the latest close" if param.name in ("as_of", "end_date") else "its default"
            return f"#VALUE! {param.name} is an empty cell (omit the argument for {default})"
    return None


def _cell(name: str, *args: Any) -> Any:
    """Evaluate worksheet function ``name``; never raises (a cell shows text, never a traceback)."""
    try:
        empty = _empty_cell(name, args)
        if empty is not None:
            return empty
        if args and functions.is_range(args[0]):
            args = (functions.trim_range(args[0]), *args[1:])  # first: a whole column is mostly blank rows
        args = tuple(_errors_as_text(a) for a in args)
        if args:
            args = (_first(args[0]), *args[1:])
        result = functions.call(fresh_engine(), name, *args)
        if isinstance(result, list):
            return [_one_of_range(a) for a in result] or ""
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


def _arg(name: str, param: str, **options: Any) -> Callable[[_F], _F]:
    """``xw.arg`` with the registry's description and ``err_to_str`` (an error cell is an error, not omitted)."""
    for p in functions.FUNCTIONS[name].params:
        if p.name == param:
            doc = p.doc + (" (optional)" if p.optional else "")
            return xw.arg(param, UsedCells, err_to_str=True, doc=doc, **options)
    raise KeyError(f"{name} has no parameter {param}")


# A ticker argument is read as a 2-D block so a column range comes back as a column; one cell is unwrapped.
# Dates are read as dates (a time of day is dropped); serial numbers and ISO text pass through unchanged.


@xw.func(category=CATEGORY)
@_arg("CLOSEPRICE", "ticker", ndim=2)
@_arg("CLOSEPRICE", "as_of", dates=dt.date)
@_documented("CLOSEPRICE")
def CLOSEPRICE(ticker, as_of=None):
    return _cell("CLOSEPRICE", ticker, as_of)


@xw.func(category=CATEGORY)
@_arg("PERF", "ticker", ndim=2)
@_arg("PERF", "start", dates=dt.date)
@_arg("PERF", "end_date", dates=dt.date)
@_documented("PERF")
def PERF(ticker, start, end_date=None):
    return _cell("PERF", ticker, start, end_date)


@xw.func(category=CATEGORY)
@_arg("RELRATIO", "num", ndim=2)
@_arg("RELRATIO", "den")
@_arg("RELRATIO", "as_of", dates=dt.date)
@_documented("RELRATIO")
def RELRATIO(num, den, as_of=None):
    return _cell("RELRATIO", num, den, as_of)


@xw.func(category=CATEGORY)
@_arg("RELDEV", "num", ndim=2)
@_arg("RELDEV", "den")
@_arg("RELDEV", "as_of", dates=dt.date)
@_arg("RELDEV", "weeks")
@_arg("RELDEV", "mode")
@_documented("RELDEV")
def RELDEV(num, den, as_of=None, weeks=None, mode=None):
    return _cell("RELDEV", num, den, as_of, weeks, mode)


@xw.func(category=CATEGORY)
@_arg("MAG7SHARE", "as_of", dates=dt.date)
@_documented("MAG7SHARE")
def MAG7SHARE(as_of=None):
    return _cell("MAG7SHARE", as_of)


@xw.func(category=CATEGORY)
@_arg("UST", "tenor", ndim=2)
@_arg("UST", "as_of", dates=dt.date)
@_documented("UST")
def UST(tenor, as_of=None):
    return _cell("UST", tenor, as_of)


@xw.func(category=CATEGORY)
@_arg("YIELDCHG", "tenor", ndim=2)
@_arg("YIELDCHG", "start", dates=dt.date)
@_arg("YIELDCHG", "end_date", dates=dt.date)
@_documented("YIELDCHG")
def YIELDCHG(tenor, start, end_date=None):
    return _cell("YIELDCHG", tenor, start, end_date)


@xw.func(category=CATEGORY)
@_arg("HISTORY", "ticker")
@_arg("HISTORY", "start", dates=dt.date)
@_arg("HISTORY", "end_date", dates=dt.date)
@_arg("HISTORY", "interval")
@_arg("HISTORY", "units")
@_documented("HISTORY")
def HISTORY(ticker, start, end_date=None, interval=None, units=None, caller=None):
    """``caller`` is xlwings' reserved argument (the calling cells; not in the VBA signature)."""
    if _without_dynamic_arrays(caller):
        return NO_DYNAMIC_ARRAYS
    if isinstance(ticker, (list, tuple)) and len(functions.trim_range(list(ticker))) > 1:
        return "#VALUE! HISTORY takes one ticker, not a range: one HISTORY per ticker, side by side"
    return _cell("HISTORY", ticker, start, end_date, interval, units)


#: What a one-cell HISTORY shows in an Excel without dynamic arrays (it would show only the table's first cell).
NO_DYNAMIC_ARRAYS = ("#VALUE! HISTORY returns a table, which spills only in Excel 365/2021 (dynamic arrays); in "
                     "Excel 2016/2019 select the cells for the table and enter the formula with Ctrl+Shift+Enter")


def _without_dynamic_arrays(caller: Any) -> bool:
    """A one-cell formula in an Excel without dynamic arrays (its Range has no ``HasSpill``). A formula entered
    into several cells (Ctrl+Shift+Enter) fills them, as a legacy array formula does."""
    if caller is None:
        return False
    try:
        if tuple(caller.shape) != (1, 1):
            return False
        caller.api.HasSpill  # noqa: B018 (the property exists only with dynamic arrays)
    except Exception:
        return True
    return False


@xw.func(category=CATEGORY)
@_arg("REVIEWLINE", "ticker", ndim=2)
@_arg("REVIEWLINE", "start", dates=dt.date)
@_arg("REVIEWLINE", "end_date", dates=dt.date)
@_arg("REVIEWLINE", "lang")
@_documented("REVIEWLINE")
def REVIEWLINE(ticker, start, end_date=None, lang=None):
    return _cell("REVIEWLINE", ticker, start, end_date, lang)


__all__ = ["CLOSEPRICE", "HISTORY", "MAG7SHARE", "PERF", "RELDEV", "RELRATIO", "REVIEWLINE", "UST", "YIELDCHG"]


# -- issue 13: macro series (a self-contained block) ------------------------------------------------


# Excel reserves SERIES for chart formulas (a cell cannot call it), so the worksheet name is MACROSERIES.
@xw.func(category=CATEGORY)
@_arg("MACROSERIES", "series_id")
@_arg("MACROSERIES", "as_of", dates=dt.date)
@_arg("MACROSERIES", "units")
@_arg("MACROSERIES", "frequency")
@_documented("MACROSERIES")
def MACROSERIES(series_id, as_of=None, units=None, frequency=None):
    return _cell("MACROSERIES", series_id, as_of, units, frequency)


__all__ += ["MACROSERIES"]


# -- WARNINGS (issue 10): the warnings of another call, as text -----------------------------------------


@xw.func(category=CATEGORY)
@_arg("WARNINGS", "function_name")
@_arg("WARNINGS", "arg1", ndim=2)
@_arg("WARNINGS", "arg2", dates=dt.date)
@_arg("WARNINGS", "arg3", dates=dt.date)
@_arg("WARNINGS", "arg4")
@_arg("WARNINGS", "arg5")
@_documented("WARNINGS")
def WARNINGS(function_name, arg1=None, arg2=None, arg3=None, arg4=None, arg5=None):
    """``=WARNINGS("PERF", A2, "1W")`` beside ``=PERF(A2, "1W")``: "" when that call is clean, else its warnings
    or its error reason. The value cell stays a number; this cell says what to know about it."""
    if functions.is_range(arg1):
        arg1 = functions.trim_range(arg1)
    args = [_first(arg1), arg2, arg3, arg4, arg5]
    while args and args[-1] is None:
        args.pop()
    return _cell("WARNINGS", function_name, *args)


__all__ += ["WARNINGS"]
