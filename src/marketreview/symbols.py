"""The symbol map: aliases → tickers (with fallbacks), calendars and labels. The map itself is data
(``data/symbols.csv`` and ``data/groups.csv``); users may pass their own file with the same columns."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path

from .errors import BadArgumentError, DataFormatError, UnknownSymbolError
from .textfiles import read_text
from .types import Lang, Symbol

#: What a ticker may look like before it reaches a source, a file path or a cell: no path separators,
#: no leading formula characters, bounded length. "^GSPC", "1617.T", "JPY=X", "BRK-B", "DGS3MO".
_TICKER_RE = re.compile(r"^[A-Za-z0-9^][A-Za-z0-9.\-=^_]{0,23}$")
#: Any FRED series by its id: "FRED:BOGZ1FA105050005Q" (the only ticker with a colon).
_FRED_RE = re.compile(r"^FRED:[A-Za-z0-9_]{1,40}$", re.IGNORECASE)


@dataclass(frozen=True)
class SymbolInfo:
    alias: str
    tickers: tuple[Symbol, ...]
    group: str
    calendar: str | None
    label_en: str
    label_ja: str
    short_en: str
    short_ja: str

    @property
    def ticker(self) -> Symbol:
        """The preferred ticker (the first of the fallbacks)."""
        return self.tickers[0]

    def label(self, lang: Lang) -> str:
        return self.label_ja if lang == "ja" else self.label_en

    def short(self, lang: Lang) -> str:
        return self.short_ja if lang == "ja" else self.short_en


@dataclass(frozen=True)
class TickerInfo:
    """What one ticker is when it is not the thing its alias names (``data/tickers.csv``): the labels it is
    shown under when it serves as a fallback (``1306.T`` → ``TOPIX連動ETF(1306)``), the closes its returns are
    measured on (``adjusted``: distribution-adjusted, so an ex-date is not a fall; ``price``: raw closes, the
    basis its index is compared on; empty: as served), and why it stands in when it does."""

    ticker: Symbol
    label_en: str = ""
    label_ja: str = ""
    short_en: str = ""
    short_ja: str = ""
    returns: str = ""
    stands_in_because: str = ""

    def relabel(self, info: SymbolInfo) -> SymbolInfo:
        """``info`` under this ticker's own labels (those it has)."""
        return replace(info, label_en=self.label_en or info.label_en, label_ja=self.label_ja or info.label_ja,
                       short_en=self.short_en or self.label_en or info.short_en,
                       short_ja=self.short_ja or self.label_ja or info.short_ja)


def check_ticker(text: str) -> Symbol:
    """Return ``text`` if it looks like a ticker; reject formulas, paths and other hostile text."""
    if not isinstance(text, str):
        raise BadArgumentError("ticker", text, "must be text")
    stripped = text.strip()
    if not stripped:
        raise BadArgumentError("ticker", text, "is empty")
    if _FRED_RE.match(stripped):
        return "FRED:" + stripped[5:].upper()
    if not _TICKER_RE.match(stripped) or ".." in stripped:
        raise BadArgumentError("ticker", text, "is not a valid ticker (letters, digits and . - = ^ _ only)")
    return stripped


def calendar_for(ticker: Symbol) -> str | None:
    """Best guess of the exchange calendar for a ticker the map does not list."""
    if ticker.endswith(".T"):
        return "XTKS"
    if _FRED_RE.match(ticker):
        return None
    if "=" in ticker:
        return None
    return "XNYS"


class SymbolMap:
    """Aliases (case-insensitive) and groups. Unknown names that look like tickers pass through as themselves."""

    def __init__(self, infos: Iterable[SymbolInfo], groups: dict[str, tuple[str, ...]], *,
                 where: str = "symbol map", tickers: Iterable[TickerInfo] = ()) -> None:
        self._by_alias = {info.alias.upper(): info for info in infos}
        self._tickers = {t.ticker.upper(): t for t in tickers}
        self._by_ticker: dict[str, SymbolInfo] = {}
        for info in self._by_alias.values():
            for ticker in info.tickers:
                self._by_ticker.setdefault(ticker.upper(), info)
        self._adhoc: dict[str, SymbolInfo] = {}
        #: what loading a user's map found worth saying (an alias or ticker of the default map rebound)
        self.warnings: tuple[str, ...] = ()
        self.groups = {name.upper(): members for name, members in groups.items()}
        for name, members in self.groups.items():
            for member in members:
                if member.upper() not in self._by_alias:
                    raise DataFormatError("groups", f"group {name} lists unknown alias {member}")
            _check_distinct_tickers(name, [self._by_alias[m.upper()] for m in members], where)

    @classmethod
    def default(cls) -> SymbolMap:
        data = resources.files("marketreview") / "data"
        return cls.from_files(data / "symbols.csv", data / "groups.csv", data / "tickers.csv")

    @classmethod
    def from_files(cls, symbols_csv: Path | resources.abc.Traversable,
                   groups_csv: Path | resources.abc.Traversable | None = None,
                   tickers_csv: Path | resources.abc.Traversable | None = None) -> SymbolMap:
        infos = list(_read_symbols(symbols_csv))
        groups: dict[str, tuple[str, ...]] = {}
        if groups_csv is not None:
            with groups_csv.open(encoding="utf-8") as fh:
                for row in csv.DictReader(fh):
                    groups[row["group"]] = tuple(m.strip() for m in row["members"].split("|") if m.strip())
        tickers = list(_read_tickers(tickers_csv)) if tickers_csv is not None else []
        return cls(infos, groups, tickers=tickers)

    def with_overrides(self, symbols_csv: Path) -> SymbolMap:
        """This map with the rows of a user's file added or replacing rows of the same alias. A row that makes an
        alias or a ticker of this map mean another ticker is kept, with a warning in :attr:`warnings` naming both
        (``^GSPC`` meaning ``^NDX`` is more often a slip than a wish)."""
        merged = dict(self._by_alias)
        warnings: list[str] = []
        for line, info in _numbered_symbols(symbols_csv):
            warning = self._rebinding(info, f"{symbols_csv}:{line}")
            if warning:
                warnings.append(warning)
            merged[info.alias.upper()] = info
        result = SymbolMap(merged.values(), self.groups, where=str(symbols_csv), tickers=self._tickers.values())
        result.warnings = (*self.warnings, *warnings)
        return result

    def _rebinding(self, info: SymbolInfo, where: str) -> str | None:
        key, new = info.alias.upper(), info.ticker
        known = self._by_alias.get(key)
        if known is not None and known.ticker.upper() != new.upper():
            return f"{where}: {info.alias} means {new} here; in the default map it means {known.ticker}"
        owner = self._by_ticker.get(key)
        if known is None and owner is not None and key != new.upper():
            return (f"{where}: {info.alias} means {new} here; in the default map {info.alias} is the ticker of "
                    f"{owner.alias}")
        return None

    def __iter__(self) -> Iterator[SymbolInfo]:
        return iter(self._by_alias.values())

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.strip().upper() in self._by_alias

    def resolve(self, name: str) -> SymbolInfo:
        """Look up an alias or ticker; an unlisted ticker resolves to itself."""
        if not isinstance(name, str):
            raise UnknownSymbolError(name, "a symbol must be text")
        key = name.strip().upper()
        if not key:
            raise BadArgumentError("ticker", name, "is empty")
        info = self._by_alias.get(key) or self._by_ticker.get(key)
        if info is not None:
            return info
        if key in self.groups:
            raise BadArgumentError("ticker", name, "is a group; this function takes one symbol")
        adhoc = self._adhoc.get(key)
        if adhoc is None:
            ticker = check_ticker(name)
            adhoc = SymbolInfo(ticker, (ticker,), "", calendar_for(ticker), ticker, ticker, ticker, ticker)
            self._adhoc[key] = adhoc
        return adhoc

    def ticker_info(self, ticker: Symbol) -> TickerInfo | None:
        """What ``data/tickers.csv`` says about ``ticker`` (its fallback labels, its return basis), if anything."""
        return self._tickers.get(ticker.upper()) if isinstance(ticker, str) else None

    def group(self, name: str) -> tuple[SymbolInfo, ...]:
        members = self.groups.get(name.strip().upper())
        if members is None:
            raise UnknownSymbolError(name, "not a group")
        return tuple(self._by_alias[m.upper()] for m in members)

    def in_group(self, group: str) -> tuple[SymbolInfo, ...]:
        """Every entry whose ``group`` column is ``group`` (sheet sections: us_indices, topix17, rates …)."""
        return tuple(info for info in self._by_alias.values() if info.group == group)


def _check_distinct_tickers(group: str, members: list[SymbolInfo], where: str) -> None:
    """Members of one group (MAG7's seven stocks) must be different securities: two members served by one ticker
    would silently count one company twice and drop the other."""
    owner: dict[str, str] = {}
    for info in members:
        for ticker in info.tickers:
            other = owner.setdefault(ticker.upper(), info.alias)
            if other != info.alias:
                raise DataFormatError(where, f"group {group}: {other} and {info.alias} both map to ticker {ticker}; "
                                             "each member must be its own security")


_RETURNS = ("", "adjusted", "price")


def _read_tickers(path: Path | resources.abc.Traversable) -> Iterator[TickerInfo]:
    with path.open(encoding="utf-8") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            ticker = check_ticker(row.get("ticker") or "")
            returns = (row.get("returns") or "").strip().lower()
            if returns not in _RETURNS:
                raise DataFormatError(f"{path}:{line}", f"returns must be adjusted, price or empty, got {returns!r}")
            cell = {k: (row.get(k) or "").strip() for k in ("label_en", "label_ja", "short_en", "short_ja",
                                                            "stands_in_because")}
            yield TickerInfo(ticker, cell["label_en"], cell["label_ja"], cell["short_en"], cell["short_ja"],
                             returns=returns, stands_in_because=cell["stands_in_because"])


def _read_symbols(path: Path | resources.abc.Traversable) -> Iterator[SymbolInfo]:
    for _line, info in _numbered_symbols(path):
        yield info


def _numbered_symbols(path: Path | resources.abc.Traversable) -> Iterator[tuple[int, SymbolInfo]]:
    seen: dict[str, int] = {}
    for line, info in _read_rows(path):
        first = seen.setdefault(info.alias.upper(), line)
        if first != line:
            raise DataFormatError(f"{path}:{line}", f"duplicate alias {info.alias} (first on line {first}); "
                                                    "each alias may appear once")
        yield line, info


def _read_rows(path: Path | resources.abc.Traversable) -> Iterator[tuple[int, SymbolInfo]]:
    # A user's map (a Path): any encoding Excel saves, and a clear error when it is missing.
    text = read_text(path, "symbol map")[0] if isinstance(path, Path) else path.read_text(encoding="utf-8")
    with io.StringIO(text, newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in ("alias", "tickers") if c not in (reader.fieldnames or [])]
        if missing:
            raise DataFormatError(str(path), f"missing columns {', '.join(missing)}")
        for line, row in enumerate(reader, start=2):
            alias = (row.get("alias") or "").strip()
            tickers = tuple(check_ticker(t) for t in (row.get("tickers") or "").split("|") if t.strip())
            if not alias or not tickers:
                raise DataFormatError(f"{path}:{line}", "alias and tickers are required")
            label_en = (row.get("label_en") or alias).strip()
            label_ja = (row.get("label_ja") or label_en).strip()
            yield line, SymbolInfo(
                alias=alias,
                tickers=tickers,
                group=(row.get("group") or "").strip(),
                calendar=(row.get("calendar") or "").strip() or None,
                label_en=label_en,
                label_ja=label_ja,
                short_en=(row.get("short_en") or label_en).strip(),
                short_ja=(row.get("short_ja") or label_ja).strip(),
            )


__all__ = ["SymbolInfo", "SymbolMap", "TickerInfo", "calendar_for", "check_ticker"]
