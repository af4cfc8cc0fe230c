"""Fund-holdings snapshots in the cache file: two tables beside the prices, one snapshot per date (a later
fetch of the same date replaces it). Private to :mod:`marketreview.cache`, which translates every error::

    holdings_snapshots (date, source, fetched_at, notes)   notes: one warning per line
    holdings_weights   (date, symbol, weight, basis)        weight: fraction of the fund's equity total
"""

from __future__ import annotations

import datetime as dt
import sqlite3

from .types import HoldingsSnapshot

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS holdings_snapshots (
        date       TEXT PRIMARY KEY,
        source     TEXT NOT NULL,
        fetched_at TEXT NOT NULL,
        notes      TEXT NOT NULL
    ) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS holdings_weights (
        date   TEXT NOT NULL,
        symbol TEXT NOT NULL,
        weight REAL NOT NULL,
        basis  TEXT NOT NULL,
        PRIMARY KEY (date, symbol)
    ) WITHOUT ROWID""",
)


def write(conn: sqlite3.Connection, snapshot: HoldingsSnapshot) -> None:
    """Store ``snapshot`` (inside the caller's write transaction), replacing one of the same date."""
    for statement in SCHEMA:  # a cache made before these tables existed gets them on its first snapshot
        conn.execute(statement)
    day = snapshot.date.isoformat()
    conn.execute("DELETE FROM holdings_weights WHERE date = ?", (day,))
    conn.execute("INSERT OR REPLACE INTO holdings_snapshots (date, source, fetched_at, notes) VALUES (?, ?, ?, ?)",
                 (day, snapshot.source, snapshot.fetched_at.isoformat(timespec="microseconds"),
                  "\n".join(snapshot.notes)))
    conn.executemany("INSERT INTO holdings_weights (date, symbol, weight, basis) VALUES (?, ?, ?, ?)",
                     [(day, t, float(w), snapshot.basis.get(t, "")) for t, w in snapshot.weights.items()])


def read(conn: sqlite3.Connection) -> list[HoldingsSnapshot]:
    """Every stored snapshot, oldest first (none if the tables do not exist yet)."""
    exists = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'holdings_snapshots'"
                          ).fetchone()
    if exists is None:
        return []
    weights: dict[str, dict[str, tuple[float, str]]] = {}
    for day, symbol, weight, basis in conn.execute("SELECT date, symbol, weight, basis FROM holdings_weights"):
        weights.setdefault(day, {})[symbol] = (float(weight), str(basis))
    snapshots = []
    for day, source, fetched_at, notes in conn.execute(
            "SELECT date, source, fetched_at, notes FROM holdings_snapshots ORDER BY date"):
        rows = weights.get(day, {})
        snapshots.append(HoldingsSnapshot(
            date=dt.date.fromisoformat(day), weights={t: w for t, (w, _) in rows.items()}, source=str(source),
            basis={t: b for t, (_, b) in rows.items()}, fetched_at=dt.datetime.fromisoformat(fetched_at),
            notes=tuple(n for n in str(notes).split("\n") if n)))
    return snapshots
