"""Daily closes from a folder of CSV files, one ``date,close[,adj_close]`` file per symbol.

With an ``index.csv`` (``file,symbol,kind,adjusted,notes``, and optionally ``source``: who published the
numbers, named in the chart images' 出所 line) the folder says which file serves which ticker: a
file with ``adjusted=no`` gives ``close`` (and ``adj_close`` if it has that column), one with ``adjusted=yes``
gives ``adj_close``. A ticker with only an adjusted file is served as ``close`` too, and says so through
:meth:`CsvDirSource.is_adjusted_only` and :meth:`CsvDirSource.describe`. Without an index (or for a ticker it
does not list) plain names are tried: ``^GSPC`` → ``^GSPC.csv``, ``GSPC.csv``; ``1617.T`` → ``1617.T.csv``,
``1617_T.csv``. Files are read when first needed and read again when they change (:meth:`revision` tells the
engine so, and it replaces the rows it cached from the old version).

Files are read the way users have them (:mod:`marketreview.textfiles`): UTF-8 with or without a BOM, UTF-16 and
Japanese Excel's cp932; headers ``date,close,adj_close``, Yahoo's ``Date,Close,Adj Close`` (other columns are
ignored) or Japanese ``日付,終値,調整後終値``; dates ``2024-12-27`` or ``2024/12/27``. A row with more or fewer
fields than the header, a repeated date or a date outside 1678–2261 is an error naming the file and line, and it
costs only the symbols that file serves.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import math
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from ..errors import BadArgumentError, DataFormatError, MarketReviewError, SourceError, SymbolNotFoundError
from ..symbols import SymbolMap, check_ticker
from ..textfiles import read_text, revision
from ..types import FundamentalsSnapshot, Symbol
from .base import check_window, clip, empty_frame, make_frame, parse_number, require_all, unique_symbols
from .fundamentals import read_fundamentals

INDEX_FILE = "index.csv"
_INDEX_COLUMNS = ("file", "symbol", "adjusted")
_YES = frozenset({"yes", "y", "true", "1"})
_NO = frozenset({"no", "n", "false", "0"})
#: Header names as users' files spell them → ours (compared after strip, lower-case, spaces → "_").
_HEADER_NAMES = {"date": "date", "close": "close", "adj_close": "adj_close", "adjclose": "adj_close",
                 "日付": "date", "終値": "close", "調整後終値": "adj_close", "調整後の終値": "adj_close"}
_DATE = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$")
#: pandas' datetime64[ns] range, in whole years: a date outside it cannot be a daily close.
FIRST_DAY, LAST_DAY = dt.date(1678, 1, 1), dt.date(2261, 12, 31)
#: Yahoo's CSV downloads write ``null`` for a day without a value.
_BLANK = frozenset({"", "null"})


@dataclass(frozen=True)
class _Files:
    """The files serving one ticker: ``raw`` (close, maybe adj_close) and/or ``adjusted`` (adj_close)."""

    raw: str | None = None
    adjusted: str | None = None
    #: the ``notes`` cell of the index row (where the numbers come from, for series a user typed in)
    notes: str = ""
    #: a bad index.csv row for this ticker: the ticker fails with it, the others are served
    error: DataFormatError | None = None
    #: the index row's ``frequency`` (d, w, m, q or a) for a macro series, "" when it declares none
    frequency: str = ""
    #: the index row's ``kind`` (index, stock, etf, fx, yield, rate, macro …), "" without an index row
    kind: str = ""
    #: the optional ``source`` cell of the index row: who published the numbers (the images' 出所 line)
    provider: str = ""

    def names(self) -> list[str]:
        return [n for n in (self.raw, self.adjusted) if n]


@dataclass(frozen=True)
class PriceColumns:
    close: pd.Series
    adj_close: pd.Series | None
    encoding: str = "utf-8"
    #: the file's own ``frequency`` column (one value for every row), "" without one
    frequency: str = ""
    #: where the first close ≤ 0 is (``"<file> line 5: close -3.5"``), "" when every close is positive
    not_positive: str = ""
    #: a FRED download (``observation_date,ID``): a macro or rate series, never a price
    fred: bool = False


class CsvDirSource:
    """Closes from the CSV files in ``path`` (see the module docstring for the layout)."""

    name = "csv"

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        if not self.path.is_dir():
            raise BadArgumentError("csv folder", str(path), "is not a folder")
        self._index: tuple[str, dict[str, _Files]] | None = None
        self._read: dict[str, tuple[str, PriceColumns]] = {}
        self._key: str | None = None

    @property
    def key(self) -> str:
        """The cache's name for this folder's rows: another folder's (or the demo's) are never served as these."""
        if self._key is None:
            self._key = f"csv:{self.path.resolve()}"
        return self._key

    def __repr__(self) -> str:
        return f"CsvDirSource({str(self.path)!r})"

    def fetch(self, symbols: Sequence[Symbol], start: dt.date, end: dt.date) -> pd.DataFrame:
        check_window(start, end)
        wanted = unique_symbols(symbols)
        closes: dict[Symbol, pd.Series] = {}
        adjusted: dict[Symbol, pd.Series] = {}
        errors: dict[Symbol, MarketReviewError] = {}
        for symbol in wanted:
            try:
                files = self._files(symbol)
                if files is None:
                    continue
                close, adj = self._series(files, symbol)
            except DataFormatError as exc:  # one bad file costs only the symbols it serves
                errors[symbol] = exc
                continue
            closes[symbol] = close
            if adj is not None:
                adjusted[symbol] = adj
        frame = clip(make_frame(closes, adjusted), start, end) if closes else empty_frame([])
        if not errors:
            return require_all(self.name, frame, wanted)
        if len(wanted) == 1:
            raise errors[wanted[0]]
        missing = [s for s in wanted if s not in errors and s not in closes]
        failure = SourceError(self.name, "; ".join(str(e) for e in errors.values()), [*errors, *missing])
        failure.frame = frame
        failure.causes = {**errors, **{s: SymbolNotFoundError(self.name, [s]) for s in missing}}
        raise failure

    def revision(self, ticker: Symbol) -> str | None:
        """A fingerprint of the file(s) serving ``ticker`` (and of index.csv): it changes whenever one of them
        is edited, so the engine reads them again. ``None`` when no file serves it."""
        files = self._files(ticker)
        if files is None:
            return None
        index = self.path / INDEX_FILE
        return revision([self.path / n for n in files.names()] + ([index] if index.is_file() else []))

    def is_adjusted_only(self, ticker: Symbol) -> bool:
        """True when the folder has only a dividend-adjusted file for ``ticker`` (served as its close too)."""
        files = self._files(ticker)
        return files is not None and files.raw is None

    def describe(self, ticker: Symbol) -> str:
        """Which file(s) serve ``ticker``, e.g. ``"GOOGL.csv (dividend-adjusted)"``, for provenance notes."""
        files = self._files(ticker)
        if files is None:
            return f"no file for {ticker} in {self.path}"
        if files.error is not None:
            return str(files.error)
        if files.raw is None:
            text = f"{files.adjusted} (dividend-adjusted)"
        elif files.adjusted is not None:
            text = f"{files.raw}; adj_close from {files.adjusted} (dividend-adjusted)"
        else:
            text = files.raw
        encodings = sorted({self._read[n][1].encoding for n in files.names() if n in self._read} - {"utf-8"})
        return text + (f" (read as {', '.join(encodings)})" if encodings else "")

    def frequency(self, ticker: Symbol) -> str | None:
        """The frequency the folder declares for ``ticker``'s series (its ``index.csv`` row's ``frequency``
        column, else a ``frequency`` column in its file), or None: then the dates tell."""
        files = self._files(ticker)
        if files is None or files.error is not None:
            return None
        if files.frequency:
            return files.frequency
        name = files.raw or files.adjusted
        return (self._columns(name).frequency or None) if name else None

    def provider(self, ticker: Symbol) -> str:
        """The ``source`` column the folder's ``index.csv`` gives for ``ticker`` ("" without one)."""
        files = self._files(ticker)
        return files.provider if files is not None else ""

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
        path = self.path / INDEX_FILE
        if not path.is_file():
            return {}
        stamp = revision([path])
        if self._index is None or self._index[0] != stamp:
            self._index = (stamp, _read_index(path))
        return self._index[1]

    def _series(self, files: _Files, symbol: Symbol = "") -> tuple[pd.Series, pd.Series | None]:
        if files.error is not None:
            raise files.error
        raw = self._columns(files.raw) if files.raw else None
        adjusted = self._columns(files.adjusted) if files.adjusted else None
        for columns in (raw, adjusted):
            if columns is not None and columns.not_positive and _is_price(symbol, files, columns):
                where, _, what = columns.not_positive.partition(": ")
                raise DataFormatError(where, f"{what} is not a price: an index, stock, ETF or FX close is above 0 "
                                      "(yields and rates may be negative: give the file kind yield, rate or macro "
                                      "in index.csv)")
        if raw is None:
            assert adjusted is not None
            return adjusted.close, adjusted.close
        return raw.close, adjusted.close if adjusted is not None else raw.adj_close

    def _columns(self, name: str) -> PriceColumns:
        stamp = revision([self.path / name])
        known = self._read.get(name)
        if known is None or known[0] != stamp:
            known = (stamp, read_price_file(self.path / name))
            self._read[name] = known
        return known[1]


def _plain_names(symbol: Symbol) -> list[str]:
    symbol = symbol.removeprefix("FRED:")  # FRED:BOGZ1FA105050005Q is served by BOGZ1FA105050005Q.csv
    names = [f"{symbol}.csv"]
    bare = symbol.lstrip("^")
    names.append(f"{bare}.csv")
    names.append(f"{bare.replace('.', '_').replace('=', '_')}.csv")
    return list(dict.fromkeys(names))


def _read_index(path: Path) -> dict[str, _Files]:
    """The index's rows by ticker. A bad row costs only its ticker (when its symbol can be read at all)."""
    text, _encoding = read_text(path)
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    fields = [(f or "").strip().lower() for f in (reader.fieldnames or [])]
    missing = [c for c in _INDEX_COLUMNS if c not in fields]
    if missing:
        raise DataFormatError(str(path), f"missing columns {', '.join(missing)}")
    reader.fieldnames = fields
    index: dict[str, _Files] = {}
    for line, row in enumerate(reader, start=2):
        if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue
        where = f"{path} line {line}"
        try:
            symbol = check_ticker(row.get("symbol") or "")
        except BadArgumentError as exc:
            raise DataFormatError(where, str(exc)) from None
        key = symbol.upper()
        notes = (row.get("notes") or "").strip()
        files = index.get(key, _Files())
        if files.error is None:
            try:
                listed = _index_row(row, symbol, files, where, notes)
                index[key] = replace(listed, provider=files.provider or (row.get("source") or "").strip())
            except DataFormatError as exc:
                index[key] = _Files(error=exc)
    return index


def _index_row(row: dict[str, str], symbol: Symbol, files: _Files, where: str, notes: str) -> _Files:
    if None in row:
        raise DataFormatError(where, f"{len(row) - 1 + len(row[None])} fields, the header has {len(row) - 1}")  # type: ignore[index]
    name = (row.get("file") or "").strip()
    plain = bool(name) and Path(name).name == name and ".." not in name and "\\" not in name
    if not plain or not name.lower().endswith(".csv"):
        raise DataFormatError(where, f"file {name!r} must be a plain .csv name inside the folder")
    flag = (row.get("adjusted") or "").strip().lower()
    if flag not in _YES | _NO:
        raise DataFormatError(where, f"adjusted must be yes or no, got {flag!r}")
    notes = files.notes or notes
    frequency = files.frequency or _frequency_cell(row.get("frequency") or "", where)
    kind = files.kind or (row.get("kind") or "").strip().lower()
    if flag in _YES:
        if files.adjusted is not None:
            raise DataFormatError(where, f"{symbol} already has an adjusted file ({files.adjusted})")
        return _Files(raw=files.raw, adjusted=name, notes=notes, frequency=frequency, kind=kind)
    if files.raw is not None:
        raise DataFormatError(where, f"{symbol} already has an unadjusted file ({files.raw})")
    return _Files(raw=name, adjusted=files.adjusted, notes=notes, frequency=frequency, kind=kind)


#: The ``kind`` values of index.csv whose closes are prices (always above 0); yields, rates, macro series are not.
PRICE_KINDS = frozenset({"index", "stock", "etf", "fx", "fund", "future"})


@functools.cache
def _rate_tickers() -> frozenset[str]:
    """The default map's tickers of rates and yields (``DGS10``, ``^TNX``): they may be 0 or negative."""
    return frozenset(t.upper() for info in SymbolMap.default() if info.group == "rates" for t in info.tickers)


def _is_price(symbol: Symbol, files: _Files, columns: PriceColumns) -> bool:
    """Whether the series is a price: by its index.csv kind, else not for a FRED download, a ``FRED:`` id or a
    rate of the default map, else yes (a plain ``MYF.csv`` is a price)."""
    if files.kind:
        return files.kind in PRICE_KINDS
    upper = symbol.upper()
    return not (columns.fred or upper.startswith("FRED:") or upper in _rate_tickers())


#: The frequency codes a folder may declare for a macro series (FRED's: daily … annual).
_FREQUENCY_CODES = ("d", "w", "m", "q", "a")


def _frequency_cell(cell: str, where: str) -> str:
    code = cell.strip().lower()
    if code and code not in _FREQUENCY_CODES:
        raise DataFormatError(where, f"frequency must be one of {', '.join(_FREQUENCY_CODES)}, got {cell!r}")
    return code


def read_price_file(path: Path) -> PriceColumns:
    """``date,close[,adj_close,…]`` (or FRED's own download, ``observation_date,SERIESID`` with ``.`` for a
    missing value) → float series on their dates. Blank (or Yahoo's ``null``) cells are missing values; anything
    else that is not a date or a number, a row whose field count differs from the header's, a repeated date or a
    date outside 1678–2261 is a :class:`DataFormatError` naming the file and line."""
    if not path.is_file():
        raise DataFormatError(str(path), "file not found")
    text, encoding = read_text(path)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    header = [_header_name(h) for h in next(reader, [])]
    if not any(header):
        raise DataFormatError(str(path), "empty file")
    fred = len(header) == 2 and header[0] == "observation_date"  # a CSV downloaded from FRED, as it comes
    if fred:
        header = ["date", "close"]
    for column in ("date", "close"):
        if column not in header:
            raise DataFormatError(str(path), f"no {column} column (header: {','.join(header)}; expected "
                                  "date,close,adj_close or Date,Close,Adj Close or 日付,終値,調整後終値)")
    i_date, i_close = header.index("date"), header.index("close")
    i_adj = header.index("adj_close") if "adj_close" in header else None
    i_freq = header.index("frequency") if "frequency" in header else None
    frequencies: set[str] = set()
    not_positive = ""
    dates: list[dt.date] = []
    closes: list[float] = []
    adjs: list[float] = []
    seen: set[dt.date] = set()
    for line, row in enumerate(reader, start=2):
        if not row or not "".join(row).strip():
            continue
        where = f"{path} line {line}"
        if len(row) != len(header):
            raise DataFormatError(where, f"{len(row)} fields, the header has {len(header)} "
                                  f"({','.join(row)!r}: a decimal comma or a thousands separator?)")
        day = _date(row[i_date].strip(), where)
        if day in seen:
            raise DataFormatError(where, f"date {day.isoformat()} is repeated")
        seen.add(day)
        dates.append(day)
        missing = fred and row[i_close].strip() == "."
        closes.append(math.nan if missing else _number(row, i_close, where, "close"))
        if not not_positive and closes[-1] <= 0:
            not_positive = f"{where}: close {row[i_close].strip()}"
        adjs.append(_number(row, i_adj, where, "adj_close") if i_adj is not None else math.nan)
        if i_freq is not None and row[i_freq].strip():
            frequencies.add(_frequency_cell(row[i_freq], where))
    if not dates:
        raise DataFormatError(str(path), "no rows")
    index = pd.DatetimeIndex(pd.to_datetime(dates), name="date")
    close = pd.Series(closes, index=index, dtype="float64").sort_index().dropna()
    adj = pd.Series(adjs, index=index, dtype="float64").sort_index().dropna() if i_adj is not None else None
    if close.empty:
        raise DataFormatError(str(path), "no close values")
    if len(frequencies) > 1:
        raise DataFormatError(str(path), f"the frequency column holds {', '.join(sorted(frequencies))}: one "
                              "series has one frequency")
    return PriceColumns(close=close, adj_close=adj, encoding=encoding, frequency="".join(frequencies),
                        not_positive=not_positive, fred=fred)


def _delimiter(text: str) -> str:
    """Commas, or tabs where the header line has tabs and no comma (Excel's "Unicode text" is tab-separated)."""
    first = text.split("\n", 1)[0]
    return "\t" if "\t" in first and "," not in first else ","


def _header_name(text: str) -> str:
    name = text.strip().strip('"').lower().replace(" ", "_")
    return _HEADER_NAMES.get(name, name)


def _date(cell: str, where: str) -> dt.date:
    match = _DATE.match(cell)
    try:
        if match is None:
            raise ValueError(cell)
        day = dt.date(*(int(g) for g in match.groups()))
    except ValueError:
        raise DataFormatError(where, f"bad date {cell!r} (expected 2024-12-27 or 2024/12/27)") from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise DataFormatError(where, f"date {day.isoformat()} is outside the supported range "
                              f"{FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}")
    return day


def _number(row: list[str], i: int, where: str, column: str) -> float:
    cell = row[i].strip() if i < len(row) else ""
    return parse_number(cell, where, column) if cell.lower() not in _BLANK else math.nan


__all__ = ["INDEX_FILE", "CsvDirSource", "read_price_file"]
