"""Market-cap snapshots for the Magnificent-7 share, from a ``fundamentals/`` folder (or made by the demo).

The folder layout (see ``../shared/data/market/fundamentals``):

- ``sp500_constituents_financials_asof_YYYY-MM-DD.csv``: one line per constituent with ``Symbol`` and
  ``Market Cap`` (Yahoo's company-level cap); the date is in the file name.
- ``sp500_total_market_cap.csv``: S&P-reported totals of the index, ``date,total_market_cap_usd,…,basis,…``.

Third-party estimates (any other file) are not S&P figures and are ignored.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from ..errors import DataError, DataFormatError
from ..types import FundamentalsSnapshot, Symbol

#: Share classes that repeat another line's company-level cap; the class the index family lists first is kept
#: (GOOGL, FOXA, NWSA) and these are flagged, but only where both classes are present.
DUPLICATE_CLASSES: tuple[Symbol, ...] = ("GOOG", "FOX", "NWS")
PRIMARY_CLASS: Mapping[Symbol, Symbol] = {"GOOG": "GOOGL", "FOX": "FOXA", "NWS": "NWSA"}

CONSTITUENTS_PATTERN = re.compile(r"^sp500_constituents_financials_asof_(\d{4}-\d{2}-\d{2})\.csv$")
TOTALS_FILE = "sp500_total_market_cap.csv"


def duplicate_classes(tickers: Iterable[Symbol]) -> tuple[Symbol, ...]:
    """The duplicate share classes among ``tickers`` whose primary class is there too."""
    present = set(tickers)
    return tuple(t for t in DUPLICATE_CLASSES if t in present and PRIMARY_CLASS[t] in present)


def make_snapshot(date: dt.date, caps: Mapping[Symbol, float] | pd.Series, index_total: float | None,
                  source: str) -> FundamentalsSnapshot:
    """A snapshot with its duplicate share classes flagged. Blank caps stay NaN (unknown, not zero)."""
    series = pd.Series(dict(caps), dtype="float64", name="market_cap")
    series.index = pd.Index([str(t) for t in series.index], name="symbol", dtype=object)
    return FundamentalsSnapshot(date=date, market_caps=series, index_total=index_total, source=source,
                                duplicate_classes=duplicate_classes(series.index))


def read_fundamentals(folder: Path) -> list[FundamentalsSnapshot]:
    """Every snapshot in ``folder``, by date: constituent files (with the S&P total of the same day, if any),
    then one cap-less snapshot for each other S&P-reported total."""
    if not folder.is_dir():
        raise DataError(f"no fundamentals folder at {folder}")
    totals = read_index_totals(folder / TOTALS_FILE) if (folder / TOTALS_FILE).is_file() else {}
    snapshots: list[FundamentalsSnapshot] = []
    for path in sorted(folder.iterdir()):
        match = CONSTITUENTS_PATTERN.match(path.name)
        if match is None:
            continue
        date = dt.date.fromisoformat(match.group(1))
        total = totals.get(date)
        source = path.name + (f"; index total: {total[1]}" if total else "")
        caps = read_constituent_caps(path)
        snapshots.append(make_snapshot(date, caps, total[0] if total else None, source))
    seen = {s.date for s in snapshots}
    for date, (total_value, basis) in totals.items():
        if date not in seen:
            snapshots.append(make_snapshot(date, {}, total_value, f"{TOTALS_FILE}: {basis}"))
    if not snapshots:
        raise DataError(f"no fundamentals in {folder} (expected sp500_constituents_financials_asof_*.csv or "
                        f"{TOTALS_FILE})")
    return sorted(snapshots, key=lambda s: s.date)


def read_constituent_caps(path: Path) -> dict[Symbol, float]:
    """``{Symbol: Market Cap}``; a blank cap (e.g. BRK.B in the 2024 file) is NaN."""
    caps: dict[Symbol, float] = {}
    for line, row in _rows(path, ("Symbol", "Market Cap")):
        symbol = row["Symbol"].strip()
        if not symbol:
            raise DataFormatError(f"{path} line {line}", "blank Symbol")
        if symbol in caps:
            raise DataFormatError(f"{path} line {line}", f"{symbol} is listed twice")
        caps[symbol] = _number(row["Market Cap"], f"{path} line {line}", "Market Cap", blank_ok=True)
    return caps


def read_index_totals(path: Path) -> dict[dt.date, tuple[float, str]]:
    """``{date: (total market cap in USD, who reported it)}`` from the S&P totals file."""
    totals: dict[dt.date, tuple[float, str]] = {}
    for line, row in _rows(path, ("date", "total_market_cap_usd")):
        where = f"{path} line {line}"
        try:
            date = dt.date.fromisoformat(row["date"].strip())
        except ValueError:
            raise DataFormatError(where, f"bad date {row['date']!r}") from None
        if date in totals:
            raise DataFormatError(where, f"date {date.isoformat()} is listed twice")
        value = _number(row["total_market_cap_usd"], where, "total_market_cap_usd", blank_ok=False)
        totals[date] = (value, (row.get("basis") or "S&P").strip())
    return totals


def _rows(path: Path, required: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in required if c not in (reader.fieldnames or [])]
        if missing:
            raise DataFormatError(str(path), f"missing columns {', '.join(missing)}")
        return [(line, {k: v or "" for k, v in row.items() if k is not None})
                for line, row in enumerate(reader, start=2)]


def _number(cell: str, where: str, column: str, *, blank_ok: bool) -> float:
    text = cell.strip()
    if not text:
        if blank_ok:
            return math.nan
        raise DataFormatError(where, f"{column} is blank")
    try:
        value = float(text)
    except ValueError:
        raise DataFormatError(where, f"{column} is not a number: {cell!r}") from None
    if not math.isfinite(value) or value < 0:
        raise DataFormatError(where, f"{column} is not a non-negative number: {cell!r}")
    return value


__all__ = ["DUPLICATE_CLASSES", "PRIMARY_CLASS", "duplicate_classes", "make_snapshot",
           "read_constituent_caps", "read_fundamentals", "read_index_totals"]
