"""Yahoo failures as yfinance 1.7 really reports them, through the real ``yfinance.download``.

Only ``yfinance.multi.Ticker`` is replaced, by :class:`Yf17Ticker`, whose ``history`` fails the way 1.7's
``PriceHistory.history`` / ``TickerBase._fetch_ticker_tz`` do (read from the installed source): with
``config.debug.hide_exceptions`` True (yfinance's default) a network error is *logged* as
``Failed to get ticker 'X' reason: …`` and the ticker ends as "possibly delisted; no timezone found"; with it
False the exception itself is raised, and 1.7's ``_download_one`` logs ``['X']: DNSError('…')``. A 429 is
raised either way. The real ``_download_impl`` then writes its own ``['X']: …`` lines. Nothing touches the
network: the DNS check is injected too.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any, ClassVar

import pandas as pd
import pytest
import yfinance
import yfinance.multi
import yfinance.utils
from curl_cffi.requests.exceptions import DNSError
from curl_cffi.requests.exceptions import Timeout as CurlTimeout
from yfinance.config import YfConfig
from yfinance.exceptions import YFDataException, YFPricesMissingError, YFRateLimitError, YFTzMissingError

from marketreview.cache import Cache
from marketreview.engine import Engine
from marketreview.errors import NetworkError, RateLimitError, SymbolNotFoundError
from marketreview.sources.router import Router
from marketreview.sources.yahoo import YahooSource
from marketreview.symbols import SymbolMap

D = dt.date
DNS = DNSError("Failed to perform, curl: (6) Could not resolve host: query2.finance.yahoo.com. See "
               "https://curl.se/libcurl/c/libcurl-errors.html first for more details.")
TIMEOUT = CurlTimeout("Failed to perform, curl: (28) Operation timed out after 20002 milliseconds with 0 bytes "
                      "received. See https://curl.se/libcurl/c/libcurl-errors.html first for more details.")
OUTAGE = YFDataException("*** YAHOO! FINANCE IS CURRENTLY DOWN! ***")
yfinance_own_warnings = pytest.mark.filterwarnings("ignore:The inplace keyword")


def bars(symbol: str) -> pd.DataFrame:
    """Two days of bars with the symbol's own closes (AAPL 245.0/246.0, MSFT 420.5/421.5, 1306.T 2800/2810)."""
    base = {"AAPL": 245.0, "MSFT": 420.5, "1306.T": 2800.0}[symbol]
    step = 10.0 if symbol == "1306.T" else 1.0
    index = pd.DatetimeIndex(["2025-01-02", "2025-01-03"], name="Date")
    close = [base, base + step]
    return pd.DataFrame({"Open": close, "High": close, "Low": close, "Close": close, "Adj Close": close,
                         "Volume": [1e6, 1e6]}, index=index)


class _History:
    _last_error: str | None = None


class Yf17Ticker:
    """``yfinance.Ticker`` whose ``history`` answers or fails exactly as 1.7 does for ``plan[ticker]``:
    a frame; ``DNS``/``TIMEOUT``/``OUTAGE``/a 429; or ``"unknown"`` (Yahoo has no such symbol)."""

    plan: ClassVar[dict[str, Any]] = {}
    calls: ClassVar[list[str]] = []

    def __init__(self, ticker: str) -> None:
        self.ticker = ticker
        self._price_history = _History()

    def history(self, **_: Any) -> pd.DataFrame:
        self.calls.append(self.ticker)
        answer = self.plan[self.ticker]
        logger = yfinance.utils.get_yf_logger()
        hidden = YfConfig.debug.hide_exceptions
        if isinstance(answer, pd.DataFrame):
            return answer.copy()
        if isinstance(answer, YFRateLimitError):
            raise answer  # "Must propagate this" in _fetch_ticker_tz
        if answer == "unknown" or isinstance(answer, (DNSError, CurlTimeout)):
            if answer != "unknown":  # _fetch_ticker_tz: the request itself failed
                if not hidden:
                    raise answer
                logger.error(f"Failed to get ticker '{self.ticker}' reason: {answer}")
            missing = YFTzMissingError(self.ticker)  # tz is None: "Fail => probably delisted"
            if not hidden:
                raise missing
            self._price_history._last_error = str(missing).split(": ", 1)[1]
            logger.error(str(missing))
            return yfinance.utils.empty_df()
        assert answer is OUTAGE  # the tz was cached; the chart request got the "Will be right back" page
        if not hidden:
            raise answer
        prices = YFPricesMissingError(self.ticker, " (1d 2025-01-02 -> 2025-01-04)")
        self._price_history._last_error = str(prices).split(": ", 1)[1]
        logger.error(str(prices))
        return yfinance.utils.empty_df()


@pytest.fixture
def yf17(monkeypatch: pytest.MonkeyPatch) -> type[Yf17Ticker]:
    monkeypatch.setattr(yfinance.multi, "Ticker", Yf17Ticker)
    monkeypatch.setattr(Yf17Ticker, "plan", {})
    monkeypatch.setattr(Yf17Ticker, "calls", [])
    return Yf17Ticker


def yahoo(sleeps: list[float], resolve: Any = None) -> YahooSource:
    return YahooSource(sleep=sleeps.append, retries=2, resolve=resolve or (lambda host, port: [(host, port)]))


@yfinance_own_warnings
def test_the_fake_logs_what_yfinance_17_logs_with_its_default_settings(yf17: type[Yf17Ticker],
                                                                       caplog: pytest.LogCaptureFixture) -> None:
    """The old reading: with exceptions hidden, a DNS failure looks exactly like an unknown symbol."""
    yf17.plan.update({"AAPL": DNS, "NOPE": "unknown"})
    with caplog.at_level(logging.ERROR, logger="yfinance"):
        yfinance.download(["AAPL", "NOPE"], start="2025-01-02", end="2025-01-04", progress=False, threads=False)
    lines = [r.getMessage() for r in caplog.records]
    assert "Failed to get ticker 'AAPL' reason: Failed to perform, curl: (6) Could not resolve host" in " ".join(lines)
    summary = [line for line in lines if line.endswith("]: possibly delisted; no timezone found")]
    assert summary in (["['AAPL', 'NOPE']: possibly delisted; no timezone found"],
                       ["['NOPE', 'AAPL']: possibly delisted; no timezone found"])


@yfinance_own_warnings
@pytest.mark.parametrize(("failure", "kind", "text", "sleeps"), [
    (DNS, NetworkError, "network unreachable (yahoo): DNSError('Failed to perform, curl: (6) Could not resolve", []),
    (TIMEOUT, NetworkError, "network unreachable (yahoo): timed out after 3 attempts", [1.0, 2.0]),
    (OUTAGE, NetworkError, "network unreachable (yahoo): Yahoo Finance is down (outage page) after 3 attempts",
     [1.0, 2.0]),
    (YFRateLimitError(), RateLimitError, "yahoo: rate limited after 3 attempts", [1.0, 2.0]),
    ("unknown", SymbolNotFoundError, "yahoo: returned no data for MSFT", []),
], ids=["dns", "timeout", "outage", "429", "unknown"])
def test_each_failure_is_read_as_what_it_is(yf17: type[Yf17Ticker], failure: Any, kind: type[Exception],
                                            text: str, sleeps: list[float]) -> None:
    yf17.plan.update({"AAPL": bars("AAPL"), "MSFT": failure})
    waited: list[float] = []
    with pytest.raises(kind) as caught:
        yahoo(waited).fetch(["AAPL", "MSFT"], D(2025, 1, 2), D(2025, 1, 3))
    assert str(caught.value).startswith(text), str(caught.value)
    assert type(caught.value) is kind
    assert waited == sleeps
    if kind is not NetworkError:
        assert caught.value.frame.loc["2025-01-03", ("close", "AAPL")] == 246.0  # the other ticker is kept
    assert YfConfig.debug.hide_exceptions is True  # yfinance's setting is restored


@yfinance_own_warnings
def test_a_timeout_once_is_retried_and_then_served(yf17: type[Yf17Ticker]) -> None:
    yf17.plan.update({"AAPL": bars("AAPL"), "MSFT": TIMEOUT})
    waited: list[float] = []
    source = yahoo(waited)

    def recover(_: float) -> None:
        waited.append(_)
        yf17.plan["MSFT"] = bars("MSFT")

    source._sleep = recover
    frame = source.fetch(["AAPL", "MSFT"], D(2025, 1, 2), D(2025, 1, 3))
    assert frame.loc["2025-01-03", ("close", "MSFT")] == 421.5 and waited == [1.0]
    assert yf17.calls.count("MSFT") == 2 and yf17.calls.count("AAPL") == 1


@yfinance_own_warnings
@pytest.mark.parametrize("silence", ["disabled", "level"])
def test_failures_are_read_even_when_the_host_silenced_the_yfinance_logger(
        yf17: type[Yf17Ticker], silence: str, caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("yfinance")
    saved = (logger.disabled, logger.level)
    if silence == "disabled":
        logger.disabled = True
    else:
        logger.setLevel(logging.CRITICAL)
    yf17.plan.update({"AAPL": bars("AAPL"), "MSFT": TIMEOUT})
    try:
        with caplog.at_level(logging.DEBUG), pytest.raises(NetworkError, match="timed out"):
            yahoo([]).fetch(["AAPL", "MSFT"], D(2025, 1, 2), D(2025, 1, 3))
        assert (logger.disabled, logger.level) == ((True, saved[1]) if silence == "disabled"
                                                   else (saved[0], logging.CRITICAL))
        assert not [r for r in caplog.records if r.name.startswith("yfinance")]  # the host still sees nothing
    finally:
        logger.disabled = saved[0]
        logger.setLevel(saved[1])


def test_no_dns_is_network_unreachable_at_once_never_an_unknown_symbol(yf17: type[Yf17Ticker],
                                                                       tmp_path: Any) -> None:
    def no_dns(host: str, port: int) -> object:
        raise OSError(-2, "Name or service not known")

    with Cache(tmp_path / "c.sqlite") as cache:
        engine = Engine(Router(yahoo([], resolve=no_dns)), cache, SymbolMap.default())
        report = engine.ensure(["SP500", "NDX", "TOPIX"])
        assert yf17.calls == []  # the DNS check failed first: yfinance never ran
        assert report.requests == {"yahoo": 1}  # TOPIX's fallback 1306.T was not tried against a dead network
        for error in report.failed.values():
            assert isinstance(error, NetworkError)
            assert str(error).startswith("network unreachable (yahoo): cannot resolve query2.finance.yahoo.com")
        assert cache.unknown("yahoo") == {}  # nothing remembered as unknown


@yfinance_own_warnings
def test_an_unknown_ticker_is_remembered_across_refreshes_until_retried(yf17: type[Yf17Ticker],
                                                                        tmp_path: Any) -> None:
    """TOPIX: Yahoo does not serve ^TOPX. The first refresh pays for it once; later ones go straight to 1306.T."""
    yf17.plan.update({"^TOPX": "unknown", "1306.T": bars("1306.T")})
    now = [dt.datetime(2025, 1, 3, 12, 0, tzinfo=dt.timezone.utc)]
    with Cache(tmp_path / "c.sqlite") as cache:
        def engine() -> Engine:
            return Engine(Router(yahoo([])), cache, SymbolMap.default(), clock=lambda: now[0],
                          ttl=dt.timedelta(0))

        assert engine().ensure(["TOPIX"], D(2025, 1, 2), D(2025, 1, 3)).ok
        assert yf17.calls == ["^TOPX", "1306.T"]
        assert set(cache.unknown("yahoo")) == {"^TOPX"}
        now[0] += dt.timedelta(days=1)
        second = engine()
        assert second.ensure(["TOPIX"], D(2025, 1, 2), D(2025, 1, 3)).ok
        assert "^TOPX" not in yf17.calls[2:]  # not asked again
        assert second.series("TOPIX").iloc[-1] == 2810.0
        assert cache.forget_unknown() == 1  # `marketreview fetch --retry-unknown`
        calls = len(yf17.calls)
        engine().ensure(["TOPIX"], D(2025, 1, 2), D(2025, 1, 3))
        assert yf17.calls[calls:] == ["^TOPX"]  # asked again (1306.T's closes are final and cached)


_OFFLINE_CLI = """
import socket, sys, warnings
import requests

def no_dns(*args, **kwargs):
    warnings.warn("a third-party deprecation", DeprecationWarning)
    raise socket.gaierror(-2, "Name or service not known")

socket.getaddrinfo = no_dns
import marketreview.sources.fred as fred

def fred_down(url, timeout):
    raise requests.ConnectionError("Failed to resolve 'fred.stlouisfed.org' ([Errno -2] Name or service not known)")

fred.http_get_text = fred_down
from marketreview import cli
sys.exit(cli.main(sys.argv[1:]))
"""


def test_the_cli_without_network_says_so_quickly_without_warnings(tmp_path: Any) -> None:
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", _OFFLINE_CLI, "call", "CLOSE", "SP500", "2024-12-27",
                           "--cache", str(tmp_path / "c.sqlite")], capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert "network unreachable (yahoo): cannot resolve query2.finance.yahoo.com" in done.stderr
    assert "unknown symbol" not in done.stderr
    assert "Warning" not in done.stderr and "deprecation" not in done.stderr, done.stderr
    assert done.stderr.count("\n") == 1, done.stderr  # one line: the reason, after one DNS check


@yfinance_own_warnings
def test_a_known_ticker_with_an_empty_short_window_is_not_remembered_as_unknown(yf17: type[Yf17Ticker],
                                                                                tmp_path: Any) -> None:
    yf17.plan.update({"AAPL": bars("AAPL")})
    with Cache(tmp_path / "c.sqlite") as cache:
        engine = Engine(Router(yahoo([])), cache, SymbolMap.default(),
                        clock=lambda: dt.datetime(2025, 1, 6, 12, 0, tzinfo=dt.timezone.utc))
        assert engine.ensure(["AAPL"], D(2024, 12, 1), D(2025, 1, 3)).ok
        yf17.plan["AAPL"] = "unknown"  # Yahoo: no rows for a weekend-only window
        assert not engine.ensure(["AAPL"], D(2025, 1, 4), D(2025, 1, 5)).ok
        assert cache.unknown("yahoo") == {}


@yfinance_own_warnings
def test_behind_a_proxy_the_dns_check_is_skipped(yf17: type[Yf17Ticker], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:8080")
    yf17.plan.update({"AAPL": bars("AAPL")})

    def no_dns(host: str, port: int) -> object:
        raise OSError(-2, "Name or service not known")

    frame = yahoo([], resolve=no_dns).fetch(["AAPL"], D(2025, 1, 2), D(2025, 1, 3))
    assert frame[("close", "AAPL")].tolist() == [245.0, 246.0]
