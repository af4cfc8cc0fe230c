"""The SQLite side of the cache: opening a file safely, its schema, transactions, and moving a damaged file
aside. Private to :mod:`marketreview.cache`, which translates every error raised here."""

from __future__ import annotations

import datetime as dt
import os
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from . import _sqlite_holdings

#: ``PRAGMA user_version`` of the current schema. Version 1 files (before provenance) had no application id and
#: kept the version in ``meta`` only; they are migrated in place.
SCHEMA_VERSION = 2
#: ``PRAGMA application_id`` of every MarketReview cache ("MRev"): a file without it is not ours.
APPLICATION_ID = 0x4D526576
_LEGACY_VERSION = "1"

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    ) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS prices (
        source     TEXT NOT NULL,
        symbol     TEXT NOT NULL,
        date       TEXT NOT NULL,
        close      REAL NOT NULL,
        adj_close  REAL,
        fetched_at TEXT NOT NULL,
        PRIMARY KEY (source, symbol, date)
    ) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS coverage (
        source     TEXT NOT NULL,
        symbol     TEXT NOT NULL,
        start      TEXT NOT NULL,
        "end"      TEXT NOT NULL,
        fetched_at TEXT NOT NULL,
        PRIMARY KEY (source, symbol, start)
    ) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS revisions (
        source     TEXT NOT NULL,
        symbol     TEXT NOT NULL,
        revision   TEXT NOT NULL,
        read_at    TEXT NOT NULL,
        PRIMARY KEY (source, symbol)
    ) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS unknown (
        source     TEXT NOT NULL,
        symbol     TEXT NOT NULL,
        reason     TEXT NOT NULL,
        failed_at  TEXT NOT NULL,
        PRIMARY KEY (source, symbol)
    ) WITHOUT ROWID""",
    *_sqlite_holdings.SCHEMA,
)
_TABLES = frozenset(re.findall(r"CREATE TABLE IF NOT EXISTS (\w+)", "\n".join(_SCHEMA)))
_SQLITE_MAGIC = b"SQLite format 3\x00"

# Primary result codes meaning "this file is damaged" (as opposed to locked, read-only, full...).
_SQLITE_CORRUPT = 11
_SQLITE_NOTADB = 26


class DamagedError(Exception):
    """The file opened, but ``PRAGMA quick_check`` found damage."""


class SchemaError(Exception):
    """The file is a healthy database, but not one this version can use."""


class ForeignFileError(Exception):
    """The file is not a MarketReview cache (another program's database, a CSV...): it is never touched."""


_SQLITE_BUSY = 5
_SQLITE_LOCKED = 6


def is_corrupt(exc: sqlite3.Error) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in (_SQLITE_CORRUPT, _SQLITE_NOTADB)
    text = str(exc).lower()  # Python 3.10 has no error codes on the exception
    return "malformed" in text or "not a database" in text


def is_busy(exc: sqlite3.Error) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in (_SQLITE_BUSY, _SQLITE_LOCKED)
    return "locked" in str(exc).lower()


def owner(path: Path) -> str:
    """Whose file ``path`` is, from its first 100 bytes alone (nothing is opened or written):
    ``"new"`` (absent or empty), ``"ours"`` (our application id), ``"sqlite"`` (a SQLite file without our id:
    maybe a version-1 cache of ours, see :func:`connect`) or ``"foreign"`` (not SQLite at all)."""
    try:
        with path.open("rb") as fh:
            header = fh.read(100)
    except FileNotFoundError:
        return "new"
    if not header:
        return "new"
    if not header.startswith(_SQLITE_MAGIC) or len(header) < 100:
        return "foreign"
    return "ours" if int.from_bytes(header[68:72], "big") == APPLICATION_ID else "sqlite"


def connect(path: Path, timeout: float) -> sqlite3.Connection:
    """Open our cache at ``path`` in WAL mode, check it and create (or migrate) the schema. A file that is not
    ours raises :class:`ForeignFileError` before anything is written to it. The connection is in autocommit mode
    (transactions are explicit) and usable from any thread; callers serialise access.

    When the file or its folder cannot be written (a read-only share), the file is opened read-only: reads
    work, writes fail with a clear error."""
    whose = owner(path)
    if whose == "foreign":
        raise ForeignFileError("is not a MarketReview cache (not an SQLite database); left untouched")
    if whose != "new" and not _writable(path):
        return _connect_read_only(path, timeout)
    conn = sqlite3.connect(str(path), timeout=timeout, isolation_level=None, check_same_thread=False)
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        if whose == "sqlite" and not _is_legacy_cache(conn):
            raise ForeignFileError(f"is another program's SQLite database (application id "
                                   f"{_application_id(conn)}, not MarketReview's); left untouched")
        if whose == "new":
            _ensure_schema(conn)  # in rollback-journal mode, so the id is in the file itself before WAL
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")  # in WAL mode: durable enough, never corrupting
        problems = [str(row[0]) for row in conn.execute("PRAGMA quick_check")]
        if problems != ["ok"]:
            raise DamagedError("; ".join(problems[:3]))
        _ensure_schema(conn)
    except BaseException:
        conn.close()
        raise
    return conn


def _writable(path: Path) -> bool:
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK | os.X_OK)


def _connect_read_only(path: Path, timeout: float) -> sqlite3.Connection:
    """Read-only, for a cache on a read-only folder: ``mode=ro`` first; where SQLite cannot create the WAL index
    beside a WAL file, ``immutable=1`` (nobody can write that folder anyway)."""
    uri = path.absolute().as_uri()
    last: sqlite3.Error | None = None
    for options in ("mode=ro", "mode=ro&immutable=1"):
        conn = sqlite3.connect(f"{uri}?{options}", uri=True, timeout=timeout, isolation_level=None,
                               check_same_thread=False)
        try:
            if _application_id(conn) != APPLICATION_ID or _user_version(conn) != SCHEMA_VERSION:
                raise SchemaError("is read-only and not a current MarketReview cache (cannot migrate it)")
            conn.execute("SELECT COUNT(*) FROM coverage").fetchone()
            return conn
        except sqlite3.Error as exc:
            conn.close()
            last = exc
        except BaseException:
            conn.close()
            raise
    assert last is not None
    raise last


def _application_id(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA application_id").fetchone()[0])


def _user_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def _tables(conn: sqlite3.Connection) -> set[str]:
    return {str(r[0]) for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def _is_legacy_cache(conn: sqlite3.Connection) -> bool:
    """A version-1 MarketReview cache: no application id yet, our three tables and ``schema_version`` 1."""
    if _application_id(conn) != 0 or not {"meta", "prices", "coverage"} <= _tables(conn):
        return False
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return row is not None and str(row[0]) == _LEGACY_VERSION


def _ensure_schema(conn: sqlite3.Connection) -> None:
    if (_application_id(conn) == APPLICATION_ID and _user_version(conn) == SCHEMA_VERSION
            and _tables(conn) >= _TABLES):
        return  # the common case takes no write lock
    with write_transaction(conn):
        version = _user_version(conn)
        if _application_id(conn) == APPLICATION_ID and version > SCHEMA_VERSION:
            raise SchemaError(f"schema version {version}, this MarketReview reads version {SCHEMA_VERSION} "
                              "(a newer MarketReview wrote it; delete the file to rebuild it)")
        if "prices" in _tables(conn) and _application_id(conn) == 0:
            _migrate_v1(conn)
        for statement in _SCHEMA:
            conn.execute(statement)
        conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def _migrate_v1(conn: sqlite3.Connection) -> None:
    """Version 1 keyed rows by (symbol, date) alone; their ``source`` column becomes part of the key."""
    conn.execute("ALTER TABLE prices RENAME TO prices_v1")
    conn.execute("ALTER TABLE coverage RENAME TO coverage_v1")
    for statement in _SCHEMA:
        conn.execute(statement)
    conn.execute("INSERT INTO prices (source, symbol, date, close, adj_close, fetched_at) "
                 "SELECT source, symbol, date, close, adj_close, fetched_at FROM prices_v1")
    conn.execute('INSERT INTO coverage (source, symbol, start, "end", fetched_at) '
                 'SELECT source, symbol, start, "end", fetched_at FROM coverage_v1')
    conn.execute("DROP TABLE prices_v1")
    conn.execute("DROP TABLE coverage_v1")


@contextmanager
def write_transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """``BEGIN IMMEDIATE`` (take the write lock now, waiting up to the busy timeout), commit on success,
    roll back on any exception."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:  # SQLite may already have rolled back (e.g. disk full)
            conn.execute("ROLLBACK")
        raise


@contextmanager
def read_transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """One consistent snapshot for several queries."""
    conn.execute("BEGIN")
    try:
        yield
    finally:
        if conn.in_transaction:
            conn.execute("COMMIT")


#: A prices row no reading can use: a date that is not a calendar day, or a close / adj_close that is not a number.
_BAD_PRICE = ("julianday(date) IS NULL OR date(date) IS NOT date OR typeof(close) NOT IN ('real', 'integer') "
              "OR (adj_close IS NOT NULL AND typeof(adj_close) NOT IN ('real', 'integer'))")


def damaged_price_row(conn: sqlite3.Connection, where: str, params: list[str]) -> tuple[str, str, str, str] | None:
    """``(source, symbol, date, what is wrong)`` of the first damaged ``prices`` row matching ``where``, or None.
    Asked only after a read failed, so the usual read stays one query."""
    row = conn.execute(f"SELECT source, symbol, date, close, adj_close FROM prices WHERE ({where}) AND ({_BAD_PRICE}) "
                       "ORDER BY symbol, date LIMIT 1", params).fetchone()
    if row is None:
        return None
    source, symbol, date, close, adj = row
    checked = conn.execute("SELECT julianday(?) IS NOT NULL AND date(?) IS ?", (date, date, date)).fetchone()[0]
    if not checked:
        what = f"date {date!r} is not a calendar day"
    elif not isinstance(close, (int, float)):
        what = f"close {close!r} is not a number"
    else:
        what = f"adj_close {adj!r} is not a number"
    return str(source), str(symbol), str(date), what


def drop_symbol(conn: sqlite3.Connection, source: str, symbol: str) -> None:
    """Forget everything ``source`` stored for ``symbol`` (rows, ranges, file revision): the next fetch rebuilds it."""
    for table in ("prices", "coverage", "revisions"):
        conn.execute(f"DELETE FROM {table} WHERE source = ? AND symbol = ?", (source, symbol))


def identity(path: Path) -> tuple[int, int, int] | None:
    """Enough of a file's status to tell whether another process replaced or changed it."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return st.st_ino, st.st_size, st.st_mtime_ns


def move_aside(path: Path) -> Path:
    """Rename a damaged file (and its ``-wal``/``-shm`` companions) to ``<name>.corrupt-<UTC timestamp>``."""
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    number = 1
    while target.exists():
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{number}")
        number += 1
    os.replace(path, target)
    for suffix in ("-wal", "-shm"):
        companion = Path(f"{path}{suffix}")
        if companion.exists():
            os.replace(companion, Path(f"{target}{suffix}"))
    return target
