"""The embedded SQLite price cache: daily closes per symbol, which date ranges were already fetched, and when.

One file holds these tables::

    prices    (source, symbol, date, close, adj_close, fetched_at)   one row per source, symbol and trading day
    coverage  (source, symbol, start, end, fetched_at)               date ranges already fetched, merged when
                                                                     they overlap or touch, so a weekend or a
                                                                     holiday is not asked for again
    revisions (source, symbol, revision, read_at)                    which version of a local file the rows are
    unknown   (source, symbol, reason, failed_at)                    tickers a source said it does not know
    wanted    (name, asked_at, reason)                               names formulas asked for: Refresh loads them
    meta      (key, value)                                           the schema version (also user_version)

Every row and range belongs to the source that delivered it (``yahoo``, ``fred``, ``demo``, ``csv:<folder>``):
a question about one source never sees another's rows, so demo closes cannot be served as real ones. The file
is marked with ``PRAGMA application_id`` (:data:`~marketreview._sqlite_store.APPLICATION_ID`): any other file
(a user's CSV, another program's database) is refused and left byte-identical; only a damaged file of ours is
moved aside. Lock waits are bounded by ``timeout`` (a few seconds) and then say "cache busy".

plus MAG7SHARE's fund-holdings snapshots (``holdings_snapshots``, ``holdings_weights``: see
:mod:`marketreview._sqlite_holdings`).

Dates are ISO text (``2024-06-10``) and timestamps ISO text in UTC, so both sort as text. Several
processes (two Excel windows, the CLI) may share the file: it runs in WAL mode with a busy timeout, and every
write is one ``BEGIN IMMEDIATE`` transaction, all or nothing. A damaged file is moved aside and rebuilt on
open; every other sqlite3 or OS error becomes a :class:`~marketreview.errors.CacheError` naming the file, in
:func:`_translate_errors` alone.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import numpy as np
import pandas as pd

from . import _sqlite_holdings as holdings_store
from . import _sqlite_store as store
from . import _sqlite_wanted as wanted_store
from .errors import (
    BadArgumentError,
    BadDateError,
    CacheBusyError,
    CacheCorruptError,
    CacheError,
    DataFormatError,
    ForeignCacheError,
)
from .sources.base import empty_frame, normalise_index
from .types import FIELDS, HoldingsSnapshot, Symbol

__all__ = ["Cache", "CacheInfo"]

log = logging.getLogger(__name__)

ONE_DAY = dt.timedelta(days=1)
_UPSERT = """
INSERT INTO prices (symbol, date, close, adj_close, source, fetched_at) VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (source, symbol, date) DO UPDATE SET
    close = excluded.close, adj_close = excluded.adj_close, fetched_at = excluded.fetched_at
WHERE prices.close IS NOT excluded.close OR prices.adj_close IS NOT excluded.adj_close
"""
# All-numeric rows are the cheapest to fetch: the day as days since 1970-01-01, a NULL adj_close as +inf.
_SELECT_NUMBERS = ("SELECT CAST(julianday(date) - 2440587.5 AS INTEGER), close, IFNULL(adj_close, 9e999) "
                   "FROM prices")
_TOUCHING = 'source = ? AND symbol = ? AND start <= ? AND "end" >= ?'
_SELECT_TOUCHING = f'SELECT start, "end", source, fetched_at FROM coverage WHERE {_TOUCHING}'
#: The same over every source (callers that name none: tests and tools that inspect a file).
_TOUCHING_ANY = 'IFNULL(?, source) = source AND symbol = ? AND start <= ? AND "end" >= ?'
_INSERT_COVERAGE = 'INSERT INTO coverage (symbol, start, "end", source, fetched_at) VALUES (?, ?, ?, ?, ?)'

#: (start, end, source, fetched_at) of one coverage record, all ISO text as stored.
_Record = tuple[str, str, str, str]
_Range = tuple[dt.date, dt.date]


@dataclass(frozen=True)
class CacheInfo:
    """What the cache holds for one symbol. ``first``/``last`` are ``None`` (and ``rows`` 0) when only empty
    ranges were fetched; ``source`` and ``fetched_at`` describe the latest fetch."""

    symbol: Symbol
    first: dt.date | None
    last: dt.date | None
    rows: int
    source: str
    fetched_at: dt.datetime


class Cache:
    """A price cache in one SQLite file, safe to share between threads and processes.

    The connection is opened once per instance (in the constructor, which also creates the folder and the
    schema) and reopened on the next call after :meth:`close`. Calls from different threads are serialised.
    """

    def __init__(self, path: str | Path, *, timeout: float = 5.0) -> None:
        if not timeout >= 0:
            raise BadArgumentError("timeout", timeout, "must be a number of seconds >= 0")
        self.path = Path(path).expanduser()
        self.timeout = float(timeout)
        #: Where a damaged file was moved on open (``<name>.corrupt-<UTC timestamp>``), else ``None``.
        self.recovered_from: Path | None = None
        #: Human-readable notes for the user, such as a rebuilt cache.
        self.messages: list[str] = []
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        with self._session():
            pass

    @staticmethod
    def default_path() -> Path:
        """``$MARKETREVIEW_CACHE`` if set, else ``prices.sqlite`` in the user's cache folder."""
        override = os.environ.get("MARKETREVIEW_CACHE", "").strip()
        if override:
            return Path(override).expanduser()
        import platformdirs

        return Path(platformdirs.user_cache_dir("marketreview")) / "prices.sqlite"

    # -- reading ------------------------------------------------------------------------------------

    def read(self, symbols: Sequence[Symbol], start: dt.date | None = None, end: dt.date | None = None,
             *, source: str | None = None) -> pd.DataFrame:
        """The standard ``(field, symbol)`` frame of the closes ``source`` delivered in ``[start, end]`` (either
        open). Symbols without rows have no columns; the others keep the order asked for. With no ``source``, a
        symbol stored by several sources is an error (their rows are never mixed)."""
        wanted = _unique(symbols)
        first = None if start is None else _day(start, "start")
        last = None if end is None else _day(end, "end")
        if first is not None and last is not None:
            _check_order(first, last)
        if not wanted:
            return empty_frame([])
        with self._session() as conn, store.read_transaction(conn):
            if source is None:  # one source (the usual case) is read through the primary key too
                found = self._sources_of(conn, wanted)
                if len(found) == 1:
                    source = found[0][0]
            where = f"symbol IN ({_marks(len(wanted))})"
            params: list[str] = list(wanted)
            if source is not None:
                where = f"source = ? AND {where}"
                params.insert(0, source)
            if first is not None:
                where += " AND date >= ?"
                params.append(first.isoformat())
            if last is not None:
                where += " AND date <= ?"
                params.append(last.isoformat())
            sources = "1" if source is not None else "COUNT(DISTINCT source)"
            counts = conn.execute(f"SELECT symbol, COUNT(*), {sources} FROM prices WHERE {where} "
                                  "GROUP BY symbol ORDER BY symbol", params).fetchall()
            mixed = [str(r[0]) for r in counts if r[2] > 1]
            if mixed:
                raise BadArgumentError("source", source, f"{', '.join(mixed)} stored by several sources: name one")
            counts = [(str(r[0]), int(r[1])) for r in counts]
            rows = conn.execute(f"{_SELECT_NUMBERS} WHERE {where} ORDER BY symbol, date", params)
            # Streamed straight into one array: no list of row tuples (the snapshot keeps the count right).
            try:
                table = np.fromiter(itertools.chain.from_iterable(rows), np.float64,
                                    count=3 * sum(n for _, n in counts)).reshape(-1, 3)
                damaged = store.damaged_price_row(conn, where, params) if np.isnan(table[:, 0]).any() else None
            except (TypeError, ValueError) as exc:  # a close stored as text
                damaged = store.damaged_price_row(conn, where, params)
                if damaged is None:
                    raise CacheCorruptError(str(self.path), f"a prices row cannot be read ({exc})") from None
        if damaged is not None:
            self._drop_damaged(*damaged)
        return _frame_from_table(counts, table, wanted)

    def _drop_damaged(self, source: str, symbol: Symbol, day: str, what: str) -> None:
        """A damaged row (written by another program, or a disk fault) is reported by table and key, and the
        symbol's rows from that source are dropped so that the next fetch rebuilds them: never a traceback."""
        with self._session() as conn, store.write_transaction(conn):
            store.drop_symbol(conn, source, symbol)
        message = (f"damaged row in table prices at (source={source}, symbol={symbol}, date={day}): {what}; "
                   f"{symbol}'s rows from {source} were dropped, and the next fetch rebuilds them")
        self.messages.append(message)
        raise CacheCorruptError(str(self.path), message)

    @staticmethod
    def _sources_of(conn: sqlite3.Connection, symbols: list[Symbol]) -> list[tuple[str]]:
        """The sources that fetched ``symbols`` (from the small coverage table), or of their rows if none did."""
        marks = _marks(len(symbols))
        found = conn.execute(f"SELECT DISTINCT source FROM coverage WHERE symbol IN ({marks})", symbols).fetchall()
        if not found:
            found = conn.execute(f"SELECT DISTINCT source FROM prices WHERE symbol IN ({marks})", symbols).fetchall()
        return [(str(r[0]),) for r in found]

    def missing(self, symbol: Symbol, start: dt.date, end: dt.date, *, now: dt.datetime,
                ttl: dt.timedelta, source: str | None = None) -> list[_Range]:
        """The date ranges to fetch from ``source`` so that ``[start, end]`` is complete and fresh, merged and
        sorted. Another source's ranges do not count (``source=None`` counts every source's).

        These are the parts of ``[start, end]`` no coverage record covers, plus provisional tails. A record is
        provisional when it was fetched no later than the day after its own end, so its last bar may have been
        intraday. Its tail, from its last stored row (or its end when it has none) on, is asked for again when
        the fetch is older than ``ttl``. It is also asked for when a missing range begins right after the
        record: the new fetch will merge with the record, and the record's own fetch time would otherwise be
        lost. A tail may therefore begin before ``start``.
        """
        first, last = _day(start, "start"), _day(end, "end")
        _check_order(first, last)
        now = _utc(now, "now")
        with self._session() as conn, store.read_transaction(conn):
            touching = (source, symbol, last.isoformat(), _shift(first, -1).isoformat())
            records = conn.execute('SELECT start, "end", source, fetched_at FROM coverage WHERE '
                                   f"{_TOUCHING_ANY} ORDER BY start", touching).fetchall()
            gaps = _gaps([(_iso_day(r[0]), _iso_day(r[1])) for r in records], first, last)
            gap_starts = {gap[0] for gap in gaps}
            for rec_start, rec_end, rec_source, stamp in records:
                covered_to, fetched = _iso_day(rec_end), dt.datetime.fromisoformat(stamp)
                if fetched.date() > covered_to + ONE_DAY:
                    continue  # fetched well after its end: every bar in it was final
                expired = now - fetched > ttl
                followed_by_gap = _shift(covered_to, 1) in gap_starts
                if not (expired or followed_by_gap):
                    continue
                row = conn.execute("SELECT MAX(date) FROM prices WHERE source = ? AND symbol = ? "
                                   "AND date BETWEEN ? AND ?", (rec_source, symbol, rec_start, rec_end)).fetchone()
                tail = _iso_day(row[0]) if row[0] is not None else covered_to
                if tail <= last:
                    gaps.append((tail, min(covered_to, last)))
        return _merge_ranges(gaps)

    def info(self, symbol: Symbol, source: str | None = None) -> CacheInfo | None:
        """What ``source`` (default: the source of the latest fetch) stored for ``symbol``, or ``None`` if it
        never fetched it."""
        where, params = _by_source(symbol, source)
        with self._session() as conn, store.read_transaction(conn):
            latest = conn.execute(f"SELECT source, fetched_at FROM coverage WHERE {where} "
                                  "ORDER BY fetched_at DESC LIMIT 1", params).fetchone()
            if latest is None:  # rows written outside any coverage range
                latest = conn.execute(f"SELECT source, fetched_at FROM prices WHERE {where} "
                                      "ORDER BY fetched_at DESC LIMIT 1", params).fetchone()
            if latest is None:
                return None
            first, last, rows = conn.execute(
                "SELECT MIN(date), MAX(date), COUNT(*) FROM prices WHERE symbol = ? AND source = ?",
                (symbol, latest[0])).fetchone()
            damaged = None
            if not all(_is_iso_day(d) for d in (first, last)):
                damaged = store.damaged_price_row(conn, "symbol = ? AND source = ?", [symbol, str(latest[0])])
        if damaged is not None:
            self._drop_damaged(*damaged)
        return CacheInfo(symbol=symbol, first=None if first is None else _iso_day(first),
                         last=None if last is None else _iso_day(last), rows=int(rows), source=str(latest[0]),
                         fetched_at=dt.datetime.fromisoformat(latest[1]))

    def data_version(self) -> int:
        """SQLite's ``PRAGMA data_version`` of this connection: it changes when another connection (another
        process: the Refresh button, ``marketreview fetch``) commits to the file. Cheap: no table is read."""
        with self._session() as conn:
            return int(conn.execute("PRAGMA data_version").fetchone()[0])

    def symbols(self) -> list[Symbol]:
        """Every symbol the cache knows (with rows or with fetched ranges), sorted."""
        with self._session() as conn:
            rows = conn.execute("SELECT symbol FROM prices GROUP BY symbol UNION SELECT symbol FROM coverage "
                                "ORDER BY 1").fetchall()
        return [str(r[0]) for r in rows]

    def own_changes(self) -> int:
        """Rows this connection has inserted, changed or deleted so far (SQLite's ``total_changes``; no query).
        Other processes' commits show in :meth:`data_version` instead. Lock-free: one attribute read."""
        conn = self._conn
        return conn.total_changes if conn is not None else -1

    def held(self) -> set[tuple[Symbol, str]]:
        """Every ``(symbol, source)`` the cache holds rows or fetched ranges for, in one query: what lets a
        range of thousands of unknown tickers be answered without a query per ticker."""
        with self._session() as conn:
            rows = conn.execute("SELECT symbol, source FROM coverage UNION "
                                "SELECT DISTINCT symbol, source FROM prices").fetchall()
        return {(str(r[0]), str(r[1])) for r in rows}

    def fetched_at(self, symbols: Sequence[Symbol], source: str | None = None) -> dt.datetime | None:
        """How stale ``symbols`` are together: the oldest of their latest fetch times (from ``source`` if
        given). Symbols never fetched are ignored; ``None`` when none was."""
        wanted = _unique(symbols)
        if not wanted:
            return None
        sql = (f"SELECT MAX(fetched_at) FROM coverage WHERE symbol IN ({_marks(len(wanted))}) "
               "AND IFNULL(?, source) = source GROUP BY symbol")
        with self._session() as conn:
            rows = conn.execute(sql, [*wanted, source]).fetchall()
        stamps = [dt.datetime.fromisoformat(r[0]) for r in rows]
        return min(stamps) if stamps else None

    # -- writing ------------------------------------------------------------------------------------

    def write(self, frame: pd.DataFrame, *, source: str, start: dt.date, end: dt.date,
              fetched_at: dt.datetime, symbols: Sequence[Symbol] | None = None,
              replace: Sequence[Symbol] = (), revisions: dict[Symbol, str] | None = None) -> int:
        """Store every non-NaN close of a standard frame and record ``[start, end]`` as fetched for each of
        ``symbols`` (default: the frame's), rows or not. One transaction: all or nothing. For the symbols in
        ``replace`` (revised series) the rows stored in ``[start, end]`` are dropped first, so an observation
        the source no longer publishes does not survive the refetch.

        ``revisions`` (for local files) replaces everything ``source`` stored for those symbols: rows and
        ranges of the previous revision are deleted first, so a corrected or removed value does not linger,
        and the revision is recorded with ``fetched_at`` as the time the file was read.

        Returns the rows inserted or changed; a row already stored with the same values is left alone.
        """
        first, last = _day(start, "start"), _day(end, "end")
        _check_order(first, last)
        if not source:
            raise BadArgumentError("source", source, "must name the source")
        stamp = _utc(fetched_at, "fetched_at").isoformat(timespec="microseconds")
        frame_symbols, rows = _rows_from_frame(frame, source, stamp)
        covered = frame_symbols if symbols is None else _unique(symbols)
        new = (first.isoformat(), last.isoformat(), source, stamp)
        with self._session() as conn, store.write_transaction(conn):
            for symbol, revision in (revisions or {}).items():
                conn.execute("DELETE FROM prices WHERE source = ? AND symbol = ?", (source, symbol))
                conn.execute("DELETE FROM coverage WHERE source = ? AND symbol = ?", (source, symbol))
                conn.execute("INSERT OR REPLACE INTO revisions (source, symbol, revision, read_at) "
                             "VALUES (?, ?, ?, ?)", (source, symbol, revision, stamp))
            for symbol in _unique(replace):
                conn.execute("DELETE FROM prices WHERE source = ? AND symbol = ? AND date BETWEEN ? AND ?",
                             (source, symbol, first.isoformat(), last.isoformat()))
            written = conn.executemany(_UPSERT, rows).rowcount if rows else 0
            for symbol in covered:
                touching = (source, symbol, _shift(last, 1).isoformat(), _shift(first, -1).isoformat())
                found = conn.execute(_SELECT_TOUCHING, touching).fetchall()
                conn.execute(f"DELETE FROM coverage WHERE {_TOUCHING}", touching)
                conn.execute(_INSERT_COVERAGE, (symbol, *_merge_records([new, *found])))
        return max(int(written), 0)

    def revision(self, symbol: Symbol, source: str) -> str | None:
        """The revision of the local file whose rows ``source`` stored for ``symbol`` (``None``: none)."""
        with self._session() as conn:
            row = conn.execute("SELECT revision FROM revisions WHERE source = ? AND symbol = ?",
                               (source, symbol)).fetchone()
        return None if row is None else str(row[0])

    def unknown(self, source: str) -> dict[Symbol, tuple[str, dt.datetime]]:
        """``{ticker: (reason, when)}`` for the tickers ``source`` said it does not know (see :meth:`mark_unknown`)."""
        with self._session() as conn:
            rows = conn.execute("SELECT symbol, reason, failed_at FROM unknown WHERE source = ?", (source,))
            return {str(r[0]): (str(r[1]), dt.datetime.fromisoformat(r[2])) for r in rows.fetchall()}

    def mark_unknown(self, source: str, symbols: Sequence[Symbol], reason: str, at: dt.datetime) -> None:
        """Remember that ``source`` does not know ``symbols``, so later refreshes skip to the fallback."""
        stamp = _utc(at, "at").isoformat(timespec="seconds")
        with self._session() as conn, store.write_transaction(conn):
            conn.executemany("INSERT OR REPLACE INTO unknown (source, symbol, reason, failed_at) VALUES (?, ?, ?, ?)",
                             [(source, s, reason, stamp) for s in _unique(symbols)])

    def forget_unknown(self, source: str | None = None) -> int:
        """Try the remembered unknown tickers again (of ``source``, or of every source). Returns how many."""
        with self._session() as conn, store.write_transaction(conn):
            return int(conn.execute("DELETE FROM unknown WHERE IFNULL(?, source) = source", (source,)).rowcount)

    def write_holdings(self, snapshot: HoldingsSnapshot) -> None:
        """Store a fund-holdings snapshot (MAG7SHARE's anchor), replacing one of the same date."""
        with self._session() as conn, store.write_transaction(conn):
            holdings_store.write(conn, snapshot)

    def holdings(self) -> list[HoldingsSnapshot]:
        """Every stored fund-holdings snapshot, oldest first."""
        try:
            with self._session() as conn, store.read_transaction(conn):
                return holdings_store.read(conn)
        except holdings_store.DamagedSnapshot as exc:  # dropped (the next fetch --all takes a new one), reported
            with self._session() as conn, store.write_transaction(conn):
                holdings_store.drop(conn, exc.date)
            message = f"{exc}; that snapshot was dropped (`marketreview fetch --all` takes a new one)"
            self.messages.append(message)
            raise CacheCorruptError(str(self.path), message) from None

    # -- what formulas asked for (see marketreview._sqlite_wanted) ------------------------------------

    def want(self, names: Sequence[str], at: dt.datetime) -> None:
        """Record that formulas asked for ``names`` (aliases or tickers) at ``at``: the next refresh loads them."""
        if names:
            with self._session() as conn, store.write_transaction(conn):
                wanted_store.ask(conn, names, _utc(at, "at"))

    def wanted(self) -> dict[str, tuple[dt.datetime, str]]:
        """``{name: (last asked, why the last refresh could not load it or '')}``."""
        with self._session() as conn, store.read_transaction(conn):
            return wanted_store.read(conn)

    def set_wanted_reasons(self, reasons: dict[str, str]) -> None:
        """What the last refresh found for each wanted name: a reason, or '' when it loaded."""
        if reasons:
            with self._session() as conn, store.write_transaction(conn):
                wanted_store.set_reasons(conn, reasons)

    def drop_wanted(self, before: dt.datetime) -> list[str]:
        """Forget the wanted names no formula asked for since ``before``; returns them."""
        with self._session() as conn, store.write_transaction(conn):
            return wanted_store.drop_older(conn, _utc(before, "before"))

    # -- lifetime -----------------------------------------------------------------------------------

    def close(self) -> None:
        with self._lock:
            conn, self._conn = self._conn, None
            if conn is not None:
                with _translate_errors(self.path):
                    conn.close()

    def __enter__(self) -> Cache:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Cache({str(self.path)!r})"

    @contextmanager
    def _session(self) -> Iterator[sqlite3.Connection]:
        """The connection (opened on first use), held under the lock, with errors translated."""
        with self._lock, _translate_errors(self.path):
            if self._conn is None:
                self._conn = self._open()
            yield self._conn

    def _open(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        for _attempt in range(3):
            seen = store.identity(self.path)
            try:
                return store.connect(self.path, self.timeout)
            except (sqlite3.DatabaseError, store.DamagedError) as exc:
                if isinstance(exc, sqlite3.DatabaseError) and not store.is_corrupt(exc):
                    raise
                if store.identity(self.path) != seen:
                    continue  # another process replaced the file meanwhile: look at the new one
                if store.owner(self.path) != "ours":
                    raise store.ForeignFileError(f"is damaged or not a MarketReview cache ({exc}); left untouched "
                                                 "(MarketReview only moves aside damaged files it created)") from exc
                aside = store.move_aside(self.path)
                self.recovered_from = aside
                note = f"cache {self.path} was damaged ({exc}); moved to {aside}; rebuilt empty"
                self.messages.append(note)
                log.warning(note)
        return store.connect(self.path, self.timeout)


@contextmanager
def _translate_errors(path: Path) -> Iterator[None]:
    """The one place where sqlite3 and OS errors become :class:`CacheError`."""
    try:
        yield
    except store.DamagedError as exc:
        raise CacheCorruptError(str(path), str(exc)) from exc
    except store.ForeignFileError as exc:
        raise ForeignCacheError(str(path), str(exc)) from exc
    except store.SchemaError as exc:
        raise CacheError(str(path), str(exc)) from exc
    except sqlite3.Error as exc:
        name = getattr(exc, "sqlite_errorname", "")
        reason = f"{exc} ({name})" if name and name not in str(exc) else str(exc)
        if store.is_busy(exc):
            raise CacheBusyError(str(path), f"cache busy: another process held it for more than the wait limit "
                                 f"({reason}); try again in a moment") from exc
        if "readonly" in reason.lower() or "read-only" in reason.lower():
            raise CacheError(str(path), f"cannot write: the cache is read-only ({reason}); use --offline, or "
                             "point --cache at a writable file") from exc
        raise (CacheCorruptError if store.is_corrupt(exc) else CacheError)(str(path), reason) from exc
    except OSError as exc:
        where = f" ({exc.filename})" if exc.filename and str(exc.filename) != str(path) else ""
        raise CacheError(str(path), f"{exc.strerror or exc}{where}") from exc


# -- frames <-> rows ----------------------------------------------------------------------------------


def _frame_from_table(counts: list[tuple[str, int]], table: np.ndarray, wanted: list[Symbol]) -> pd.DataFrame:
    """Build the frame from ``table`` rows of (day number, close, adj_close) sorted by symbol and date, and
    the row ``counts`` per symbol in the same order, without a Python loop over rows."""
    if not len(table):
        return empty_frame([])
    present = [s for s in wanted if s in dict(counts)]
    position = {s: i for i, s in enumerate(present)}
    codes = np.repeat(np.array([position[s] for s, _ in counts], dtype=np.intp), [n for _, n in counts])
    days, at = np.unique(table[:, 0].astype(np.int64), return_inverse=True)
    adj = table[:, 2]
    adj[np.isinf(adj)] = np.nan  # the stand-in for NULL; closes are never infinite
    values = np.full((len(days), 2 * len(present)), np.nan)
    values[at, codes] = table[:, 1]
    values[at, codes + len(present)] = adj
    index = pd.DatetimeIndex(days.astype("datetime64[D]").astype("datetime64[ns]"), name="date")
    columns = pd.MultiIndex.from_product([list(FIELDS), present], names=["field", "symbol"])
    return pd.DataFrame(values, index=index, columns=columns)


def _rows_from_frame(frame: pd.DataFrame, source: str, stamp: str
                     ) -> tuple[list[Symbol], list[tuple[str, str, float, float | None, str, str]]]:
    """The frame's close symbols and one row per non-NaN close; rejects anything but a standard frame."""
    columns = frame.columns
    if not isinstance(columns, pd.MultiIndex) or columns.nlevels != 2:
        raise DataFormatError("cache write", "expected (field, symbol) columns")
    unknown = sorted({str(f) for f in columns.get_level_values(0)} - set(FIELDS))
    if unknown:
        raise DataFormatError("cache write", f"unknown field(s) {', '.join(unknown)}")
    try:
        dates = np.asarray(normalise_index(frame.index).strftime("%Y-%m-%d"), dtype=object)
    except (TypeError, ValueError) as exc:
        raise DataFormatError("cache write", f"the index is not dates ({exc})") from exc
    symbols = _unique([s for f, s in columns if f == "close"])
    rows: list[tuple[str, str, float, float | None, str, str]] = []
    for symbol in symbols:
        close = _column(frame, "close", symbol)
        keep = ~np.isnan(close)
        day, close = dates[keep], close[keep]
        _require_finite(symbol, "close", close, day)  # yields and oil futures may be <= 0: allowed
        adj: list[float | None] = [None] * len(close)
        if ("adj_close", symbol) in columns:
            kept = _column(frame, "adj_close", symbol)[keep]
            _require_finite(symbol, "adj_close", kept[~np.isnan(kept)], day[~np.isnan(kept)])
            adj = [None if np.isnan(v) else v for v in kept.tolist()]
        for date, value, adjusted in zip(day.tolist(), close.tolist(), adj, strict=True):
            rows.append((symbol, date, value, adjusted, source, stamp))
    return symbols, rows


def _require_finite(symbol: Symbol, field: str, values: np.ndarray, dates: np.ndarray) -> None:
    bad = ~np.isfinite(values)
    if bad.any():
        raise DataFormatError("cache write", f"{symbol}: {field} on {dates[bad][0]} is {values[bad][0]}")


def _column(frame: pd.DataFrame, field: str, symbol: Symbol) -> np.ndarray:
    column = frame[(field, symbol)]
    if isinstance(column, pd.DataFrame):
        raise DataFormatError("cache write", f"column ({field}, {symbol}) appears twice")
    try:
        return np.asarray(column, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataFormatError("cache write", f"{symbol}: {field} is not numeric ({exc})") from exc


# -- date ranges ----------------------------------------------------------------------------------------


def _merge_records(records: list[_Record]) -> _Record:
    """One record spanning overlapping or touching ones. Its fetch time and source are those of the record
    reaching furthest (the latest fetch among equals): they say whether the last bar was final."""
    tail = max(records, key=lambda r: (r[1], r[3]))
    return min(r[0] for r in records), tail[1], tail[2], tail[3]


def _gaps(covered: list[_Range], start: dt.date, end: dt.date) -> list[_Range]:
    gaps: list[_Range] = []
    cursor = start
    for lo, hi in sorted(covered):
        if lo > cursor:
            gaps.append((cursor, min(_shift(lo, -1), end)))
        cursor = max(cursor, _shift(hi, 1))
        if cursor > end:
            return gaps
    if cursor <= end:
        gaps.append((cursor, end))
    return gaps


def _merge_ranges(ranges: list[_Range]) -> list[_Range]:
    merged: list[_Range] = []
    for lo, hi in sorted(ranges):
        if merged and lo <= _shift(merged[-1][1], 1):
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged


# -- small conversions ----------------------------------------------------------------------------------


def _day(value: object, argument: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    raise BadDateError(value, "expected a datetime.date", argument)


def _check_order(start: dt.date, end: dt.date) -> None:
    if start > end:
        raise BadDateError(end, f"is before start {start.isoformat()}", "end")


def _utc(value: object, argument: str) -> dt.datetime:
    if not isinstance(value, dt.datetime) or value.utcoffset() is None:
        raise BadArgumentError(argument, value, "must be a timezone-aware datetime")
    return value.astimezone(dt.timezone.utc)


def _shift(day: dt.date, days: int) -> dt.date:
    try:
        return day + dt.timedelta(days=days)
    except OverflowError:
        return day


def _iso_day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def _is_iso_day(text: str | None) -> bool:
    try:
        return text is None or bool(_iso_day(text))
    except (TypeError, ValueError):
        return False


def _unique(symbols: Sequence[Symbol]) -> list[Symbol]:
    if isinstance(symbols, str):
        raise BadArgumentError("symbols", symbols, "must be a list of symbols, not one string")
    return list(dict.fromkeys(symbols))


def _by_source(symbol: Symbol, source: str | None) -> tuple[str, tuple[str, ...]]:
    """A WHERE clause for one symbol, of one source when given (so the primary key's index is used)."""
    if source is None:
        return "symbol = ?", (symbol,)
    return "source = ? AND symbol = ?", (source, symbol)


def _marks(count: int) -> str:
    return ", ".join("?" * count)
