"""The SQLite side of the cache: opening a file safely, its schema, transactions, and moving a damaged file
aside. Private to :mod:`marketreview.cache`, which translates every error raised here."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from . import _sqlite_holdings

SCHEMA_VERSION = "1"

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    ) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS prices (
        symbol     TEXT NOT NULL,
        date       TEXT NOT NULL,
        close      REAL NOT NULL,
        adj_close  REAL,
        source     TEXT NOT NULL,
        fetched_at TEXT NOT NULL,
        PRIMARY KEY (symbol, date)
    ) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS coverage (
        symbol     TEXT NOT NULL,
        start      TEXT NOT NULL,
        "end"      TEXT NOT NULL,
        source     TEXT NOT NULL,
        fetched_at TEXT NOT NULL,
        PRIMARY KEY (symbol, start)
    ) WITHOUT ROWID""",
    *_sqlite_holdings.SCHEMA,
)

# Primary result codes meaning "this file is damaged" (as opposed to locked, read-only, full...).
_SQLITE_CORRUPT = 11
_SQLITE_NOTADB = 26


class DamagedError(Exception):
    """The file opened, but ``PRAGMA quick_check`` found damage."""


class SchemaError(Exception):
    """The file is a healthy database, but not one this version can use."""


def is_corrupt(exc: sqlite3.Error) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in (_SQLITE_CORRUPT, _SQLITE_NOTADB)
    text = str(exc).lower()  # Python 3.10 has no error codes on the exception
    return "malformed" in text or "not a database" in text


def connect(path: Path, timeout: float) -> sqlite3.Connection:
    """Open ``path`` in WAL mode, check it and create the schema. The connection is in autocommit mode
    (transactions are explicit) and usable from any thread; callers serialise access."""
    conn = sqlite3.connect(str(path), timeout=timeout, isolation_level=None, check_same_thread=False)
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
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


def _ensure_schema(conn: sqlite3.Connection) -> None:
    if _schema_version(conn) == SCHEMA_VERSION:
        return  # the common case takes no write lock
    with write_transaction(conn):
        for statement in _SCHEMA:
            conn.execute(statement)
        version = _schema_version(conn)
        if version is None:
            conn.execute("INSERT INTO meta (key, value) VALUES ('schema_version', ?)", (SCHEMA_VERSION,))
        elif version != SCHEMA_VERSION:
            raise SchemaError(f"schema version {version}, this MarketReview reads version {SCHEMA_VERSION} "
                              "(delete the file to rebuild it)")


def _schema_version(conn: sqlite3.Connection) -> str | None:
    exists = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").fetchone()
    if exists is None:
        return None
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return None if row is None else str(row[0])


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
