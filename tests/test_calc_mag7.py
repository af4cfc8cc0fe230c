"""The anchored Magnificent-7 share, worked by hand on a two-company market."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from marketreview.calc.mag7 import mag7_share
from marketreview.errors import BadArgumentError, NoDataError
from marketreview.types import FundamentalsSnapshot

D = dt.date.fromisoformat
DAYS = pd.DatetimeIndex([D("2025-01-02"), D("2025-01-03"), D("2025-01-06"), D("2025-02-03")])
CLOSES = {
    "AAA": pd.Series([10.0, 11.0, 12.0, 9.0], index=DAYS),
    "BBB": pd.Series([50.0, 45.0, 40.0, 60.0], index=DAYS),
    "BBB2": pd.Series([49.0, 44.0, 39.0, 59.0], index=DAYS),
}
INDEX = pd.Series([100.0, 105.0, 110.0, 90.0], index=DAYS)


def snap(date: str, caps: dict[str, float], total: float | None = None, dup: tuple[str, ...] = ()
         ) -> FundamentalsSnapshot:
    return FundamentalsSnapshot(D(date), pd.Series(caps, dtype="float64"), total, "test", dup)


def test_anchored_share_by_hand() -> None:
    snaps = [snap("2025-01-02", {"AAA": 1000.0, "BBB": 500.0}, total=8000.0)]
    figure = mag7_share(CLOSES, INDEX, snaps, D("2025-01-06"), members=["AAA", "BBB"])
    # AAA 1000 * 12/10 = 1200; BBB 500 * 40/50 = 400; total 8000 * 110/100 = 8800; share 1600/8800
    assert figure.value == pytest.approx(1600 / 8800, rel=1e-12)
    assert (figure.start.date, figure.end.date) == (D("2025-01-02"), D("2025-01-06"))
    assert any("member caps anchored at 2025-01-02 (4 days before)" in w for w in figure.warnings)
    assert any("index total (S&P-reported) at 2025-01-02" in w for w in figure.warnings)


def test_latest_snapshot_on_or_before_and_summed_total() -> None:
    snaps = [
        snap("2025-01-02", {"AAA": 1000.0, "BBB": 500.0}, total=8000.0),
        snap("2025-01-03", {"AAA": 1100.0, "BBB": 450.0, "BBB2": 450.0, "CCC": 6000.0}, dup=("BBB2",)),
        snap("2025-01-06", {"AAA": 5.0}),                          # too few caps: neither anchor
        snap("2025-02-03", {"AAA": 1.0, "BBB": 1.0}, total=1.0),   # after ``when``: ignored
    ]
    figure = mag7_share(CLOSES, INDEX, snaps, D("2025-01-06"), members=["AAA", "BBB"], min_constituents=3)
    # members anchored 2025-01-03: AAA 1100 * 12/11 = 1200; BBB 450 * 40/45 = 400
    # index anchored 2025-01-03: 1100 + 450 + 6000 (BBB2 dropped as a duplicate class) = 7550, * 110/105
    assert figure.value == pytest.approx(1600 / (7550 * 110 / 105), rel=1e-12)
    assert any("member caps anchored at 2025-01-03 (3 days before), index total (summed caps) at 2025-01-03 "
               "(3 days before)" in w for w in figure.warnings)


def test_members_alone_are_not_a_total() -> None:
    snaps = [snap("2025-01-02", {"AAA": 1000.0, "BBB": 500.0}, total=8000.0),
             snap("2025-01-03", {"AAA": 1100.0, "BBB": 450.0})]
    figure = mag7_share(CLOSES, INDEX, snaps, D("2025-01-06"), members=["AAA", "BBB"])
    # caps from 2025-01-03 (1200 + 400), total from the S&P figure of 2025-01-02: 8000 * 110/100
    assert figure.value == pytest.approx(1600 / 8800, rel=1e-12)


def test_before_the_first_snapshot_is_a_marked_estimate() -> None:
    snaps = [snap("2025-01-03", {"AAA": 1100.0, "BBB": 450.0}, total=7700.0)]
    figure = mag7_share(CLOSES, INDEX, snaps, D("2025-01-02"), members=["AAA", "BBB"])
    # AAA 1100 * 10/11 = 1000; BBB 450 * 50/45 = 500; total 7700 * 100/105
    assert figure.value == pytest.approx(1500 / (7700 * 100 / 105), rel=1e-12)
    expected = ("mag7: ESTIMATE before the first snapshot with member caps: extrapolated back from 2025-01-03 "
                "(1 day after)")
    assert expected in figure.warnings
    assert any(w.startswith("mag7: ESTIMATE before the first snapshot with index total") for w in figure.warnings)


def test_too_far_before_the_first_snapshot_is_an_error() -> None:
    snaps = [snap("2025-02-03", {"AAA": 900.0, "BBB": 600.0}, total=9000.0)]
    within = mag7_share(CLOSES, INDEX, snaps, D("2025-01-02"), members=["AAA", "BBB"], max_back_days=32)
    # AAA 900 * 10/9 = 1000; BBB 600 * 50/60 = 500; total 9000 * 100/90 = 10000
    assert within.value == pytest.approx(1500 / 10000, rel=1e-12)
    with pytest.raises(NoDataError, match=r"2025-01-02 is before the first snapshot with member caps "
                                          r"\(2025-02-03, 32 days later\); estimates reach back at most 31 days"):
        mag7_share(CLOSES, INDEX, snaps, D("2025-01-02"), members=["AAA", "BBB"], max_back_days=31)


def test_snapshot_notes_travel_with_the_figure() -> None:
    base = snap("2025-01-02", {"AAA": 1000.0, "BBB": 500.0}, total=8000.0)
    noted = FundamentalsSnapshot(base.date, base.market_caps, base.index_total, "test",
                                 notes=("mag7: BBB's weight is estimated",))
    figure = mag7_share(CLOSES, INDEX, [noted], D("2025-01-06"), members=["AAA", "BBB"])
    assert figure.value == pytest.approx(1600 / 8800, rel=1e-12)
    assert "mag7: BBB's weight is estimated" in figure.warnings


def test_both_share_classes_rejected() -> None:
    snaps = [snap("2025-01-02", {"AAA": 1000.0, "BBB": 500.0, "BBB2": 500.0}, total=8000.0, dup=("BBB2",))]
    with pytest.raises(BadArgumentError, match="BBB2 and BBB are share classes of one company"):
        mag7_share(CLOSES, INDEX, snaps, D("2025-01-06"), members=["AAA", "BBB", "BBB2"])


def test_missing_inputs() -> None:
    snaps = [snap("2025-01-02", {"AAA": 1000.0}, total=8000.0)]
    with pytest.raises(NoDataError, match="no fundamentals snapshot with member caps"):
        mag7_share(CLOSES, INDEX, snaps, D("2025-01-06"), members=["AAA", "BBB"])
    with pytest.raises(BadArgumentError, match="no closes given for ZZZ"):
        mag7_share(CLOSES, INDEX, snaps, D("2025-01-06"), members=["AAA", "ZZZ"])
