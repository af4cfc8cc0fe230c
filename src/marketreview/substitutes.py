"""Figures served by a stand-in: a fallback ticker (the 1306.T ETF for TOPIX) and the closes an ETF standing for
an index is measured on. The engine reports these; renderers mark them."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .types import Symbol

#: What an alias's closes are (:meth:`~marketreview.engine.Engine.basis`): ``adjusted`` (dividends or
#: distributions included: a total return), ``raw`` (raw closes where adjusted ones were wanted: distributions
#: not included) or ``price`` (a price index, or an ETF's price compared as one).
ADJUSTED, RAW, PRICE = "adjusted", "raw", "price"
RAW_NOTE = "returns from raw closes (distributions not included)"
ADJUSTED_NOTE = "returns from distribution-adjusted closes"


@dataclass(frozen=True)
class Substitute:
    """A figure served by another ticker than the one its alias names (the symbol map's fallback): which, shown
    under what name, and why the preferred one did not serve."""

    alias: str
    ticker: Symbol
    preferred: Symbol
    label_en: str
    label_ja: str
    reason: str

    def label(self, lang: str) -> str:
        return self.label_ja if lang == "ja" else self.label_en

    @property
    def note(self) -> str:
        """``fallback for ^TOPX: <why>``: the provenance note and the figure's warning."""
        return f"fallback for {self.preferred}: {self.reason}" if self.reason else f"fallback for {self.preferred}"


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


__all__ = ["ADJUSTED", "ADJUSTED_NOTE", "PRICE", "RAW", "RAW_NOTE", "Substitute", "pick_closes"]
