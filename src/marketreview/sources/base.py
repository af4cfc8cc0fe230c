"""The one interface every source implements, the frame shape it returns, and a fake built from a function."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Literal, Protocol, runtime_checkable

import numpy as np
import pandas as pd

from ..errors import (
    BadDateError,
    DataFormatError,
    NetworkError,
    RateLimitError,
    SourceError,
    SymbolNotFoundError,
)
from ..types import FIELDS, Symbol


@runtime_checkable
class Source(Protocol):
    """Daily closes for many symbols in one call.

    ``fetch`` returns a frame indexed by timezone-naive dates (``DatetimeIndex`` named ``date``, normalised to
    midnight, ascending, unique) in each market's own trading days, with two-level columns ``(field, symbol)``
    where field is ``close`` (raw close) or ``adj_close`` (dividend-adjusted, NaN where the source has none).
    Both ``start`` and ``end`` are inclusive. A symbol with no rows at all in the answer raises
    :class:`SymbolNotFoundError` naming it (its ``frame`` carries the symbols that did arrive); a source never
    returns a silent empty column.
    """

    name: str

    def fetch(self, symbols: Sequence[Symbol], start: dt.date, end: dt.date) -> pd.DataFrame: ...


def source_key(source: Source) -> str:
    """Who delivered a row, as the cache records it: ``source.key`` where a source has several instances
    that must not share rows (``csv:<folder>``), else its name (``yahoo``, ``fred``, ``demo``)."""
    return str(getattr(source, "key", source.name))


def make_frame(close: Mapping[Symbol, pd.Series], adj_close: Mapping[Symbol, pd.Series] | None = None
               ) -> pd.DataFrame:
    """Assemble the standard ``(field, symbol)`` frame from per-symbol series (any date-like index)."""
    symbols = list(close)
    adj_close = adj_close or {}
    parts: dict[tuple[str, str], pd.Series] = {}
    for symbol in symbols:
        parts[("close", symbol)] = close[symbol]
    for symbol in symbols:
        adj = adj_close.get(symbol)
        if adj is None:
            adj = pd.Series(np.nan, index=close[symbol].index)
        parts[("adj_close", symbol)] = adj
    if not parts:
        return empty_frame([])
    frame = pd.concat(parts, axis=1, sort=True).astype("float64")
    frame.index = normalise_index(frame.index)
    frame = frame[~frame.index.duplicated(keep="last")].sort_index()
    pairs: list[tuple[str, str]] = list(frame.columns)  # type: ignore[arg-type]  # concat keys are pairs
    frame.columns = pd.MultiIndex.from_tuples(pairs, names=["field", "symbol"])
    return frame


def empty_frame(symbols: Sequence[Symbol]) -> pd.DataFrame:
    columns = pd.MultiIndex.from_product([list(FIELDS), list(symbols)], names=["field", "symbol"])
    return pd.DataFrame(index=pd.DatetimeIndex([], name="date"), columns=columns, dtype="float64")


def normalise_index(index: pd.Index) -> pd.DatetimeIndex:
    """Timezone-naive midnight dates named ``date``. A tz-aware index keeps its *local* calendar date, so a
    Tokyo close stamped 00:00+09:00 stays on its Tokyo day instead of moving to the previous UTC day."""
    idx = pd.DatetimeIndex(index)
    if idx.tz is not None:
        idx = idx.tz_localize(None)
    return pd.DatetimeIndex(idx.normalize().astype("datetime64[ns]"), name="date")


def clip(frame: pd.DataFrame, start: dt.date, end: dt.date) -> pd.DataFrame:
    return frame.loc[(frame.index >= pd.Timestamp(start)) & (frame.index <= pd.Timestamp(end))]


def require_all(source: str, frame: pd.DataFrame, symbols: Sequence[Symbol]) -> pd.DataFrame:
    """Raise naming every requested symbol that has no close in ``frame``."""
    missing = [s for s in symbols
               if ("close", s) not in frame.columns or frame[("close", s)].notna().sum() == 0]
    if missing:
        found = [s for s in symbols if s not in missing]
        keep = [c for c in frame.columns if c[1] in found]
        raise SymbolNotFoundError(source, missing, frame=frame.loc[:, keep])
    return frame


def unique_symbols(symbols: Sequence[Symbol]) -> list[Symbol]:
    """The requested symbols without repeats, in their first-seen order."""
    return list(dict.fromkeys(symbols))


def check_window(start: dt.date, end: dt.date) -> None:
    """Refuse a window that ends before it starts (both ends are inclusive: ``start == end`` is one day)."""
    if start > end:
        raise BadDateError(start, f"start is after end {end.isoformat()}", "start")


def exception_kind(exc: BaseException) -> Literal["rate", "timeout", "network"] | None:
    """What a third-party exception (requests, curl_cffi, yfinance) says about the connection, read from its class
    names so no HTTP library is imported: a rate limit, a timeout, no connection (DNS included), or None."""
    names = {cls.__name__ for cls in type(exc).__mro__}
    if "YFRateLimitError" in names or getattr(getattr(exc, "response", None), "status_code", None) == 429:
        return "rate"
    if isinstance(exc, TimeoutError) or names & {"Timeout", "ReadTimeout", "ConnectTimeout"}:
        return "timeout"
    if isinstance(exc, ConnectionError) or names & {"ConnectionError", "DNSError"}:
        return "network"
    return None


def classify_http(exc: Exception, status_detail: Callable[[int], tuple[str, str] | None] | None = None
                  ) -> tuple[str, str]:
    """``(kind, detail)`` of an HTTP source's failure: kind is rate (429), server (5xx), timeout, network or
    other. ``status_detail`` may word an HTTP status itself (J-Quants' plan refusals), else None."""
    status = getattr(getattr(exc, "response", None), "status_code", None)
    kind = exception_kind(exc)
    if kind == "rate":
        return "rate", "HTTP 429 Too Many Requests"
    if isinstance(status, int):
        own = status_detail(status) if status_detail is not None else None
        return own if own is not None else (("server" if status >= 500 else "other"), f"HTTP {status}")
    if kind == "timeout":
        return "timeout", f"timed out ({type(exc).__name__})"
    if kind == "network":
        return "network", f"connection failed ({type(exc).__name__}: {exc})"
    return "other", f"{type(exc).__name__}: {exc}"


def http_failure(source: str, kind: str, detail: str, symbols: Sequence[Symbol], attempts: int) -> SourceError:
    """The error a failed HTTP fetch raises (:func:`classify_http`'s kind), saying how many attempts it took."""
    tries = f" after {attempts} attempts" if attempts > 1 else ""
    if kind == "rate":
        return RateLimitError(source, f"rate limited{tries} ({detail})", symbols)
    if kind in ("network", "timeout"):
        return NetworkError(source, f"{detail}{tries}", symbols)
    return SourceError(source, f"{detail}{tries}", symbols)


def http_get_text(url: str, timeout: float, headers: Mapping[str, str] | None = None) -> str:
    """The body of a GET (the HTTP sources' one network call; an HTTP error status raises). ``headers`` are
    sent besides the User-Agent (J-Quants' ``x-api-key``)."""
    import requests  # lazily: importing MarketReview must not import requests

    response = requests.get(url, timeout=timeout, headers={"User-Agent": "marketreview", **(headers or {})})
    response.raise_for_status()
    text: str = response.text
    return text


def backoff_delays(retries: int, backoff: float) -> list[float]:
    """Seconds to wait before each retry: ``backoff``, ``2*backoff``, ``4*backoff`` … (``retries`` waits)."""
    return [backoff * 2.0**attempt for attempt in range(max(retries, 0))]


class FunctionSource:
    """A fake source built from a function ``(symbol, dates) -> closes`` (or ``None`` for an unknown symbol).

    It serves tests, benchmarks and the demo: no network. ``calls`` records every ``fetch`` so tests and
    benchmarks can count requests.
    """

    def __init__(self, func: Callable[[Symbol, pd.DatetimeIndex], pd.Series | np.ndarray | None],
                 *, name: str = "fake", calendar: Callable[[Symbol, dt.date, dt.date], pd.DatetimeIndex]
                 | None = None) -> None:
        self.name = name
        self._func = func
        self._calendar = calendar or (lambda _s, a, b: pd.bdate_range(a, b, name="date"))
        self.calls: list[tuple[tuple[Symbol, ...], dt.date, dt.date]] = []

    def fetch(self, symbols: Sequence[Symbol], start: dt.date, end: dt.date) -> pd.DataFrame:
        self.calls.append((tuple(symbols), start, end))
        closes: dict[Symbol, pd.Series] = {}
        for symbol in symbols:
            dates = self._calendar(symbol, start, end)
            values = self._func(symbol, dates)
            if values is None:
                continue
            series = values if isinstance(values, pd.Series) else pd.Series(values, index=dates)
            closes[symbol] = series.dropna()
        frame = make_frame(closes) if closes else empty_frame([])
        return require_all(self.name, frame, symbols)


def parse_number(cell: str, where: str, name: str) -> float:
    """A number from a CSV cell; text or a non-finite value is an error naming the file/line and column."""
    try:
        value = float(cell)
    except ValueError:
        raise DataFormatError(where, f"{name} is not a number: {cell!r}") from None
    if not math.isfinite(value):
        raise DataFormatError(where, f"{name} is not a finite number: {cell!r}")
    return value
