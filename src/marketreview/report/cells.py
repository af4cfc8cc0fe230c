"""Turning engine series and calc figures into report cells, with errors and warnings kept beside the value."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pandas as pd

from ..calc import prices
from ..calc.figure import Figure
from ..calc.marks import adjusted_warning, marks_for
from ..engine import Engine
from ..errors import MarketReviewError
from ..symbols import SymbolInfo
from ..types import Lang
from .labels import label
from .model import Cell, Column, Fmt

JST = dt.timezone(dt.timedelta(hours=9), "JST")
#: A status line gives the reasons of at most this many failed symbols; beyond that it names them.
STATUS_REASONS = 2


class CellMaker:
    """Everything a sheet builder needs: the engine, the as-of date, the language, and safe cell constructors."""

    def __init__(self, engine: Engine, as_of: dt.date, lang: Lang, failed: dict[str, str]) -> None:
        self.engine = engine
        self.as_of = as_of
        self.lang = lang
        self.failed = failed
        self.source_text = "+".join(sorted({s.name for s in engine.router.sources}))

    # -- text ----------------------------------------------------------------------------------------

    def t(self, key: str) -> str:
        return label(key, self.lang)

    def col(self, key: str, fmt: Fmt = "text", width: int = 12, *, signed: bool = False,
            header: str | None = None) -> Column:
        return Column(key, header if header is not None else self.t(f"col.{key}"), fmt, width, signed)

    def stamp(self, aliases: list[str]) -> str:
        """As-of date, source, the oldest fetch time among the sheet's series, and DEMO where it applies."""
        fetched = self.engine.fetched_at(aliases)
        parts = [f"{self.t('stamp.as_of')}: {self.as_of.isoformat()}",
                 f"{self.t('stamp.source')}: {self.source_text}",
                 f"{self.t('stamp.fetched')}: "
                 + (self.local_time(fetched).strftime("%Y-%m-%d %H:%M ") + self.zone if fetched
                    else self.t("stamp.never"))]
        if self.engine.offline:
            parts.append(self.t("stamp.offline").format(age=_age(self.engine.clock() - fetched),
                                                        data=self._data_age(aliases)) if fetched
                         else self.t("stamp.offline_never"))
        if self.engine.is_demo:  # first, so no column width or print area can hide it
            parts.insert(0, self.t("stamp.demo"))
        return " · ".join(parts)

    def _data_age(self, aliases: list[str]) -> str:
        """How old the data is (not when it was fetched): the oldest last close among ``aliases``."""
        infos = [self.engine.cache.info(self.engine.ticker(a)) for a in aliases]
        lasts = [i.last for i in infos if i is not None and i.last is not None]
        if not lasts:
            return self.t("stamp.never")
        last = min(lasts)
        return self.t("stamp.data_age").format(last=last.isoformat(), days=(self.engine.today() - last).days)

    def status(self, aliases: list[str]) -> str:
        bad = [a for a in aliases if a in self.failed]
        if not bad:
            return ""
        if len(bad) > STATUS_REASONS:  # one line the reader can take in; the reasons are on the Sources sheet
            return self.t("status.failed_many").format(n=len(bad), names=", ".join(bad))
        return f"{self.t('status.failed')}: " + "; ".join(f"{a} ({self.failed[a]})" for a in bad)

    @property
    def zone(self) -> str:
        """The time zone fetch times are shown in: JST for a Japanese reader, UTC otherwise."""
        return "JST" if self.lang == "ja" else "UTC"

    def local_time(self, when: dt.datetime) -> dt.datetime:
        """``when`` (UTC if naive) in :attr:`zone`, without tzinfo (spreadsheets store naive times)."""
        aware = when if when.tzinfo is not None else when.replace(tzinfo=dt.timezone.utc)
        return aware.astimezone(JST if self.lang == "ja" else dt.timezone.utc).replace(tzinfo=None)

    # -- data ----------------------------------------------------------------------------------------

    def series(self, name: str) -> pd.Series:
        return self.engine.series(name)

    def info(self, name: str) -> SymbolInfo:
        """``name``'s entry under the labels of the ticker serving it (a fallback ETF is named as itself)."""
        return self.engine.labelled(name)

    def stale_note(self, name: str) -> str | None:
        alias = self.engine.resolve(name).alias
        if alias not in self.failed:
            return None
        try:
            last = prices.last_date(self.engine.series(alias)).isoformat()
        except MarketReviewError:
            return f"NO DATA: fetch failed ({self.failed[alias]}) and nothing is cached for it"
        return f"STALE: fetch failed ({self.failed[alias]}); last good date {last}"

    # -- cells ---------------------------------------------------------------------------------------

    def name_cell(self, name: str) -> Cell:
        """The name a row is published under (a substitute's own name), with the series' own warnings: a failed
        fetch, a substitute ticker, dividend-adjusted closes."""
        notes = [self.stale_note(name), *self.engine.marks(name)]
        try:
            if self.engine.provenance(name).adjusted and not any("dividend-adjusted" in n for n in notes if n):
                notes.append(adjusted_warning(self.engine.ticker(name)))
        except MarketReviewError:
            pass  # the row's cells carry the error
        return Cell(self.engine.labelled(name).label(self.lang), warning="; ".join(n for n in notes if n) or None)

    def pair_name(self, key: str, num: str, den: str) -> Cell:
        """A relative pair's name; a substitute on either side is named (``S&P500均等加重ETF(RSP) / S&P500``)."""
        try:
            served = [self.engine.substitute(n) is not None for n in (num, den)]
        except MarketReviewError:
            served = [False, False]
        if not any(served):
            return Cell(self.t(key))
        return Cell(" / ".join(self.engine.labelled(n).label(self.lang) for n in (num, den)))

    def short_name(self, name: str) -> str:
        """The short label, or the substitute's own name when a fallback serves ``name``."""
        try:
            return self.engine.labelled(name).short(self.lang)
        except MarketReviewError:
            return self.info(name).short(self.lang)

    def figure(self, compute: Callable[[], Figure], *, part: str = "value") -> Cell:
        """A figure's value (or its start/end close or date), its warnings, or its error as text."""
        try:
            figure = compute()
        except MarketReviewError as exc:
            return Cell(error=exc.excel_text)
        warning = "; ".join(figure.warnings) or None
        marks = marks_for(figure, part)
        if part == "value":
            return Cell(figure.value, warning, marks=marks)
        point = figure.end if part.startswith("end") else figure.start
        if point is None:
            return Cell(error="#N/A no close")
        return Cell(point.date if part.endswith("date") else point.value, warning, marks=marks)

    def point(self, compute: Callable[[], Figure]) -> Cell:
        """A chart point: like :meth:`figure`, but an error leaves the cell blank (a gap in the line, not a
        zero) and travels as the cell's warning."""
        cell = self.figure(compute)
        return Cell(None, warning=cell.error) if cell.error is not None else cell

    def safe(self, compute: Callable[[], object]) -> Cell:
        try:
            value = compute()
        except MarketReviewError as exc:
            return Cell(error=exc.excel_text)
        if isinstance(value, Cell):
            return value
        return Cell(value)  # type: ignore[arg-type]



#: how :meth:`CellMaker.stale_note` starts, in either language (a build lists those series once, not per cell)
UNFILLED_PREFIXES = ("NO DATA: ", "STALE: fetch failed", "データなし：", "古いデータ：取得に失敗")


def is_unfilled_note(warning: str) -> bool:
    """Whether ``warning`` is a :meth:`CellMaker.stale_note` (after a report's "sheet: " prefix, if any)."""
    return any(warning.startswith(p) or f": {p}" in warning for p in UNFILLED_PREFIXES)


def _age(delta: dt.timedelta) -> str:
    """A cache age as people say it: 45 min, 5 h, 3 days (a fetch time ahead of the clock: clock skew)."""
    minutes = int(delta.total_seconds() // 60)
    if minutes < -5:
        return f"{-minutes // (24 * 60)} days in the future (clock skew: check the computer's date and time)"
    if minutes < 120:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // (24 * 60)} days"
