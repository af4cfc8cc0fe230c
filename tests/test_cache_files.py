"""The cache file itself (issue 10, items 8 and 9): marked as ours, served from a read-only folder, bounded lock
waits with a clear "cache busy", and tables other features add with ``CREATE TABLE IF NOT EXISTS``.

Closes come from :func:`conftest.linear_prices`, each symbol on its own line (:func:`conftest.fake_close`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import fake_close

from marketreview import _sqlite_store as store
from marketreview import functions
from marketreview.cache import Cache
from marketreview.engine import Engine
from marketreview.errors import CacheBusyError, CacheError
from marketreview.sources.base import FunctionSource
from marketreview.sources.router import Router

CLOCK = dt.datetime(2025, 1, 10, 23, 0, tzinfo=dt.timezone.utc)


def engine(cache: Cache, source: FunctionSource, offline: bool = False) -> Engine:
    return Engine(Router(source), cache, offline=offline, clock=lambda: CLOCK)


@contextlib.contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """Make ``folder`` unwritable, even for root (``chattr +i``), and restore it afterwards."""
    if os.geteuid() == 0:
        if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(folder)],
                                                            capture_output=True).returncode != 0:
            pytest.skip("cannot make a folder read-only for root here (chattr +i unsupported)")
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
    else:
        mode = folder.stat().st_mode
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(mode)


def test_a_read_only_cache_folder_still_serves_offline(cache_path: Path, fake_source: FunctionSource) -> None:
    with Cache(cache_path) as cache:
        assert engine(cache, fake_source).ensure(["SP500"]).ok
    before = sorted(p.name for p in cache_path.parent.iterdir())
    with read_only(cache_path.parent):
        assert not os.access(cache_path.parent, os.W_OK)
        with Cache(cache_path) as cache:
            offline = engine(cache, fake_source, offline=True)
            assert functions.call(offline, "CLOSE", "SP500", "2025-01-03").value == fake_close("^GSPC", "2025-01-03")
            with pytest.raises(CacheError, match="read-only"):
                cache.mark_unknown("fake", ["X"], "test", CLOCK)
    assert sorted(p.name for p in cache_path.parent.iterdir()) == before


def test_a_held_write_lock_is_a_clear_cache_busy_error(cache_path: Path, fake_source: FunctionSource) -> None:
    assert Cache(cache_path).timeout <= 5.0  # the default wait is a few seconds, not 30
    other = sqlite3.connect(cache_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process is writing and does not let go
    try:
        with Cache(cache_path, timeout=0.2) as cache:
            answer = functions.call(engine(cache, fake_source), "CLOSE", "SP500", "2025-01-03")
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert isinstance(answer.error, CacheBusyError)
    assert "cache busy" in str(answer.error) and str(cache_path) in str(answer.error)
    assert len(fake_source.calls) == 1  # one fetch, one bounded wait: not a wait per retry


def test_tables_added_by_other_features_are_created_in_existing_files(cache_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    Cache(cache_path).close()
    extra = "CREATE TABLE IF NOT EXISTS notes (symbol TEXT PRIMARY KEY, note TEXT NOT NULL) WITHOUT ROWID"
    monkeypatch.setattr(store, "_SCHEMA", (*store._SCHEMA, extra))
    monkeypatch.setattr(store, "_TABLES", store._TABLES | {"notes"})
    with Cache(cache_path) as cache:
        assert cache.symbols() == []
    with sqlite3.connect(cache_path) as conn:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"notes", "prices", "coverage", "meta"} <= names
        assert conn.execute("PRAGMA application_id").fetchone() == (store.APPLICATION_ID,)
    conn.close()


def test_a_new_cache_carries_the_id_in_the_file_itself_before_any_wal(cache_path: Path) -> None:
    Cache(cache_path).close()
    header = cache_path.read_bytes()[:100]
    assert header[68:72] == store.APPLICATION_ID.to_bytes(4, "big")
    assert int.from_bytes(header[60:64], "big") == store.SCHEMA_VERSION  # user_version
    assert store.owner(cache_path) == "ours"
