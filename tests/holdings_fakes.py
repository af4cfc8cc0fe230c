"""Fakes at the yfinance / HTTP boundary for the holdings source, shaped exactly like the real ones.

yfinance's own :class:`yfinance.scrapers.funds.FundsData` parses a ``quoteSummary`` answer (``formatted=false``:
raw fractions) served by a fake ``YfData``, so ``top_holdings`` is the very frame yfinance 1.x builds: indexed by
``Symbol``, columns ``Name`` and ``Holding Percent`` (0.0798 = 7.98% of net assets). The iShares file is
``tests/resources/holdings_ivv.csv`` (IVV's real layout: preamble, header, cash and futures lines, disclaimer).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from yfinance.scrapers.funds import FundsData

RESOURCES = Path(__file__).resolve().parent / "resources"
with open(RESOURCES / "holdings_ivv.csv", encoding="utf-8", newline="") as _file:
    IVV_TEXT = _file.read()  # CRLF kept, as requests' .text gives it

STOCK_POSITION = 0.9975
#: SPY's top ten as index weights (fractions of the equity total): Tesla ranks below 10th.
TOP_TEN = {"NVDA": 0.080, "MSFT": 0.068, "AAPL": 0.064, "AMZN": 0.040, "META": 0.030, "AVGO": 0.026,
           "GOOGL": 0.024, "GOOG": 0.020, "BRK-B": 0.016, "JPM": 0.014}
NAMES = {"NVDA": "NVIDIA Corp", "MSFT": "Microsoft Corp", "AAPL": "Apple Inc", "AMZN": "Amazon.com Inc",
         "META": "Meta Platforms Inc Class A", "AVGO": "Broadcom Inc", "GOOGL": "Alphabet Inc Class A",
         "GOOG": "Alphabet Inc Class C", "BRK-B": "Berkshire Hathaway Inc Class B", "JPM": "JPMorgan Chase & Co",
         "TSLA": "Tesla Inc"}
#: Full market caps for the estimate (TSLA / NVDA = 1/4, so TSLA's estimate is 0.080 / 4 = 0.020).
MARKET_CAPS = {"NVDA": 4.8e12, "TSLA": 1.2e12}


def quote_summary(top: dict[str, float] | None = None, stock: float = STOCK_POSITION,
                  cash: float | None = None, scale: float | None = None) -> dict[str, Any]:
    """What Yahoo's quoteSummary answers for SPY; ``top`` as index weights, sent as fractions of net assets."""
    top = TOP_TEN if top is None else top
    factor = stock if scale is None else scale
    holdings = [{"symbol": s, "holdingName": NAMES.get(s, s), "holdingPercent": round(w * factor, 8)}
                for s, w in top.items()]
    return {"quoteSummary": {"result": [{
        "quoteType": {"quoteType": "ETF", "symbol": "SPY"},
        "summaryProfile": {"longBusinessSummary": "The Trust seeks to achieve its investment objective by holding "
                                                  "a portfolio of the common stocks that are included in the index"},
        "topHoldings": {"maxAge": 1, "cashPosition": round(1 - stock, 8) if cash is None else cash,
                        "stockPosition": stock, "bondPosition": 0.0, "preferredPosition": 0.0,
                        "convertiblePosition": 0.0, "otherPosition": 0.0, "holdings": holdings,
                        "equityHoldings": {"priceToEarnings": 0.0371, "priceToBook": 0.2065},
                        "bondRatings": [{"bb": 0.0}], "sectorWeightings": [{"technology": 0.34}]},
        "fundProfile": {"categoryName": "Large Blend", "family": "State Street Investment Management",
                        "legalType": "Exchange Traded Fund",
                        "feesExpensesInvestment": {"annualReportExpenseRatio": 0.000945,
                                                   "totalNetAssets": 655_000_000_000.0}},
    }], "error": None}}


class FakeYfData:
    def __init__(self, answer: dict[str, Any] | Exception) -> None:
        self.answer = answer
        self.urls: list[str] = []

    def get_raw_json(self, url: str, params: dict[str, Any] | None = None, timeout: int = 30) -> dict[str, Any]:
        self.urls.append(url)
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


class FakeFastInfo(dict):  # yfinance's FastInfo is a lazy dict with camelCase keys
    pass


class FakeTickers:
    """Stands in for ``yfinance.Ticker``: ``FakeTickers(...)("SPY").funds_data`` is a real FundsData."""

    def __init__(self, answer: dict[str, Any] | Exception | None = None,
                 caps: dict[str, float] | Exception | None = None) -> None:
        self.answer = quote_summary() if answer is None else answer
        self.caps = MARKET_CAPS if caps is None else caps
        self.asked: list[str] = []

    def __call__(self, symbol: str) -> Any:
        self.asked.append(symbol)
        outer = self

        class Ticker:
            ticker = symbol

            @property
            def funds_data(self) -> FundsData:
                return FundsData(FakeYfData(outer.answer), symbol)  # type: ignore[arg-type]

            @property
            def fast_info(self) -> FakeFastInfo:
                if isinstance(outer.caps, Exception):
                    raise outer.caps
                return FakeFastInfo(marketCap=outer.caps[symbol])

        return Ticker()


class FakeGet:
    """An HTTP GET returning text (or raising), recording the URLs asked for."""

    def __init__(self, answer: str | Exception = IVV_TEXT) -> None:
        self.answer = answer
        self.urls: list[str] = []

    def __call__(self, url: str, timeout: float) -> str:
        self.urls.append(url)
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer

