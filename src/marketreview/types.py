"""Shared type aliases and small value types. Imports nothing from the package."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal, Union

import pandas as pd

#: A ticker as a source knows it: "^GSPC", "1617.T", "DGS10", "JPY=X".
Symbol = str
#: What users type for a date: ISO text, a date, a Timestamp, or an Excel serial number.
DateLike = Union[str, dt.date, dt.datetime, pd.Timestamp, float, int]  # noqa: UP007 (a runtime alias)
Lang = Literal["ja", "en"]
#: The two price fields every source returns (columns level 0 of a fetched frame).
Field = Literal["close", "adj_close"]
FIELDS: tuple[Field, Field] = ("close", "adj_close")


@dataclass(frozen=True)
class Provenance:
    """Where one series came from: which ticker and source served an alias, and how fresh it is."""

    alias: str
    ticker: Symbol
    source: str
    first: dt.date | None
    last: dt.date | None
    fetched_at: dt.datetime | None
    adjusted: bool = False
    demo: bool = False
    note: str = ""
    #: who published the numbers, when the source says (a CSV folder's ``source`` column of index.csv)
    provider: str = ""


@dataclass(frozen=True)
class FundamentalsSnapshot:
    """Market capitalisations on one date, for the Magnificent-7 share.

    ``market_caps`` is indexed by ticker with company-level caps as Yahoo reports them (so a company with two
    share classes, like Alphabet's GOOGL and GOOG, appears twice with the same company cap); it may be empty
    when only an index total is known. ``index_total`` is the S&P-reported total market cap of the S&P 500 on
    that date, if known. ``duplicate_classes`` lists tickers whose cap repeats another line's company cap.
    """

    date: dt.date
    market_caps: pd.Series
    index_total: float | None
    source: str
    duplicate_classes: tuple[Symbol, ...] = ()
    #: warnings every figure anchored on this snapshot carries (an estimated weight, an offline snapshot's age)
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class HoldingsSnapshot:
    """Index weights of some constituents on one date, from an index fund's published holdings.

    ``weights`` maps tickers to their share of the fund's equity total (0.07 = 7%), cash and futures lines
    excluded and the rest renormalised; share classes stay separate (GOOGL and GOOG). ``basis`` says per ticker
    how the weight was had ("listed", "second file: …", "estimated: …"); ``source`` names the fund and the files;
    ``notes`` are warnings a figure anchored on this snapshot must carry.
    """

    date: dt.date
    weights: dict[Symbol, float]
    source: str
    basis: dict[Symbol, str]
    fetched_at: dt.datetime
    notes: tuple[str, ...] = ()
