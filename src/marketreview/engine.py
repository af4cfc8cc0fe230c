"""The engine: sources → SQLite cache → in-memory series, for everything above it (functions, report, CLI).

It resolves aliases, fetches only what the cache lacks (one batched request per source), remembers which ticker and
source served each alias, and answers offline from the cache alone. It computes nothing: calculations live in
``calc``; this module only hands them series.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial

import numpy as np
import pandas as pd

from . import calendars, localfiles, wanted
from . import substitutes as subs
from .cache import Cache, CacheInfo
from .calc import prices
from .calc.lookup import DayTable, day_table
from .deadline import Pending, call_within, remaining
from .errors import (
    CacheCorruptError,
    CacheError,
    DataFormatError,
    DeadlineError,
    MarketReviewError,
    NetworkError,
    NoDataError,
    SourceError,
    StaleFileError,
    SymbolNotFoundError,
    UnknownSymbolError,
)
from .localfiles import CLOCK_SKEW, fetch_age
from .sources.base import Source, source_key
from .sources.holdings import to_fundamentals
from .sources.router import Router
from .substitutes import Substitute
from .symbols import SymbolInfo, SymbolMap
from .types import FundamentalsSnapshot, HoldingsSnapshot, Provenance, Symbol

#: How far back a first fetch reaches: enough for 5-year figures, 26-week averages and last year's return.
HISTORY_YEARS = 11
DEFAULT_TTL = dt.timedelta(hours=1)
_BUSY = "(cache)"
#: A ticker is remembered as unknown only after a request this long came back empty.
_UNKNOWN_WINDOW = dt.timedelta(days=30)
#: How long a ticker a source said it does not know is skipped (straight to its fallback) before it is tried again.
UNKNOWN_TTL = dt.timedelta(days=30)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


@dataclass
class FetchReport:
    """What one :meth:`Engine.ensure` did: per source one request at most."""

    requests: dict[str, int] = field(default_factory=dict)
    rows: int = 0
    fetched: list[str] = field(default_factory=list)
    failed: dict[str, MarketReviewError] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failed


class Engine:
    """Series by alias, from a :class:`Router` of sources through a :class:`Cache`."""

    def __init__(self, router: Router, cache: Cache, symbols: SymbolMap | None = None, *,
                 offline: bool = False, ttl: dt.timedelta = DEFAULT_TTL,
                 clock: Callable[[], dt.datetime] = utcnow, fetch_missing: bool = True,
                 tz: dt.tzinfo | None = None) -> None:
        self.router = router
        self.cache = cache
        self.symbols = symbols or SymbolMap.default()
        self.offline = offline
        self.ttl = ttl
        self.clock = clock
        #: the user's time zone ("today" is their date); None: the machine's local zone
        self.tz = tz
        self._lock = threading.RLock()
        self._series: dict[Symbol, pd.Series] = {}
        self._served: dict[str, Symbol] = {}
        self._failed: dict[str, MarketReviewError] = {}
        #: alias -> why its preferred ticker did not serve (this session's fetch), for a fallback's marks
        self._passed_over: dict[str, MarketReviewError] = {}
        #: ticker -> what its memoised series is (:data:`ADJUSTED`, :data:`RAW` or :data:`PRICE`)
        self._basis: dict[Symbol, str] = {}
        self._sessions: dict[tuple[str | None, dt.date], pd.DatetimeIndex | None] = {}
        self._closed: dict[tuple[str | None, object], dt.date] = {}
        self._fresh: dict[tuple[str | None, object], dt.date] = {}
        #: name as typed -> (clock minute, the warning for "latest" on it); emptied whenever a fetch replaces a series
        self._stale: dict[str, tuple[object, str | None]] = {}
        #: by the name as typed; emptied whenever a fetch replaces any series
        self._tables: dict[str, DayTable] = {}
        self._fundamentals: list[FundamentalsSnapshot] | None = None
        self._fundamentals_error: MarketReviewError | None = None
        self._holdings_failure: MarketReviewError | None = None
        #: False for formulas: a read never waits on the network; a missing symbol says "press Refresh"
        self.fetch_missing = fetch_missing
        self._data_version: int | None = None
        #: local files that are gone, unreadable or invalid since they were read: ticker -> (since, why)
        self._file_faults: dict[Symbol, tuple[str | None, StaleFileError]] = {}
        self._fault_since: dict[Symbol, dt.datetime] = {}
        #: the names formulas used, for the cache's wanted table (written once a day each)
        self._asks = wanted.Asks()
        #: a refresh's deadline (a time.monotonic() reading) and its length: no request waits past it
        self.deadline: float | None = None
        self.deadline_seconds = 0.0
        #: (symbol, source) pairs the cache holds, read in one query, with the cache's own change count then;
        #: other processes' commits drop it in :meth:`reload_if_changed` (once per calculation burst)
        self._held: tuple[int, set[tuple[Symbol, str]]] | None = None

    # -- time --------------------------------------------------------------------------------------

    def now(self) -> dt.datetime:
        """The clock in the user's zone (a naive clock reading is taken as UTC)."""
        now = self.clock()
        if now.tzinfo is None:
            now = now.replace(tzinfo=dt.timezone.utc)
        return now.astimezone(self.tz) if self.tz is not None else now.astimezone()

    def today(self) -> dt.date:
        """The user's own date: a date is in the future only after their midnight, not UTC's."""
        return self.now().date()

    def closed_through(self, name: str) -> dt.date:
        """The last day whose close ``name``'s exchange has published by now, on the exchange's own clock
        (worked out once per calendar and clock minute: formulas ask for it on every cell)."""
        calendar = self.symbols.resolve(name).calendar
        key = (calendar, self._minute())
        day = self._closed.get(key)
        if day is None:
            if len(self._closed) > 64:
                self._closed.clear()
            day = self._closed[key] = calendars.closed_through(calendar, self.now())
        return day

    def history_start(self, end: dt.date | None = None) -> dt.date:
        end = end or self.today()
        return dt.date(end.year - HISTORY_YEARS, 1, 1)

    # -- fetching ----------------------------------------------------------------------------------

    def ensure(self, names: Iterable[str], start: dt.date | None = None, end: dt.date | None = None,
               *, progress: Callable[[str, int, int], None] | None = None) -> FetchReport:
        """Make sure the cache holds every name's closes over [start, end] (default: the whole history window to
        today): one request per source for what is missing, fallbacks tried in a second batch. Never raises for a
        failing symbol: failures are returned (and remembered) so a refresh can keep the others."""
        report = FetchReport()
        end = min(end or self.today(), self.today())
        start = min(start or self.history_start(end), self.history_start(end))
        infos = _unique_infos(self.symbols.resolve(n) for n in names)
        if self.offline:
            return report
        down: dict[str, MarketReviewError] = {}  # a source found unreachable is not asked again in this request
        with self._lock:
            pending = {info.alias: info for info in infos}
            for level in range(max((len(i.tickers) for i in infos), default=0)):
                wanted = {alias: info.tickers[level] for alias, info in pending.items() if level < len(info.tickers)}
                served, failed = self._fetch_level(wanted, start, end, report, progress, down)
                for alias in served:
                    self._served[alias] = wanted[alias]
                    self._failed.pop(alias, None)
                    if level == 0:
                        self._passed_over.pop(alias, None)
                    report.fetched.append(alias)
                    del pending[alias]
                for alias, error in failed.items():
                    if level + 1 >= len(pending[alias].tickers) or isinstance(error, CacheError):
                        report.failed[alias] = error
                        self._failed[alias] = error
                        del pending[alias]
                    elif level == 0:
                        self._passed_over[alias] = error
        return report

    def failure(self, name: str) -> MarketReviewError | None:
        """Why the last fetch of ``name`` failed in this engine (None: it did not fail)."""
        return self._failed.get(self.symbols.resolve(name).alias)

    def _fetch_level(self, wanted: dict[str, Symbol], start: dt.date, end: dt.date, report: FetchReport,
                     progress: Callable[[str, int, int], None] | None, down: dict[str, MarketReviewError]
                     ) -> tuple[list[str], dict[str, MarketReviewError]]:
        now = self.clock()
        served: list[str] = []
        failed: dict[str, MarketReviewError] = {}
        need: dict[Symbol, list[tuple[dt.date, dt.date]]] = {}
        revisions: dict[Symbol, str] = {}  # local files read anew: their rows replace the cached ones
        skipped: dict[Symbol, MarketReviewError] = {}
        for alias, ticker in wanted.items():
            source = self.router.route(ticker)
            key = source_key(source)
            if key in down:
                skipped[ticker] = down[key]
                continue
            remembered = self._remembered_unknown(source, ticker, now)
            if remembered is not None:
                skipped[ticker] = remembered
                continue
            revision = localfiles.revision(source, ticker)
            stored = self.cache.revision(ticker, key) if localfiles.reads_files(source) else None
            if revision != stored:  # edited, or gone since it was read: read it again (or report why not)
                if revision is not None:
                    revisions[ticker] = revision
                need[ticker] = [(start, end)]
                continue
            gaps = self.cache.missing(ticker, start, end, now=now, ttl=self.ttl, source=key)
            if gaps:
                # a series its source revises (FRED's macro series) is refetched whole, replacing the cache's rows
                need[ticker] = [(start, end)] if self._revises(ticker) else gaps
            else:
                served.append(alias)
        for alias, ticker in wanted.items():
            if ticker in skipped:
                failed[alias] = skipped[ticker]
        by_source = self.router.split(list(need))
        windows = {id(s): (min(g[0] for t in ts for g in need[t]), max(g[1] for t in ts for g in need[t]))
                   for s, ts in by_source.items()}
        started: dict[int, Pending] = {}
        if self.deadline is not None:  # side by side: a hanging source costs only its own symbols
            for s, ts in by_source.items():
                started[id(s)] = Pending(partial(s.fetch, ts, *windows[id(s)]))
        for number, (source, tickers) in enumerate(by_source.items(), start=1):
            if progress is not None:
                progress(source.name, number, len(by_source))
            key = source_key(source)
            if _BUSY in down:  # the cache could not be written: fetching more would only wait again
                for alias, ticker in wanted.items():
                    if ticker in tickers:
                        failed[alias] = down[_BUSY]
                continue
            lo, hi = windows[id(source)]
            report.requests[source.name] = report.requests.get(source.name, 0) + 1
            try:
                frame = self._fetch(source, tickers, lo, hi, started.get(id(source)))
                bad: dict[Symbol, MarketReviewError] = {}
            except SourceError as exc:
                # a batch error that carries the others' closes costs only the symbols it names
                frame = exc.frame
                named = set(exc.symbols) if frame is not None and exc.symbols else set(tickers)
                bad = {t: exc.causes.get(t) or (SymbolNotFoundError(source.name, [t])
                                                if isinstance(exc, SymbolNotFoundError) else exc)
                       for t in tickers if t in named}
                if isinstance(exc, NetworkError):
                    down[key] = exc
                if hi - lo >= _UNKNOWN_WINDOW:  # a short window (a weekend tail) may rightly have no rows
                    self._remember_unknown(source, [t for t, e in bad.items() if isinstance(e, SymbolNotFoundError)],
                                           now)
            except MarketReviewError as exc:
                frame = None
                bad = dict.fromkeys(tickers, exc)
            if frame is not None:
                bad.update(_non_finite(source.name, frame, [t for t in tickers if t not in bad]))
            good = [t for t in tickers if t not in bad]
            if frame is not None and good:
                kept = frame.loc[:, [c for c in frame.columns if c[1] in good]]
                try:
                    redo = self._readjusted(source, kept, good, start, lo, hi)
                    report.rows += self.cache.write(kept, source=key, start=lo, end=hi, fetched_at=now,
                                                    symbols=good, replace=[t for t in good if self._revises(t)],
                                                    revisions={t: revisions[t] for t in good if t in revisions})
                    self._refetch_readjusted(source, redo, start, hi, now, report)
                except CacheError as exc:  # e.g. busy: remembered like a failed fetch, so no formula waits again
                    bad.update(dict.fromkeys(good, exc))
                    good = []
                    down[_BUSY] = exc
                except MarketReviewError as exc:  # the whole refetch failed: the re-adjusted ETFs report it
                    bad.update({t: exc for t in good if self._readjusts(t)})
                    good = [t for t in good if t not in bad]
            for ticker in good:
                self._series.pop(ticker, None)
                self._file_faults.pop(ticker, None)
                self._fault_since.pop(ticker, None)
            self._note_file_faults(source, bad, now)
            if good:
                self._tables.clear()
                self._stale.clear()
            for alias, ticker in wanted.items():
                if ticker in bad:
                    failed[alias] = bad[ticker]
                elif ticker in good:
                    served.append(alias)
        return served, failed

    def _fetch(self, source: Source, tickers: list[Symbol], lo: dt.date, hi: dt.date, started: Pending | None
               ) -> pd.DataFrame:
        """One request (already ``started``, or now), given up (:class:`DeadlineError`) when the refresh's
        deadline passes first."""
        left = remaining(self.deadline)
        if left is None:
            return source.fetch(tickers, lo, hi)
        try:
            frame: pd.DataFrame = (started or Pending(lambda: source.fetch(tickers, lo, hi))).result(left)
            return frame
        except TimeoutError:
            raise DeadlineError(source.name, self.deadline_seconds, tickers) from None

    def _remembered_unknown(self, source: Source, ticker: Symbol, now: dt.datetime) -> MarketReviewError | None:
        """A ticker this source said it does not know, within :data:`UNKNOWN_TTL`: not asked again."""
        if not getattr(source, "remembers_unknown", False):
            return None
        known = self.cache.unknown(source_key(source)).get(ticker)
        if known is None or now - known[1] > UNKNOWN_TTL:
            return None
        return SymbolNotFoundError(source.name, [ticker], note=f"on {known[1].date().isoformat()}; "
                                   "`marketreview fetch --retry-unknown` tries it again")

    def _remember_unknown(self, source: Source, tickers: list[Symbol], now: dt.datetime) -> None:
        """Only tickers this source never served: one with rows of its own exists, whatever this answer says."""
        if not getattr(source, "remembers_unknown", False):
            return
        key = source_key(source)
        never = [t for t in tickers if self.cache.info(t, key) is None]
        if never:
            self.cache.mark_unknown(key, never, "returned no data", now)

    def _revises(self, ticker: Symbol) -> bool:
        revises = getattr(self.router.route(ticker), "revises_history", None)
        return bool(revises(ticker)) if revises is not None else False

    def _readjusts(self, ticker: Symbol) -> bool:
        """An ETF measured on adjusted closes its source re-adjusts back in time at each distribution (Yahoo)."""
        extra = self.symbols.ticker_info(ticker)
        adjusted = extra is not None and extra.returns == subs.ADJUSTED
        return adjusted and bool(getattr(self.router.route(ticker), "readjusts_history", False))

    def _readjusted(self, source: Source, frame: pd.DataFrame, tickers: list[Symbol], start: dt.date,
                    lo: dt.date, hi: dt.date) -> list[Symbol]:
        """After a distribution the source re-adjusts every earlier adjusted close: the ETFs whose new adjusted
        closes disagree with the cached ones on the days both hold (or none overlap), read before writing."""
        candidates = [t for t in tickers if lo > start and self._readjusts(t)]
        if not candidates:
            return []
        cached = self.cache.read(candidates, lo - dt.timedelta(days=7), hi, source=source_key(source))
        return [t for t in candidates if subs.readjusted(frame, cached, t)]

    def _refetch_readjusted(self, source: Source, redo: list[Symbol], start: dt.date, hi: dt.date,
                            now: dt.datetime, report: FetchReport) -> None:
        """Fetch re-adjusted ETFs whole and replace their rows (a second request, only after a distribution),
        so no payout shows as a fall."""
        key = source_key(source)
        if redo:
            report.requests[source.name] = report.requests.get(source.name, 0) + 1
            whole = source.fetch(redo, start, hi)
            report.rows += self.cache.write(whole, source=key, start=start, end=hi, fetched_at=now, symbols=redo,
                                            replace=redo)

    def ensure_batch(self, names: Iterable[str]) -> FetchReport | None:
        """For formulas: fetch only names the cache has never held (and that have not failed this session), and
        on such a cold start warm the whole symbol map in the same batch, so a sheet of formulas costs one request
        per source. Cached data is never refetched here: a refresh does that (see :meth:`ensure`)."""
        if self.offline or not self.fetch_missing:
            return None
        cold = [n for n in dict.fromkeys(names) if n not in self._tables and self._is_cold(n)]
        if not cold:
            return None
        universe = [info.alias for info in self.symbols if not self._is_known(info)]
        return self.ensure([*cold, *universe])

    def _is_known(self, info: SymbolInfo) -> bool:
        return info.alias in self._failed or info.alias in self._served or any(
            t in self._series or self._cached(t) is not None for t in info.tickers)

    def _is_cold(self, name: str) -> bool:
        try:
            return not self._is_known(self.symbols.resolve(name))
        except MarketReviewError:
            return False  # a bad name is not fetched; its cell reports the problem

    # -- what formulas ask for (the cache's wanted table: Refresh loads it) ---------------------------

    def flush_asked(self) -> CacheError | None:
        """Write the names formulas used since the last flush into the cache's wanted table (see
        :class:`marketreview.wanted.Asks`); a failure is returned, never raised."""
        return self._asks.flush(self.cache, self.clock(), self.today())

    def _not_loaded(self, alias: str) -> MarketReviewError:
        """Why a formula's symbol is not in the cache (recorded as wanted for the next Refresh)."""
        return wanted.not_loaded(self.cache, alias, self.flush_asked())

    # -- freshness ---------------------------------------------------------------------------------

    def reload_if_changed(self) -> bool:
        """Forget every memoised series when another process has committed to the cache since the last check
        (``PRAGMA data_version``); True when it did. Called once per calculation burst, not per cell."""
        if not self.fetch_missing:
            self.flush_asked()
        version = self.cache.data_version()
        with self._lock:
            changed = self._data_version is not None and version != self._data_version
            self._data_version = version
            if changed:
                self._held = None
                self._series.clear()
                self._basis.clear()
                self._tables.clear()
                self._served.clear()
                self._failed.clear()
                self._fundamentals = None
                self._fundamentals_error = None
        self.check_files()
        return changed

    # -- reading -----------------------------------------------------------------------------------

    def resolve(self, name: str) -> SymbolInfo:
        return self.symbols.resolve(name)

    def ticker(self, name: str) -> Symbol:
        """The ticker that serves ``name``: the one that served it last, else the first one the cache holds."""
        info = self.symbols.resolve(name)
        served = self._served.get(info.alias)
        if served is not None:
            return served
        for ticker in info.tickers:
            if ticker in self._series or self._cached(ticker) is not None:
                self._served[info.alias] = ticker
                return ticker
        return info.ticker

    def series(self, name: str) -> pd.Series:
        """All cached closes for ``name`` (fetching first if the cache has none and we are online)."""
        info = self.symbols.resolve(name)
        if not self.fetch_missing:
            self._asks.note(info.alias)
        served = self._served.get(info.alias)
        if served is not None:
            cached = self._series.get(served)
            if cached is not None:
                return cached
        ticker = self.ticker(name)
        if ticker not in self._series and self._cached(ticker) is None:
            self.ensure_batch([info.alias])
            ticker = self.ticker(name)
        elif (ticker not in self._series and ticker not in self._file_faults and not self.offline
              and self._file_changed(ticker)):
            self.ensure([info.alias])  # a local file was edited since it was read: read it again
            ticker = self.ticker(name)
        self._raise_file_fault(ticker)
        with self._lock:
            cached = self._series.get(ticker)
            if cached is None:
                try:  # a ticker the cache does not hold (a range of 5,000 unknown ones) costs no query
                    frame = (self.cache.read([ticker], source=self._key(ticker)) if self._cached(ticker) is not None
                             else None)
                except CacheCorruptError as exc:  # a damaged row: dropped (the next fetch rebuilds it), reported
                    self._failed[info.alias] = exc
                    raise
                if frame is None or ("close", ticker) not in frame.columns:
                    failure = self._failed.get(info.alias)
                    if isinstance(failure, SymbolNotFoundError):
                        raise UnknownSymbolError(name, f"{failure.source} has no data for {ticker}") from failure
                    if failure is None and not self.fetch_missing and not self.offline:
                        failure = self._not_loaded(info.alias)
                    raise failure or NoDataError(
                        ticker, reason="not in the cache" + (" (offline: run marketreview fetch first)"
                                                              if self.offline else ""))
                cached = self._pick(frame, ticker, info)
                self._series[ticker] = cached
        return cached

    def preload(self, names: Iterable[str]) -> None:
        """Read every name's series from the cache into memory in one query (after :meth:`ensure`)."""
        names = list(names)
        tickers = [self.ticker(n) for n in names]
        name_of = dict(zip(tickers, names, strict=True))
        missing = [t for t in dict.fromkeys(tickers) if t not in self._series and t not in self._file_faults]
        if not missing:
            return
        by_key: dict[str, list[Symbol]] = {}
        for ticker in missing:
            by_key.setdefault(self._key(ticker), []).append(ticker)
        frames = [self.cache.read(group, source=key) for key, group in by_key.items()]
        frame = pd.concat(frames, axis=1, sort=True) if len(frames) > 1 else frames[0]
        with self._lock:
            for ticker in missing:
                if ("close", ticker) in frame.columns:
                    self._series[ticker] = self._pick(frame, ticker, self.symbols.resolve(name_of[ticker]))

    def _pick(self, frame: pd.DataFrame, ticker: Symbol, info: SymbolInfo) -> pd.Series:
        """The closes ``ticker`` is measured on: its distribution-adjusted ones where the ticker map asks for
        them (an ETF standing for an index) and the source has them on every day, else the raw ones."""
        extra = self.symbols.ticker_info(ticker)
        wanted = extra is not None and extra.returns == subs.ADJUSTED
        only = self._adjusted_only(ticker)
        series, basis = subs.pick_closes(frame, ticker, wants_adjusted=wanted, adjusted_only=only)
        self._basis[ticker] = basis
        return series

    def _adjusted_only(self, ticker: Symbol) -> bool:
        adjusted_only = getattr(self.router.route(ticker), "is_adjusted_only", None)
        return bool(adjusted_only(ticker)) if adjusted_only is not None else False

    def basis(self, name: str) -> str:
        """What ``name``'s closes are: ``adjusted`` (dividends or distributions included, a total return),
        ``raw`` (raw closes of an ETF whose adjusted ones were wanted but not served: distributions not
        included) or ``price`` (a price index, or a price compared as one)."""
        ticker = self.ticker(name)
        if ticker not in self._basis:
            self.series(name)
        return self._basis.get(ticker, subs.PRICE)

    def substitute(self, name: str) -> Substitute | None:
        """The fallback serving ``name`` when it is not the ticker its alias names, with its own labels and why
        the preferred one did not serve (None otherwise)."""
        info, ticker = self.symbols.resolve(name), self.ticker(name)
        extra, failure = self.symbols.ticker_info(ticker), self._passed_over.get(info.alias)
        return subs.substitute_for(info, ticker, extra, failure)

    def labelled(self, name: str) -> SymbolInfo:
        """``name``'s entry under the labels of the ticker serving it: a fallback is shown as itself
        (``TOPIX連動ETF(1306)``), never under the name of what it stands in for."""
        substitute = self.substitute(name)
        info = self.symbols.resolve(name)
        return info if substitute is None else substitute.relabel(info)

    def marks(self, name: str) -> tuple[str, ...]:
        """The notes every figure of ``name`` carries (:func:`~.substitutes.marks_for`)."""
        try:
            basis: str | None = self.basis(name)
        except MarketReviewError:
            basis = None  # no series: the figures say so
        ticker = self.ticker(name)
        return subs.marks_for(self.substitute(name), ticker, basis, self.symbols.ticker_info(ticker))

    def day_table(self, name: str) -> DayTable:
        """The O(1) as-of table of ``name``'s closes (rebuilt whenever its series is reloaded)."""
        table = self._tables.get(name)
        if table is not None and not self.fetch_missing and name not in self._asks.seen:
            self._asks.note(self.symbols.resolve(name).alias, name)
        if table is None:
            table = day_table(self.series(name), self.today() + dt.timedelta(days=7), self.sessions(name),
                              calendar=self.symbols.resolve(name).calendar)
            self._tables[name] = table
        return table

    def day_table_or_none(self, name: str) -> DayTable | None:
        """:meth:`day_table`, or None where the name cannot be served (the full path then explains why)."""
        table = self._tables.get(name)
        if table is not None and (self.fetch_missing or name in self._asks.seen):
            return table
        try:
            return self.day_table(name)
        except MarketReviewError:
            return None

    def sessions(self, name: str) -> pd.DatetimeIndex | None:
        """The trading days of ``name``'s exchange up to the last one that has closed on the exchange's clock
        (a session still to come is not missing data); None where no calendar applies (FRED series, FX)."""
        calendar = self.symbols.resolve(name).calendar
        key = (calendar, self.closed_through(name))
        if key not in self._sessions:
            self._sessions[key] = calendars.sessions(calendar, dt.date(2000, 1, 1), key[1])
        return self._sessions[key]

    def is_current(self, table: DayTable) -> bool:
        """Whether the series behind ``table`` is not stale (the formulas' fast check; it agrees with
        :meth:`stale_warning`)."""
        return table.last_date is not None and table.last_date >= self.fresh_from(table.calendar)

    def _minute(self) -> object:
        """The clock's current minute: what the per-minute memos (closed sessions, freshness) are keyed by."""
        now = self.clock()
        return int(now.timestamp()) // 60 if now.tzinfo is not None else now.replace(second=0, microsecond=0)

    def fresh_from(self, calendar: str | None) -> dt.date:
        """The oldest last close that is not stale on ``calendar`` now (per calendar and clock minute)."""
        key = (calendar, self._minute())
        fresh = self._fresh.get(key)
        if fresh is None:
            if len(self._fresh) > 64:
                self._fresh.clear()
            through = calendars.closed_through(calendar, self.now())
            sessions = calendars.sessions(calendar, dt.date(2000, 1, 1), through)
            fresh = self._fresh[key] = prices.fresh_from(through, sessions)
        return fresh

    def stale_warning(self, name: str) -> str | None:
        """The warning every figure that defaults to "latest" on ``name`` carries when its data stopped more
        than a few expected sessions ago: ``NVDA: data ends 2026-02-13 (…)``; None when current. Remembered per
        name and clock minute until a fetch replaces a series (formulas ask on every cell)."""
        minute = self._minute()
        memo = self._stale.get(name)
        if memo is not None and memo[0] == minute:
            return memo[1]
        series = self.series(name)
        ticker = self.ticker(name)
        try:
            last = prices.last_date(series, symbol=ticker)
        except MarketReviewError:
            return None  # an empty series: the figure itself reports it
        warning = prices.staleness(last, self.closed_through(name), self.sessions(name), symbol=ticker)
        self._stale[name] = (minute, warning)
        return warning

    def fundamentals(self) -> list[FundamentalsSnapshot]:
        """MAG7SHARE's snapshots: a source's own fundamentals (a CSV folder's, the demo's) where it has them,
        else the fund-holdings snapshots stored in the cache. A cold cache fetches one (online); offline, the
        latest stored one serves and says how old it is. A failure is remembered until the next refresh, so a
        sheet of formulas does not retry the network cell by cell."""
        if self._fundamentals is None:
            if self.router.has_fundamentals or self.router.holdings is None:
                self._fundamentals = list(self.router.fundamentals())
                return self._fundamentals
            if self._fundamentals_error is not None:
                raise self._fundamentals_error
            try:
                self._fundamentals = self._holdings_fundamentals()
            except MarketReviewError as exc:
                self._fundamentals_error = exc
                raise
        return self._fundamentals

    def _holdings_fundamentals(self) -> list[FundamentalsSnapshot]:
        stored = self.cache.holdings()
        if not stored:
            if self.offline:
                raise NoDataError("MAG7SHARE", reason="no fund-holdings snapshot in the cache (offline: run "
                                  "marketreview fetch --all first)")
            if not self.fetch_missing:  # a formula: never the network
                raise NoDataError("MAG7SHARE", reason="no fund-holdings snapshot in the cache yet: press Refresh")
            stored = [self._fetch_holdings()]
        latest = stored[-1]
        notes: tuple[str, ...] = ()
        if self.offline or self._holdings_failure is not None:
            why = "offline" if self.offline else f"holdings fetch failed ({self._holdings_failure})"
            notes = (f"mag7: {why}: the latest stored holdings snapshot is of {latest.date.isoformat()}, "
                     f"{fetch_age(latest.fetched_at, self.clock())}",)
        return [to_fundamentals(s, notes if s is latest else ()) for s in stored]

    def _fetch_holdings(self) -> HoldingsSnapshot:
        holdings = self.router.holdings
        assert holdings is not None
        left = remaining(self.deadline)
        try:
            snapshot = (holdings.snapshot(self.clock()) if left is None
                        else call_within(lambda: holdings.snapshot(self.clock()), left))
        except TimeoutError:
            raise DeadlineError("holdings", self.deadline_seconds) from None
        self.cache.write_holdings(snapshot)
        return snapshot

    def refresh_holdings(self) -> HoldingsSnapshot | None:
        """Fetch and store a fund-holdings snapshot (the Refresh button and ``fetch --all``: one per refresh, so
        the history builds up). ``None`` where MAG7SHARE does not use holdings (fundamentals win) or offline;
        a failure raises, and the stored snapshots keep serving."""
        if self.offline or self.router.holdings is None or self.router.has_fundamentals:
            return None
        with self._lock:
            self._fundamentals = None
            self._fundamentals_error = None
            self._holdings_failure = None
            try:
                return self._fetch_holdings()
            except MarketReviewError as exc:
                self._holdings_failure = exc
                if not self.cache.holdings():
                    self._fundamentals_error = exc
                raise

    def holdings_snapshots(self) -> list[HoldingsSnapshot]:
        """The stored fund-holdings snapshots MAG7SHARE reads (none where a source has fundamentals)."""
        if self.router.has_fundamentals or self.router.holdings is None:
            return []
        return self.cache.holdings()

    def provenance(self, name: str) -> Provenance:
        info = self.symbols.resolve(name)
        ticker = self.ticker(name)
        cached = self._cached(ticker)
        failure = self._failed.get(info.alias)
        source = self.router.route(ticker)
        source_name = source.name  # the cache only serves this source's rows, so this is where they came from
        describe = getattr(source, "describe", None)
        notes = []
        substitute = self.substitute(name)
        if substitute is not None:
            notes.append(substitute.note)
        if describe is not None:
            notes.append(str(describe(ticker)))
        basis = self._basis.get(ticker) if cached else None
        if basis == subs.RAW:
            notes.append(subs.RAW_NOTE)
        elif basis == subs.ADJUSTED and not self._adjusted_only(ticker):
            notes.append(subs.ADJUSTED_NOTE)
        if failure is not None:
            notes.append(f"STALE: last fetch failed ({failure})")
        provider = getattr(source, "provider", None)
        return Provenance(
            alias=info.alias, ticker=ticker, source=source_name,
            first=cached.first if cached else None, last=cached.last if cached else None,
            fetched_at=cached.fetched_at if cached else None,
            adjusted=basis == subs.ADJUSTED if basis is not None else self._adjusted_only(ticker),
            demo=source_key(source) == "demo", note="; ".join(n for n in notes if n),
            provider=str(provider(ticker)) if provider is not None else "",
        )

    def series_origin(self, name: str) -> tuple[str, str | None]:
        """Where ``name``'s series comes from, for messages (``MIXQ.csv``, ``fred BOGZ1FA105050005Q``), and the
        frequency its source declares for it (a CSV folder's ``frequency`` column), None when the dates tell."""
        ticker = self.ticker(name)
        source = self.router.route(ticker)
        describe = getattr(source, "describe", None)
        where = str(describe(ticker)) if describe is not None else f"{source.name} {ticker}"
        declared = getattr(source, "frequency", None)
        return where, declared(ticker) if declared is not None else None

    def fetched_at(self, names: Sequence[str]) -> dt.datetime | None:
        """The oldest of ``names``' latest fetch times from the sources serving them now (None if never)."""
        stamps = [self.cache.fetched_at([t], source=self._key(t)) for t in dict.fromkeys(map(self.ticker, names))]
        return min((s for s in stamps if s is not None), default=None)

    def staleness(self, names: Sequence[str]) -> dt.timedelta | None:
        """How long ago the oldest of ``names`` was last fetched (None if never)."""
        fetched = self.fetched_at(names)
        return None if fetched is None else self.clock() - fetched

    def _key(self, ticker: Symbol) -> str:
        return source_key(self.router.route(ticker))

    def _cached(self, ticker: Symbol) -> CacheInfo | None:
        """What the cache holds for ``ticker`` from the source that serves it now (another source's rows are
        never used)."""
        key = self._key(ticker)
        marker = self.cache.own_changes()
        if self._held is None or self._held[0] != marker:
            self._held = (marker, self.cache.held())
        if (ticker, key) not in self._held[1]:
            return None
        return self.cache.info(ticker, key)

    def _file_changed(self, ticker: Symbol) -> bool:
        """Whether the local file serving ``ticker`` is not the one its cached rows were read from (edited,
        unreadable or gone); False for sources that read no files."""
        source = self.router.route(ticker)
        if not localfiles.reads_files(source):
            return False
        stored = self.cache.revision(ticker, source_key(source))
        return stored is not None and localfiles.revision(source, ticker) != stored

    def _note_file_faults(self, source: Source, bad: dict[Symbol, MarketReviewError], now: dt.datetime) -> None:
        """A file read before that now fails to read: its cached rows are no longer served, and the failure
        becomes a :class:`StaleFileError` that says since when and which values are withheld."""
        if not localfiles.reads_files(source):
            return
        key = source_key(source)
        for ticker, error in list(bad.items()):
            if isinstance(error, StaleFileError) or self.cache.revision(ticker, key) is None:
                continue
            since = self._fault_since.setdefault(ticker, now)
            self._file_faults[ticker] = (localfiles.revision(source, ticker), self._file_fault(ticker, since, error))
            bad[ticker] = self._file_faults[ticker][1]
            self._series.pop(ticker, None)
            self._tables.clear()
            self._stale.clear()

    def _file_fault(self, ticker: Symbol, since: dt.datetime, error: MarketReviewError) -> StaleFileError:
        cached = self._cached(ticker)
        describe = getattr(self.router.route(ticker), "describe", None)
        return localfiles.file_fault(ticker, error, self._clock_text(since),
                                     self._clock_text(cached.fetched_at) if cached else None,
                                     str(describe(ticker)) if describe is not None else None)

    def _raise_file_fault(self, ticker: Symbol) -> None:
        fault = self._file_faults.get(ticker)
        if fault is not None:
            raise fault[1]

    def _clock_text(self, when: dt.datetime) -> str:
        return localfiles.clock_text(when, self.tz, self.today())

    def check_files(self) -> list[Symbol]:
        """Once per calculation burst: each local file behind a series in memory (or behind a failure) is
        compared with the version read; a changed one is forgotten here, so the next figure that needs it reads
        it again in this same burst, or reports why it cannot. Returns the tickers forgotten."""
        changed: list[Symbol] = []
        with self._lock:
            for ticker in dict.fromkeys([*self._series, *self._file_faults]):
                source = self.router.route(ticker)
                if not localfiles.reads_files(source):
                    continue
                fault = self._file_faults.get(ticker)
                now = localfiles.revision(source, ticker) if fault is not None else None
                if (now != fault[0]) if fault is not None else self._file_changed(ticker):
                    changed.append(ticker)
            for ticker in changed:
                self._series.pop(ticker, None)
                self._file_faults.pop(ticker, None)  # read again; a new failure keeps its first "since"
            if changed:
                self._tables.clear()
                self._stale.clear()
        return changed

    @property
    def is_demo(self) -> bool:
        return any(s.name == "demo" for s in self.router.sources)


def _non_finite(source: str, frame: pd.DataFrame, tickers: list[Symbol]) -> dict[Symbol, MarketReviewError]:
    """Symbols whose closes include ±inf: refused one by one, so they do not cost the rest of the batch."""
    bad: dict[Symbol, MarketReviewError] = {}
    for ticker in tickers:
        for kind in ("close", "adj_close"):
            if (kind, ticker) in frame.columns:
                values = frame[(kind, ticker)].to_numpy(dtype=float)
                infinite = np.isinf(values)
                if infinite.any():
                    day = frame.index[int(infinite.argmax())].date().isoformat()
                    bad[ticker] = DataFormatError(f"{source} {ticker}", f"non-finite {kind} on {day}")
    return bad


def _unique_infos(infos: Iterable[SymbolInfo]) -> list[SymbolInfo]:
    seen: dict[str, SymbolInfo] = {}
    for info in infos:
        seen.setdefault(info.alias, info)
    return list(seen.values())


__all__ = ["CLOCK_SKEW", "DEFAULT_TTL", "Engine", "FetchReport", "Substitute", "fetch_age", "utcnow"]
