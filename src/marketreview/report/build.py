"""Building the report model from the engine: one definition of what goes on every sheet, for both renderers.

Every figure comes from ``calc``; a figure that cannot be computed becomes a cell with its error text (never a
blank or a guess), and a figure computed over a gap or from stale data carries a warning.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path

from ..calc import prices
from ..calc.years import YearDating, YtdBasis
from ..engine import Engine
from ..errors import BadDateError, MarketReviewError
from ..types import Lang
from . import exhibits, macro, sheets, summary_sheet
from .cells import CellMaker
from .model import Report, Sheet

#: Symbol-map groups every report needs (aliases are taken from the map, so a user's map can add rows).
GROUPS = ("us_indices", "mag7", "rates", "japan", "topix17", "fx")
#: The index every "latest close" default is measured against.
CLOCK_SYMBOL = "SP500"


def needed_symbols(engine: Engine) -> list[str]:
    return [info.alias for group in GROUPS for info in engine.symbols.in_group(group)] + ["SP500"]


def build_report(engine: Engine, as_of: dt.date | None = None, lang: Lang = "ja", *, fetch: bool = True,
                 progress: Callable[[str, int, int], None] | None = None,
                 macro_list: Path | None = None, wanted: Sequence[str] = (), ytd_basis: YtdBasis = "asof",
                 year_dating: YearDating = "year_end") -> Report:
    """The whole review as of ``as_of`` (default: the latest S&P 500 close). With ``fetch`` the engine first
    fetches what the cache lacks (one request per source); symbols that fail are reported, not fatal.
    ``macro_list`` replaces the Macro sheet's list of series (``data/macro.csv``). ``wanted``: more names to
    fetch in the same batch (the formulas' symbols, :mod:`marketreview.wanted`); their failures stay out of the
    report's. ``ytd_basis="us_close"`` ends the US figures' year to date at the last US close before ``as_of``
    (a Japanese date); ``year_dating`` dates the previous years' block (:func:`calc.years.year_return`)."""
    if as_of is not None and as_of > engine.today():
        raise BadDateError(as_of, f"is in the future (today is {engine.today().isoformat()})", "asof")
    charts = macro.read_macro_list(macro_list)
    extra = macro.macro_names(engine, charts)
    names = list(dict.fromkeys(needed_symbols(engine)))
    failed: dict[str, str] = {}
    if fetch:
        fetched = engine.ensure([*names, *extra, *wanted], progress=progress)
        failed = {alias: str(error) for alias, error in fetched.failed.items()}
        try:
            engine.refresh_holdings()  # one MAG7SHARE snapshot per refresh; the stored ones serve if it fails
        except MarketReviewError as exc:
            failed["MAG7SHARE"] = str(exc)
    only_wanted = set(wanted) - set(names) - set(extra)
    names = list(dict.fromkeys([*names, *extra]))  # the Sources sheet says when each macro series was fetched
    engine.preload(names)
    day = _as_of(engine, as_of)
    make = CellMaker(engine, day, lang, failed)
    built: list[Sheet] = [
        sheets.us_indices(make, ytd_basis, year_dating),
        sheets.mag7(make, ytd_basis),
        sheets.relative(make),
        sheets.rates(make, ytd_basis),
        sheets.japan_sectors(make),
    ]
    built.append(summary_sheet.summary(make, built))
    built.append(macro.macro_sheet(make, charts))
    built.append(sheets.sources(make, names))
    return Report(as_of=day, lang=lang, sheets=tuple(built), source=make.source_text,
                  generated_at=engine.clock(), demo=engine.is_demo,
                  # the Macro sheet says what it lacks; the formulas' own symbols are no figure of the report
                  failed={a: e for a, e in failed.items() if a not in extra and a not in only_wanted},
                  providers=_providers(engine, names), exhibit_tables=(exhibits.japan_year(make),))


def _providers(engine: Engine, names: list[str]) -> dict[str, str]:
    """Ticker → provider, for the series whose source names who published them (the image credits)."""
    found: dict[str, str] = {}
    for name in names:
        try:
            p = engine.provenance(name)
        except MarketReviewError:
            continue
        if p.provider:
            found[p.ticker] = p.provider
    return found


def _as_of(engine: Engine, as_of: dt.date | None) -> dt.date:
    clock = engine.series(CLOCK_SYMBOL)
    if as_of is not None:
        prices.close_asof(clock, as_of, symbol=engine.ticker(CLOCK_SYMBOL))  # a review needs data on that day
        return as_of
    return min(prices.last_date(clock), engine.today())


__all__ = ["GROUPS", "build_report", "needed_symbols"]
