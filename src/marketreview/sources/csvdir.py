"""Daily closes from a folder of CSV files, one ``date,close[,adj_close]`` file per symbol.

With an ``index.csv`` (``file,symbol,kind,adjusted,notes``) the folder says which file serves which ticker: a
file with ``adjusted=no`` gives ``close`` (and ``adj_close`` if it has that column), one with ``adjusted=yes``
gives ``adj_close``. A ticker with only an adjusted file is served as ``close`` too, and says so through
:meth:`CsvDirSource.is_adjusted_only` and :meth:`CsvDirSource.describe`. Without an index (or for a ticker it
does not list) plain names are tried: ``^GSPC`` → ``^GSPC.csv``, ``GSPC.csv``; ``1617.T`` → ``1617.T.csv``,
``1617_T.csv``. Files are read when first needed and kept for the life of the source.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import BadArgumentError, DataFormatError
from ..symbols import check_ticker
from ..types import FundamentalsSnapshot, Symbol
from .base import check_window, clip, empty_frame, make_frame, parse_number, require_all, unique_symbols
from .fundamentals import read_fundamentals

INDEX_FILE = "index.csv"
_INDEX_COLUMNS = ("file", "symbol", "adjusted")
_YES = frozenset({"yes", "y", "true", "1"})
_NO = frozenset({"no", "n", "false", "0"})


@dataclass(frozen=True)
class _Files:
    """The files serving one ticker: ``raw`` (close, maybe adj_close) and/or ``adjusted`` (adj_close)."""

    raw: str | None = None
    adjusted: str | None = None
    #: the ``notes`` cell of the index row (where the numbers come from, for series a user typed in)
    notes: str = ""


@dataclass(frozen=True)
class PriceColumns:
    close: pd.Series
    adj_close: pd.Series | None


class CsvDirSource:
    """Closes from the CSV files in ``path`` (see the module docstring for the layout)."""

    name = "csv"

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        if not self.path.is_dir():
            raise BadArgumentError("csv folder", str(path), "is not a folder")
        self._index: dict[str, _Files] | None = None
        self._read: dict[str, PriceColumns] = {}

    def __repr__(self) -> str:
        return f"CsvDirSource({str(self.path)!r})"

    def fetch(self, symbols: Sequence[Symbol], start: dt.date, end: dt.date) -> pd.DataFrame:
        check_window(start, end)
        wanted = unique_symbols(symbols)
        closes: dict[Symbol, pd.Series] = {}
        adjusted: dict[Symbol, pd.Series] = {}
        for symbol in wanted:
            files = self._files(symbol)
            if files is None:
                continue
            close, adj = self._series(files)
            closes[symbol] = close
            if adj is not None:
                adjusted[symbol] = adj
        frame = clip(make_frame(closes, adjusted), start, end) if closes else empty_frame([])
        return require_all(self.name, frame, wanted)

    def is_adjusted_only(self, ticker: Symbol) -> bool:
        """True when the folder has only a dividend-adjusted file for ``ticker`` (served as its close too)."""
        files = self._files(ticker)
        return files is not None and files.raw is None

    def describe(self, ticker: Symbol) -> str:
        """Which file(s) serve ``ticker``, e.g. ``"GOOGL.csv (dividend-adjusted)"``, for provenance notes."""
        files = self._files(ticker)
        if files is None:
            return f"no file for {ticker} in {self.path}"
        if files.raw is None:
            return f"{files.adjusted} (dividend-adjusted)"
        if files.adjusted is not None:
            return f"{files.raw}; adj_close from {files.adjusted} (dividend-adjusted)"
        return files.raw

    def source_note(self, ticker: Symbol) -> str:
        """The ``notes`` the folder's ``index.csv`` gives for ``ticker`` ("" without one)."""
        files = self._files(ticker)
        return files.notes if files is not None else ""

    def fundamentals(self) -> list[FundamentalsSnapshot]:
        """Market-cap snapshots from the folder's ``fundamentals/`` subfolder."""
        return read_fundamentals(self.path / "fundamentals")

    # -- finding and reading files ------------------------------------------------------------------

    def _files(self, ticker: Symbol) -> _Files | None:
        symbol = check_ticker(ticker)  # before the text goes anywhere near a path
        listed = self._load_index().get(symbol.upper())
        if listed is not None:
            return listed
        for name in _plain_names(symbol):
            if (self.path / name).is_file():
                return _Files(raw=name)
        return None

    def _load_index(self) -> dict[str, _Files]:
        if self._index is None:
            path = self.path / INDEX_FILE
            self._index = _read_index(path) if path.is_file() else {}
        return self._index

    def _series(self, files: _Files) -> tuple[pd.Series, pd.Series | None]:
        raw = self._columns(files.raw) if files.raw else None
        adjusted = self._columns(files.adjusted) if files.adjusted else None
        if raw is None:
            assert adjusted is not None
            return adjusted.close, adjusted.close
        return raw.close, adjusted.close if adjusted is not None else raw.adj_close

    def _columns(self, name: str) -> PriceColumns:
        if name not in self._read:
            self._read[name] = read_price_file(self.path / name)
        return self._read[name]


def _plain_names(symbol: Symbol) -> list[str]:
    symbol = symbol.removeprefix("FRED:")  # FRED:BOGZ1FA105050005Q is served by BOGZ1FA105050005Q.csv
    names = [f"{symbol}.csv"]
    bare = symbol.lstrip("^")
    names.append(f"{bare}.csv")
    names.append(f"{bare.replace('.', '_').replace('=', '_')}.csv")
    return list(dict.fromkeys(names))


def _read_index(path: Path) -> dict[str, _Files]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in _INDEX_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise DataFormatError(str(path), f"missing columns {', '.join(missing)}")
        rows = list(enumerate(reader, start=2))
    index: dict[str, _Files] = {}
    for line, row in rows:
        where = f"{path} line {line}"
        name = (row.get("file") or "").strip()
        plain = bool(name) and Path(name).name == name and ".." not in name and "\\" not in name
        if not plain or not name.lower().endswith(".csv"):
            raise DataFormatError(where, f"file {name!r} must be a plain .csv name inside the folder")
        try:
            symbol = check_ticker(row.get("symbol") or "")
        except BadArgumentError as exc:
            raise DataFormatError(where, str(exc)) from None
        flag = (row.get("adjusted") or "").strip().lower()
        if flag not in _YES | _NO:
            raise DataFormatError(where, f"adjusted must be yes or no, got {flag!r}")
        key = symbol.upper()
        notes = (row.get("notes") or "").strip()
        files = index.get(key, _Files())
        notes = files.notes or notes
        if flag in _YES:
            if files.adjusted is not None:
                raise DataFormatError(where, f"{symbol} already has an adjusted file ({files.adjusted})")
            files = _Files(raw=files.raw, adjusted=name, notes=notes)
        else:
            if files.raw is not None:
                raise DataFormatError(where, f"{symbol} already has an unadjusted file ({files.raw})")
            files = _Files(raw=name, adjusted=files.adjusted, notes=notes)
        index[key] = files
    return index


def read_price_file(path: Path) -> PriceColumns:
    """``date,close[,adj_close,…]`` (or FRED's own download, ``observation_date,SERIESID`` with ``.`` for a
    missing value) → float series on their dates. Blank cells are missing values; anything
    else that is not a date or a number, or a repeated date, is a :class:`DataFormatError` naming the line."""
    if not path.is_file():
        raise DataFormatError(str(path), "file not found")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        header = [h.strip().lower() for h in next(reader, [])]
        if not header:
            raise DataFormatError(str(path), "empty file")
        fred = len(header) == 2 and header[0] == "observation_date"  # a CSV downloaded from FRED, as it comes
        if fred:
            header = ["date", "close"]
        for column in ("date", "close"):
            if column not in header:
                raise DataFormatError(str(path), f"no {column} column (header: {','.join(header)})")
        i_date, i_close = header.index("date"), header.index("close")
        i_adj = header.index("adj_close") if "adj_close" in header else None
        dates: list[dt.date] = []
        closes: list[float] = []
        adjs: list[float] = []
        seen: set[dt.date] = set()
        for line, row in enumerate(reader, start=2):
            if not row or not "".join(row).strip():
                continue
            where = f"{path} line {line}"
            cell = row[i_date].strip() if i_date < len(row) else ""
            try:
                day = dt.date.fromisoformat(cell)
            except ValueError:
                raise DataFormatError(where, f"bad date {cell!r}") from None
            if day in seen:
                raise DataFormatError(where, f"date {day.isoformat()} is repeated")
            seen.add(day)
            dates.append(day)
            missing = fred and i_close < len(row) and row[i_close].strip() == "."
            closes.append(math.nan if missing else _number(row, i_close, where, "close"))
            adjs.append(_number(row, i_adj, where, "adj_close") if i_adj is not None else math.nan)
    if not dates:
        raise DataFormatError(str(path), "no rows")
    index = pd.DatetimeIndex(pd.to_datetime(dates), name="date")
    close = pd.Series(closes, index=index, dtype="float64").sort_index().dropna()
    adj = pd.Series(adjs, index=index, dtype="float64").sort_index().dropna() if i_adj is not None else None
    if close.empty:
        raise DataFormatError(str(path), "no close values")
    return PriceColumns(close=close, adj_close=adj)


def _number(row: list[str], i: int, where: str, column: str) -> float:
    cell = row[i].strip() if i < len(row) else ""
    return parse_number(cell, where, column) if cell else math.nan


__all__ = ["INDEX_FILE", "CsvDirSource", "read_price_file"]
