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


#: The stored weights of one snapshot may add up to at most this (a fraction of the fund's equity total).
_TOTAL_LIMIT = 1.02


class DamagedSnapshot(Exception):
    """A stored snapshot no reading can use: ``date`` and what is wrong (table and key included)."""

    def __init__(self, date: str, reason: str) -> None:
        self.date = date
        super().__init__(reason)


def check(snapshot_date: str, weights: dict[str, float]) -> None:
    """Each weight a fraction in 0..1, and all of them at most about 1, as when fetched: a weight of 7.6
    (percent where a fraction belongs) would make MAG7SHARE 785.7%."""
    for symbol, weight in weights.items():
        if not 0.0 <= weight <= 1.0:  # NaN fails too
            raise DamagedSnapshot(snapshot_date, f"damaged row in table holdings_weights at (date={snapshot_date}, "
                                  f"symbol={symbol}): weight {weight!r} is not a fraction between 0 and 1 "
                                  "(percent where a fraction belongs?)")
    total = sum(weights.values())
    if total > _TOTAL_LIMIT:
        raise DamagedSnapshot(snapshot_date, f"damaged rows in table holdings_weights at (date={snapshot_date}): "
                              f"the weights add up to {total:.4f}, more than the whole fund")


def drop(conn: sqlite3.Connection, day: str) -> None:
    """Forget the snapshot of ``day`` (inside the caller's write transaction)."""
    conn.execute("DELETE FROM holdings_weights WHERE date = ?", (day,))
    conn.execute("DELETE FROM holdings_snapshots WHERE date = ?", (day,))


def read(conn: sqlite3.Connection) -> list[HoldingsSnapshot]:
    """Every stored snapshot, oldest first (none if the tables do not exist yet)."""
    exists = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'holdings_snapshots'"
                          ).fetchone()
    if exists is None:
        return []
    weights: dict[str, dict[str, tuple[float, str]]] = {}
    for day, symbol, weight, basis in conn.execute("SELECT date, symbol, weight, basis FROM holdings_weights"):
        try:
            number = float(weight)
        except (TypeError, ValueError):
            raise DamagedSnapshot(str(day), f"damaged row in table holdings_weights at (date={day}, symbol={symbol}): "
                                  f"weight {weight!r} is not a number") from None
        weights.setdefault(day, {})[symbol] = (number, str(basis))
    for day, rows in weights.items():
        check(str(day), {t: w for t, (w, _) in rows.items()})
    snapshots = []
    for day, source, fetched_at, notes in conn.execute(
            "SELECT date, source, fetched_at, notes FROM holdings_snapshots ORDER BY date"):
        rows = weights.get(day, {})
        snapshots.append(HoldingsSnapshot(
            date=dt.date.fromisoformat(day), weights={t: w for t, (w, _) in rows.items()}, source=str(source),
            basis={t: b for t, (_, b) in rows.items()}, fetched_at=dt.datetime.fromisoformat(fetched_at),
            notes=tuple(n for n in str(notes).split("\n") if n)))
    return snapshots
