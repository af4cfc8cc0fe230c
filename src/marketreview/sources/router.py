"""Which source serves which ticker (first matching rule, else the default), and the CLI's ``--source``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from ..errors import BadArgumentError, DataError
from ..types import FundamentalsSnapshot, Symbol
from .base import Source, unique_symbols
from .csvdir import CsvDirSource
from .demo import DemoSource
from .fred import FredSource, is_fred_series
from .holdings import HoldingsSource
from .jquants import JQuantsSource, is_jquants_symbol
from .yahoo import YahooSource

Rule = tuple[Callable[[str], bool], Source]

SPEC_HELP = "auto | yahoo | fred | demo | csv:DIR"


class Router:
    """Routes each ticker to the first source whose predicate accepts it, else to ``default``."""

    def __init__(self, default: Source, rules: Sequence[Rule] = (), *, holdings: HoldingsSource | None = None
                 ) -> None:
        self.default = default
        self.rules: tuple[Rule, ...] = tuple(rules)
        #: where MAG7SHARE's weight snapshots come from when no source has fundamentals (the live sources)
        self.holdings = holdings

    def __repr__(self) -> str:
        return f"Router({self.default!r}, rules={[s for _, s in self.rules]!r})"

    @classmethod
    def default_live(cls, jquants_key: str | None = None) -> Router:
        """FRED for the series it publishes (:func:`~.fred.is_fred_series`), Yahoo for the rest; with a J-Quants
        key, TOPIX itself from J-Quants (without one, the symbol map's fallback ETF serves it)."""
        return cls(YahooSource(), [*_jquants_rules(jquants_key), (is_fred_series, FredSource())],
                   holdings=HoldingsSource())

    @property
    def sources(self) -> tuple[Source, ...]:
        """Every distinct source, the default first."""
        seen: dict[int, Source] = {id(self.default): self.default}
        for _, source in self.rules:
            seen.setdefault(id(source), source)
        return tuple(seen.values())

    def route(self, ticker: Symbol) -> Source:
        for accepts, source in self.rules:
            if accepts(ticker):
                return source
        return self.default

    def split(self, tickers: Sequence[Symbol]) -> dict[Source, list[Symbol]]:
        """``{source: its tickers}``, sources in order of first use, tickers in request order (no repeats)."""
        batches: dict[Source, list[Symbol]] = {}
        for ticker in unique_symbols(tickers):
            batches.setdefault(self.route(ticker), []).append(ticker)
        return batches

    @property
    def has_fundamentals(self) -> bool:
        """Whether a source reads market-cap snapshots itself (a CSV folder, the demo): they win over holdings."""
        return any(callable(getattr(source, "fundamentals", None)) for source in self.sources)

    def fundamentals(self) -> list[FundamentalsSnapshot]:
        """Market-cap snapshots from the first source that has them (csv, demo)."""
        for source in self.sources:
            reader = getattr(source, "fundamentals", None)
            if callable(reader):
                snapshots: list[FundamentalsSnapshot] = reader()
                return snapshots
        names = ", ".join(getattr(s, "name", type(s).__name__) for s in self.sources)
        raise DataError(f"MAG7SHARE needs fundamentals: use --source csv:DIR (a folder with fundamentals/) "
                        f"or --source demo, or fund holdings with --source auto or yahoo; {names} has none")


def _jquants_rules(key: str | None) -> list[Rule]:
    return [(is_jquants_symbol, JQuantsSource(key))] if key else []


def router_from_spec(spec: str, *, jquants_key: str | None = None) -> Router:
    """The router for a ``--source`` value: ``auto`` (FRED + Yahoo), ``yahoo``, ``fred``, ``demo`` or
    ``csv:DIR`` (split on the first colon only, so ``csv:C:\\data`` works). ``jquants_key`` makes J-Quants
    serve TOPIX for the live sources (``auto``, ``yahoo``); a CSV folder's own ``TOPIX.csv`` and the demo's
    series are never replaced by it."""
    if not isinstance(spec, str) or not spec.strip():
        raise BadArgumentError("source", spec, f"expected {SPEC_HELP}")
    text = spec.strip()
    kind, sep, rest = text.partition(":")
    kind = kind.strip().lower()
    if kind == "csv":
        folder = rest.strip()
        if not sep or not folder:
            raise BadArgumentError("source", spec, "csv needs a folder: csv:DIR")
        if not Path(folder).is_dir():
            raise BadArgumentError("source", spec, f"folder {folder} not found")
        return Router(CsvDirSource(folder))
    if sep:
        raise BadArgumentError("source", spec, f"only csv takes a value; expected {SPEC_HELP}")
    if kind == "auto":
        return Router.default_live(jquants_key)
    if kind == "yahoo":
        return Router(YahooSource(), _jquants_rules(jquants_key), holdings=HoldingsSource())
    if kind == "fred":
        return Router(FredSource())
    if kind == "demo":
        return Router(DemoSource())
    raise BadArgumentError("source", spec, f"expected {SPEC_HELP}")


__all__ = ["SPEC_HELP", "Router", "router_from_spec"]
