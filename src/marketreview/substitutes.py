"""Figures served by a stand-in: a fallback ticker (the 1306.T ETF for TOPIX) and the closes an ETF standing for
an index is measured on. The engine reports these; renderers mark them."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from .symbols import SymbolInfo, TickerInfo
from .types import Symbol

#: What an alias's closes are (:meth:`~marketreview.engine.Engine.basis`): ``adjusted`` (dividends or
#: distributions included: a total return), ``raw`` (raw closes where adjusted ones were wanted: distributions
#: not included) or ``price`` (a price index, or an ETF's price compared as one).
ADJUSTED, RAW, PRICE = "adjusted", "raw", "price"
RAW_NOTE = "returns from raw closes (distributions not included)"
ADJUSTED_NOTE = "returns from distribution-adjusted closes"
TOTAL_RETURN_NOTE = "dividend-adjusted closes: a total return, not a price return like the indices beside it"


@dataclass(frozen=True)
class Substitute:
    """A figure served by another ticker than the one its alias names (the symbol map's fallback): which, shown
    under what name, and why the preferred one did not serve."""

    alias: str
    ticker: Symbol
    preferred: Symbol
    label_en: str
    label_ja: str
    short_en: str
    short_ja: str
    reason: str

    def label(self, lang: str) -> str:
        return self.label_ja if lang == "ja" else self.label_en

    def relabel(self, info: SymbolInfo) -> SymbolInfo:
        """``info`` (the alias's entry) under the substitute's own labels."""
        return replace(info, label_en=self.label_en, label_ja=self.label_ja, short_en=self.short_en,
                       short_ja=self.short_ja)

    @property
    def note(self) -> str:
        """``fallback for ^TOPX; <why>``: the provenance note and the figure's warning."""
        return f"fallback for {self.preferred}; {self.reason}" if self.reason else f"fallback for {self.preferred}"


def substitute_for(info: SymbolInfo, ticker: Symbol, extra: TickerInfo | None, failure: Exception | None
                   ) -> Substitute | None:
    """The :class:`Substitute` when ``ticker`` is not ``info``'s preferred ticker: labelled from the ticker map
    (``extra``) where it lists the ticker, else by the ticker itself beside the alias's name (never as the
    alias alone); ``failure`` is what the preferred ticker's fetch said."""
    if ticker == info.ticker:
        return None
    if extra is not None and extra.label_en:
        shown = extra.relabel(info)
    else:
        shown = replace(info, label_en=f"{info.label_en} ({ticker})", label_ja=f"{info.label_ja}({ticker})",
                        short_en=f"{info.short_en} ({ticker})", short_ja=f"{info.short_ja}({ticker})")
    why = [str(failure)] if failure is not None else []
    if extra is not None and extra.stands_in_because:
        why.append(extra.stands_in_because)
    return Substitute(info.alias, ticker, info.ticker, shown.label_en, shown.label_ja, shown.short_en,
                      shown.short_ja, "; ".join(why))


def marks_for(substitute: Substitute | None, ticker: Symbol, basis: str | None, extra: TickerInfo | None
              ) -> tuple[str, ...]:
    """The notes every figure of an alias carries: the fallback serving it (and why), raw closes of an ETF
    proxy (distributions not included), a total return standing among price indices."""
    out = []
    if substitute is not None:  # the form calc.marks reads as a substitute mark; the why is on the Sources sheet
        why = f": {substitute.reason}" if substitute.reason else ""
        out.append(f"{ticker}: fallback for {substitute.preferred} (a substitute, not the same series{why})")
    if basis == RAW:
        out.append(f"{ticker}: {RAW_NOTE}")
    elif basis == ADJUSTED and extra is not None and extra.returns == PRICE:
        out.append(f"{ticker}: {TOTAL_RETURN_NOTE}")
    return tuple(out)


def readjusted(new: pd.DataFrame, cached: pd.DataFrame, ticker: Symbol) -> bool:
    """True when ``ticker``'s adjusted closes in a new answer differ from the cached ones on the days both hold,
    or when the cache holds some near them but none on the same days (nothing to compare: assume re-adjusted)."""
    column = ("adj_close", ticker)
    if column not in new.columns or column not in cached.columns or cached[column].dropna().empty:
        return False
    both = pd.concat([new[column], cached[column]], axis=1, join="inner").dropna()
    if both.empty:
        return True
    fresh, old = both.iloc[:, 0].to_numpy(dtype=float), both.iloc[:, 1].to_numpy(dtype=float)
    return bool((abs(fresh - old) > 1e-6 * abs(old)).any())  # a payout moves it by 1e-4 or more; noise less


def pick_closes(frame: pd.DataFrame, ticker: Symbol, *, wants_adjusted: bool, adjusted_only: bool
                ) -> tuple[pd.Series, str]:
    """``(closes, basis)`` of ``ticker`` from a cache frame: the ``adj_close`` column where ``wants_adjusted``
    and it has a value on every day ``close`` has (never a mix of the two), else ``close``. ``adjusted_only``: the
    source's ``close`` is itself adjusted (a CSV folder's dividend-adjusted file)."""
    close = frame[("close", ticker)].dropna().rename(ticker)
    if adjusted_only:
        return close, ADJUSTED
    if not wants_adjusted:
        return close, PRICE
    if ("adj_close", ticker) in frame.columns:
        adjusted = frame[("adj_close", ticker)].reindex(close.index)
        if len(close) and adjusted.notna().all():
            return adjusted.astype("float64").rename(ticker), ADJUSTED
    return close, RAW


__all__ = ["ADJUSTED", "ADJUSTED_NOTE", "PRICE", "RAW", "RAW_NOTE", "TOTAL_RETURN_NOTE", "Substitute", "marks_for",
           "pick_closes", "readjusted", "substitute_for"]
