"""The Summary sheet: the week's post in lines, read from the other sheets' tables (so every figure on it is
the one the tables show) and written by the one line formatter REVIEWLINE uses (:mod:`marketreview.calc.summary`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextvars import ContextVar
from functools import partial

from ..calc import summary as fmt
from ..errors import MarketReviewError
from ..types import Lang
from .cells import CellMaker
from .labels import label
from .model import Cell, Lines, Sheet, Table
from .reasons import short_reason
from .sheets import pair_short

#: Indices whose week (start → end) and YTD open the post, in the posts' order.
US_LINES = ("DOW", "SP500", "NDX", "NASDAQ", "RUSSELL2000", "RUSSELL2000G", "SP500EW")
JAPAN_LINES = ("USDJPY", "TOPIX", "NIKKEI225")
RATE_LINES = ("US2Y", "US10Y")
#: how many of the best and worst TOPIX-17 sectors the post names
SECTOR_COUNT = 3
ALIASES = (*US_LINES, *JAPAN_LINES, *RATE_LINES)


class _Missing(Exception):
    """A cell the line needs holds an error (its text) or no value."""


#: the warnings of the cells the line being built has read (they become its marks)
_READ: ContextVar[list[str] | None] = ContextVar("summary_line_warnings", default=None)


def _number(cells: dict[str, Cell] | None, key: str) -> float:
    if cells is None:
        raise _Missing("#N/A no row")
    cell = cells[key]
    if cell.error is not None:
        raise _Missing(cell.error)
    if not isinstance(cell.value, int | float):
        raise _Missing("#N/A no value")
    read = _READ.get()
    if read is not None and cell.warning:
        read.append(cell.warning)
    return float(cell.value)


class _Book:
    """The built sheets' tables, looked up by alias (through the ticker column)."""

    def __init__(self, m: CellMaker, sheets: Sequence[Sheet]) -> None:
        self.m = m
        self.tables = {t.key: t for s in sheets for t in s.blocks if isinstance(t, Table)}

    def row(self, table: str, alias: str) -> dict[str, Cell] | None:
        try:
            ticker = self.m.engine.ticker(alias)
        except MarketReviewError:
            return None
        return self.tables[table].row_by("ticker", ticker) if table in self.tables else None

    def find(self, alias: str) -> dict[str, Cell] | None:
        for key in ("indices", "japan_indices", "fx", "yields"):
            found = self.row(key, alias)
            if found is not None:
                return found
        return None


def _safe(label_: str, build: Callable[[], str], demo: bool, lang: Lang) -> str:
    """The line, or the label and a short reason in ``lang`` (the tables' cells carry the full message)."""
    read: list[str] = []
    token = _READ.set(read)
    try:
        return fmt.finish_line(build(), lang=lang, warnings=read, demo=demo)
    except (_Missing, MarketReviewError) as exc:
        text = exc.excel_text if isinstance(exc, MarketReviewError) else str(exc)
        return f"・{label_}: {short_reason(text, lang)}"
    finally:
        _READ.reset(token)


def lines(m: CellMaker, sheets: Sequence[Sheet], lang: Lang) -> tuple[str, ...]:
    book, demo = _Book(m, sheets), m.engine.is_demo

    def short(alias: str) -> str:
        return m.info(alias).short(lang)

    def week(alias: str) -> str:
        row = book.find(alias)
        if alias in RATE_LINES:
            return fmt.review_line(short(alias), _number(row, "prev_week"), _number(row, "level"),
                                   _number(row, "w1_bp"), lang=lang, period="1W", kind="yield")
        return fmt.review_line(short(alias), _number(row, "prev"), _number(row, "close"), _number(row, "w1"),
                               lang=lang, period="1W")

    def ytd(alias: str) -> str:
        return fmt.ytd_line(short(alias), _number(book.find(alias), "ytd"), lang=lang)

    def ratio(name: str, cells: dict[str, Cell]) -> str:
        return fmt.ratio_line(name, _number(cells, "ratio"), _number(cells, "deviation"), lang=lang)

    out = [_safe(short(a), partial(week, a), demo, lang) for a in US_LINES]
    out += [_safe(f"{short(a)} {fmt.period_label('YTD', lang)}", partial(ytd, a), demo, lang)
            for a in (*US_LINES, "TOPIX", "NIKKEI225")]
    pairs = book.tables.get("pairs")
    for key, cells in zip(("pair.r2g", "pair.r2", "pair.ew"), pairs.records() if pairs else [], strict=False):
        name = pair_short(m, key, lang)  # a fallback leg (RSP) under its own name
        out.append(_safe(name, partial(ratio, name, cells), demo, lang))
    share = book.tables["share"].records()[0] if "share" in book.tables else None
    out.append(_safe(label("line.mag7", lang), lambda: fmt.share_line(
        label("line.mag7", lang), _number(share, "share"), _number(share, "share_w1"), lang=lang), demo, lang))
    out += [_safe(short(a), partial(week, a), demo, lang) for a in RATE_LINES]
    spread = book.tables["spread"].records()[0] if "spread" in book.tables else None
    out.append(_safe(label("line.spread", lang), lambda: fmt.spread_line(
        label("line.spread", lang), _number(spread, "spread"), _number(spread, "w1_bp"), lang=lang), demo, lang))
    fed = book.tables["fed"].records()[0] if "fed" in book.tables else None
    out.append(_safe(label("line.fed", lang), lambda: fmt.range_line(
        label("line.fed", lang), _number(fed, "lower"), _number(fed, "upper"), lang=lang), demo, lang))
    out += [_safe(short(a), partial(week, a), demo, lang) for a in JAPAN_LINES]
    out += _sector_lines(m, book, lang, demo)
    return tuple(out)


def _sector_lines(m: CellMaker, book: _Book, lang: Lang, demo: bool) -> list[str]:
    ranked = ranked_sectors(m, book.tables.get("sectors"), lang)
    best, worst = ranked[:SECTOR_COUNT], ranked[::-1][:SECTOR_COUNT]
    if not ranked:
        return [f"・{label('line.sectors_best', lang)}: {short_reason('#N/A no data', lang)}"]
    warned = _sector_warnings(m, book.tables.get("sectors"), lang)
    return [fmt.finish_line(fmt.ranking_line(key, part, lang=lang), lang=lang, demo=demo,
                            warnings=[warned[name] for name, _ in part if name in warned])
            for key, part in ((label("line.sectors_best", lang), best), (label("line.sectors_worst", lang), worst))]


def _sector_warnings(m: CellMaker, sectors: Table | None, lang: Lang) -> dict[str, str]:
    """The weekly-return warning of each sector, by its short name in ``lang``."""
    names = {m.engine.ticker(i.alias): i.short(lang) for i in m.engine.symbols.in_group("topix17")}
    out = {}
    for cells in sectors.records() if sectors is not None else []:
        ticker, warning = cells["ticker"].value, cells["w1"].warning
        if isinstance(ticker, str) and warning:
            out[names.get(ticker, str(cells["name"].value))] = warning
    return out


def ranked_sectors(m: CellMaker, sectors: Table | None, lang: Lang) -> list[tuple[str, float]]:
    """(short name in ``lang``, weekly return) of every sector with a return, best first."""
    if sectors is None:
        return []
    names = {m.engine.ticker(i.alias): i.short(lang) for i in m.engine.symbols.in_group("topix17")}
    out = []
    for cells in sectors.records():
        value, ticker = cells["w1"].value, cells["ticker"].value
        if cells["w1"].error is None and isinstance(value, int | float) and isinstance(ticker, str):
            out.append((names.get(ticker, str(cells["name"].value)), float(value)))
    return sorted(out, key=lambda item: -item[1])


def summary(m: CellMaker, sheets: Sequence[Sheet]) -> Sheet:
    other: Lang = "en" if m.lang == "ja" else "ja"
    blocks = (Lines("lines", m.t("title.summary"), lines(m, sheets, m.lang)),
              Lines("lines_other", m.t("title.summary_other"), lines(m, sheets, other)))
    return Sheet("summary", m.t("sheet.summary"), m.stamp(list(ALIASES)), blocks, (), m.status(list(ALIASES)))
