"""MAG7SHARE's changes and history are measured on one anchor: a new snapshot is never a market move.

The hand-worked cases use a two-company market; the real-data cases recompute the anchored formula from the CSV
files and the S&P-reported totals in ``../shared/data/market``, independently of the code under test."""

from __future__ import annotations

import csv
import datetime as dt
import itertools
from pathlib import Path

import pandas as pd
import pytest

from marketreview.calc.mag7 import mag7_share, mag7_share_change, mag7_share_history
from marketreview.errors import MarketReviewError
from marketreview.types import FundamentalsSnapshot

D = dt.date.fromisoformat
DAYS = pd.DatetimeIndex([D(d) for d in ("2025-03-27", "2025-03-28", "2025-03-31", "2025-04-01", "2025-04-04")])
# AAA and BBB do not move at all across the quarter end; the index rises 1% a day.
CLOSES = {"AAA": pd.Series([10.0, 10.0, 10.0, 10.0, 12.0], index=DAYS),
          "BBB": pd.Series([50.0, 50.0, 50.0, 50.0, 40.0], index=DAYS)}
INDEX = pd.Series([100.0, 101.0, 102.01, 103.0301, 103.0301], index=DAYS)


def snap(date: str, caps: dict[str, float], total: float) -> FundamentalsSnapshot:
    return FundamentalsSnapshot(D(date), pd.Series(caps, dtype="float64"), total, "test", ())


# The second snapshot's total is 10% above what the index level carried forward from the first would say: a
# revision of the estimate, not a move of the market.
SNAPS = [snap("2025-03-27", {"AAA": 1000.0, "BBB": 500.0}, 8000.0),
         snap("2025-03-31", {"AAA": 1000.0, "BBB": 500.0}, 8000.0 * 1.0201 * 1.1)]


def test_a_change_across_an_anchor_switch_is_the_price_move() -> None:
    figure = mag7_share_change(CLOSES, INDEX, SNAPS, D("2025-03-28"), D("2025-04-01"), members=["AAA", "BBB"])
    # On the 03-31 anchors: members 1500 both days; total 8976.88 * 101/102.01 on 03-28, * 103.0301/102.01 on 04-01
    total = 8000.0 * 1.0201 * 1.1
    expected = 1500 / (total * 103.0301 / 102.01) - 1500 / (total * 101.0 / 102.01)
    assert figure.value == pytest.approx(expected, rel=1e-12)
    # the old method (each end on its own anchor) turned the 10% revision into a fall of about 1.6 pt
    own_then = mag7_share(CLOSES, INDEX, SNAPS, D("2025-03-28"), members=["AAA", "BBB"]).value
    assert own_then - 1500 / (8000.0 * 1.01) == pytest.approx(0.0, abs=1e-12)
    assert abs(figure.value) < 0.004 < abs(1500 / (total * 103.0301 / 102.01) - own_then) - 0.01


def test_history_is_chain_linked_newest_first() -> None:
    dates = [D("2025-04-04"), D("2025-04-01"), D("2025-03-31"), D("2025-03-28"), D("2025-03-27")]
    points = mag7_share_history(CLOSES, INDEX, SNAPS, dates, members=["AAA", "BBB"])
    values = [p.value for p in points if not isinstance(p, MarketReviewError)]
    assert len(values) == 5
    total = 8000.0 * 1.0201 * 1.1  # every point on the 03-31 anchors, as the newest date sees them
    newest = (1000.0 * 12 / 10 + 500.0 * 40 / 50) / (total * 103.0301 / 102.01)
    assert values[0] == pytest.approx(newest, rel=1e-12)
    for value, day, level in zip(values[1:], dates[1:], (103.0301, 102.01, 101.0, 100.0), strict=True):
        assert value == pytest.approx(1500 / (total * level / 102.01), rel=1e-12), day
    # members flat, index +1% a day: every step before 04-04 is the index's move and nothing more
    for newer, older in itertools.pairwise(values[1:]):
        assert newer / older == pytest.approx(1 / 1.01, rel=1e-9)


def test_history_order_follows_the_dates_given() -> None:
    ascending = [D("2025-03-27"), D("2025-03-31"), D("2025-04-04")]
    points = mag7_share_history(CLOSES, INDEX, SNAPS, ascending, members=["AAA", "BBB"])
    again = mag7_share_history(CLOSES, INDEX, SNAPS, ascending[::-1], members=["AAA", "BBB"])
    assert [p.value for p in points] == [p.value for p in again[::-1]]  # type: ignore[union-attr]


def test_a_break_in_the_chain_errs_that_date_and_older() -> None:
    dates = [D("2025-04-04"), D("2023-01-02"), D("2022-01-03")]  # 2023 is over 400 days before the first snapshot
    points = mag7_share_history(CLOSES, INDEX, SNAPS, dates, members=["AAA", "BBB"])
    assert not isinstance(points[0], MarketReviewError)
    assert isinstance(points[1], MarketReviewError) and isinstance(points[2], MarketReviewError)


def test_start_after_end_is_refused() -> None:
    with pytest.raises(MarketReviewError, match="after the end date"):
        mag7_share_change(CLOSES, INDEX, SNAPS, D("2025-04-01"), D("2025-03-28"), members=["AAA", "BBB"])


# -- real data -------------------------------------------------------------------------------------------------

MEMBERS = ("AAPL", "MSFT", "GOOGL", "AMZN", "NVDA", "META", "TSLA")
#: second share classes whose company cap the snapshot repeats (Alphabet C, Fox B, News Corp B)
SECOND_CLASSES = ("GOOG", "FOX", "NWS")


def _closes(market_dir: Path, name: str) -> dict[dt.date, float]:
    with (market_dir / name).open(encoding="utf-8") as f:
        return {D(r["date"]): float(r["close"]) for r in csv.DictReader(f)}


def _on_or_before(closes: dict[dt.date, float], day: dt.date) -> float:
    return closes[max(d for d in closes if d <= day)]


def _expected_share(market_dir: Path, day: dt.date, member_anchor: dt.date, total_anchor: dt.date) -> float:
    """The anchored formula, straight from the files: caps at the member snapshot carried by each member's
    closes; the S&P-reported total carried by the index level."""
    fundamentals = market_dir / "fundamentals"
    with (fundamentals / f"sp500_constituents_financials_asof_{member_anchor.isoformat()}.csv").open(
            encoding="utf-8") as f:
        caps = {r["Symbol"]: float(r["Market Cap"]) for r in csv.DictReader(f) if r["Symbol"] in MEMBERS}
    with (fundamentals / "sp500_total_market_cap.csv").open(encoding="utf-8") as f:
        totals = {D(r["date"]): float(r["total_market_cap_usd"]) for r in csv.DictReader(f)}
    if total_anchor not in totals:  # no S&P-reported total that day: the snapshot's caps summed, one per company
        with (fundamentals / f"sp500_constituents_financials_asof_{total_anchor.isoformat()}.csv").open(
                encoding="utf-8") as f:
            totals[total_anchor] = sum(float(r["Market Cap"]) for r in csv.DictReader(f)
                                       if r["Market Cap"] and r["Symbol"] not in SECOND_CLASSES)
    members = 0.0
    for ticker in MEMBERS:
        closes = _closes(market_dir, f"{ticker}.csv")
        members += caps[ticker] * _on_or_before(closes, day) / _on_or_before(closes, member_anchor)
    index = _closes(market_dir, "GSPC.csv")
    return members / (totals[total_anchor] * _on_or_before(index, day) / _on_or_before(index, total_anchor))


@pytest.fixture(scope="module")
def engine(market_dir: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from marketreview.app import open_engine

    eng = open_engine(f"csv:{market_dir}", cache_path=tmp_path_factory.mktemp("c") / "c.sqlite", offline=False)
    yield eng
    eng.cache.close()


def _inputs(engine):  # type: ignore[no-untyped-def]
    closes = {engine.ticker(a): engine.series(a) for a in MEMBERS}
    return closes, engine.series("SP500"), engine.fundamentals()


@pytest.mark.realdata
def test_week_to_2025_10_03_is_what_the_prices_did(market_dir: Path, engine) -> None:  # type: ignore[no-untyped-def]
    closes, index, snapshots = _inputs(engine)
    figure = mag7_share_change(closes, index, snapshots, D("2025-09-26"), D("2025-10-03"), members=list(closes))
    # on 10-03 the members are anchored at the 2025-01-31 caps and the total at the S&P-reported 2025-09-30 one
    expected = (_expected_share(market_dir, D("2025-10-03"), D("2025-01-31"), D("2025-09-30"))
                - _expected_share(market_dir, D("2025-09-26"), D("2025-01-31"), D("2025-09-30")))
    assert figure.value == pytest.approx(expected, abs=2e-4)  # 0.02 pt: raw vs adjusted closes of a member
    assert abs(figure.value) < 0.003  # within 0.3 pt of the move; the own-anchor method said -1.77 pt
    own = (mag7_share(closes, index, snapshots, D("2025-10-03"), members=list(closes)).value
           - mag7_share(closes, index, snapshots, D("2025-09-26"), members=list(closes)).value)
    assert own < -0.015


@pytest.mark.realdata
@pytest.mark.parametrize(("before", "anchor", "member_anchor"), [
    ("2024-12-30", "2024-12-31", "2024-12-31"), ("2025-01-30", "2025-01-31", "2025-01-31"),
    ("2025-03-28", "2025-03-31", "2025-01-31"), ("2025-06-27", "2025-06-30", "2025-01-31"),
    ("2025-09-29", "2025-09-30", "2025-01-31")])
def test_no_step_at_an_anchor_date_beyond_the_prices(market_dir: Path, engine, before: str,  # type: ignore[no-untyped-def]
                                                     anchor: str, member_anchor: str) -> None:
    closes, index, snapshots = _inputs(engine)
    points = mag7_share_history(closes, index, snapshots, [D(anchor), D(before)], members=list(closes))
    step = points[0].value - points[1].value  # type: ignore[union-attr]
    # what the day's prices explain: both days on the anchor date's own snapshots (caps, S&P-reported total)
    explained = (_expected_share(market_dir, D(anchor), D(member_anchor), D(anchor))
                 - _expected_share(market_dir, D(before), D(member_anchor), D(anchor)))
    assert step == pytest.approx(explained, abs=2e-4)
    own_step = (mag7_share(closes, index, snapshots, D(anchor), members=list(closes)).value
                - mag7_share(closes, index, snapshots, D(before), members=list(closes)).value)
    if anchor == "2025-09-30":  # the case: -1.70 pt in a day on the own-anchor method
        assert own_step < -0.015 and abs(step) < 0.003


@pytest.mark.realdata
def test_the_report_quotes_the_price_move_for_the_week(market_dir: Path, engine) -> None:  # type: ignore[no-untyped-def]
    from marketreview.report.build import build_report

    report = build_report(engine, D("2025-10-03"), "ja", fetch=False)
    row = report.sheet("mag7").table("share").records()[0]
    expected = (_expected_share(market_dir, D("2025-10-03"), D("2025-01-31"), D("2025-09-30"))
                - _expected_share(market_dir, D("2025-09-26"), D("2025-01-31"), D("2025-09-30")))
    assert row["share_w1"].value == pytest.approx(expected * 100, abs=0.02)  # in pt; the old sheet said -1.77
    history = {r["date"].value: r["share"].value for r in report.sheet("mag7").table("share_history").records()}
    # the chart's two last points are 09-26 and 10-03: the same week, on the same anchors
    assert history[D("2025-10-03")] - history[D("2025-09-26")] == pytest.approx(expected, abs=2e-4)
    assert history[D("2025-10-03")] == pytest.approx(row["share"].value, rel=1e-12)


def test_a_change_names_its_anchors_once() -> None:
    figure = mag7_share_change(CLOSES, INDEX, SNAPS, D("2025-03-28"), D("2025-04-04"), members=["AAA", "BBB"])
    anchors = [w for w in figure.warnings if "member caps anchored" in w]
    assert anchors == ["mag7: member caps anchored at 2025-03-31 (4 days before), index total (S&P-reported) at "
                       "2025-03-31 (4 days before)"]
