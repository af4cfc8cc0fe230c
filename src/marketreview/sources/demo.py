"""Synthetic, deterministic daily closes for demos and offline tries: clearly labelled, never real data.

Every ticker gets a path generated once from a fixed origin (2015-01-01) to a fixed horizon (2035-12-31) with
a seed taken from its name (``zlib.crc32``), so a value depends only on the ticker and the date, never on the
requested window. Prices are a log-space random walk pulled gently towards a trend between a 2015 level and a
2025 level (so levels stay realistic); equities of one market share a common factor. Yields follow a made-up
policy path plus a term spread and stay positive; the Fed target range is a step function 0.25 wide. Sessions
are each market's own (XNYS, XTKS; weekdays for FRED series and FX), and nothing after today is served.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import warnings
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..symbols import calendar_for, check_ticker
from ..types import FundamentalsSnapshot, Symbol
from .base import check_window, empty_frame, make_frame, require_all, unique_symbols
from .fred import is_fred_series
from .fundamentals import make_snapshot

DEMO_LABEL = "DEMO (synthetic)"
ORIGIN = dt.date(2015, 1, 1)
HORIZON = dt.date(2035, 12, 31)
_ANCHOR_YEARS = 10.0  # level_2015 at ORIGIN, level_2025 ten years later
_LATER_GROWTH = math.log(1.08)
_DIVIDEND_REFERENCE = pd.Timestamp("2025-12-31")  # adj_close == close from here on


@dataclass(frozen=True)
class _Equity:
    """A price (index, stock, ETF, FX): realistic 2015 and 2025 levels, daily log vol, market loading."""

    level_2015: float
    level_2025: float
    vol: float
    calendar: str | None = "XNYS"
    beta: float = 0.0
    dividend_yield: float = 0.0
    pull: float = 1 / 250  # daily mean reversion towards the trend


_US, _JP = "XNYS", "XTKS"
_EQUITIES: dict[str, _Equity] = {
    "^GSPC": _Equity(2060, 5900, 0.010, beta=1.0),
    "^DJI": _Equity(17800, 42500, 0.0095, beta=0.95),
    "^NDX": _Equity(4250, 21000, 0.013, beta=0.9),
    "^IXIC": _Equity(4750, 19300, 0.0125, beta=0.92),
    "^RUT": _Equity(1200, 2230, 0.014, beta=0.8),
    "^RUO": _Equity(900, 1450, 0.015, beta=0.78),
    "^SPXEW": _Equity(2900, 7000, 0.0105, beta=0.95),
    "AAPL": _Equity(27, 250, 0.018, beta=0.7, dividend_yield=0.005),
    "MSFT": _Equity(46, 420, 0.017, beta=0.7, dividend_yield=0.008),
    "GOOGL": _Equity(26.5, 190, 0.018, beta=0.65, dividend_yield=0.004),
    "AMZN": _Equity(15.5, 220, 0.020, beta=0.65),
    "NVDA": _Equity(0.5, 135, 0.030, beta=0.6, dividend_yield=0.0003),
    "META": _Equity(78, 590, 0.022, beta=0.6, dividend_yield=0.0035),
    "TSLA": _Equity(15, 400, 0.035, beta=0.5),
    "^N225": _Equity(17000, 39000, 0.013, _JP, beta=0.95),
    "^TOPX": _Equity(1400, 2700, 0.011, _JP, beta=1.0),
    "JPY=X": _Equity(119, 155, 0.0055, None),
    "^VIX": _Equity(16, 16, 0.06, beta=-0.7, pull=1 / 20),
    "VIXCLS": _Equity(16, 16, 0.06, None, pull=1 / 20),
}
#: Tickers that track another one: (base, ratio). Keeps ETFs, share classes and Yahoo yields consistent.
_DERIVED: dict[str, tuple[str, float]] = {
    "GOOG": ("GOOGL", 1.004),
    "QQQ": ("^NDX", 1 / 41.2),
    "RSP": ("^SPXEW", 1 / 39.4),
    "1306.T": ("^TOPX", 1.018),
    "1321.T": ("^N225", 1.02),
    "^IRX": ("DGS3MO", 1.0),
    "^FVX": ("DGS5", 1.0),
    "^TNX": ("DGS10", 1.0),
    "^TYX": ("DGS30", 1.0),
    "DEXJPUS": ("JPY=X", 1.0),
    "DTB3": ("DGS3MO", 0.98),
    "DTB6": ("DGS6MO", 0.98),
}
#: Spreads FRED publishes as one series: a - b.
_DIFFERENCES: dict[str, tuple[str, str]] = {
    "T10Y2Y": ("DGS10", "DGS2"), "T10Y3M": ("DGS10", "DGS3MO"), "DFII10": ("DGS10", "T10YIE"),
}
#: Yield = softplus(w * policy + (1 - w) * 2.5 + spread + noise): (weight on policy w, spread) per series.
_YIELDS: dict[str, tuple[float, float]] = {
    "DGS1MO": (1.0, 0.02), "DGS3MO": (1.0, 0.04), "DGS6MO": (0.97, 0.05), "DGS1": (0.93, 0.0),
    "DGS2": (0.85, -0.05), "DGS3": (0.78, 0.0), "DGS5": (0.68, 0.08), "DGS7": (0.6, 0.15),
    "DGS10": (0.55, 0.2), "DGS20": (0.48, 0.45), "DGS30": (0.45, 0.45), "T10YIE": (0.1, -0.05),
}
_OVERNIGHT = {"DFF": 0.08, "EFFR": 0.08, "SOFR": 0.06, "IORB": 0.15}  # above the lower bound of the range
_NEUTRAL_RATE = 2.5
#: A made-up policy-rate path (knots, percent); the target range steps towards it every six weeks.
_POLICY_KNOTS = (("2015-01-01", 0.1), ("2015-12-01", 0.3), ("2018-12-31", 2.4), ("2019-07-01", 2.35),
                 ("2020-02-15", 1.6), ("2020-03-20", 0.08), ("2022-02-15", 0.1), ("2023-07-31", 5.35),
                 ("2024-08-31", 5.35), ("2025-01-01", 4.4), ("2026-01-01", 3.6), ("2035-12-31", 3.0))
_MEETING_DAYS = 42
_SHARES = {"AAPL": 15.1e9, "MSFT": 7.43e9, "GOOGL": 12.2e9, "GOOG": 12.2e9, "AMZN": 10.5e9, "NVDA": 24.5e9,
           "META": 2.52e9, "TSLA": 3.2e9}  # company-level caps: both Alphabet classes show the company's cap
_INDEX_DIVISOR = 8.8e9  # S&P 500 total market cap ≈ level × divisor


class DemoSource:
    """Synthetic closes for every valid ticker (see the module docstring). ``name`` is ``"demo"``."""

    name = "demo"
    label = DEMO_LABEL

    def fetch(self, symbols: Sequence[Symbol], start: dt.date, end: dt.date) -> pd.DataFrame:
        check_window(start, end)
        wanted = unique_symbols(symbols)
        last = pd.Timestamp(min(end, dt.date.today()))
        closes: dict[Symbol, pd.Series] = {}
        adjusted: dict[Symbol, pd.Series] = {}
        for symbol in wanted:
            close, adj = _series(check_ticker(symbol).upper())
            window = (close.index >= pd.Timestamp(start)) & (close.index <= last)
            if window.any():
                closes[symbol] = close[window]
                if adj is not None:
                    adjusted[symbol] = adj[window]
        frame = make_frame(closes, adjusted) if closes else empty_frame([])
        return require_all(self.name, frame, wanted)

    def fundamentals(self) -> list[FundamentalsSnapshot]:
        """Quarter-end snapshots (2015 … last quarter end before today): caps = demo close × fixed shares,
        index total = demo S&P 500 level × a fixed divisor, all on the last session on or before each date."""
        ends = pd.date_range(ORIGIN, min(HORIZON, dt.date.today()), freq="QE")
        index_level = _series("^GSPC")[0]
        closes = {t: _series(t)[0] for t in _SHARES}
        snapshots = []
        for day in ends:
            caps = {t: float(_asof(closes[t], day)) * shares for t, shares in _SHARES.items()}
            total = float(_asof(index_level, day)) * _INDEX_DIVISOR
            snapshots.append(make_snapshot(day.date(), caps, total, DEMO_LABEL))
        return snapshots


def _asof(series: pd.Series, day: pd.Timestamp) -> float:
    return float(series.loc[:day].iloc[-1])


# -- generation (memoised per ticker; each path covers ORIGIN … HORIZON) -----------------------------


@functools.cache
def _series(ticker: str) -> tuple[pd.Series, pd.Series | None]:
    """(close, adj_close or None) for one upper-case ticker over its whole synthetic history."""
    if ticker.startswith("FRED:") or ticker in _MACRO:
        return _macro(ticker), None
    if ticker in _DERIVED:
        base, ratio = _DERIVED[ticker]
        base_close, base_adj = _series(base)
        sessions = _sessions(_calendar(ticker))
        close = (base_close * ratio).reindex(sessions).dropna()
        if base_adj is None or is_fred_series(ticker):
            return close, None
        return close, _dividends(close, _profile(ticker).dividend_yield)
    if ticker in _DIFFERENCES:
        a, b = _DIFFERENCES[ticker]
        return (_series(a)[0] - _series(b)[0]).dropna().round(2), None
    if ticker in _YIELDS:
        return _yield(ticker), None
    if ticker in ("DFEDTARL", "DFEDTARU"):
        lower = _policy_lower()
        return (lower + 0.25 if ticker == "DFEDTARU" else lower), None
    if ticker in _OVERNIGHT:
        noise = _normals(ticker, len(_policy_lower())) * 0.01
        return (_policy_lower() + _OVERNIGHT[ticker] + noise).clip(lower=0.01).round(2), None
    profile = _profile(ticker)
    close = _walk(ticker, profile)
    if is_fred_series(ticker):
        return close, None
    return close, _dividends(close, profile.dividend_yield)


#: The Macro sheet's user series (level around which it moves, its spread, yearly growth, period start rule).
_MACRO: dict[str, tuple[float, float, float, str]] = {
    "ISM": (50.0, 4.0, 0.0, "MS"), "SPX_FWD_EPS": (125.0, 0.02, 0.07, "MS"), "JP_BUYBACKS": (5.0, 0.1, 0.12, "YS"),
}


def _macro(ticker: str) -> pd.Series:
    """Observations dated at the period start, as FRED dates them: quarterly for a FRED id ending in Q (a flow
    near $1.5 trillion a year, like the Z.1 series), monthly diffusion indexes for other FRED ids, and the
    user series of the Macro sheet (:data:`_MACRO`)."""
    if ticker in _MACRO:
        level, spread, growth, rule = _MACRO[ticker]
    elif ticker.endswith("Q"):
        level, spread, growth, rule = 1.2e6 + zlib.crc32(ticker.encode()) % 300_000, 0.03, 0.04, "QS"
    else:
        level, spread, growth, rule = 0.0, 12.0, 0.0, "MS"
    dates = pd.date_range(ORIGIN, HORIZON, freq=rule, name="date")
    noise = _ou(_normals(ticker, len(dates)) * 0.5, 0.3)
    # a trending level with proportional noise, or a diffusion index moving around its level
    values = level * np.exp(growth * _years(dates) + spread * noise) if growth else level + spread * noise
    return pd.Series(values, index=dates, name=ticker).round(1 if level < 1000 else 0)


def _profile(ticker: str) -> _Equity:
    if ticker in _EQUITIES:
        return _EQUITIES[ticker]
    if ticker in _DERIVED:
        return _profile(_DERIVED[ticker][0])
    seed = zlib.crc32(ticker.encode())
    calendar = _calendar(ticker)
    if ticker.endswith("=X"):
        level = 0.8 + (seed % 80) / 100
        return _Equity(level, level * (0.9 + (seed >> 8) % 20 / 100), 0.005, None)
    if calendar == _JP:
        # TOPIX-17 sector ETFs (1617.T … 1633.T) trade at 20,000–40,000 yen; other Tokyo lines at 1,000–5,000
        level = 20000 + seed % 20000 if ticker[:2] == "16" else 1000 + seed % 4000
        return _Equity(level / (1.3 + (seed >> 8) % 60 / 100), level, 0.012 + (seed >> 4) % 7 / 1000, _JP,
                       beta=0.7, dividend_yield=0.025)
    level = 100 + seed % 400
    return _Equity(level / (1.5 + (seed >> 8) % 300 / 100), level, 0.012 + (seed >> 4) % 15 / 1000, calendar,
                   beta=0.6, dividend_yield=0.015)


def _calendar(ticker: str) -> str | None:
    if ticker in _EQUITIES:
        return _EQUITIES[ticker].calendar
    if ticker in ("^IRX", "^FVX", "^TNX", "^TYX"):
        return _US
    if is_fred_series(ticker) or ticker in _YIELDS:
        return None
    return calendar_for(ticker)


@functools.cache
def _sessions(calendar: str | None) -> pd.DatetimeIndex:
    if calendar is None:
        return pd.bdate_range(ORIGIN, HORIZON, name="date")
    import exchange_calendars  # heavy: only when the demo is used

    with warnings.catch_warnings():  # exchange_calendars 4.13 trips pandas 3 deprecation warnings
        warnings.simplefilter("ignore", DeprecationWarning)
        found = exchange_calendars.get_calendar(calendar, start=ORIGIN.isoformat(), end=HORIZON.isoformat())
    sessions = pd.DatetimeIndex(found.sessions)
    if sessions.tz is not None:
        sessions = sessions.tz_localize(None)
    return pd.DatetimeIndex(sessions.astype("datetime64[ns]"), name="date")


def _normals(key: str, n: int) -> np.ndarray:
    return np.random.default_rng(zlib.crc32(key.encode())).standard_normal(n)


def _years(index: pd.DatetimeIndex) -> np.ndarray:
    return np.asarray((index - pd.Timestamp(ORIGIN)).days, dtype=float) / 365.25


def _ou(shocks: np.ndarray, pull: float) -> np.ndarray:
    """x[t] = (1 - pull) * x[t-1] + shocks[t]: a random walk that drifts back towards zero."""
    out = np.empty_like(shocks)
    level = 0.0
    keep = 1.0 - pull
    for i, shock in enumerate(shocks):
        level = keep * level + shock
        out[i] = level
    return out


def _walk(ticker: str, p: _Equity) -> pd.Series:
    sessions = _sessions(p.calendar)
    shocks = _normals(ticker, len(sessions))
    if p.beta and p.calendar is not None:
        market = _normals(f"market:{p.calendar}", len(sessions))
        shocks = p.beta * market + math.sqrt(max(1.0 - p.beta**2, 0.0)) * shocks
    years = _years(sessions)
    growth = math.log(p.level_2025 / p.level_2015) / _ANCHOR_YEARS
    later = min(growth, _LATER_GROWTH)  # no 70 %-a-year trend forever: after 2025 at most ~8 % a year
    trend = (math.log(p.level_2015) + growth * np.minimum(years, _ANCHOR_YEARS)
             + later * np.maximum(years - _ANCHOR_YEARS, 0.0))
    values = np.exp(trend + _ou(p.vol * shocks, p.pull))
    digits = 4 if min(p.level_2015, p.level_2025) < 10 else 2
    return pd.Series(values, index=sessions, name=ticker).round(digits)


def _policy_anchor(index: pd.DatetimeIndex) -> np.ndarray:
    knots = pd.DatetimeIndex([d for d, _ in _POLICY_KNOTS])
    x = np.asarray((knots - pd.Timestamp(ORIGIN)).days, dtype=float)
    y = np.array([v for _, v in _POLICY_KNOTS])
    days = np.asarray((index - pd.Timestamp(ORIGIN)).days, dtype=float)
    anchor: np.ndarray = np.interp(days, x, y)
    return anchor


@functools.lru_cache(maxsize=1)
def _policy_lower() -> pd.Series:
    """Lower bound of the target range: every six weeks it moves (by at most 0.50) towards the anchor path."""
    sessions = _sessions(None)
    anchor = _policy_anchor(sessions)
    meeting = np.asarray((sessions - pd.Timestamp(ORIGIN)).days) // _MEETING_DAYS
    lower = np.empty(len(sessions))
    current = 0.0
    for i in range(len(sessions)):
        if i == 0 or meeting[i] != meeting[i - 1]:
            target = max(round((anchor[i] - 0.125) / 0.25) * 0.25, 0.0)
            current = min(max(target, current - 0.5), current + 0.5)
        lower[i] = current
    return pd.Series(lower, index=sessions, name="DFEDTARL")


def _yield(ticker: str) -> pd.Series:
    weight, spread = _YIELDS[ticker]
    sessions = _sessions(None)
    common = _normals("rates", len(sessions))
    shocks = 0.8 * common + 0.6 * _normals(ticker, len(sessions))
    raw = (weight * _policy_anchor(sessions) + (1 - weight) * _NEUTRAL_RATE + spread
           + _ou(0.04 * shocks, 1 / 60))
    positive = 0.05 * np.logaddexp(0.0, raw / 0.05)  # softplus: ≈ raw above ~0.2 %, never ≤ 0
    return pd.Series(positive, index=sessions, name=ticker).round(2).clip(lower=0.01)


def _dividends(close: pd.Series, dividend_yield: float) -> pd.Series:
    """Yahoo-style adj_close: close scaled down by each quarterly dividend paid after that day, up to a fixed
    reference date (so it never depends on when it is asked for)."""
    if dividend_yield <= 0:
        return close.copy()
    ex_dates = pd.date_range(ORIGIN, _DIVIDEND_REFERENCE, freq="91D")[1:]
    later = np.searchsorted(ex_dates.values, close.index.values, side="right")
    payments_after = len(ex_dates) - later
    factor = (1.0 - dividend_yield / 4) ** payments_after
    adjusted: pd.Series = (close * factor).round(4)
    return adjusted


__all__ = ["DEMO_LABEL", "HORIZON", "ORIGIN", "DemoSource"]
