"""Every row of the report's return and average columns against values worked out here by hand, not against the
committed golden template: week-on-week changes with both signs, MTD, YTD, the 26-week moving average.

Each fake ticker zig-zags: its own straight line (:func:`conftest.price_path`) plus or minus 40 in alternate
seven-day blocks, with a phase of its own, so in any week some tickers rise and others fall. Closes are on
weekdays; the expected as-of close is simply the last weekday on or before a date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest
from conftest import price_path

from marketreview.cache import Cache
from marketreview.engine import Engine
from marketreview.report.build import build_report
from marketreview.report.model import Report, Table
from marketreview.sources.base import FunctionSource
from marketreview.sources.router import Router

AS_OF = dt.date(2025, 3, 12)  # a Wednesday: the week starts after 2025-03-09, the month after 2025-02-28
EPOCH = dt.date(2020, 1, 1)
SWING = 40.0


def zigzag_close(ticker: str, day: dt.date) -> float:
    path = price_path(ticker)
    assert path is not None
    days = (day - EPOCH).days
    up = (days // 7 + int(path[0])) % 2 == 0
    return path[0] + path[1] * days + (SWING if up else -SWING)


def zigzag(ticker: str, dates: pd.DatetimeIndex) -> np.ndarray | None:
    if price_path(ticker) is None:
        return None
    return np.array([zigzag_close(ticker, d.date()) for d in dates])


def asof(ticker: str, day: dt.date) -> float:
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return zigzag_close(ticker, day)


def change(ticker: str, start: dt.date, end: dt.date = AS_OF) -> float:
    return asof(ticker, end) / asof(ticker, start) - 1


WEEK_START, MONTH_START, YEAR_START = dt.date(2025, 3, 9), dt.date(2025, 2, 28), dt.date(2024, 12, 31)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Report]:
    cache = Cache(tmp_path_factory.mktemp("values") / "prices.sqlite")
    clock = dt.datetime(2025, 3, 12, 23, 0, tzinfo=dt.timezone.utc)
    engine = Engine(Router(FunctionSource(zigzag, name="fake")), cache, clock=lambda: clock)
    yield build_report(engine, AS_OF, "en")
    cache.close()


def rows(table: Table) -> list[dict[str, object]]:
    return [{c.key: cell.shown for c, cell in zip(table.columns, r, strict=True)} for r in table.rows]


@pytest.mark.parametrize(("sheet", "table"), [("us_indices", "indices"), ("mag7", "stocks"),
                                              ("japan_sectors", "sectors")])
def test_weekly_mtd_ytd_columns_of_every_row(report: Report, sheet: str, table: str) -> None:
    signs = set()
    checked = 0
    for r in rows(report.sheet(sheet).table(table)):
        ticker = str(r["ticker"])
        assert r["close"] == asof(ticker, AS_OF), ticker
        assert r["w1"] == pytest.approx(change(ticker, WEEK_START), rel=1e-12), ticker
        assert r["ytd"] == pytest.approx(change(ticker, YEAR_START), rel=1e-12), ticker
        if "mtd" in r:
            assert r["mtd"] == pytest.approx(change(ticker, MONTH_START), rel=1e-12), ticker
        signs.add(np.sign(change(ticker, WEEK_START)))
        checked += 1
    assert checked >= 7
    assert signs == {1.0, -1.0}, "the fixture must give both rising and falling weeks"


def test_excess_return_over_topix(report: Report) -> None:
    for r in rows(report.sheet("japan_sectors").table("sectors")):
        ticker = str(r["ticker"])
        expected = change(ticker, WEEK_START) - change("^TOPX", WEEK_START)
        assert r["excess_w1"] == pytest.approx(expected, rel=1e-12, abs=1e-15), ticker


def weekly_ratios(num: str, den: str, end: dt.date) -> list[float]:
    """Each week's ratio of the last closes on or before its Sunday (the current week: on or before ``end``)."""
    friday = end - dt.timedelta(days=(end.weekday() - 4) % 7)  # this week's Friday, or the last one
    out = [asof(num, end) / asof(den, end)]
    if friday >= end:
        friday -= dt.timedelta(days=7)
    while friday >= dt.date(2015, 1, 9):
        out.append(asof(num, friday) / asof(den, friday))
        friday -= dt.timedelta(days=7)
    return out[::-1]


def test_relative_ratio_and_26_week_average(report: Report) -> None:
    table = report.sheet("relative").table("pairs")
    checked = 0
    for r in rows(table):
        num, den = str(r["num"]), str(r["den"])
        ratios = weekly_ratios(num, den, AS_OF)
        ma = sum(ratios[-26:]) / 26
        assert r["ratio"] == pytest.approx(ratios[-1], rel=1e-12), num
        assert r["ma"] == pytest.approx(ma, rel=1e-12), num
        assert r["deviation"] == pytest.approx((ratios[-1] - ma) * 100, rel=1e-9, abs=1e-13), num  # points
        assert r["rel_deviation"] == pytest.approx(ratios[-1] / ma - 1, rel=1e-9, abs=1e-15), num
        checked += 1
    assert checked == 3


def test_yield_changes_in_bp(report: Report) -> None:
    for r in rows(report.sheet("rates").table("yields")):
        ticker = str(r["ticker"])
        assert r["level"] == asof(ticker, AS_OF), ticker
        assert r["prev_week"] == asof(ticker, WEEK_START), ticker
        for key, start in (("w1_bp", WEEK_START), ("mtd_bp", MONTH_START), ("ytd_bp", YEAR_START)):
            expected = (asof(ticker, AS_OF) - asof(ticker, start)) * 100
            assert r[key] == pytest.approx(expected, rel=1e-12, abs=1e-9), (ticker, key)
