"""The symbols formulas asked for, in the cache file both processes share (the UDF server writes, the Refresh
button and ``marketreview fetch`` read). Private to :mod:`marketreview.cache`, which translates every error::

    wanted (name, asked_at, reason)   name: the alias or ticker as a formula resolved it (upper case);
                                      asked_at: the last time a formula asked for it (UTC ISO text);
                                      reason: why the last refresh could not load it ('' when it did)

The table is created on first use, so a cache file made before it existed needs no migration.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterable

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS wanted (
        name     TEXT PRIMARY KEY,
        asked_at TEXT NOT NULL,
        reason   TEXT NOT NULL DEFAULT ''
    ) WITHOUT ROWID""",
)


def _exists(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'wanted'").fetchone() is not None


def ask(conn: sqlite3.Connection, names: Iterable[str], at: dt.datetime) -> None:
    """Record (inside the caller's write transaction) that a formula asked for ``names`` at ``at``; a name
    already wanted keeps its reason."""
    for statement in SCHEMA:
        conn.execute(statement)
    stamp = at.isoformat(timespec="seconds")
    conn.executemany("INSERT INTO wanted (name, asked_at) VALUES (?, ?) "
                     "ON CONFLICT (name) DO UPDATE SET asked_at = MAX(asked_at, excluded.asked_at)",
                     [(name, stamp) for name in dict.fromkeys(names)])


def read(conn: sqlite3.Connection) -> dict[str, tuple[dt.datetime, str]]:
    """``{name: (asked_at, reason)}`` (empty when no formula ever asked)."""
    if not _exists(conn):
        return {}
    rows = conn.execute("SELECT name, asked_at, reason FROM wanted ORDER BY name").fetchall()
    return {str(n): (dt.datetime.fromisoformat(str(a)), str(r)) for n, a, r in rows}


def set_reasons(conn: sqlite3.Connection, reasons: dict[str, str]) -> None:
    """After a refresh: the reason each wanted name could not be loaded ('' clears it)."""
    if _exists(conn):
        conn.executemany("UPDATE wanted SET reason = ? WHERE name = ?", [(r, n) for n, r in reasons.items()])


def drop_older(conn: sqlite3.Connection, before: dt.datetime) -> list[str]:
    """Forget the names no formula asked for since ``before``; returns them."""
    if not _exists(conn):
        return []
    stamp = before.isoformat(timespec="seconds")
    old = [str(r[0]) for r in conn.execute("SELECT name FROM wanted WHERE asked_at < ? ORDER BY name", (stamp,))]
    conn.execute("DELETE FROM wanted WHERE asked_at < ?", (stamp,))
    return old
