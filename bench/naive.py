"""The naive baseline: what most xlwings + yfinance examples do, one fetch per formula call.

Each formula fetches the history its symbol(s) need (two years back to today, or ten days around an explicit
date) from the source and computes with pandas: ``.loc[:date].iloc[-1]`` for a close, ``resample("W-FRI")``
and ``rolling`` for the weekly deviation. No cache, no batching: the way a UDF calling ``yf.download`` per
cell behaves. A formula that fails gives ``None`` (the cell would show an error).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import time
from collections.abc import Sequence
from typing import Any

import pandas as pd

from marketreview import functions
from marketreview.errors import MarketReviewError
from marketreview.sources.base import Source
from marketreview.symbols import SymbolMap

LOOKBACK = dt.timedelta(days=730)
COMPARABLE = ("PERF", "CLOSE", "RELRATIO", "YIELD", "YIELDCHG")


class _Fetcher:
    def __init__(self, source: Source, symbols: SymbolMap, latency: float) -> None:
        self.source = source
        self.symbols = symbols
        self.latency = latency
        self.requests = 0

    def history(self, name: str, around: dt.date | None = None) -> pd.Series:
        """One request per call (a fallback ticker costs another), like ``yf.download`` in a UDF."""
        today = dt.date.today()
        start, end = (today - LOOKBACK, today) if around is None else (around - dt.timedelta(days=10), around)
        error: Exception | None = None
        for ticker in self.symbols.resolve(name).tickers:
            self.requests += 1
            time.sleep(self.latency)
            try:
                frame = self.source.fetch([ticker], start, end)
            except MarketReviewError as exc:
                error = exc
                continue
            closes: pd.Series = frame[("close", ticker)].dropna()
            return closes
        raise error or LookupError(name)


def _close(series: pd.Series, day: dt.date) -> float:
    return float(series.loc[: pd.Timestamp(day)].iloc[-1])


def _last(series: pd.Series) -> dt.date:
    last: dt.date = series.index[-1].date()
    return last


def _start(code: str, end: dt.date) -> dt.date:
    if code == "1W":
        return end - dt.timedelta(days=end.weekday() + 1)
    if code == "MTD":
        return end.replace(day=1) - dt.timedelta(days=1)
    if code == "YTD":
        return dt.date(end.year - 1, 12, 31)
    number, unit = int(code[:-1]), code[-1]
    offset = pd.DateOffset(months=number) if unit == "M" else pd.DateOffset(years=number)
    start: dt.date = (pd.Timestamp(end) - offset).date()
    return start


def evaluate(fetch: _Fetcher, formula: tuple[Any, ...]) -> float:
    name, *args = formula
    if name == "PERF":
        s = fetch.history(args[0])
        end = _last(s)
        return _close(s, end) / _close(s, _start(args[1], end)) - 1.0
    if name == "CLOSE":
        day = None if args[1] is None else dt.date.fromisoformat(args[1])
        s = fetch.history(args[0], day)
        return _close(s, day or _last(s))
    if name in ("RELRATIO", "RELDEV"):
        a, b = fetch.history(args[0]), fetch.history(args[1])
        if name == "RELRATIO":
            day = min(_last(a), _last(b))
            return _close(a, day) / _close(b, day)
        weekly = (a.resample("W-FRI").last() / b.resample("W-FRI").last()).dropna()
        return float(weekly.iloc[-1] - weekly.rolling(int(args[3])).mean().iloc[-1])
    s = fetch.history(functions.TENORS[args[0]])
    if name == "YIELD":
        return float(s.iloc[-1])
    end = _last(s)
    return (_close(s, end) - _close(s, _start(args[1], end))) * 100.0


def run(source: Source, symbols: SymbolMap, formulas: list[tuple[Any, ...]], latency: float
        ) -> tuple[float, int, list[float | None]]:
    """Seconds, requests and values (``None`` for a failed formula) of the naive recalculation."""
    fetch = _Fetcher(source, symbols, latency)
    values: list[float | None] = []
    t0 = time.perf_counter()
    for formula in formulas:
        try:
            values.append(evaluate(fetch, formula))
        except (MarketReviewError, LookupError, IndexError, KeyError):
            values.append(None)
    return time.perf_counter() - t0, fetch.requests, values


def agreement(formulas: Sequence[tuple[Any, ...]], ours: Sequence[Any], theirs: Sequence[float | None]
              ) -> tuple[int, int]:
    """How many comparable formulas (same definition both ways) both answered, and how many of those agree."""
    agree = compared = 0
    for formula, answer, value in zip(formulas, ours, theirs, strict=True):
        if formula[0] not in COMPARABLE or value is None or not answer.ok:
            continue
        compared += 1
        agree += abs(float(answer.value) - value) <= 1e-9 * max(1.0, abs(value))
    return agree, compared


def prewarm(source: Source, tickers: list[str]) -> None:
    """Let the inner source generate or read every ticker once, so neither contestant pays for it."""
    with contextlib.suppress(MarketReviewError):  # symbols the input lacks fail alike for both
        source.fetch(tickers, dt.date(2015, 1, 1), dt.date.today())
