"""YahooSource against frames shaped exactly like yfinance 1.7 returns them (no network).

``history`` builds what ``Ticker.history(auto_adjust=False)`` returns for one ticker; ``downloaded``
assembles several of them the way ``yfinance.multi._download_impl`` does (its own ``reindex_dfs`` and
``empty_df``, then the same concat / swaplevel / sort). A few tests run the real ``yfinance.download`` with
``Ticker`` patched out.
"""

from __future__ import annotations

import datetime as dt
import logging
import subprocess
import sys
from typing import ClassVar

import numpy as np
import pandas as pd
import pytest
import yfinance.multi
import yfinance.utils
from curl_cffi.requests.exceptions import Timeout
from yfinance.exceptions import YFRateLimitError

from marketreview.errors import BadDateError, RateLimitError, SourceError, SymbolNotFoundError
from marketreview.sources.yahoo import YahooSource

NY, TOKYO = "America/New_York", "Asia/Tokyo"
D = dt.date


def history(rows: list[tuple[str, float, float]], tz: str) -> pd.DataFrame:
    """One ticker's daily bars as ``Ticker.history`` returns them: local midnights in the exchange zone."""
    index = pd.DatetimeIndex([pd.Timestamp(day).tz_localize(tz) for day, _, _ in rows], name="Date")
    close = [c for _, c, _ in rows]
    return pd.DataFrame({"Open": close, "High": close, "Low": close, "Close": close,
                         "Adj Close": [a for _, _, a in rows], "Volume": [1000.0] * len(rows)}, index=index)


def downloaded(dfs: dict[str, pd.DataFrame | None], ignore_tz: bool = True) -> pd.DataFrame:
    """The tail of ``yfinance.multi._download_impl`` (group_by='column', multi_level_index=True)."""
    dfs = {t: (yfinance.utils.empty_df() if df is None else df.copy()) for t, df in dfs.items()}
    if ignore_tz:
        for df in dfs.values():
            if df.shape[0] > 0:
                df.index = df.index.tz_localize(None)
    dfs = yfinance.multi.reindex_dfs(dfs, ignore_tz)
    data = pd.concat(dfs.values(), axis=1, sort=True, keys=dfs.keys(), names=["Ticker", "Price"])
    data.columns = data.columns.swaplevel(0, 1)
    data = data.sort_index(level=0, axis=1)
    return data


class FakeDownload:
    """Stands in for ``yfinance.download``: returns (or raises) the next planned answer, records calls."""

    def __init__(self, *answers: object) -> None:
        self.answers = list(answers)
        self.calls: list[dict[str, object]] = []

    def __call__(self, **kwargs: object) -> object:
        self.calls.append(kwargs)
        answer = self.answers[min(len(self.calls), len(self.answers)) - 1]
        if callable(answer) and not isinstance(answer, pd.DataFrame):
            answer = answer(kwargs)
        if isinstance(answer, BaseException):
            raise answer
        return answer


def source(*answers: object, retries: int = 4) -> tuple[YahooSource, FakeDownload, list[float]]:
    fake = FakeDownload(*answers)
    sleeps: list[float] = []
    return YahooSource(download=fake, sleep=sleeps.append, retries=retries), fake, sleeps


GSPC = history([("2025-01-02", 5868.55, 5868.55), ("2025-01-03", 5942.47, 5942.47),
                ("2025-01-06", 5975.38, 5975.38)], NY)
AAPL = history([("2025-01-02", 243.85, 242.99), ("2025-01-03", 243.36, 242.50),
                ("2025-01-06", 245.00, 244.13)], NY)
T1617 = history([("2025-01-06", 32600.0, 32600.0), ("2025-01-07", 32850.0, 32850.0)], TOKYO)


def test_one_batched_call_with_the_documented_arguments() -> None:
    yahoo, fake, _ = source(downloaded({"^GSPC": GSPC, "AAPL": AAPL, "1617.T": T1617}))
    yahoo.fetch(["^GSPC", "AAPL", "1617.T"], D(2025, 1, 2), D(2025, 1, 7))
    assert len(fake.calls) == 1
    assert fake.calls[0] == {
        "tickers": ["^GSPC", "AAPL", "1617.T"], "start": D(2025, 1, 2), "end": D(2025, 1, 8),
        "interval": "1d", "auto_adjust": False, "actions": False, "progress": False, "group_by": "column",
        "threads": True, "multi_level_index": True, "ignore_tz": True, "timeout": 10,
    }


def test_close_and_adj_close_come_from_close_and_adj_close_columns() -> None:
    yahoo, _, _ = source(downloaded({"^GSPC": GSPC, "AAPL": AAPL}))
    frame = yahoo.fetch(["AAPL", "^GSPC"], D(2025, 1, 2), D(2025, 1, 6))
    assert frame.index.name == "date" and frame.index.tz is None
    assert list(frame.index) == [pd.Timestamp(d) for d in ("2025-01-02", "2025-01-03", "2025-01-06")]
    assert frame.loc["2025-01-03", ("close", "AAPL")] == 243.36
    assert frame.loc["2025-01-03", ("adj_close", "AAPL")] == 242.50
    assert frame.loc["2025-01-06", ("close", "^GSPC")] == 5975.38
    assert frame.columns.names == ["field", "symbol"]


def test_start_and_end_are_inclusive_and_extra_rows_are_clipped() -> None:
    yahoo, _, _ = source(downloaded({"^GSPC": GSPC}))
    frame = yahoo.fetch(["^GSPC"], D(2025, 1, 3), D(2025, 1, 3))
    assert list(frame[("close", "^GSPC")]) == [5942.47]


def test_tokyo_bar_keeps_its_tokyo_date_in_a_new_york_zoned_frame() -> None:
    # ignore_tz=False: yfinance converts every ticker to the most common zone (New York here), so the Tokyo
    # bar of 2025-01-06 00:00+09:00 arrives as 2025-01-05 10:00-05:00.
    raw = downloaded({"^GSPC": GSPC, "AAPL": AAPL, "1617.T": T1617}, ignore_tz=False)
    assert str(raw.index.tz) == NY
    yahoo, _, _ = source(raw)
    frame = yahoo.fetch(["^GSPC", "AAPL", "1617.T"], D(2025, 1, 2), D(2025, 1, 7))
    tokyo = frame[("close", "1617.T")].dropna()
    assert list(tokyo.index) == [pd.Timestamp("2025-01-06"), pd.Timestamp("2025-01-07")]
    assert list(tokyo) == [32600.0, 32850.0]
    assert pd.Timestamp("2025-01-05") not in frame.index  # a Sunday
    assert frame.loc["2025-01-02", ("close", "^GSPC")] == 5868.55


@pytest.mark.parametrize("tz", [TOKYO, "UTC"])
def test_tz_aware_tokyo_only_frame_keeps_local_dates(tz: str) -> None:
    raw = downloaded({"1617.T": T1617}, ignore_tz=False)
    raw.index = raw.index.tz_convert(tz)  # 2025-01-05 15:00 UTC is still Tokyo's 2025-01-06
    yahoo, _, _ = source(raw)
    frame = yahoo.fetch(["1617.T"], D(2025, 1, 6), D(2025, 1, 7))
    assert list(frame.index) == [pd.Timestamp("2025-01-06"), pd.Timestamp("2025-01-07")]


def test_single_ticker_with_single_level_columns() -> None:
    raw = downloaded({"AAPL": AAPL}).droplevel(1, axis=1).rename_axis(None, axis=1)  # multi_level_index=False
    yahoo, _, _ = source(raw)
    frame = yahoo.fetch(["AAPL"], D(2025, 1, 2), D(2025, 1, 6))
    assert list(frame[("close", "AAPL")]) == [243.85, 243.36, 245.00]


def test_failed_ticker_is_named_and_frame_keeps_the_others() -> None:
    yahoo, _, _ = source(downloaded({"^GSPC": GSPC, "XXXX": None}))
    with pytest.raises(SymbolNotFoundError) as caught:
        yahoo.fetch(["^GSPC", "XXXX"], D(2025, 1, 2), D(2025, 1, 6))
    assert caught.value.symbols == ("XXXX",)
    assert "XXXX" in str(caught.value)
    good = caught.value.frame
    assert list(good.columns) == [("close", "^GSPC"), ("adj_close", "^GSPC")]
    assert good.loc["2025-01-06", ("close", "^GSPC")] == 5975.38


def test_empty_answer_names_every_symbol() -> None:
    empty = downloaded({"AAPL": None, "MSFT": None})
    assert empty.shape[0] == 0
    yahoo, fake, sleeps = source(empty)
    with pytest.raises(SymbolNotFoundError) as caught:
        yahoo.fetch(["AAPL", "MSFT"], D(2025, 1, 2), D(2025, 1, 6))
    assert caught.value.symbols == ("AAPL", "MSFT")
    assert len(fake.calls) == 1 and sleeps == []


def test_none_and_bare_empty_dataframe_are_no_data() -> None:
    for answer in (None, pd.DataFrame()):
        yahoo, _, _ = source(answer)
        with pytest.raises(SymbolNotFoundError):
            yahoo.fetch(["AAPL"], D(2025, 1, 2), D(2025, 1, 6))


def test_nan_rows_are_missing_days_not_values() -> None:
    gspc = history([("2025-01-02", 5868.55, 5868.55), ("2025-01-03", np.nan, np.nan),
                    ("2025-01-06", 5975.38, 5975.38)], NY)
    yahoo, _, _ = source(downloaded({"^GSPC": gspc, "AAPL": AAPL}))
    frame = yahoo.fetch(["^GSPC", "AAPL"], D(2025, 1, 2), D(2025, 1, 6))
    assert frame[("close", "^GSPC")].notna().sum() == 2
    assert np.isnan(frame.loc["2025-01-03", ("close", "^GSPC")])
    assert frame.loc["2025-01-03", ("close", "AAPL")] == 243.36


def test_duplicated_dates_keep_the_last_bar() -> None:
    # Yahoo sometimes adds a live bar stamped during the session beside the midnight one.
    index = pd.DatetimeIndex([pd.Timestamp("2025-01-03"), pd.Timestamp("2025-01-06"),
                              pd.Timestamp("2025-01-06 15:59")], name="Date")
    raw = pd.DataFrame({"Close": [5942.47, 5970.00, 5975.38], "Adj Close": [5942.47, 5970.00, 5975.38]},
                       index=index)
    raw.columns = pd.MultiIndex.from_product([raw.columns, ["^GSPC"]], names=["Price", "Ticker"])
    yahoo, _, _ = source(raw)
    frame = yahoo.fetch(["^GSPC"], D(2025, 1, 3), D(2025, 1, 6))
    assert list(frame.index) == [pd.Timestamp("2025-01-03"), pd.Timestamp("2025-01-06")]
    assert frame.loc["2025-01-06", ("close", "^GSPC")] == 5975.38


def test_lower_case_request_matches_yfinance_upper_case_columns() -> None:
    yahoo, _, _ = source(downloaded({"AAPL": AAPL}))
    frame = yahoo.fetch(["aapl"], D(2025, 1, 2), D(2025, 1, 2))
    assert frame.loc["2025-01-02", ("close", "aapl")] == 243.85


def test_rate_limit_is_retried_with_exponential_backoff_then_raised() -> None:
    yahoo, fake, sleeps = source(YFRateLimitError())
    with pytest.raises(RateLimitError) as caught:
        yahoo.fetch(["AAPL", "MSFT"], D(2025, 1, 2), D(2025, 1, 6))
    assert len(fake.calls) == 5  # the first try and 4 retries
    assert sleeps == [1.0, 2.0, 4.0, 8.0]
    assert caught.value.symbols == ("AAPL", "MSFT")
    assert "rate limited after 5 attempts" in str(caught.value)


def test_rate_limit_then_success() -> None:
    yahoo, fake, sleeps = source(YFRateLimitError(), downloaded({"AAPL": AAPL}))
    frame = yahoo.fetch(["AAPL"], D(2025, 1, 2), D(2025, 1, 6))
    assert len(fake.calls) == 2 and sleeps == [1.0]
    assert frame.loc["2025-01-06", ("close", "AAPL")] == 245.00


def test_timeout_is_retried_then_becomes_source_error() -> None:
    yahoo, fake, sleeps = source(Timeout("Failed to perform, curl: (28) Operation timed out"), retries=2)
    with pytest.raises(SourceError) as caught:
        yahoo.fetch(["AAPL"], D(2025, 1, 2), D(2025, 1, 6))
    assert not isinstance(caught.value, RateLimitError)
    assert len(fake.calls) == 3 and sleeps == [1.0, 2.0]
    assert "timed out" in str(caught.value)


def test_unexpected_error_is_translated_without_retrying() -> None:
    yahoo, fake, sleeps = source(KeyError("chart"))
    with pytest.raises(SourceError) as caught:
        yahoo.fetch(["AAPL"], D(2025, 1, 2), D(2025, 1, 6))
    assert len(fake.calls) == 1 and sleeps == []
    assert "KeyError" in str(caught.value) and "AAPL" in str(caught.value)


def test_logged_rate_limit_retries_only_the_failed_tickers() -> None:
    def first(kwargs: dict[str, object]) -> pd.DataFrame:
        # what yfinance 1.7 does when one ticker's history raised: log it, leave its columns NaN
        logging.getLogger("yfinance").error("['MSFT']: YFRateLimitError('Too Many Requests. Rate limited. "
                                            "Try after a while.')")
        return downloaded({"AAPL": AAPL, "MSFT": None})

    msft = history([("2025-01-06", 424.83, 423.96)], NY)
    yahoo, fake, sleeps = source(first, downloaded({"MSFT": msft}))
    frame = yahoo.fetch(["AAPL", "MSFT"], D(2025, 1, 2), D(2025, 1, 6))
    assert [c["tickers"] for c in fake.calls] == [["AAPL", "MSFT"], ["MSFT"]]
    assert sleeps == [1.0]
    assert frame.loc["2025-01-06", ("close", "MSFT")] == 424.83
    assert frame.loc["2025-01-02", ("close", "AAPL")] == 243.85


def test_start_after_end_is_a_bad_date() -> None:
    yahoo, fake, _ = source(downloaded({"AAPL": AAPL}))
    with pytest.raises(BadDateError):
        yahoo.fetch(["AAPL"], D(2025, 1, 6), D(2025, 1, 2))
    assert fake.calls == []


# -- through the real yfinance.download, with only Ticker.history faked -------------------------------


class PlannedTicker:
    plan: ClassVar[dict[str, object]] = {}

    def __init__(self, ticker: str) -> None:
        self.ticker = ticker
        self._price_history = None

    def history(self, **_: object) -> pd.DataFrame:
        answer = self.plan[self.ticker]
        if isinstance(answer, BaseException):
            raise answer
        assert isinstance(answer, pd.DataFrame)
        return answer.copy()


#: yfinance 1.7 itself still uses ``inplace=`` (deprecated in pandas 3); not ours to fix.
yfinance_own_warnings = pytest.mark.filterwarnings("ignore:The inplace keyword")


def resolved(host: str, port: int) -> object:
    """The network check passes (the planned tickers answer instead of Yahoo)."""
    return [(host, port)]


@pytest.fixture
def planned(monkeypatch: pytest.MonkeyPatch) -> type[PlannedTicker]:
    monkeypatch.setattr(yfinance.multi, "Ticker", PlannedTicker)
    monkeypatch.setattr(PlannedTicker, "plan", {})
    return PlannedTicker


@yfinance_own_warnings
def test_real_download_shapes(planned: type[PlannedTicker]) -> None:
    planned.plan.update({"^GSPC": GSPC, "1617.T": T1617})
    sleeps: list[float] = []
    frame = YahooSource(resolve=resolved, sleep=sleeps.append).fetch(["^GSPC", "1617.T"], D(2025, 1, 2), D(2025, 1, 7))
    assert frame.loc["2025-01-06", ("close", "1617.T")] == 32600.0
    assert frame.loc["2025-01-06", ("close", "^GSPC")] == 5975.38
    assert np.isnan(frame.loc["2025-01-02", ("close", "1617.T")])
    assert sleeps == []


@yfinance_own_warnings
def test_real_download_rate_limit_is_seen_through_the_log(planned: type[PlannedTicker]) -> None:
    planned.plan.update({"AAPL": AAPL, "MSFT": YFRateLimitError()})
    sleeps: list[float] = []
    with pytest.raises(RateLimitError) as caught:
        YahooSource(resolve=resolved, sleep=sleeps.append, retries=2).fetch(["AAPL", "MSFT"], D(2025, 1, 2),
                                                                            D(2025, 1, 6))
    assert caught.value.symbols == ("MSFT",)
    assert sleeps == [1.0, 2.0]


@yfinance_own_warnings
def test_real_download_unknown_ticker_is_symbol_not_found(planned: type[PlannedTicker]) -> None:
    from yfinance.exceptions import YFPricesMissingError

    planned.plan.update({"AAPL": AAPL, "NOPE": YFPricesMissingError("NOPE", "(1d 2025-01-02 -> 2025-01-07)")})
    sleeps: list[float] = []
    with pytest.raises(SymbolNotFoundError) as caught:
        YahooSource(resolve=resolved, sleep=sleeps.append).fetch(["AAPL", "NOPE"], D(2025, 1, 2), D(2025, 1, 6))
    assert caught.value.symbols == ("NOPE",)
    assert sleeps == []
    assert caught.value.frame.loc["2025-01-06", ("close", "AAPL")] == 245.00


def test_importing_marketreview_does_not_import_yfinance_or_requests() -> None:
    code = ("import sys, marketreview, marketreview.sources.router, marketreview.sources.yahoo, "
            "marketreview.sources.fred, marketreview.sources.demo\n"
            "heavy = ('yfinance', 'requests', 'curl_cffi', 'exchange_calendars')\n"
            "bad = [m for m in heavy if m in sys.modules]\n"
            "print(','.join(bad))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""
