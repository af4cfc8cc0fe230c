"""The Summary sheet: the week's post in lines, read from the other sheets' tables (so every figure on it is
the one the tables show) and written in the published form REVIEWLINE and the post share
(:mod:`marketreview.report.published`).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..calc.marks import Mark
from ..engine import Engine
from ..errors import MarketReviewError
from ..types import Lang
from . import published
from .cells import CellMaker
from .labels import label
from .model import Cell, Lines, Sheet, Table
from .published import Notes
from .sheets import RELATIVE_PAIRS

#: Indices whose week (start → end) and YTD open the post, in the posts' order.
US_LINES = ("DOW", "SP500", "NDX", "NASDAQ", "RUSSELL2000", "RUSSELL2000G", "SP500EW")
JAPAN_LINES = ("USDJPY", "TOPIX", "NIKKEI225")
RATE_LINES = ("US2Y", "US10Y")
#: how many of the best and worst TOPIX-17 sectors the post names
SECTOR_COUNT = 3
ALIASES = (*US_LINES, *JAPAN_LINES, *RATE_LINES)


#: the tables a line's series is looked up in, in order
LINE_TABLES = ("indices", "japan_indices", "fx", "yields")


class TableLookup:
    """The built sheets' tables, looked up by alias (through the ticker column)."""

    def __init__(self, engine: Engine, sheets: Sequence[Sheet]) -> None:
        self.engine = engine
        self.tables = {t.key: t for s in sheets for t in s.blocks if isinstance(t, Table)}

    def row(self, table: str, alias: str) -> dict[str, Cell] | None:
        try:
            ticker = self.engine.ticker(alias)
        except MarketReviewError:
            return None
        return self.tables[table].row_by("ticker", ticker) if table in self.tables else None

    def find(self, alias: str) -> dict[str, Cell] | None:
        for key in LINE_TABLES:
            found = self.row(key, alias)
            if found is not None:
                return found
        return None


def lines(m: CellMaker, sheets: Sequence[Sheet], lang: Lang) -> tuple[str, ...]:
    """The post's lines in ``lang``, each in the one published form (:mod:`marketreview.report.published`),
    then the ※ footnotes of the figures that are errors."""
    book, demo, notes = TableLookup(m.engine, sheets), m.engine.is_demo, Notes(lang)

    def name(alias: str) -> str:
        return line_name(m.engine, alias, lang)

    def row(alias: str) -> tuple[str, dict[str, Cell] | None, list[Mark]]:
        found = book.find(alias)
        return name(alias), found, published.series_marks(found.get("name") if found else None)

    def week(alias: str) -> str:
        label_, cells, extra = row(alias)
        return published.week_line(label_, cells, lang, notes, yield_=alias in RATE_LINES, extra=extra, demo=demo)

    def ytd(alias: str) -> str:
        label_, cells, extra = row(alias)
        return published.ytd_line(label_, cells, lang, notes, extra=extra, demo=demo)

    def first(key: str) -> dict[str, Cell] | None:
        return book.tables[key].records()[0] if key in book.tables and book.tables[key].rows else None

    out = [week(a) for a in US_LINES]
    out += [ytd(a) for a in (*US_LINES, "TOPIX", "NIKKEI225")]
    pairs = book.tables.get("pairs")
    for (key, num, den), cells in zip(RELATIVE_PAIRS, pairs.records() if pairs else [], strict=False):
        out.append(published.ratio_line(pair_name(m.engine, key, num, den, lang), cells, lang, notes, demo=demo))
    out.append(published.share_line(label("line.mag7", lang), first("share"), lang, notes, demo=demo))
    out += [week(a) for a in RATE_LINES]
    out.append(published.spread_line(label("line.spread", lang), first("spread"), lang, notes, demo=demo))
    out.append(published.range_line(label("line.fed", lang), first("fed"), lang, notes, demo=demo))
    out += [week(a) for a in JAPAN_LINES]
    out += sector_lines(m, book.tables.get("sectors"), lang, demo)
    return tuple(out + notes.lines())


def line_name(engine: Engine, alias: str, lang: Lang) -> str:
    """The name a line gives a series: a substitute under its own name (TOPIX連動ETF(1306))."""
    try:
        return engine.labelled(alias).label(lang)
    except MarketReviewError:
        return engine.resolve(alias).label(lang)


def pair_name(engine: Engine, key: str, num: str, den: str, lang: Lang) -> str:
    """A ratio line's name: the pair's label, or its legs' own names when one is a substitute."""
    if any(engine.substitute(n) is not None for n in (num, den)):
        return f"{line_name(engine, num, lang)} / {line_name(engine, den, lang)}"
    return label(key, lang)


def sector_lines(m: CellMaker, sectors: Table | None, lang: Lang, demo: bool) -> list[str]:
    """The best and the worst TOPIX-17 sectors of the week, with their marks."""
    ranked = ranked_sectors(m, sectors, lang)
    if not ranked:
        return [f"・{label('line.sectors_best', lang)} {published.DASH}"]
    best, worst = ranked[:SECTOR_COUNT], ranked[::-1][:SECTOR_COUNT]
    own = {id(c["w1"]): published.series_marks(c.get("name")) for c in sectors.records()} if sectors else {}
    return [published.ranking_line(label(key, lang), part, lang, demo=demo,
                                   extra=[m for _, cell in part for m in own.get(id(cell), [])])
            for key, part in (("line.sectors_best", best), ("line.sectors_worst", worst))]


def ranked_sectors(m: CellMaker, sectors: Table | None, lang: Lang) -> list[tuple[str, Cell]]:
    """(short name in ``lang``, weekly return cell) of every sector with a return, best first."""
    if sectors is None:
        return []
    names = {m.engine.ticker(i.alias): i.short(lang) for i in m.engine.symbols.in_group("topix17")}
    out = []
    for cells in sectors.records():
        value, ticker = cells["w1"].value, cells["ticker"].value
        if cells["w1"].error is None and isinstance(value, int | float) and isinstance(ticker, str):
            out.append((names.get(ticker, str(cells["name"].value)), cells["w1"]))
    return sorted(out, key=lambda item: -float(item[1].value))  # type: ignore[arg-type]


def summary(m: CellMaker, sheets: Sequence[Sheet]) -> Sheet:
    other: Lang = "en" if m.lang == "ja" else "ja"
    blocks = (Lines("lines", m.t("title.summary"), lines(m, sheets, m.lang)),
              Lines("lines_other", m.t("title.summary_other"), lines(m, sheets, other)))
    return Sheet("summary", m.t("sheet.summary"), m.stamp(list(ALIASES)), blocks, (), m.status(list(ALIASES)))
