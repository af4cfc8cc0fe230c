"""The worksheet functions, once: the registry the xlwings UDFs, the CLI's ``call`` and the benchmarks all use.

Each function takes the :class:`~marketreview.engine.Engine` and the arguments as a cell would pass them (text,
numbers, Excel dates, ``None`` for an omitted argument) and returns a :class:`Answer`. A ticker argument may also be
a range (a list, or a column as a list of one-element lists): the answer is then a list of the same shape, each
element an :class:`Answer`, computed after one batched fetch for the whole range.
"""

from __future__ import annotations

import datetime as dt
import math
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

import pandas as pd

from .calc import history as history_calc
from .calc import macro, mag7, periods, prices, relative, returns, summary, yields
from .calc.figure import Figure
from .calc.lookup import EPOCH_ORDINAL, DayTable
from .calc.marks import adjusted_warning, marks_for, parse_warning, parse_warnings, substitute_warning
from .engine import Engine
from .errors import BadArgumentError, BadDateError, ErrorValueError, MarketReviewError, UnknownSymbolError
from .types import Lang

TENORS = {"3M": "US3M", "2Y": "US2Y", "10Y": "US10Y", "30Y": "US30Y"}
INTERVALS = ("daily", "weekly", "monthly")


@dataclass(frozen=True)
class Param:
    name: str
    doc: str
    optional: bool = False


@dataclass(frozen=True, slots=True)
class Answer:
    """A worksheet answer: a number, text or table, the warnings that go with it, or the error it raised."""

    value: Any = None
    warnings: tuple[str, ...] = ()
    error: MarketReviewError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True, slots=True)
class Marked:
    """A text or table answer with the warnings of the figures behind it (a number travels as a Figure)."""

    value: Any
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class WorksheetFunction:
    name: str
    doc: str
    params: tuple[Param, ...]
    impl: Callable[..., Figure | Marked | str | list[list[Any]]]
    returns: str = "number"

    @property
    def ranged(self) -> bool:
        """Whether the first argument may be a range of tickers."""
        return self.params[0].name in ("ticker", "tenor")


# -- argument helpers -------------------------------------------------------------------------------


#: ``id(series) -> (weak reference, date of its last close)``. The engine hands out the same Series object
#: until it reloads a ticker, so the O(n) scan of ``prices.last_date`` runs once per series, not per cell.
_LATEST: dict[int, tuple[weakref.ref[pd.Series], dt.date]] = {}


def _latest(series: pd.Series) -> dt.date:
    key = id(series)
    memo = _LATEST.get(key)
    if memo is not None and memo[0]() is series:
        return memo[1]
    day = prices.last_date(series)

    def forget(_ref: weakref.ref[pd.Series]) -> None:
        _LATEST.pop(key, None)

    _LATEST[key] = (weakref.ref(series, forget), day)
    return day


def _end(engine: Engine, series: pd.Series, value: Any, argument: str = "end_date") -> dt.date:
    """An end date: omitted → the latest close; otherwise parsed, never in the future."""
    if value is None or value == "":
        return _latest(series)
    if isinstance(value, str) and periods.is_relative_code(value):
        raise BadDateError(value, "a relative code is allowed for the start date only", argument)
    when = periods.parse_date(value, argument)
    if when > engine.today():
        raise BadDateError(value, f"is in the future (today is {engine.today().isoformat()})", argument)
    return when


def _start(value: Any, end: dt.date) -> dt.date:
    if value is None or value == "":
        raise BadDateError(value, "is required", "start")
    if isinstance(value, str) and periods.is_relative_code(value):
        return periods.resolve_start(value, end)
    start = periods.parse_date(value, "start")
    if start > end:
        raise BadDateError(value, f"is after the end date {end.isoformat()}", "start")
    return start


def _weeks(value: Any) -> int:
    if value is None or value == "":
        return 26
    if (isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value)
            or value != int(value)):
        raise BadArgumentError("weeks", value, "must be a whole number of weeks")
    if int(value) < 1:
        raise BadArgumentError("weeks", value, "must be at least 1")
    return int(value)


def _tenor(value: Any) -> str:
    key = str(value).strip().upper() if isinstance(value, str) else ""
    alias = TENORS.get(key) or (key if key in TENORS.values() else None)
    if alias is None:
        raise BadArgumentError("tenor", value, f"must be one of {', '.join(TENORS)}")
    return alias


def _lang(value: Any) -> Lang:
    if value is None or value == "":
        return "ja"
    text = str(value).strip().lower()
    if text not in ("ja", "en"):
        raise BadArgumentError("lang", value, "must be ja or en")
    return "ja" if text == "ja" else "en"


def _ticker(value: Any, argument: str = "ticker") -> str:
    if value is None or value == "":
        raise BadArgumentError(argument, value, "is required (a symbol or alias)")
    if not isinstance(value, str):
        raise BadArgumentError(argument, value, "must be text (a symbol or alias)")
    return value


# -- the functions ------------------------------------------------------------------------------------


def close(engine: Engine, ticker: Any, as_of: Any = None) -> Figure:
    name = _ticker(ticker)
    series = engine.series(name)
    when = _end(engine, series, as_of, "as_of")
    asof, warning = prices.close_asof(series, when, symbol=engine.ticker(name), sessions=engine.sessions(name))
    return Figure(asof.value, None, asof, (warning,) if warning else ()).with_warnings(
        _stale(engine, as_of, name))


def perf(engine: Engine, ticker: Any, start: Any, end: Any = None) -> Figure:
    name = _ticker(ticker)
    series = engine.series(name)
    end_date = _end(engine, series, end)
    return returns.perf(series, _start(start, end_date), end_date, symbol=engine.ticker(name),
                        sessions=engine.sessions(name)).with_warnings(_stale(engine, end, name))


def relratio(engine: Engine, num: Any, den: Any, as_of: Any = None) -> Figure:
    a, b = _ticker(num, "num"), _ticker(den, "den")
    sa, sb = engine.series(a), engine.series(b)
    when = _end(engine, min(sa, sb, key=_latest), as_of, "as_of")
    return relative.relratio(sa, sb, when, sessions_a=engine.sessions(a), sessions_b=engine.sessions(b),
                             symbols=(engine.ticker(a), engine.ticker(b))).with_warnings(
        _stale(engine, as_of, a), _stale(engine, as_of, b))


def reldev(engine: Engine, num: Any, den: Any, as_of: Any = None, weeks: Any = None, mode: Any = None
           ) -> Figure:
    a, b = _ticker(num, "num"), _ticker(den, "den")
    sa, sb = engine.series(a), engine.series(b)
    when = _end(engine, min(sa, sb, key=_latest), as_of, "as_of")
    kind = "diff" if mode is None or mode == "" else str(mode).strip().lower()
    if kind not in ("diff", "rel"):
        raise BadArgumentError("mode", mode, "must be diff (ratio - average) or rel (ratio / average - 1)")
    return relative.reldev(sa, sb, when, weeks=_weeks(weeks), relative=kind == "rel",
                           symbols=(engine.ticker(a), engine.ticker(b))).with_warnings(
        _stale(engine, as_of, a), _stale(engine, as_of, b))


def mag7share(engine: Engine, as_of: Any = None) -> Figure:
    members = [info.alias for info in engine.symbols.group("MAG7")]
    index = engine.series("SP500")
    when = _end(engine, index, as_of, "as_of")
    closes = {engine.ticker(m): engine.series(m) for m in members}
    return mag7.mag7_share(closes, index, engine.fundamentals(), when, members=list(closes)).with_warnings(
        _stale(engine, as_of, "SP500"), *(_stale(engine, as_of, m) for m in members))


def yield_level(engine: Engine, tenor: Any, as_of: Any = None) -> Figure:
    alias = _tenor(tenor)
    series = engine.series(alias)
    return yields.yield_level(series, _end(engine, series, as_of, "as_of"), symbol=engine.ticker(alias)).with_warnings(
        _stale(engine, as_of, alias))


def yield_change(engine: Engine, tenor: Any, start: Any, end: Any = None) -> Figure:
    alias = _tenor(tenor)
    series = engine.series(alias)
    end_date = _end(engine, series, end)
    return yields.yield_change_bp(series, _start(start, end_date), end_date, symbol=engine.ticker(alias)
                                  ).with_warnings(_stale(engine, end, alias))


def history(engine: Engine, ticker: Any, start: Any, end: Any = None, interval: Any = None,
            units: Any = None) -> Marked:
    name = _ticker(ticker)
    series = engine.series(name)
    end_date = _end(engine, series, end)
    start_date = _start(start, end_date)
    stale = _stale(engine, end, name)
    cut = history_calc.start_warning(series, start_date, engine.sessions(name), symbol=engine.ticker(name))
    if _is_macro_call(interval, units):
        return Marked(_macro_history(engine, name, series, start_date, end_date, interval, units),
                      tuple(w for w in (cut, stale) if w))
    step = "daily" if interval is None or interval == "" else str(interval).strip().lower()
    if step not in INTERVALS:
        raise BadArgumentError("interval", interval, f"must be one of {', '.join(INTERVALS)}")
    table = history_calc.resample_closes(series, start_date, end_date, step, symbol=engine.ticker(name))
    rows = [["date", "close"], *([d.date(), float(v)] for d, v in zip(table.index, table.to_numpy(), strict=True))]
    return Marked(rows, tuple(w for w in (cut, stale) if w))


def series_value(engine: Engine, series_id: Any, as_of: Any = None, units: Any = None,
                 frequency: Any = None) -> Figure:
    """MACROSERIES (SERIES outside Excel): a FRED series (``FRED:ID``) or a user's series in FRED's units and
    frequency, as of a date."""
    name = _ticker(series_id, "series_id")
    unit_code, step = macro.parse_units(units), macro.parse_frequency(frequency)
    try:
        series = engine.series(name)
    except UnknownSymbolError as exc:
        if ":" in name or engine.router.route(engine.ticker(name)).name == "fred":
            raise
        raise UnknownSymbolError(name, f"{exc}; a FRED series is written FRED:{name.strip().upper()}") from exc
    when = _end(engine, series, as_of, "as_of")
    where, declared = engine.series_origin(name)
    return macro.series_asof(series, when, units=unit_code, frequency=step, symbol=engine.ticker(name),
                             declared=macro.parse_frequency(declared), where=where)


def _is_macro_call(interval: Any, units: Any) -> bool:
    """HISTORY with units, or with a FRED frequency code as its interval, spills SERIES' transformed values."""
    code = interval.strip().lower() if isinstance(interval, str) else ""
    return not (units is None or units == "") or code in macro.FREQUENCIES


def _macro_history(engine: Engine, name: str, series: pd.Series, start: dt.date, end: dt.date, interval: Any,
                   units: Any) -> list[list[Any]]:
    symbol = engine.ticker(name)
    step = None if interval is None or interval == "" else macro.parse_frequency(interval)
    where, declared = engine.series_origin(name)
    values, _frequency = macro.prepare(series, end, macro.parse_units(units), step, symbol=symbol,
                                       declared=macro.parse_frequency(declared), where=where)
    window = values.loc[pd.Timestamp(start):pd.Timestamp(end)].dropna()  # a week in progress is dated its Friday
    if window.empty:
        raise BadDateError(start, f"{symbol} has no value between {start.isoformat()} and {end.isoformat()} "
                                  "(a year-ago or previous-period transform needs earlier data)", "start")
    return [["date", "value"], *([d.date(), float(v)] for d, v in zip(window.index, window.to_numpy(), strict=True))]


def reviewline(engine: Engine, ticker: Any, start: Any, end: Any = None, lang: Any = None) -> Marked:
    name = _ticker(ticker)
    language = _lang(lang)
    series = engine.series(name)
    info = engine.labelled(name)  # a fallback ETF is named as itself
    end_date = _end(engine, series, end)
    start_date = _start(start, end_date)
    kind: Literal["price", "yield"]
    if info.group == "rates":
        change = yields.yield_change_bp(series, start_date, end_date, symbol=engine.ticker(name))
        kind = "yield"
    else:
        change = returns.perf(series, start_date, end_date, symbol=engine.ticker(name),
                              sessions=engine.sessions(name))
        kind = "price"
    change = change.with_warnings(_stale(engine, end, name))
    assert change.start is not None and change.end is not None
    ticker = engine.ticker(name)
    own: tuple[str, ...] = (adjusted_warning(ticker),) if _adjusted_only(engine, ticker) else ()
    # an ETF proxy's raw closes (distributions not included), as the report's name cell says
    own += tuple(w for w in engine.marks(name) if parse_warning(w).kind == "raw")
    # the Summary sheet's and the post's form of the same figure (report.published.week_line)
    line = summary.review_line(info.label(language), change.start.value, change.end.value,
                               change.value, lang=language,
                               period=_period_name(series, start, change.start.date, end_date), kind=kind,
                               decimals=0 if ticker.endswith(".T") else 2,
                               start_marks=marks_for(change, "start"), end_marks=marks_for(change, "end"),
                               marks=[*marks_for(change), *parse_warnings(own)], demo=engine.is_demo)
    substitute = substitute_warning(ticker, info.ticker)  # the name says so; WARNINGS says why
    return Marked(line, change.warnings + own + ((substitute,) if substitute else ()))


def _adjusted_only(engine: Engine, ticker: str) -> bool:
    """True when the source serving ``ticker`` has only dividend-adjusted closes (as the Sources sheet says)."""
    adjusted = getattr(engine.router.route(ticker), "is_adjusted_only", None)
    return bool(adjusted(ticker)) if adjusted is not None else False


def _stale(engine: Engine, end: Any, name: str) -> str | None:
    """The staleness warning of ``name`` when the figure's end date was omitted (so "latest" was meant)."""
    return engine.stale_warning(name) if end is None or end == "" else None


def warnings_of(engine: Engine, function_name: Any, *args: Any) -> str | list[Any]:
    """WARNINGS: the warnings of the same call as one text ("" when clean), or its error reason; over a range
    of tickers, a text per cell."""
    if not isinstance(function_name, str) or not function_name.strip():
        raise BadArgumentError("function_name", function_name, "is required: the name of a function, e.g. PERF")
    target = lookup(function_name)
    if target.name == "WARNINGS":
        raise BadArgumentError("function_name", function_name, "must name another function")
    answer = call(engine, target.name, *args)
    if isinstance(answer, list):  # a table of texts, one per cell of the range (a flat list is one row)
        rows = answer if all(is_range(r) for r in answer) else [answer]
        return [[_warning_text(a) for a in row] for row in rows]
    return _warning_text(answer)


def _warning_text(answer: Answer | None) -> str:
    if answer is None:
        return ""
    if answer.error is not None:
        return answer.error.excel_text
    return "; ".join(answer.warnings)


def _period_name(series: pd.Series, start: Any, start_close: dt.date, end: dt.date) -> str:
    """The period a line names: the code typed, or the standard period whose start close is the one used
    (2024-12-20 → 2024-12-27 is a week), else "custom"."""
    if isinstance(start, str) and periods.is_relative_code(start):
        return start.strip().upper()
    for code in ("1W", "MTD", "YTD"):
        try:
            if prices.close_asof(series, periods.resolve_start(code, end))[0].date == start_close:
                return code
        except MarketReviewError:
            continue
    return "custom"


_T = Param("ticker", "Symbol or alias, e.g. \"^GSPC\", \"SP500\", \"TOPIX17_BANKS\"; or a column of them")
_DATE = Param("as_of", "Date (Excel date or ISO text); omitted: the latest close", optional=True)
_START = Param("start", "Start date, or a code relative to end: 1W, MTD, YTD, 1M, 3M, 6M, 1Y")
_END = Param("end_date", "End date; omitted: the latest close", optional=True)
_NUM = Param("num", "Numerator symbol, e.g. \"^RUO\"")
_DEN = Param("den", "Denominator symbol, e.g. \"^GSPC\"")
_TENOR = Param("tenor", "Treasury tenor: 3M, 2Y, 10Y or 30Y")

FUNCTIONS: dict[str, WorksheetFunction] = {f.name: f for f in (
    WorksheetFunction("CLOSEPRICE", "Close as of a date (the last close on or before it).", (_T, _DATE), close),
    WorksheetFunction("PERF", "Return from start to end: close(end) / close(start) - 1.", (_T, _START, _END), perf),
    WorksheetFunction("RELRATIO", "Ratio of two closes as of a date, each on its own calendar.",
                      (_NUM, _DEN, _DATE), relratio),
    WorksheetFunction("RELDEV", "Deviation of the weekly ratio num/den from its N-week moving average.",
                      (_NUM, _DEN, _DATE, Param("weeks", "Moving-average length in weeks (26)", optional=True),
                       Param("mode", "diff: ratio - average (default); rel: ratio / average - 1", optional=True)),
                      reldev),
    WorksheetFunction("MAG7SHARE", "Magnificent-7 share of S&P 500 market capitalisation.", (_DATE,), mag7share),
    WorksheetFunction("UST", "Treasury yield level in percent (YIELD in the CLI; Excel's own YIELD is a bond "
                      "function, so the worksheet name is UST).", (_TENOR, _DATE), yield_level),
    WorksheetFunction("YIELDCHG", "Treasury yield change in basis points.", (_TENOR, _START, _END), yield_change),
    WorksheetFunction("HISTORY", "Table of dates and closes (daily, weekly or monthly) of one symbol, like "
                      "STOCKHISTORY; with units or a d/w/m/q/a interval, the series as MACROSERIES transforms it "
                      "(SERIES in the CLI). Spills: needs dynamic arrays (Excel 365/2021).",
                      (Param("ticker", "One symbol or alias, e.g. \"^GSPC\", \"SP500\", \"TOPIX17_BANKS\""),
                       _START, _END,
                       Param("interval", "daily, weekly or monthly; or d, w, m, q, a (end of period, dated at "
                                         "the period start)", optional=True),
                       Param("units", "FRED units: lin, chg, ch1, pch, pc1, pca, log", optional=True)),
                      history, returns="table"),
    WorksheetFunction("MACROSERIES", "Value of a FRED series (FRED:ID) or one of your CSV series as of a date, in "
                      "FRED's units (percent for pch/pc1/pca) and frequency (SERIES in the CLI; Excel keeps the "
                      "name SERIES for chart formulas).",
                      (Param("series_id", "FRED:ID (e.g. \"FRED:BOGZ1FA105050005Q\") or a symbol of your CSV "
                                          "folder (e.g. \"ISM\")"),
                       Param("as_of", "Date (Excel date or ISO text); omitted: the latest observation",
                             optional=True),
                       Param("units", "lin (default), chg, ch1, pch, pc1, pca or log", optional=True),
                       Param("frequency", "d, w, m, q or a (end of period); omitted: the series' own",
                             optional=True)),
                      series_value),
    WorksheetFunction("REVIEWLINE", "Paste-ready review line, e.g. ・SP500 5930.85 → 5970.84 (週間+0.67%).",
                      (_T, _START, _END, Param("lang", "ja (default) or en", optional=True)), reviewline,
                      returns="text"),
    WorksheetFunction("WARNINGS", "The warnings (or the error reason) of the same call as text; \"\" when clean: "
                      "=WARNINGS(\"PERF\", \"NVDA\", \"1W\").",
                      (Param("function_name", "The function whose call to explain, e.g. \"PERF\""),
                       *(Param(f"arg{k}", f"Its argument {k}, as given to it", optional=True) for k in range(1, 6))),
                      warnings_of, returns="text"),
)}


# -- dispatch -----------------------------------------------------------------------------------------


#: Other names a function answers to outside Excel: Excel's built-in YIELD would shadow ours in a cell, CLOSE is
#: a VBA keyword (a wrapper named CLOSE does not compile) and Excel keeps SERIES for chart formulas, so Excel
#: knows them as UST, CLOSEPRICE and MACROSERIES.
ALIASES = {"YIELD": "UST", "CLOSE": "CLOSEPRICE", "SERIES": "MACROSERIES"}


def lookup(name: str) -> WorksheetFunction:
    key = name.strip().upper() if isinstance(name, str) else ""
    function = FUNCTIONS.get(ALIASES.get(key, key))
    if function is None:
        raise BadArgumentError("function", name, f"must be one of {', '.join(FUNCTIONS)}")
    return function


def evaluate(engine: Engine, name: str, *args: Any) -> Answer:
    """One cell: never raises a MarketReviewError (it comes back in ``Answer.error``)."""
    try:
        function = lookup(name)
        if len(args) > len(function.params):
            raise BadArgumentError("arguments", len(args), f"{function.name} takes at most {len(function.params)}")
        required = [p for p in function.params if not p.optional]
        if len(args) < len(required):
            missing = required[len(args)]
            raise BadArgumentError(missing.name, None, f"is required by {function.name}")
        _refuse_error_values(function, args)
        quick = _quick(engine, function.name, args)
        if quick is not None:
            return quick
        result = function.impl(engine, *args)
    except MarketReviewError as exc:
        return Answer(error=exc)
    if isinstance(result, Figure):
        return Answer(result.value, result.warnings)
    if isinstance(result, Marked):
        return Answer(result.value, result.warnings)
    return Answer(result)


def is_range(value: Any) -> bool:
    return isinstance(value, (list, tuple))


#: Excel's error values by their xlErr number (COM hands them over as VT_ERROR 0x800A0000 + the number).
EXCEL_ERROR_CODES = {2000: "#NULL!", 2007: "#DIV/0!", 2015: "#VALUE!", 2023: "#REF!", 2029: "#NAME?", 2036: "#NUM!",
                     2042: "#N/A", 2043: "#GETTING_DATA", 2045: "#SPILL!", 2046: "#CONNECT!", 2047: "#BLOCKED!",
                     2048: "#UNKNOWN!", 2049: "#FIELD!", 2050: "#CALC!"}
#: The texts Excel's error values arrive as (xlwings' ``err_to_str``); an argument holding one is an error.
EXCEL_ERRORS = frozenset(EXCEL_ERROR_CODES.values())


def _refuse_error_values(function: WorksheetFunction, args: tuple[Any, ...]) -> None:
    for param, value in zip(function.params, args, strict=False):
        if isinstance(value, str) and value in EXCEL_ERRORS:
            raise ErrorValueError(param.name, value)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _blank_row(row: Any) -> bool:
    if isinstance(row, (list, tuple)):
        if len(row) == 1:  # a column: the common case, kept cheap (a whole column is a million rows)
            cell = row[0]
            return cell is None or cell == "" or (isinstance(cell, str) and not cell.strip())
        return all(_blank(v) for v in row)
    return _blank(row)


def _skip_empty_tail(rows: Sequence[Any]) -> int:
    """Where the run of ``[None]`` rows (xlwings' empty cells of a column) at the end starts: blocks of doubling
    size compared in C (``list.count``), so a whole column costs milliseconds, not a Python loop per row."""
    if not isinstance(rows, list):
        return len(rows)
    end, size, empty = len(rows), 1, [None]
    while end > 0:
        start = max(0, end - size)
        if rows[start:end].count(empty) == end - start:
            end, size = start, size * 2
        elif size == 1:
            break
        else:
            size = 1
    return end


def trim_range(rows: Sequence[Any]) -> list[Any]:
    """A range without its trailing blank rows and columns: ``A:A`` stops at the last non-empty cell (Excel
    hands over all 1,048,576 rows). Blank cells inside the used part stay, so answers keep their places."""
    last = _skip_empty_tail(rows) - 1
    while last >= 0 and _blank_row(rows[last]):
        last -= 1
    kept = [list(r) if is_range(r) else r for r in rows[: last + 1]]
    if not any(is_range(r) for r in kept):
        return kept
    width = max((j + 1 for row in kept for j, v in enumerate(row) if not _blank(v)), default=0)
    return [row[:width] for row in kept]


def evaluate_range(engine: Engine, name: str, first: Sequence[Any], *rest: Any) -> list[Any]:
    """A range of tickers (a list, or rows of a column) → answers of the same shape after one batched fetch.
    Blank cells in the range give ``None`` answers (blank output cells)."""
    rows = [list(r) if is_range(r) else [r] for r in first]
    names = [v for row in rows for v in row if isinstance(v, str) and v.strip()]
    if lookup(name).params[0].name == "tenor":
        names = [TENORS.get(v.strip().upper(), v) for v in names]
    if names:
        engine.ensure_batch(names)  # one batched fetch for whatever the range needs and the cache lacks
    one = _range_cell(engine, lookup(name).name, rest)
    shaped = [[None if v is None or v == "" else one(v) for v in row] for row in rows]
    return shaped if any(is_range(r) for r in first) else [row[0] for row in shaped]


def _quick(engine: Engine, name: str, args: tuple[Any, ...]) -> Answer | None:
    """PERF and CLOSE from the ticker's day table (O(1)) when both ends are clean lookups — no warning and no
    error possible — else ``None`` and the full calculation answers. So a quick answer always equals the full one
    (tests/test_functions.py checks it on gappy data)."""
    if name not in ("PERF", "CLOSEPRICE") or not args or not isinstance(args[0], str):
        return None
    table = engine.day_table_or_none(args[0])
    if table is None:
        return None
    end_arg = args[1] if name == "CLOSEPRICE" and len(args) > 1 else args[2] if len(args) > 2 else None
    if (end_arg is None or end_arg == "") and not engine.is_current(table):
        return None  # "latest" on a series that stopped: the full path adds the warning
    try:
        end = table.last_date if end_arg is None or end_arg == "" else _end(engine, _NO_SERIES, end_arg)
    except MarketReviewError:
        return None
    return _table_answer(table, name, end, args[1] if name == "PERF" and len(args) > 1 else None)


def _table_answer(table: DayTable, name: str, end: dt.date | None, start_arg: Any) -> Answer | None:
    if end is None:
        return None
    end_close = table.close(end.toordinal() - EPOCH_ORDINAL)
    if end_close is None:
        return None
    if name == "CLOSEPRICE":
        return Answer(end_close)
    if start_arg is None or start_arg == "":
        return None
    try:
        start_close = table.close(_start_cached(start_arg, end).toordinal() - EPOCH_ORDINAL)
    except (MarketReviewError, TypeError):  # TypeError: an unhashable argument; the full path explains
        return None
    return Answer(end_close / start_close - 1.0) if start_close else None


_NO_SERIES = pd.Series(dtype="float64")


@lru_cache(maxsize=4096)
def _start_cached(value: Any, end: dt.date) -> dt.date:
    return _start(value, end)


def _range_cell(engine: Engine, name: str, rest: tuple[Any, ...]) -> Callable[[Any], Answer]:
    """The per-cell function of a range: :func:`_quick` with the end date parsed once for the whole range."""
    end_arg = (rest[0] if name == "CLOSEPRICE" else rest[1] if len(rest) > 1 else None) if rest else None
    try:
        fixed_end = None if end_arg is None or end_arg == "" else _end(engine, _NO_SERIES, end_arg)
    except MarketReviewError:
        fixed_end = None
    plain = name in ("PERF", "CLOSEPRICE") and (fixed_end is not None or end_arg is None or end_arg == "")
    start_arg = rest[0] if name == "PERF" and rest else None
    fresh: dict[str | None, dt.date] = {}  # per calendar, for the whole range

    def current(table: DayTable) -> bool:
        day = fresh.get(table.calendar)
        if day is None:
            day = fresh[table.calendar] = engine.fresh_from(table.calendar)
        return table.last_date is not None and table.last_date >= day

    def one(value: Any) -> Answer:
        if plain and isinstance(value, str):
            table = engine.day_table_or_none(value)
            if table is not None and (fixed_end is not None or current(table)):
                answer = _table_answer(table, name, fixed_end or table.last_date, start_arg)
                if answer is not None:
                    return answer
        return evaluate(engine, name, value, *rest)

    return one


def call(engine: Engine, name: str, *args: Any) -> Answer | list[Any]:
    """Evaluate a function by its Excel name; a range first argument gives a list of answers."""
    if args and is_range(args[0]):
        return evaluate_range(engine, name, args[0], *args[1:])
    return evaluate(engine, name, *args)


__all__ = ["ALIASES", "EXCEL_ERRORS", "EXCEL_ERROR_CODES", "FUNCTIONS", "TENORS", "Answer", "Marked", "Param",
           "WorksheetFunction", "call", "evaluate", "lookup", "trim_range"]
