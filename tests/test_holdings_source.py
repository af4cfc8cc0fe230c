"""The holdings source at its boundary: yfinance's real FundsData parser over a faked quoteSummary answer, the
iShares IVV file in its real layout, and every failure giving its clear error or its marked estimate."""

from __future__ import annotations

import datetime as dt

import pytest
import requests
from holdings_fakes import IVV_TEXT, STOCK_POSITION, TOP_TEN, FakeGet, FakeTickers, quote_summary

from marketreview.errors import DataFormatError, RateLimitError, SourceError
from marketreview.sources.holdings import (
    ISHARES_IVV_URL,
    HoldingsSource,
    parse_ishares_holdings,
    session_date,
    to_fundamentals,
)

# Monday 2025-06-16 10:00 New York: the holdings reflect Friday's close.
NOW = dt.datetime(2025, 6, 16, 14, 0, tzinfo=dt.timezone.utc)
SEVEN = ("AAPL", "MSFT", "GOOGL", "GOOG", "AMZN", "NVDA", "META", "TSLA")


def test_yfinance_frame_is_the_shape_we_mock() -> None:
    top = FakeTickers()("SPY").funds_data.top_holdings
    assert top.index.name == "Symbol" and list(top.columns) == ["Name", "Holding Percent"]
    assert top.loc["NVDA", "Holding Percent"] == pytest.approx(0.0798)  # a fraction of net assets


def test_top_holdings_completed_from_the_ivv_file() -> None:
    tickers, get = FakeTickers(), FakeGet()
    snapshot = HoldingsSource(tickers, get).snapshot(NOW)
    assert snapshot.date == dt.date(2025, 6, 13)
    assert set(snapshot.weights) == set(SEVEN)
    # listed: fraction of net assets / stockPosition (0.9975); TSLA from the file: 1.98% of a 99.00% equity total
    for ticker in ("NVDA", "MSFT", "AAPL", "AMZN", "META", "GOOGL", "GOOG"):
        assert snapshot.weights[ticker] == pytest.approx(TOP_TEN[ticker], rel=1e-9)
        assert snapshot.basis[ticker] == "listed"
    assert snapshot.weights["TSLA"] == pytest.approx(1.98 / 99.00, rel=1e-12)
    assert snapshot.basis["TSLA"] == "IVV holdings file of 2025-06-12"
    assert snapshot.notes == ()
    assert "TSLA from iShares IVV holdings of 2025-06-12" in snapshot.source
    assert get.urls == [ISHARES_IVV_URL] and tickers.asked == ["SPY"]


def test_all_seven_listed_makes_one_request() -> None:
    top = {**TOP_TEN, "TSLA": 0.021}
    del top["JPM"]
    tickers, get = FakeTickers(quote_summary(top)), FakeGet()
    snapshot = HoldingsSource(tickers, get).snapshot(NOW)
    assert snapshot.weights["TSLA"] == pytest.approx(0.021, rel=1e-9)
    assert get.urls == [] and tickers.asked == ["SPY"]


def test_a_member_missing_everywhere_is_estimated_with_a_warning() -> None:
    file_without_tesla = "\r\n".join(line for line in IVV_TEXT.split("\r\n") if not line.startswith('"TSLA"'))
    file_without_tesla = file_without_tesla.replace('"PG","PG FILLER HOLDING","Consumer Staples","Equity",'
                                                    '"50,657,000,000.00","7.40"',
                                                    '"PG","PG FILLER HOLDING","Consumer Staples","Equity",'
                                                    '"50,657,000,000.00","9.38"')
    snapshot = HoldingsSource(FakeTickers(), FakeGet(file_without_tesla)).snapshot(NOW)
    # NVDA is the largest single-class member listed: 0.080 * 1.2e12 / 4.8e12
    assert snapshot.weights["TSLA"] == pytest.approx(0.020, rel=1e-9)
    assert snapshot.basis["TSLA"] == "estimated from its market cap relative to NVDA"
    [note] = snapshot.notes
    assert "TSLA's index weight (2.00%) is estimated from its market cap relative to NVDA" in note
    assert "not in the IVV holdings file either: TSLA" in note


def test_file_down_falls_back_to_the_estimate_and_says_why() -> None:
    down = requests.exceptions.ConnectionError("Max retries exceeded with url: /us/products/239726")
    snapshot = HoldingsSource(FakeTickers(), FakeGet(down)).snapshot(NOW)
    assert snapshot.weights["TSLA"] == pytest.approx(0.020, rel=1e-9)
    assert "IVV holdings file failed (holdings: iShares IVV holdings file: network unreachable" in snapshot.notes[0]


def test_missing_member_with_every_fallback_failing_is_an_error() -> None:
    down = requests.exceptions.ConnectionError("connection refused")
    with pytest.raises(SourceError, match=r"TSLA is not among SPY's top holdings; IVV holdings file failed "
                                          r".*network unreachable.*; the market-cap estimate failed \(holdings: "
                                          r"yfinance TSLA market cap: network unreachable"):
        HoldingsSource(FakeTickers(caps=down), FakeGet(down)).snapshot(NOW)


def test_yahoo_down_is_network_unreachable() -> None:
    dns = requests.exceptions.ConnectionError("Failed to perform, curl: (6) Could not resolve host: "
                                              "query2.finance.yahoo.com")
    with pytest.raises(SourceError, match="holdings: yfinance SPY fund data: network unreachable"):
        HoldingsSource(FakeTickers(dns), FakeGet()).snapshot(NOW)


def test_yahoo_rate_limit_is_a_rate_limit_error() -> None:
    from yfinance.exceptions import YFRateLimitError

    with pytest.raises(RateLimitError, match="yfinance SPY fund data: rate limited"):
        HoldingsSource(FakeTickers(YFRateLimitError()), FakeGet()).snapshot(NOW)


def test_malformed_yahoo_answer_is_an_error() -> None:
    answer = quote_summary()
    del answer["quoteSummary"]["result"][0]["topHoldings"]
    with pytest.raises(SourceError, match=r"yfinance SPY fund data failed \(YFDataException: SPY: No Fund data"):
        HoldingsSource(FakeTickers(answer), FakeGet()).snapshot(NOW)


def test_percent_where_a_fraction_belongs_is_an_error() -> None:
    with pytest.raises(DataFormatError, match=r"NVDA is 7\.98, not a fraction between 0 and 1"):
        HoldingsSource(FakeTickers(quote_summary(scale=STOCK_POSITION * 100)), FakeGet()).snapshot(NOW)


def test_positions_far_from_100_percent_are_an_error() -> None:
    with pytest.raises(DataFormatError, match=r"positions sum to 70\.00% with stocks at 60\.00%"):
        HoldingsSource(FakeTickers(quote_summary(stock=0.6, cash=0.1)), FakeGet()).snapshot(NOW)


def test_ivv_file_layout() -> None:
    as_of, weights = parse_ishares_holdings(IVV_TEXT)
    assert as_of == dt.date(2025, 6, 12)
    assert weights["NVDA"] == pytest.approx(7.92 / 99.00, rel=1e-12)
    assert weights["GOOG"] == pytest.approx(1.98 / 99.00, rel=1e-12)
    assert {"XTSLA", "USD", "ESZ6"}.isdisjoint(weights)  # money market, cash and futures excluded
    assert sum(weights.values()) == pytest.approx(1.0, rel=1e-12)


def test_truncated_ivv_file_is_an_error() -> None:
    lines = IVV_TEXT.split("\r\n")
    header = next(i for i, line in enumerate(lines) if line.startswith("Ticker,"))
    truncated = "\r\n".join(lines[: header + 6])  # the first five holdings only
    with pytest.raises(DataFormatError, match=r"weights sum to 27\.92%, expected about 100%"):
        parse_ishares_holdings(truncated)


@pytest.mark.parametrize(("text", "message"), [
    ("<!DOCTYPE html><html><body>Access Denied</body></html>", "not an iShares holdings file"),
    (IVV_TEXT.replace('Fund Holdings as of,"Jun 12, 2025"', 'Fund Holdings as of,"12/06/2025"'),
     r"line 2: bad 'Fund Holdings as of' date '12/06/2025'"),
    (IVV_TEXT.replace('"7.92"', '"7,92"', 1).replace('"NVIDIA CORP"', '"NVIDIA CORP","X"'),
     "line 11: 16 fields, the header has 15"),
    (IVV_TEXT.replace('"6.73"', '"n/a"', 1), r"line 12: Weight \(%\) is not a number: 'n/a'"),
    (IVV_TEXT.replace("Weight (%)", "Weighting"), r"missing columns Weight \(%\)"),
])
def test_malformed_ivv_file_names_the_problem(text: str, message: str) -> None:
    with pytest.raises(DataFormatError, match=message):
        parse_ishares_holdings(text, "IVV holdings")


def test_to_fundamentals_adds_share_classes() -> None:
    snapshot = HoldingsSource(FakeTickers(), FakeGet()).snapshot(NOW)
    fundamentals = to_fundamentals(snapshot, ("offline note",))
    assert fundamentals.index_total == 1.0 and fundamentals.date == dt.date(2025, 6, 13)
    assert fundamentals.market_caps["GOOGL"] == pytest.approx(0.024 + 0.020, rel=1e-9)
    assert "GOOG" not in fundamentals.market_caps.index
    assert fundamentals.market_caps.sum() == pytest.approx(0.346, rel=1e-9)
    assert fundamentals.notes == ("offline note",)


@pytest.mark.parametrize(("now", "day"), [
    (dt.datetime(2025, 6, 16, 14, 0, tzinfo=dt.timezone.utc), dt.date(2025, 6, 13)),   # Mon 10:00 NY
    (dt.datetime(2025, 6, 16, 20, 30, tzinfo=dt.timezone.utc), dt.date(2025, 6, 16)),  # Mon 16:30 NY
    (dt.datetime(2025, 6, 15, 12, 0, tzinfo=dt.timezone.utc), dt.date(2025, 6, 13)),   # Sunday
    (dt.datetime(2025, 6, 17, 3, 0, tzinfo=dt.timezone.utc), dt.date(2025, 6, 16)),    # Mon 23:00 NY
])
def test_session_date(now: dt.datetime, day: dt.date) -> None:
    assert session_date(now) == day
