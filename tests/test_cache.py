"""The SQLite price cache: round trips, coverage and freshness, atomic writes, two processes at once,
damaged files, and errors that name the file."""

from __future__ import annotations

import multiprocessing
import os
import re
import signal
import sqlite3
import threading
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import marketreview.cache as cache_module
from marketreview.cache import Cache, CacheInfo
from marketreview.errors import (
    BadArgumentError,
    BadDateError,
    CacheCorruptError,
    CacheError,
    DataFormatError,
    ForeignCacheError,
)
from marketreview.sources.base import empty_frame, make_frame

UTC = timezone.utc
D = date.fromisoformat
HOUR = timedelta(hours=1)


def T(text: str) -> datetime:
    """A UTC timestamp from ``"2024-06-10 15:00"``."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def frame(close: dict[str, dict[str, float]], adj: dict[str, dict[str, float]] | None = None) -> pd.DataFrame:
    """The standard frame from ``{symbol: {iso date: close}}``."""
    def series(values: dict[str, float]) -> pd.Series:
        return pd.Series(list(values.values()), index=pd.to_datetime(list(values)), dtype="float64")

    result: pd.DataFrame = make_frame({s: series(v) for s, v in close.items()},
                                      {s: series(v) for s, v in (adj or {}).items()})
    return result


def put(cache: Cache, closes: dict[str, dict[str, float]], start: str, end: str, fetched: str, *,
        source: str = "fake", symbols: list[str] | None = None) -> int:
    """Write ``closes`` as fetched from ``source`` for ``[start, end]`` at ``fetched`` (UTC)."""
    written: int = cache.write(frame(closes), source=source, start=D(start), end=D(end),
                               fetched_at=T(fetched), symbols=symbols)
    return written


def coverage_rows(path: Path) -> list[tuple[str, str, str, str, str]]:
    with sqlite3.connect(path) as conn:
        return conn.execute('SELECT symbol, start, "end", source, fetched_at FROM coverage '
                            "ORDER BY symbol, start").fetchall()


# -- round trip -------------------------------------------------------------------------------------


def test_round_trip_is_exact_to_the_bit(tmp_cache: Cache) -> None:
    awkward = [0.1 + 0.2, 1 / 3, 5e-324, 1.7976931348623157e308, -37.63, 0.0, np.nextafter(100.0, 101.0)]
    days = [f"2024-01-{d:02d}" for d in range(1, 8)]
    written = frame({"^GSPC": dict(zip(days, awkward, strict=True)),
                     "1617.T": {"2024-01-03": 12345.678901234567}},
                    adj={"^GSPC": {"2024-01-02": 2 / 3, "2024-01-05": -1e-300}})
    assert tmp_cache.write(written, source="yahoo", start=D("2024-01-01"), end=D("2024-01-07"),
                           fetched_at=T("2024-01-08 00:00")) == 8

    back = tmp_cache.read(["1617.T", "^GSPC"])

    expected = written.loc[:, [("close", "1617.T"), ("close", "^GSPC"), ("adj_close", "1617.T"),
                               ("adj_close", "^GSPC")]]
    pd.testing.assert_frame_equal(back, expected, check_freq=False)
    assert back[("close", "^GSPC")].to_numpy().tobytes() == np.array(awkward).tobytes()
    assert back.loc["2024-01-02", ("adj_close", "^GSPC")] == 2 / 3
    assert np.isnan(back.loc["2024-01-03", ("adj_close", "^GSPC")])  # NULL comes back as NaN


def test_read_keeps_the_order_asked_for_and_drops_symbols_without_rows(tmp_cache: Cache) -> None:
    put(tmp_cache, {"A": {"2024-01-02": 1.0}, "B": {"2024-01-03": 2.0}}, "2024-01-01", "2024-01-03",
        "2024-02-01 00:00")

    back = tmp_cache.read(["B", "NOPE", "A", "B"])

    assert list(back.columns) == [("close", "B"), ("close", "A"), ("adj_close", "B"), ("adj_close", "A")]
    assert list(back.index) == [pd.Timestamp("2024-01-02"), pd.Timestamp("2024-01-03")]
    assert back.loc["2024-01-02", ("close", "A")] == 1.0
    assert np.isnan(back.loc["2024-01-02", ("close", "B")])  # B has no row that day (another calendar)


@pytest.mark.parametrize(("start", "end", "dates"), [
    (None, None, ["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05"]),
    ("2024-01-03", None, ["2024-01-03", "2024-01-04", "2024-01-05"]),
    (None, "2024-01-03", ["2024-01-02", "2024-01-03"]),
    ("2024-01-03", "2024-01-04", ["2024-01-03", "2024-01-04"]),
    ("2024-01-06", "2024-01-07", []),
])
def test_read_clips_to_start_and_end_inclusive(tmp_cache: Cache, start: str | None, end: str | None,
                                               dates: list[str]) -> None:
    put(tmp_cache, {"A": {"2024-01-02": 2.0, "2024-01-03": 3.0, "2024-01-04": 4.0, "2024-01-05": 5.0}},
        "2024-01-01", "2024-01-07", "2024-02-01 00:00")

    back = tmp_cache.read(["A"], None if start is None else D(start), None if end is None else D(end))

    assert [d.date().isoformat() for d in back.index] == dates
    assert back.get(("close", "A"), pd.Series()).tolist() == [float(d[-1]) for d in dates]


def test_read_of_nothing_is_the_standard_empty_frame(tmp_cache: Cache) -> None:
    pd.testing.assert_frame_equal(tmp_cache.read(["A"]), empty_frame([]))
    pd.testing.assert_frame_equal(tmp_cache.read([]), empty_frame([]))


def test_nan_closes_are_not_stored(tmp_cache: Cache) -> None:
    # A and B on different calendars: the union frame has NaN where a market was closed.
    closes = {"A": {"2024-01-02": 1.0, "2024-01-03": 2.0}, "B": {"2024-01-03": 3.0, "2024-01-04": 4.0}}
    assert put(tmp_cache, closes, "2024-01-01", "2024-01-04", "2024-02-01 00:00") == 4

    info = tmp_cache.info("A")
    assert info is not None and (info.rows, info.first, info.last) == (2, D("2024-01-02"), D("2024-01-03"))
    assert tmp_cache.read(["A"], D("2024-01-04"), D("2024-01-04")).empty


def test_an_update_writes_only_new_or_changed_rows(tmp_cache: Cache) -> None:
    days = {"2024-01-02": 10.0, "2024-01-03": 11.0, "2024-01-04": 12.0}
    first = {"A": days, "B": {d: v + 100 for d, v in days.items()}}
    assert put(tmp_cache, first, "2024-01-01", "2024-01-04", "2024-01-04 12:00") == 6

    # The refetched tail repeats 01-04 unchanged and adds 01-05: one new row per symbol.
    tail = {"A": {"2024-01-04": 12.0, "2024-01-05": 13.0}, "B": {"2024-01-04": 112.0, "2024-01-05": 113.0}}
    assert put(tmp_cache, tail, "2024-01-04", "2024-01-05", "2024-01-06 12:00") == 2

    # A corrected close is rewritten; the unchanged one is not.
    fixed = {"A": {"2024-01-05": 13.5}, "B": {"2024-01-05": 113.0}}
    assert put(tmp_cache, fixed, "2024-01-05", "2024-01-05", "2024-01-07 12:00") == 1
    assert tmp_cache.read(["A"])[("close", "A")].tolist() == [10.0, 11.0, 12.0, 13.5]


# -- coverage and missing ---------------------------------------------------------------------------


def test_nothing_cached_means_the_whole_range_is_missing(tmp_cache: Cache) -> None:
    assert tmp_cache.missing("A", D("2024-01-01"), D("2024-01-31"), now=T("2024-02-01 00:00"), ttl=HOUR) == [
        (D("2024-01-01"), D("2024-01-31"))]


def test_a_weekend_with_no_rows_is_not_requested_again(tmp_cache: Cache) -> None:
    # Saturday 2024-01-06 and Sunday 2024-01-07: the source had nothing, the range is still covered.
    assert put(tmp_cache, {}, "2024-01-06", "2024-01-07", "2024-02-01 00:00", symbols=["A"]) == 0

    assert tmp_cache.missing("A", D("2024-01-06"), D("2024-01-07"), now=T("2030-01-01 00:00"), ttl=HOUR) == []
    assert tmp_cache.missing("A", D("2024-01-05"), D("2024-01-08"), now=T("2030-01-01 00:00"), ttl=HOUR) == [
        (D("2024-01-05"), D("2024-01-05")), (D("2024-01-08"), D("2024-01-08"))]
    assert tmp_cache.read(["A"]).empty


def test_a_gap_in_the_middle_is_reported(tmp_cache: Cache) -> None:
    for start, end in (("2024-01-01", "2024-01-10"), ("2024-01-20", "2024-01-31")):
        put(tmp_cache, {}, start, end, "2024-03-01 00:00", symbols=["A"])

    assert tmp_cache.missing("A", D("2023-12-30"), D("2024-02-02"), now=T("2024-03-02 00:00"), ttl=HOUR) == [
        (D("2023-12-30"), D("2023-12-31")), (D("2024-01-11"), D("2024-01-19")),
        (D("2024-02-01"), D("2024-02-02"))]
    assert tmp_cache.missing("A", D("2024-01-02"), D("2024-01-09"), now=T("2024-03-02 00:00"), ttl=HOUR) == []


def test_touching_and_overlapping_ranges_merge_into_one_record(tmp_cache: Cache) -> None:
    for start, end in (("2024-01-01", "2024-01-10"), ("2024-01-11", "2024-01-20"),
                       ("2024-01-15", "2024-01-25"), ("2024-03-01", "2024-03-05")):
        put(tmp_cache, {}, start, end, "2024-04-01 00:00", symbols=["A"])

    assert [(r[1], r[2]) for r in coverage_rows(tmp_cache.path)] == [("2024-01-01", "2024-01-25"),
                                                                     ("2024-03-01", "2024-03-05")]


# Coverage of A: 2024-06-03 (Mon) .. 2024-06-10 (Mon), with rows on the weekdays up to `last_row`.
# `fetched` within a day of 06-10 makes the 06-10 bar provisional (it may have been intraday).
@pytest.mark.parametrize(("fetched", "last_row", "now", "end", "expected"), [
    # provisional, within the TTL: nothing to do
    ("2024-06-10 15:00", "2024-06-10", "2024-06-10 15:30", "2024-06-10", []),
    # provisional, TTL over: the last stored bar and everything after it
    ("2024-06-10 15:00", "2024-06-10", "2024-06-10 16:01", "2024-06-10", [("2024-06-10", "2024-06-10")]),
    ("2024-06-10 15:00", "2024-06-10", "2024-06-12 09:00", "2024-06-12", [("2024-06-10", "2024-06-12")]),
    # fetched the next day (UTC) is still provisional: a Tokyo or New York close may straddle midnight
    ("2024-06-11 00:30", "2024-06-10", "2024-06-11 02:00", "2024-06-10", [("2024-06-10", "2024-06-10")]),
    # fetched Monday before the open: Monday had no row yet, so refetch from Friday's row
    ("2024-06-10 01:00", "2024-06-07", "2024-06-10 23:00", "2024-06-10", [("2024-06-07", "2024-06-10")]),
    # provisional and within the TTL, but the new days will merge with it: refetch its tail with them
    ("2024-06-10 15:00", "2024-06-10", "2024-06-10 15:30", "2024-06-12", [("2024-06-10", "2024-06-12")]),
    # the provisional bar lies after the requested end: nothing
    ("2024-06-10 15:00", "2024-06-10", "2024-06-12 09:00", "2024-06-07", []),
    # fetched two days after its end: final, never refetched however old
    ("2024-06-12 00:00", "2024-06-10", "2034-06-12 00:00", "2024-06-10", []),
    ("2024-06-12 00:00", "2024-06-10", "2034-06-12 00:00", "2024-06-12", [("2024-06-11", "2024-06-12")]),
])
def test_the_provisional_tail_is_refetched_only_after_the_ttl(tmp_cache: Cache, fetched: str, last_row: str,
                                                              now: str, end: str,
                                                              expected: list[tuple[str, str]]) -> None:
    days = [d for d in ("2024-06-03", "2024-06-04", "2024-06-05", "2024-06-06", "2024-06-07", "2024-06-10")
            if d <= last_row]
    put(tmp_cache, {"A": {d: 100.0 for d in days}}, "2024-06-03", "2024-06-10", fetched)

    got = tmp_cache.missing("A", D("2024-06-03"), D(end), now=T(now), ttl=HOUR)

    assert got == [(D(a), D(b)) for a, b in expected]


def test_new_days_right_after_a_provisional_range_take_its_tail_with_them(tmp_cache: Cache) -> None:
    put(tmp_cache, {"A": {"2024-06-07": 99.0, "2024-06-10": 100.0}}, "2024-06-03", "2024-06-10",
        "2024-06-10 15:00")

    # Asked only for 06-11..06-12, but fetching them merges with 06-10, whose bar may be intraday.
    assert tmp_cache.missing("A", D("2024-06-11"), D("2024-06-12"), now=T("2024-06-10 15:30"), ttl=HOUR) == [
        (D("2024-06-10"), D("2024-06-12"))]
    # A range that does not touch it leaves it alone.
    assert tmp_cache.missing("A", D("2024-06-12"), D("2024-06-12"), now=T("2024-06-13 15:30"), ttl=HOUR) == [
        (D("2024-06-12"), D("2024-06-12"))]


def test_filling_an_older_gap_keeps_the_provisional_tail_of_the_newer_range(tmp_cache: Cache) -> None:
    put(tmp_cache, {"A": {"2024-06-10": 100.0}}, "2024-06-01", "2024-06-10", "2024-06-10 15:00")
    # Weeks later, the earlier month is fetched; it touches the June range and merges with it.
    put(tmp_cache, {"A": {"2024-05-15": 90.0}}, "2024-05-01", "2024-05-31", "2024-07-01 00:00")

    assert [(r[1], r[2], r[4][:16]) for r in coverage_rows(tmp_cache.path)] == [
        ("2024-05-01", "2024-06-10", "2024-06-10T15:00")]
    assert tmp_cache.missing("A", D("2024-05-01"), D("2024-06-10"), now=T("2024-07-02 00:00"), ttl=HOUR) == [
        (D("2024-06-10"), D("2024-06-10"))]


def test_a_historical_range_is_never_refetched(tmp_cache: Cache) -> None:
    put(tmp_cache, {"A": {"2020-01-02": 1.0, "2020-12-31": 2.0}}, "2020-01-01", "2020-12-31",
        "2024-06-10 15:00")

    assert tmp_cache.missing("A", D("2020-01-01"), D("2020-12-31"), now=T("2040-01-01 00:00"),
                             ttl=timedelta(0)) == []


def test_coverage_is_recorded_for_the_given_symbols(tmp_cache: Cache) -> None:
    # B was asked for and had nothing: its range is covered so it is not asked again.
    put(tmp_cache, {"A": {"2024-01-02": 1.0}}, "2024-01-01", "2024-01-03", "2024-02-01 00:00",
        symbols=["A", "B"])

    assert [r[0] for r in coverage_rows(tmp_cache.path)] == ["A", "B"]
    assert tmp_cache.info("B") == CacheInfo("B", None, None, 0, "fake", T("2024-02-01 00:00"))


# -- info, symbols, fetched_at ----------------------------------------------------------------------


def test_info_symbols_and_fetched_at(tmp_cache: Cache) -> None:
    put(tmp_cache, {"A": {"2024-01-02": 1.0, "2024-01-03": 2.0}}, "2024-01-01", "2024-01-03",
        "2024-01-04 10:00", source="yahoo")
    put(tmp_cache, {"A": {"2024-01-04": 3.0}}, "2024-01-04", "2024-01-04", "2024-01-05 10:00", source="stooq")
    tokyo = timezone(timedelta(hours=9))
    tmp_cache.write(frame({"B": {"2023-12-29": 9.0}}), source="fred", start=D("2023-12-29"),
                    end=D("2023-12-29"), fetched_at=datetime(2024, 1, 4, 20, 0, tzinfo=tokyo))  # 11:00 UTC

    # Each source's rows are its own: the latest fetch (stooq) has one row, yahoo's two are still there.
    assert tmp_cache.info("A") == CacheInfo("A", D("2024-01-04"), D("2024-01-04"), 1, "stooq",
                                            T("2024-01-05 10:00"))
    assert tmp_cache.info("A", "yahoo") == CacheInfo("A", D("2024-01-02"), D("2024-01-03"), 2, "yahoo",
                                                     T("2024-01-04 10:00"))
    assert tmp_cache.info("NOPE") is None
    assert tmp_cache.symbols() == ["A", "B"]
    # The staleness of A and B together is B's fetch (older than A's latest); unknown symbols are ignored.
    assert tmp_cache.fetched_at(["A", "B", "NOPE"]) == T("2024-01-04 11:00")
    assert tmp_cache.fetched_at(["A"]) == T("2024-01-05 10:00")
    assert tmp_cache.fetched_at(["NOPE"]) is None
    assert tmp_cache.fetched_at(["A"]).tzinfo is not None


def test_default_path_honours_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MARKETREVIEW_CACHE", str(tmp_path / "mine.sqlite"))
    assert Cache.default_path() == tmp_path / "mine.sqlite"

    monkeypatch.delenv("MARKETREVIEW_CACHE")
    default = Cache.default_path()
    assert default.name == "prices.sqlite" and "marketreview" in default.parent.as_posix().lower()


# -- bad arguments ----------------------------------------------------------------------------------


def test_bad_arguments_are_input_errors(tmp_cache: Cache) -> None:
    one = frame({"A": {"2024-01-02": 1.0}})
    with pytest.raises(BadArgumentError, match="fetched_at"):
        tmp_cache.write(one, source="fake", start=D("2024-01-01"), end=D("2024-01-02"),
                        fetched_at=datetime(2024, 1, 3))  # naive
    with pytest.raises(BadDateError, match="2024-01-02"):
        tmp_cache.missing("A", D("2024-01-02"), D("2024-01-01"), now=T("2024-01-03 00:00"), ttl=HOUR)
    with pytest.raises(BadArgumentError, match="symbols"):
        tmp_cache.read("A")
    with pytest.raises(DataFormatError, match=r"A: close on 2024-01-02 is inf"):
        tmp_cache.write(frame({"A": {"2024-01-02": np.inf}}), source="fake", start=D("2024-01-01"),
                        end=D("2024-01-02"), fetched_at=T("2024-01-03 00:00"))
    with pytest.raises(DataFormatError, match=r"\(field, symbol\)"):
        tmp_cache.write(pd.DataFrame({"A": [1.0]}), source="fake", start=D("2024-01-01"), end=D("2024-01-02"),
                        fetched_at=T("2024-01-03 00:00"))
    assert tmp_cache.symbols() == []


# -- atomic writes ----------------------------------------------------------------------------------


def _seed(cache: Cache) -> None:
    put(cache, {"OLD": {"2024-01-02": 1.0}}, "2024-01-01", "2024-01-02", "2024-01-03 00:00")


def test_a_write_failing_half_way_through_the_rows_writes_nothing(tmp_cache: Cache) -> None:
    _seed(tmp_cache)
    with sqlite3.connect(tmp_cache.path) as conn:  # the third row of the batch is refused by the database
        conn.execute("CREATE TRIGGER refuse BEFORE INSERT ON prices WHEN NEW.close = 3.0 "
                     "BEGIN SELECT RAISE(ABORT, 'refused'); END")

    batch = frame({"NEW": {"2024-02-01": 1.0, "2024-02-02": 2.0, "2024-02-05": 3.0, "2024-02-06": 4.0}})
    with pytest.raises(CacheError, match="refused") as caught:
        tmp_cache.write(batch, source="fake", start=D("2024-02-01"), end=D("2024-02-06"),
                        fetched_at=T("2024-02-07 00:00"))

    assert str(tmp_cache.path) in str(caught.value)
    assert tmp_cache.read(["NEW"]).empty
    assert tmp_cache.info("NEW") is None
    assert tmp_cache.read(["OLD"])[("close", "OLD")].tolist() == [1.0]


def test_a_write_failing_after_the_rows_writes_nothing(tmp_cache: Cache,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    _seed(tmp_cache)

    def boom(records: object) -> object:
        raise RuntimeError("boom after the rows were inserted")

    monkeypatch.setattr(cache_module, "_merge_records", boom)
    with pytest.raises(RuntimeError, match="boom"):
        tmp_cache.write(frame({"NEW": {"2024-02-01": 1.0, "2024-02-02": 2.0}}), source="fake",
                        start=D("2024-02-01"), end=D("2024-02-02"), fetched_at=T("2024-02-07 00:00"))
    monkeypatch.undo()

    assert tmp_cache.read(["NEW"]).empty
    assert tmp_cache.symbols() == ["OLD"]
    # The connection is usable again afterwards (no transaction left open).
    assert tmp_cache.write(frame({"NEW": {"2024-02-01": 1.0}}), source="fake", start=D("2024-02-01"),
                           end=D("2024-02-01"), fetched_at=T("2024-02-07 00:00")) == 1


def _write_then_hang(path: str, ready: multiprocessing.synchronize.Event) -> None:
    """Child process: start a large write, then stop inside the transaction until killed."""
    def hang(records: object) -> object:
        ready.set()
        time.sleep(600)
        raise AssertionError("not killed")

    cache_module._merge_records = hang
    days = pd.date_range("1850-01-01", periods=60_000, name="date")
    big = make_frame({"NEW1": pd.Series(np.arange(60_000.0) + 1, index=days),
                      "NEW2": pd.Series(np.arange(60_000.0) + 2, index=days)})
    Cache(path).write(big, source="fake", start=D("1850-01-01"), end=days[-1].date(),
                      fetched_at=T("2024-01-03 00:00"))


def test_a_writer_killed_mid_transaction_leaves_the_previous_rows(cache_path: Path) -> None:
    with Cache(cache_path) as cache:
        _seed(cache)
    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Event()
    child = ctx.Process(target=_write_then_hang, args=(str(cache_path), ready))
    child.start()
    try:
        assert ready.wait(120), "the writer never reached its transaction"
        assert Path(f"{cache_path}-wal").stat().st_size > 1_000_000  # uncommitted pages already on disk
        os.kill(child.pid, getattr(signal, "SIGKILL", signal.SIGTERM))  # type: ignore[arg-type]
    finally:
        child.join(60)
    assert child.exitcode != 0

    with Cache(cache_path) as cache:
        assert cache.recovered_from is None
        assert cache.symbols() == ["OLD"]
        assert cache.read(["OLD", "NEW1"])[("close", "OLD")].tolist() == [1.0]
    with sqlite3.connect(cache_path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


# -- two processes at once --------------------------------------------------------------------------

BATCHES = 40
BLOCK = 5  # days per batch


def _expected_close(process: int, day: int) -> float:
    return 1000.0 * process + day + 0.25


def _write_batches(path: str, process: int, go: multiprocessing.synchronize.Event) -> None:
    """Child process: BATCHES writes of its own symbol and of a SHARED one (alternate blocks of days)."""
    cache = Cache(path, timeout=60)
    go.wait(120)
    origin = pd.Timestamp("2000-01-01")
    for batch in range(BATCHES):
        block = 2 * batch + process  # process 0 writes even blocks of SHARED, process 1 odd ones
        own = pd.date_range(origin + pd.Timedelta(days=BLOCK * batch), periods=BLOCK, name="date")
        shared = pd.date_range(origin + pd.Timedelta(days=BLOCK * block), periods=BLOCK, name="date")
        own_frame = make_frame({f"P{process}": pd.Series(
            [_expected_close(process, (d - origin).days) for d in own], index=own)})
        shared_frame = make_frame({"SHARED": pd.Series([float((d - origin).days) for d in shared],
                                                       index=shared)})
        cache.write(own_frame, source=f"p{process}", start=own[0].date(), end=own[-1].date(),
                    fetched_at=T("2024-01-01 00:00"))
        cache.write(shared_frame, source="shared", start=shared[0].date(), end=shared[-1].date(),
                    fetched_at=T("2024-01-01 00:00"))
    cache.close()


def test_two_processes_writing_at_once_lose_nothing(cache_path: Path) -> None:
    Cache(cache_path).close()
    ctx = multiprocessing.get_context("spawn")
    go = ctx.Event()
    children = [ctx.Process(target=_write_batches, args=(str(cache_path), p, go)) for p in (0, 1)]
    for child in children:
        child.start()
    go.set()
    for child in children:
        child.join(300)
    assert [child.exitcode for child in children] == [0, 0]

    with sqlite3.connect(cache_path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    with Cache(cache_path) as cache:
        back = cache.read(["P0", "P1", "SHARED"])
        days = BLOCK * BATCHES
        for process in (0, 1):
            closes = back[("close", f"P{process}")].dropna()
            assert closes.tolist() == [_expected_close(process, d) for d in range(days)]
        assert back[("close", "SHARED")].dropna().tolist() == [float(d) for d in range(2 * days)]
        assert cache.missing("SHARED", D("2000-01-01"), D("2000-01-01") + timedelta(days=2 * days - 1),
                             now=T("2024-01-02 00:00"), ttl=HOUR) == []
    # Interleaved blocks from both processes merged into one record each.
    assert [(r[0], r[1], r[2]) for r in coverage_rows(cache_path)] == [
        ("P0", "2000-01-01", (D("2000-01-01") + timedelta(days=days - 1)).isoformat()),
        ("P1", "2000-01-01", (D("2000-01-01") + timedelta(days=days - 1)).isoformat()),
        ("SHARED", "2000-01-01", (D("2000-01-01") + timedelta(days=2 * days - 1)).isoformat())]


def test_threads_share_one_cache(tmp_cache: Cache) -> None:
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(20):
                day = (pd.Timestamp("2024-01-01") + pd.Timedelta(days=i)).date().isoformat()
                tmp_cache.write(frame({f"T{n}": {day: float(i)}}), source="fake", start=D(day), end=D(day),
                                fetched_at=T("2024-02-01 00:00"))
                tmp_cache.read([f"T{n}"])
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert tmp_cache.read(["T0", "T3"])[("close", "T3")].tolist() == [float(i) for i in range(20)]


# -- damaged files and other errors -----------------------------------------------------------------


def _assert_recovered(cache: Cache, damaged: bytes) -> None:
    aside = cache.recovered_from
    assert aside is not None
    assert re.fullmatch(r"prices\.sqlite\.corrupt-\d{8}T\d{6}Z", aside.name), aside.name
    assert aside.parent == cache.path.parent
    assert aside.read_bytes() == damaged  # kept for inspection, untouched
    assert len(cache.messages) == 1
    assert "damaged" in cache.messages[0] and str(aside) in cache.messages[0]
    # Rebuilt empty and usable.
    assert cache.symbols() == []
    assert cache.write(frame({"A": {"2024-01-02": 1.0}}), source="fake", start=D("2024-01-01"),
                       end=D("2024-01-02"), fetched_at=T("2024-01-03 00:00")) == 1
    assert cache.read(["A"])[("close", "A")].tolist() == [1.0]


def test_a_file_of_garbage_is_refused_and_left_byte_identical(cache_path: Path) -> None:
    # Not ours (no SQLite header, no MarketReview application id): never renamed, never rebuilt.
    cache_path.parent.mkdir(parents=True)
    garbage = b"definitely not an SQLite database\n" * 200
    cache_path.write_bytes(garbage)

    with pytest.raises(ForeignCacheError, match="not a MarketReview cache"):
        Cache(cache_path)
    assert cache_path.read_bytes() == garbage
    assert sorted(p.name for p in cache_path.parent.iterdir()) == ["prices.sqlite"]


def test_a_truncated_file_is_moved_aside_and_rebuilt(cache_path: Path) -> None:
    with Cache(cache_path) as cache:
        days = pd.date_range("2000-01-01", periods=5000, name="date")
        cache.write(make_frame({s: pd.Series(np.arange(5000.0), index=days) for s in ("A", "B", "C")}),
                    source="fake", start=D("2000-01-01"), end=days[-1].date(),
                    fetched_at=T("2024-01-01 00:00"))
    whole = cache_path.read_bytes()
    half = whole[: len(whole) // 2]
    cache_path.write_bytes(half)

    with Cache(cache_path) as cache:
        _assert_recovered(cache, half)


def test_a_healthy_file_is_not_recovered(tmp_cache: Cache) -> None:
    assert tmp_cache.recovered_from is None
    assert tmp_cache.messages == []
    assert list(tmp_cache.path.parent.glob("*.corrupt-*")) == []


def test_a_locked_database_is_a_cache_error_not_a_damaged_file(cache_path: Path) -> None:
    Cache(cache_path).close()
    other = sqlite3.connect(cache_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        with Cache(cache_path, timeout=0) as cache:
            with pytest.raises(CacheError, match="locked") as caught:
                _seed(cache)
            assert not isinstance(caught.value, CacheCorruptError)
            assert str(cache_path) in str(caught.value)
            assert cache.recovered_from is None
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert list(cache_path.parent.glob("*.corrupt-*")) == []


def test_a_folder_that_cannot_be_created_is_a_cache_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")

    with pytest.raises(CacheError, match="not-a-folder") as caught:
        Cache(blocker / "prices.sqlite")
    assert caught.value.path == str(blocker / "prices.sqlite")


def test_a_newer_schema_is_refused_not_destroyed(cache_path: Path) -> None:
    Cache(cache_path).close()
    with sqlite3.connect(cache_path) as conn:
        conn.execute("PRAGMA user_version = 99")

    with pytest.raises(CacheError, match="schema version 99"):
        Cache(cache_path)
    assert cache_path.exists() and list(cache_path.parent.glob("*.corrupt-*")) == []


def test_close_then_use_reopens(cache_path: Path) -> None:
    cache = Cache(cache_path)
    _seed(cache)
    cache.close()
    cache.close()  # twice is harmless
    assert cache.read(["OLD"])[("close", "OLD")].tolist() == [1.0]
    cache.close()


def test_the_file_is_real_sqlite_in_wal_mode_with_the_documented_schema(tmp_cache: Cache) -> None:
    _seed(tmp_cache)
    with sqlite3.connect(tmp_cache.path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == ("2",)
        assert conn.execute("PRAGMA user_version").fetchone() == (2,)
        assert conn.execute("PRAGMA application_id").fetchone() == (0x4D526576,)
        assert conn.execute("SELECT * FROM prices").fetchall() == [
            ("fake", "OLD", "2024-01-02", 1.0, None, "2024-01-03T00:00:00.000000+00:00")]
        assert coverage_rows(tmp_cache.path) == [
            ("OLD", "2024-01-01", "2024-01-02", "fake", "2024-01-03T00:00:00.000000+00:00")]
