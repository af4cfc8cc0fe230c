"""Index weights of the Magnificent-7 from S&P 500 index-fund holdings: MAG7SHARE's snapshots with the live sources.

A fund that replicates the S&P 500 holds each company at its index weight, so the seven weights add up to the
Magnificent-7 share of the index (float-adjusted, as S&P computes the index). One snapshot is one fetch:

1. **yfinance fund data** for SPY (one request): ``yf.Ticker("SPY").funds_data.top_holdings`` is a DataFrame
   indexed by ``Symbol`` with columns ``Name`` and ``Holding Percent``, the percent as a fraction of net assets
   (0.0712 = 7.12%); ``funds_data.asset_classes`` is ``{"cashPosition": 0.0008, "stockPosition": 0.9992,
   "bondPosition": 0.0, "preferredPosition": 0.0, "convertiblePosition": 0.0, "otherPosition": 0.0}``. Weights
   are divided by ``stockPosition``: cash and futures are excluded and the rest renormalised to the equity total.
   Yahoo gives no as-of date: the snapshot is dated on the last US weekday close before the fetch.
2. A member missing from that top-10 list (Tesla has ranked below 10th) is taken from **iShares' daily holdings
   file** for IVV (:data:`ISHARES_IVV_URL`, one request, no key): about nine preamble lines
   (``iShares Core S&P 500 ETF``, ``Fund Holdings as of,"Nov 26, 2026"``, …), then ``Ticker,Name,Sector,Asset
   Class,Market Value,Weight (%),…`` with the weight in percent of net assets. Rows whose ``Asset Class`` is not
   ``Equity`` (cash, money market, futures) are excluded and the rest renormalised.
3. Failing that, it is **estimated** from its market cap relative to a listed member (``fast_info["marketCap"]``,
   full rather than float-adjusted caps), and every figure anchored on the snapshot warns that it was.

A member is never dropped: if all three fail, the snapshot fails with every reason. A malformed answer, or weights
that cannot be a fund's (a position sum far from 100%, a percent where a fraction belongs), is an error.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from collections.abc import Callable, Mapping
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from ..errors import DataFormatError, MarketReviewError, RateLimitError, SourceError
from ..types import FundamentalsSnapshot, HoldingsSnapshot, Symbol
from .base import exception_kind, http_get_text

ISHARES_IVV_URL = ("https://www.ishares.com/us/products/239726/ishares-core-sp-500-etf/1467271812596.ajax"
                   "?fileType=csv&fileName=IVV_holdings&dataType=fund")
FUND = "SPY"
#: Each member company and its share classes in the S&P 500 (Alphabet's two classes are both constituents).
COMPANIES: Mapping[Symbol, tuple[Symbol, ...]] = {
    "AAPL": ("AAPL",), "MSFT": ("MSFT",), "GOOGL": ("GOOGL", "GOOG"), "AMZN": ("AMZN",), "NVDA": ("NVDA",),
    "META": ("META",), "TSLA": ("TSLA",),
}
CLASSES: tuple[Symbol, ...] = tuple(t for classes in COMPANIES.values() for t in classes)
#: Positions of a fund must add up to 100% within this (fraction); the file's weights likewise (in points).
POSITION_TOLERANCE = 0.02
_ISHARES_HEADER = ("Ticker", "Name", "Sector", "Asset Class", "Market Value", "Weight (%)")
_NEW_YORK = ZoneInfo("America/New_York")

TickerFactory = Callable[[str], Any]
Getter = Callable[[str, float], str]


class HoldingsSource:
    """One :meth:`snapshot` per call: yfinance's top holdings of ``fund``, completed from iShares' IVV file or
    a market-cap estimate. ``ticker`` (``yfinance.Ticker``) and ``get`` (an HTTP GET returning text) are
    injected by tests."""

    name = "holdings"

    def __init__(self, ticker: TickerFactory | None = None, get: Getter | None = None, *, fund: str = FUND,
                 timeout: float = 10) -> None:
        self._ticker = ticker
        self._get = get
        self.fund = fund
        self.timeout = timeout

    def snapshot(self, now: dt.datetime) -> HoldingsSnapshot:
        listed = top_holdings_weights(self._call(f"yfinance {self.fund} fund data", self._funds_data), self.fund)
        weights = {t: listed[t] for t in CLASSES if t in listed}
        basis = dict.fromkeys(weights, "listed")
        missing = [t for t in CLASSES if t not in weights]
        notes: list[str] = []
        parts = [f"{self.fund} top holdings (yfinance)"]
        if missing:
            reasons: list[str] = []
            try:
                as_of, file_weights = parse_ishares_holdings(
                    self._call("iShares IVV holdings file", lambda: self._http(ISHARES_IVV_URL)), "IVV holdings")
                for ticker in [t for t in missing if t in file_weights]:
                    weights[ticker] = file_weights[ticker]
                    basis[ticker] = f"IVV holdings file of {as_of.isoformat()}"
                    parts.append(f"{ticker} from iShares IVV holdings of {as_of.isoformat()}")
                reasons += [f"not in the IVV holdings file either: {t}" for t in missing if t not in file_weights]
            except MarketReviewError as exc:
                reasons.append(f"IVV holdings file failed ({exc})")
            for ticker in [t for t in missing if t not in weights]:
                try:
                    weights[ticker], reference = self._estimate(ticker, weights)
                except MarketReviewError as exc:
                    raise SourceError(self.name, f"{ticker} is not among {self.fund}'s top holdings; "
                                      + "; ".join(reasons) + f"; the market-cap estimate failed ({exc})") from exc
                basis[ticker] = f"estimated from its market cap relative to {reference}"
                notes.append(f"mag7: {ticker}'s index weight ({weights[ticker]:.2%}) is estimated from its market "
                             f"cap relative to {reference} (full caps, not float-adjusted), not read from "
                             f"holdings ({'; '.join(reasons)})")
                parts.append(f"{ticker} estimated")
        return HoldingsSnapshot(date=session_date(now), weights=weights, source="; ".join(parts), basis=basis,
                                fetched_at=now, notes=tuple(notes))

    def _funds_data(self) -> tuple[Any, Any]:
        data = self._make_ticker(self.fund).funds_data
        return data.top_holdings, data.asset_classes

    def _estimate(self, ticker: Symbol, weights: Mapping[Symbol, float]) -> tuple[float, Symbol]:
        single = [t for t in weights if COMPANIES.get(t) == (t,)]
        if not single:
            raise SourceError(self.name, "no single-class member is listed to compare its market cap with")
        reference = max(single, key=lambda t: weights[t])
        caps = {t: self._market_cap(t) for t in (ticker, reference)}
        return weights[reference] * caps[ticker] / caps[reference], reference

    def _market_cap(self, ticker: Symbol) -> float:
        value = self._call(f"yfinance {ticker} market cap", lambda: self._make_ticker(ticker).fast_info["marketCap"])
        try:
            cap = float(value)
        except (TypeError, ValueError):
            raise DataFormatError(f"yfinance {ticker} market cap", f"not a number: {value!r}") from None
        if not math.isfinite(cap) or cap <= 0:
            raise DataFormatError(f"yfinance {ticker} market cap", f"not a positive number: {value!r}")
        return cap

    def _make_ticker(self, symbol: str) -> Any:
        if self._ticker is None:
            import yfinance  # lazily: importing MarketReview must not import yfinance

            self._ticker = yfinance.Ticker
        return self._ticker(symbol)

    def _http(self, url: str) -> str:
        if self._get is None:
            self._get = http_get_text
        return self._get(url, self.timeout)

    def _call(self, what: str, work: Callable[[], Any]) -> Any:
        """The one boundary where yfinance / requests errors come in."""
        try:
            return work()
        except MarketReviewError:
            raise
        except Exception as exc:
            raise _translate(what, exc) from exc


def top_holdings_weights(answer: tuple[Any, Any], fund: str = FUND) -> dict[Symbol, float]:
    """``{ticker: weight in the fund's equity total}`` from yfinance's ``(top_holdings, asset_classes)``."""
    top, classes = answer
    where = f"yfinance {fund} top_holdings"
    if not isinstance(top, pd.DataFrame) or top.empty:
        raise DataFormatError(where, f"no holdings table (got {type(top).__name__}"
                              + (", empty" if isinstance(top, pd.DataFrame) else "") + ")")
    if "Holding Percent" not in top.columns:
        raise DataFormatError(where, f"no 'Holding Percent' column (columns: {', '.join(map(str, top.columns))})")
    if not isinstance(classes, Mapping):
        raise DataFormatError(f"yfinance {fund} asset_classes", f"expected a dict, got {type(classes).__name__}")
    stock = _fraction(classes.get("stockPosition"), f"yfinance {fund} asset_classes", "stockPosition")
    positions = sum(_fraction(v, f"yfinance {fund} asset_classes", str(k)) for k, v in classes.items()
                    if v is not None)
    if abs(positions - 1.0) > POSITION_TOLERANCE or stock < 0.5:
        raise DataFormatError(f"yfinance {fund} asset_classes", f"positions sum to {positions:.2%} with stocks at "
                              f"{stock:.2%}; a fund's positions sum to about 100%")
    weights: dict[Symbol, float] = {}
    for symbol, percent in top["Holding Percent"].items():
        ticker = str(symbol).strip().upper()
        if ticker in weights:
            raise DataFormatError(where, f"{ticker} is listed twice")
        weights[ticker] = _fraction(percent, where, ticker) / stock
    total = sum(weights.values())
    if total > 1.0 + POSITION_TOLERANCE:
        raise DataFormatError(where, f"top holdings sum to {total:.2%} of the equity total (more than 100%: "
                              "percent where a fraction belongs?)")
    return weights


def parse_ishares_holdings(text: str, where: str = "IVV holdings") -> tuple[dt.date, dict[Symbol, float]]:
    """``(as-of date, {ticker: weight in the equity total})`` from an iShares holdings CSV, preamble included."""
    lines = text.lstrip("\ufeff").splitlines()
    as_of: dt.date | None = None
    header_at: int | None = None
    for number, line in enumerate(lines):
        if line.startswith("Fund Holdings as of"):
            as_of = _ishares_date(line, f"{where} line {number + 1}")
        if line.startswith("Ticker,"):
            header_at = number
            break
    if header_at is None:
        raise DataFormatError(where, "no holdings header line (Ticker,Name,Sector,Asset Class,Market Value,"
                              "Weight (%),…): not an iShares holdings file")
    if as_of is None:
        raise DataFormatError(where, "no 'Fund Holdings as of' line before the header")
    rows = csv.reader(lines[header_at:])
    header = [h.strip() for h in next(rows)]
    absent = [c for c in _ISHARES_HEADER if c not in header]
    if absent:
        raise DataFormatError(f"{where} line {header_at + 1}", f"missing columns {', '.join(absent)}")
    col = {name: header.index(name) for name in _ISHARES_HEADER}
    equity: dict[Symbol, float] = {}
    total = 0.0
    for number, row in enumerate(rows, start=header_at + 2):
        if len(row) <= 1:
            break  # the blank line before the disclaimer ends the table
        line = f"{where} line {number}"
        if len(row) != len(header):
            raise DataFormatError(line, f"{len(row)} fields, the header has {len(header)}")
        weight = _percent(row[col["Weight (%)"]], line)
        total += weight
        if row[col["Asset Class"]].strip() != "Equity":
            continue  # cash, money market, futures, collateral
        ticker = row[col["Ticker"]].strip().upper()
        if ticker in equity:
            raise DataFormatError(line, f"{ticker} is listed twice")
        equity[ticker] = weight
    if abs(total - 100.0) > POSITION_TOLERANCE * 100:
        raise DataFormatError(where, f"weights sum to {total:.2f}%, expected about 100% (a truncated or "
                              "malformed file)")
    equity_total = sum(equity.values())
    if equity_total <= 0:
        raise DataFormatError(where, "no equity holdings")
    return as_of, {t: w / equity_total for t, w in equity.items()}


def to_fundamentals(snapshot: HoldingsSnapshot, extra_notes: tuple[str, ...] = ()) -> FundamentalsSnapshot:
    """The snapshot as the anchored method reads it: each company's weight (share classes added) as its "cap"
    and 1.0 as the index total, so a member's share moves with its price and the total with the index."""
    caps: dict[Symbol, float] = {}
    for company, classes in COMPANIES.items():
        present = [snapshot.weights[t] for t in classes if t in snapshot.weights]
        if present:
            caps[company] = sum(present)
    series = pd.Series(caps, dtype="float64", name="market_cap")
    series.index = pd.Index(list(caps), name="symbol", dtype=object)
    return FundamentalsSnapshot(date=snapshot.date, market_caps=series, index_total=1.0,
                                source=f"holdings {snapshot.date.isoformat()}: {snapshot.source}",
                                notes=(*snapshot.notes, *extra_notes))


def session_date(now: dt.datetime) -> dt.date:
    """The last US weekday whose close had happened at ``now`` (16:00 New York), which the holdings reflect."""
    local = now.astimezone(_NEW_YORK) if now.tzinfo else now.replace(tzinfo=dt.timezone.utc).astimezone(_NEW_YORK)
    day = local.date() if local.hour >= 16 else local.date() - dt.timedelta(days=1)
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return day


def _fraction(value: object, where: str, name: str) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise DataFormatError(where, f"{name} is not a number: {value!r}") from None
    if not math.isfinite(number) or number < 0 or number > 1:
        raise DataFormatError(where, f"{name} is {value!r}, not a fraction between 0 and 1")
    return number


def _percent(cell: str, where: str) -> float:
    text = cell.strip().replace(",", "")
    if text in ("-", ""):
        return 0.0  # iShares writes "-" for lines without a weight (e.g. futures margin)
    try:
        value = float(text)
    except ValueError:
        raise DataFormatError(where, f"Weight (%) is not a number: {cell!r}") from None
    if not math.isfinite(value) or abs(value) > 100:
        raise DataFormatError(where, f"Weight (%) is not a percentage: {cell!r}")
    return value


def _ishares_date(line: str, where: str) -> dt.date:
    cells = next(csv.reader([line]))
    text = cells[1].strip() if len(cells) > 1 else ""
    try:
        return dt.datetime.strptime(text, "%b %d, %Y").date()
    except ValueError:
        raise DataFormatError(where, f"bad 'Fund Holdings as of' date {text!r}") from None


def _translate(what: str, exc: Exception) -> SourceError:
    kind = exception_kind(exc)
    text = f"{type(exc).__name__}: {exc}"
    status = getattr(getattr(exc, "response", None), "status_code", None)
    if kind == "rate" or "Too Many Requests" in text:
        return RateLimitError("holdings", f"{what}: rate limited ({text})")
    if kind == "timeout":
        return SourceError("holdings", f"{what}: timed out ({text})")
    if kind == "network" or any(m in text for m in ("Could not resolve host", "Failed to connect", "curl: (6)",
                                                    "curl: (7)")):
        return SourceError("holdings", f"{what}: network unreachable ({text})")
    if isinstance(status, int):
        return SourceError("holdings", f"{what}: HTTP {status}")
    return SourceError("holdings", f"{what} failed ({text})")


__all__ = ["CLASSES", "COMPANIES", "FUND", "ISHARES_IVV_URL", "HoldingsSource", "parse_ishares_holdings",
           "session_date", "to_fundamentals", "top_holdings_weights"]
