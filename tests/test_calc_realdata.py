"""The calculations on the real closes in ../shared/data/market (read here with pandas directly).

Each expected value is recomputed in the test from the two closes read by date."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from marketreview import calendars
from marketreview.calc import relative, returns, sectors, yields
from marketreview.calc.mag7 import mag7_share
from marketreview.errors import NoDataError
from marketreview.types import FundamentalsSnapshot

pytestmark = pytest.mark.realdata
D = dt.date.fromisoformat


def _read(market_dir: Path, name: str) -> pd.Series:
    frame = pd.read_csv(market_dir / name, parse_dates=["date"], index_col="date")
    return frame["close"].astype("float64")


def _sessions(calendar: str) -> pd.DatetimeIndex:
    sessions = calendars.sessions(calendar, D("2019-01-01"), D("2026-12-31"))
    assert sessions is not None
    return sessions


def test_gspc_week_to_2024_12_27(market_dir: Path) -> None:
    gspc = _read(market_dir, "GSPC.csv")
    expected = gspc.loc["2024-12-27"] / gspc.loc["2024-12-20"] - 1
    figure = returns.weekly(gspc, D("2024-12-27"), symbol="^GSPC", sessions=_sessions("XNYS"))
    assert figure.value == pytest.approx(expected, rel=1e-12)
    assert figure.value == pytest.approx(0.006743, abs=5e-6)  # 5970.84 / 5930.85 - 1
    assert (figure.start.date, figure.end.date) == (D("2024-12-20"), D("2024-12-27"))
    assert figure.warnings == ()


def test_gspc_ytd_2025_as_of_2025_10_31(market_dir: Path) -> None:
    gspc = _read(market_dir, "GSPC.csv")
    expected = gspc.loc["2025-10-31"] / gspc.loc["2024-12-31"] - 1
    figure = returns.ytd(gspc, D("2025-10-31"), symbol="^GSPC", sessions=_sessions("XNYS"))
    assert figure.value == pytest.approx(expected, rel=1e-12)
    assert figure.start.date == D("2024-12-31")


def test_ruo_over_gspc_on_2025_10_31(market_dir: Path) -> None:
    ruo, gspc = _read(market_dir, "RUO.csv"), _read(market_dir, "GSPC.csv")
    figure = relative.relratio(ruo, gspc, D("2025-10-31"), sessions_a=_sessions("XNYS"),
                               sessions_b=_sessions("XNYS"), symbols=("^RUO", "^GSPC"))
    assert figure.value == pytest.approx(ruo.loc["2025-10-31"] / gspc.loc["2025-10-31"], rel=1e-12)
    assert figure.value == pytest.approx(1686.56 / 6840.20, rel=1e-6)


def test_ruo_after_its_data_ends(market_dir: Path) -> None:
    ruo = _read(market_dir, "RUO.csv")
    with pytest.raises(NoDataError, match=r"\^RUO: data ends 2025-12-16, no close near 2026-01-09"):
        relative.relratio(ruo, _read(market_dir, "GSPC.csv"), D("2026-01-09"), symbols=("^RUO", "^GSPC"))


def test_dgs10_week_change_in_bp(market_dir: Path) -> None:
    dgs10 = _read(market_dir, "DGS10.csv")
    start, end = dgs10.loc["2025-10-24"], dgs10.loc["2025-10-31"]
    expected_bp = round(end * 100) - round(start * 100)  # two-decimal percents: exact in hundredths
    figure = yields.yield_change_bp(dgs10, D("2025-10-24"), D("2025-10-31"), symbol="DGS10")
    assert figure.value == float(expected_bp)


def test_topix17_sectors_against_topix(market_dir: Path) -> None:
    topix = _read(market_dir, "TOPIX.csv")
    closes = {"1622.T": _read(market_dir, "1622_T.csv"), "1631.T": _read(market_dir, "1631_T.csv")}
    start, end = D("2025-09-30"), D("2025-10-31")
    table = sectors.sector_returns(closes, topix, start, end, benchmark_symbol="TOPIX",
                                   sessions=_sessions("XTKS"))
    bench = topix.loc["2025-10-31"] / topix.loc["2025-09-30"] - 1
    for symbol, series in closes.items():
        expected = series.loc["2025-10-31"] / series.loc["2025-09-30"] - 1
        assert table.loc[symbol, "return"] == pytest.approx(expected, rel=1e-12)
        assert table.loc[symbol, "excess"] == pytest.approx(expected - bench, rel=1e-9)
        assert table.loc[symbol, "warnings"] == ""
    assert table["benchmark_return"].tolist() == pytest.approx([bench, bench], rel=1e-12)


def test_mag7_share_on_its_anchor_day(market_dir: Path) -> None:
    """On the snapshot day itself the anchored share is the plain ratio of the reported caps."""
    fundamentals = market_dir / "fundamentals"
    caps = pd.read_csv(fundamentals / "sp500_constituents_financials_asof_2024-12-31.csv", index_col="Symbol")
    totals = pd.read_csv(fundamentals / "sp500_total_market_cap.csv", index_col="date")
    total = float(totals.loc["2024-12-31", "total_market_cap_usd"])
    members = ["AAPL", "MSFT", "GOOGL", "AMZN", "NVDA", "META", "TSLA"]
    snapshot = FundamentalsSnapshot(D("2024-12-31"), caps["Market Cap"].astype("float64"), total, "DS1",
                                    ("GOOG",))
    closes = {m: _read(market_dir, f"{m}.csv") for m in members}
    gspc = _read(market_dir, "GSPC.csv")
    expected = sum(float(caps.loc[m, "Market Cap"]) for m in members) / total
    on_day = mag7_share(closes, gspc, [snapshot], D("2024-12-31"), members=members)
    assert on_day.value == pytest.approx(expected, rel=1e-12)
    later = mag7_share(closes, gspc, [snapshot], D("2025-01-31"), members=members)
    day = pd.Timestamp("2025-01-31")  # the caps moved with each member's close, the total with the index's
    moved = sum(float(caps.loc[m, "Market Cap"]) * closes[m][day] / closes[m][pd.Timestamp("2024-12-31")]
                for m in members)
    assert later.value == pytest.approx(moved / (total * gspc[day] / gspc[pd.Timestamp("2024-12-31")]), rel=1e-12)
    assert any("member caps anchored at 2024-12-31 (31 days before)" in w for w in later.warnings)
