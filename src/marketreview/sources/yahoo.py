"""Daily closes from Yahoo Finance through ``yfinance.download``: one batched call per fetch.

yfinance is imported lazily (inside :meth:`YahooSource.fetch`), so importing MarketReview stays light
and works without it. yfinance 1.7 does not raise per-ticker failures: ``download`` catches each ticker's
exception, leaves that ticker's columns all-NaN and *logs*
``"['AAPL', 'MSFT']: YFRateLimitError('Too Many Requests. …')"`` on the ``yfinance`` logger (its
``_DownloadCtx.errors`` are private to the call; ``yfinance.shared._ERRORS`` is no longer filled). We listen
to that logger during the call to learn why a ticker came back empty, retry the tickers that failed for a
transient reason, and translate everything third-party into our errors in :func:`_classify` /
:func:`_failure` below.

By default yfinance *hides* network errors (``yf.config.debug.hide_exceptions``): a DNS failure or a timeout
is then logged as "possibly delisted; no timezone found", which reads like an unknown symbol. So the call runs
with ``hide_exceptions = False`` (restored afterwards): each ticker's real exception (``DNSError(...)``,
``Timeout(...)``, ``YFDataException('*** YAHOO! FINANCE IS CURRENTLY DOWN! ***')``) is then what 1.7 logs.
A DNS or connection failure is :class:`~marketreview.errors.NetworkError` at once (every ticker would fail
the same way); timeouts and the outage page are retried first; only Yahoo's own "no data" is an unknown symbol.
The failure lines are read even when the host application silenced the ``yfinance`` logger.
"""

from __future__ import annotations

import ast
import datetime as dt
import logging
import os
import re
import socket
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Literal

import pandas as pd

from ..errors import DataFormatError, NetworkError, RateLimitError, SourceError
from ..symbols import check_ticker
from ..types import Symbol
from .base import (
    backoff_delays,
    check_window,
    clip,
    empty_frame,
    exception_kind,
    make_frame,
    require_all,
    unique_symbols,
)

Download = Callable[..., Any]
Resolve = Callable[[str, int], object]
#: The host yfinance fetches daily bars from: resolved once per fetch, so a machine without network (or DNS)
#: gets "network unreachable" in well under a second instead of one failed request per ticker.
YAHOO_HOST = "query2.finance.yahoo.com"
Failure = Literal["rate", "timeout", "outage", "network", "other"]

#: Failures worth another try after a pause (a DNS or connection failure is not: it fails the request at once).
_TRANSIENT: frozenset[Failure] = frozenset({"rate", "timeout", "outage"})
_RATE_MARKERS = ("YFRateLimitError", "Too Many Requests", "Rate limited")
_TIMEOUT_MARKERS = ("Timeout", "timed out", "curl: (28)")
_OUTAGE_MARKERS = ("CURRENTLY DOWN", "Will be right back", "JSONDecodeError", "Expecting value")
_NETWORK_MARKERS = ("ConnectionError", "DNSError", "Could not resolve host", "Failed to connect", "curl: (6)",
                    "curl: (7)", "curl: (35)", "curl: (52)", "curl: (56)", "NameResolutionError")
_LOGGED_FAILURE = re.compile(r"^(\[.*?\]): (.*)$", re.DOTALL)

#: Exchange time zones for tickers whose daily bars Yahoo stamps at local midnight. Only used when a
#: tz-aware index arrives in a *different* zone (yfinance aligns mixed tickers to the most common zone when
#: ``ignore_tz`` is off): a Tokyo bar 2025-01-06 00:00+09:00 shown as 2025-01-05 10:00-05:00 is put back on
#: its Tokyo day.
_TOKYO_INDICES = frozenset({"^N225", "^TOPX"})


class YahooSource:
    """Yahoo Finance daily ``Close`` (→ ``close``) and ``Adj Close`` (→ ``adj_close``).

    ``download`` is ``yfinance.download`` unless a fake is injected (tests). ``retries`` is the number of
    extra attempts after the first for rate-limited, timed-out or disconnected tickers; the waits between them
    are ``backoff``, ``2*backoff``, ``4*backoff`` … seconds through ``sleep``.
    """

    name = "yahoo"
    #: a ticker Yahoo does not know (``^TOPX``) is remembered in the cache and skipped to its fallback
    remembers_unknown = True
    #: Yahoo's ``Adj Close`` is re-adjusted back in time at every distribution, so a series measured on it is
    #: fetched whole (not only its new days), or its older rows would miss the latest distribution
    readjusts_history = True

    def __init__(self, download: Download | None = None, sleep: Callable[[float], None] = time.sleep,
                 retries: int = 4, backoff: float = 1.0, timeout: float = 10,
                 resolve: Resolve | None = None) -> None:
        self._download = download
        #: checks the network before the real yfinance is called (not before an injected fake)
        self._resolve = resolve if resolve is not None else (None if download is not None else socket.getaddrinfo)
        self._sleep = sleep
        self.retries = retries
        self.backoff = backoff
        self.timeout = timeout

    def fetch(self, symbols: Sequence[Symbol], start: dt.date, end: dt.date) -> pd.DataFrame:
        check_window(start, end)
        wanted = [check_ticker(s) for s in unique_symbols(symbols)]  # never hand hostile text to yfinance
        if not wanted:
            return empty_frame([])
        if self._resolve is not None and not _proxied():
            try:
                self._resolve(YAHOO_HOST, 443)
            except OSError as exc:  # socket.gaierror: no DNS, no network
                raise NetworkError(self.name, f"cannot resolve {YAHOO_HOST} ({exc})", wanted) from exc
        closes: dict[Symbol, pd.Series] = {}
        adjusted: dict[Symbol, pd.Series] = {}
        pending = wanted
        delays = backoff_delays(self.retries, self.backoff)
        for attempt in range(len(delays) + 1):
            failures = self._attempt(pending, start, end, closes, adjusted)
            unreachable = {s: f for s, f in failures.items() if f[0] == "network"}
            if unreachable:
                raise NetworkError(self.name, next(iter(unreachable.values()))[1], wanted)
            transient = {s: f for s, f in failures.items() if f[0] in _TRANSIENT}
            if not transient:
                break
            if attempt == len(delays):
                error = _failure(transient, attempts=attempt + 1)
                if closes:  # the others arrived: hand them over with the error, per SourceError.frame
                    error.frame = clip(make_frame(closes, adjusted), start, end)
                raise error
            self._sleep(delays[attempt])
            pending = list(transient)
        frame = clip(make_frame(closes, adjusted), start, end) if closes else empty_frame([])
        return require_all(self.name, frame, wanted)

    def _attempt(self, symbols: list[Symbol], start: dt.date, end: dt.date, closes: dict[Symbol, pd.Series],
                 adjusted: dict[Symbol, pd.Series]) -> dict[Symbol, tuple[Failure, str]]:
        """One download; stores what arrived and returns why the others did not (if yfinance said)."""
        try:
            with _logged_failures() as logged:
                raw = self._call(symbols, start, end)
        except Exception as exc:  # the one boundary where yfinance / curl_cffi / requests errors come in
            failure = (_classify(exc), f"{type(exc).__name__}: {exc}")
            if failure[0] == "network":
                raise NetworkError(self.name, failure[1], symbols) from exc
            if failure[0] == "other":
                raise SourceError(self.name, f"yfinance failed ({failure[1]})", symbols) from exc
            return dict.fromkeys(symbols, failure)
        got_close, got_adj = _split_download(raw, symbols)
        closes.update(got_close)
        adjusted.update(got_adj)
        logged.update(_legacy_errors())
        failures: dict[Symbol, tuple[Failure, str]] = {}
        for symbol in symbols:
            reason = logged.get(symbol.upper())
            if symbol not in got_close and reason is not None:
                failures[symbol] = (_classify(reason), reason)
        return failures

    def _call(self, symbols: list[Symbol], start: dt.date, end: dt.date) -> Any:
        download = self._download or _yfinance_download()
        with _exceptions_shown():
            return download(tickers=list(symbols), start=start, end=end + dt.timedelta(days=1), interval="1d",
                            auto_adjust=False, actions=False, progress=False, group_by="column", threads=True,
                            multi_level_index=True, ignore_tz=True, timeout=self.timeout)


# -- third-party errors → ours (the one place) ------------------------------------------------------


def _classify(error: BaseException | str) -> Failure:
    """What kind of failure an exception (or the text yfinance logged for one) is."""
    if isinstance(error, BaseException):
        kind = exception_kind(error)
        if kind is not None:
            return kind
        text = f"{type(error).__name__}: {error}"
    else:
        text = error
    if any(marker in text for marker in _RATE_MARKERS):
        return "rate"
    if any(marker in text for marker in _TIMEOUT_MARKERS):
        return "timeout"
    if any(marker in text for marker in _OUTAGE_MARKERS):
        return "outage"
    if any(marker in text for marker in _NETWORK_MARKERS):
        return "network"
    return "other"


def _failure(failures: Mapping[Symbol, tuple[Failure, str]], attempts: int) -> SourceError:
    kinds = {kind for kind, _ in failures.values()}
    detail = next(iter(failures.values()))[1]
    if "rate" in kinds:
        return RateLimitError(YahooSource.name, f"rate limited after {attempts} attempts ({detail})",
                              failures)
    what = "timed out" if "timeout" in kinds else "Yahoo Finance is down (outage page)"
    return NetworkError(YahooSource.name, f"{what} after {attempts} attempts ({detail})", failures)


def _proxied() -> bool:
    """Behind a proxy the local resolver may not know Yahoo's host although the proxy reaches it: no DNS check."""
    if any(os.environ.get(name) for name in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy")):
        return True
    config = getattr(sys.modules.get("yfinance"), "config", None)
    return bool(getattr(getattr(config, "network", None), "proxy", None))


def _yfinance_download() -> Download:
    import yfinance  # lazily: importing MarketReview must not import yfinance

    download: Download = yfinance.download
    return download


class _FailureLog(logging.Handler):
    """Collects yfinance's ``"['A', 'B']: <error>"`` lines as ``{"A": "<error>", "B": "<error>"}``."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.by_symbol: dict[str, str] = {}

    def emit(self, record: logging.LogRecord) -> None:
        match = _LOGGED_FAILURE.match(record.getMessage())
        if match is None:
            return
        try:
            tickers = ast.literal_eval(match.group(1))
        except (ValueError, SyntaxError):
            return
        for ticker in tickers if isinstance(tickers, list) else []:
            self.by_symbol[str(ticker).upper()] = match.group(2)


@contextmanager
def _logged_failures() -> Iterator[dict[str, str]]:
    """Collect yfinance's failure lines during the call. If the host silenced the ``yfinance`` logger (disabled
    it or raised its level), it is opened for the call with only our handler, so the host still sees nothing."""
    logger = logging.getLogger("yfinance")
    handler = _FailureLog()
    saved = (logger.disabled, logger.level, logger.propagate, list(logger.handlers))
    silenced = logger.disabled or not logger.isEnabledFor(logging.ERROR)
    if silenced:
        logger.disabled, logger.propagate, logger.handlers = False, False, []
        logger.setLevel(logging.ERROR)
    logger.addHandler(handler)
    try:
        yield handler.by_symbol
    finally:
        logger.removeHandler(handler)
        if silenced:
            logger.disabled, logger.propagate, logger.handlers = saved[0], saved[2], saved[3]
            logger.setLevel(saved[1])


@contextmanager
def _exceptions_shown() -> Iterator[None]:
    """yfinance's ``config.debug.hide_exceptions = False`` for the call, so failures are logged as what they are."""
    config = getattr(sys.modules.get("yfinance"), "config", None)
    debug = getattr(config, "debug", None)
    if debug is None:
        yield
        return
    saved = debug.hide_exceptions
    debug.hide_exceptions = False
    try:
        yield
    finally:
        debug.hide_exceptions = saved


def _legacy_errors() -> dict[str, str]:
    """yfinance before 0.2.5x kept per-ticker errors in ``yfinance.shared._ERRORS`` (1.7 leaves it empty)."""
    shared = sys.modules.get("yfinance.shared")
    errors = getattr(shared, "_ERRORS", None)
    if not isinstance(errors, dict):
        return {}
    return {str(k).upper(): str(v) for k, v in errors.items()}


# -- the shapes yfinance returns → per-symbol series ------------------------------------------------


def _split_download(raw: Any, symbols: Sequence[Symbol]
                    ) -> tuple[dict[Symbol, pd.Series], dict[Symbol, pd.Series]]:
    """Per-symbol ``Close`` and ``Adj Close`` series (dated, NaN rows dropped) from a download result.

    Handles ``(Price, Ticker)`` and ``(Ticker, Price)`` column MultiIndexes, single-level columns for one
    ticker, ``None`` / empty frames, all-NaN columns of failed tickers, tz-aware indexes and duplicated dates.
    """
    if raw is None:
        return {}, {}
    if not isinstance(raw, pd.DataFrame):
        raise DataFormatError("yahoo download", f"expected a DataFrame, got {type(raw).__name__}")
    if raw.shape[0] == 0 or raw.shape[1] == 0:
        return {}, {}
    by_upper = {s.upper(): s for s in symbols}
    if isinstance(raw.columns, pd.MultiIndex):
        if raw.columns.nlevels != 2:
            raise DataFormatError("yahoo download", f"expected 2 column levels, got {raw.columns.nlevels}")
        price_level = _price_level(raw.columns)
        per_ticker = {str(t): raw.xs(t, axis=1, level=1 - price_level)
                      for t in raw.columns.get_level_values(1 - price_level).unique()}
    elif len(symbols) == 1:
        per_ticker = {symbols[0]: raw}
    else:
        raise DataFormatError("yahoo download", f"single-level columns for {len(symbols)} tickers")
    closes: dict[Symbol, pd.Series] = {}
    adjusted: dict[Symbol, pd.Series] = {}
    for ticker, prices in per_ticker.items():
        symbol = by_upper.get(ticker.upper())
        if symbol is None:
            continue  # yfinance answered a ticker we did not ask for
        if "Close" not in prices.columns:
            raise DataFormatError("yahoo download", f"no Close column for {ticker} (columns: "
                                  f"{', '.join(map(str, prices.columns))})")
        close = _dated(prices["Close"], symbol)
        if close.empty:
            continue
        closes[symbol] = close
        if "Adj Close" in prices.columns:
            adjusted[symbol] = _dated(prices["Adj Close"], symbol)
    return closes, adjusted


def _price_level(columns: pd.MultiIndex) -> int:
    for level in (0, 1):
        if "Close" in set(columns.get_level_values(level)):
            return level
    names = [str(n) for n in columns.names]
    return 0 if names[0] == "Price" else 1


def _dated(values: Any, symbol: Symbol) -> pd.Series:
    """Float values on naive local dates, NaN dropped, one value per date (the last one Yahoo sent)."""
    series = pd.to_numeric(pd.Series(values), errors="coerce").astype("float64")
    index = pd.DatetimeIndex(series.index)
    if index.tz is not None:
        zone = _exchange_tz(symbol)
        if zone is not None:
            index = index.tz_convert(zone)
        index = index.tz_localize(None)
    series.index = index.normalize()
    series = series.dropna()
    return series[~series.index.duplicated(keep="last")].sort_index()


def _exchange_tz(symbol: Symbol) -> str | None:
    upper = symbol.upper()
    if upper.endswith(".T") or upper in _TOKYO_INDICES:
        return "Asia/Tokyo"
    if upper.endswith("=X"):
        return "Europe/London"
    if "." not in upper:
        return "America/New_York"
    return None  # another exchange: keep the zone the frame came in


__all__ = ["YahooSource"]
