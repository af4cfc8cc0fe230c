"""What goes on each sheet. One function per sheet; each returns a :class:`Sheet` of tables, lines and charts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial
from typing import Literal

import pandas as pd

from ..calc import mag7 as mag7_calc
from ..calc import periods, returns, yields
from ..calc import relative as rel
from ..calc import summary as summary_calc
from ..calc.figure import Figure
from ..errors import MarketReviewError
from ..types import Lang
from . import mag7_notes
from .cells import CellMaker
from .model import Cell, Chart, Lines, Sheet, Table

HISTORY_WEEKS = 104
RELATIVE_PAIRS = (("pair.r2g", "RUSSELL2000G", "SP500"), ("pair.r2", "RUSSELL2000", "SP500"),
                  ("pair.ew", "SP500EW", "SP500"))
TENOR_ALIASES = ("US3M", "US2Y", "US10Y", "US30Y")
SUMMARY_ALIASES = ("DOW", "SP500", "NDX", "NASDAQ", "RUSSELL2000", "RUSSELL2000G", "TOPIX", "NIKKEI225",
                   "US2Y", "US10Y", "USDJPY")


def _price_row(m: CellMaker, name: str, periods_: tuple[str, ...]) -> tuple[Cell, ...]:
    """Name, ticker, date and close as of the report date, then the return over each period code."""
    series = m.series(name)
    ticker, sessions = m.engine.ticker(name), m.engine.sessions(name)

    def over(code: str) -> Figure:
        if code == "LASTYEAR":
            return returns.calendar_year(series, m.as_of.year - 1, symbol=ticker, sessions=sessions)
        return returns.period_perf(series, code, m.as_of, symbol=ticker, sessions=sessions)

    def latest() -> Figure:
        return returns.perf(series, m.as_of, m.as_of, symbol=ticker, sessions=sessions)

    return (m.name_cell(name), Cell(ticker), m.figure(latest, part="end_date"), m.figure(latest, part="end"),
            *(m.figure(partial(over, code)) for code in periods_))


def _safe_row(m: CellMaker, name: str, width: int, build: Callable[[], tuple[Cell, ...]]) -> tuple[Cell, ...]:
    """A row, or (when even the series cannot be had) the name followed by the error in every cell."""
    try:
        return build()
    except MarketReviewError as exc:
        return (m.name_cell(name), Cell(name), *(Cell(error=exc.excel_text) for _ in range(width - 2)))


def _sheet(m: CellMaker, key: str, blocks: tuple[Table | Lines, ...], aliases: list[str],
           charts: tuple[Chart, ...] = ()) -> Sheet:
    return Sheet(key, m.t(f"sheet.{key}"), m.stamp(aliases), blocks, charts, m.status(aliases))


def us_indices(m: CellMaker) -> Sheet:
    aliases = [i.alias for i in m.engine.symbols.in_group("us_indices")]
    columns = (m.col("name", width=28), m.col("ticker", width=10), m.col("date", "date"),
               m.col("close", "price"), m.col("w1", "pct_signed", signed=True),
               m.col("mtd", "pct_signed", signed=True), m.col("ytd", "pct_signed", signed=True),
               m.col("y1", "pct_signed", signed=True),
               m.col("last_year", "pct_signed", signed=True, header=f"{m.as_of.year - 1}"))
    rows = tuple(_safe_row(m, a, len(columns), partial(_price_row, m, a, ("1W", "MTD", "YTD", "1Y",
                                                                               "LASTYEAR")))
                 for a in aliases)
    return _sheet(m, "us_indices", (Table("indices", m.t("title.us_indices"), columns, rows),), aliases)


def mag7(m: CellMaker) -> Sheet:
    members = [i.alias for i in m.engine.symbols.group("MAG7")]
    columns = (m.col("name", width=22), m.col("ticker", width=10), m.col("date", "date"),
               m.col("close", "price"), m.col("w1", "pct_signed", signed=True),
               m.col("ytd", "pct_signed", signed=True))
    rows = tuple(_safe_row(m, a, len(columns), partial(_price_row, m, a, ("1W", "YTD"))) for a in members)
    stocks = Table("stocks", m.t("title.mag7"), columns, rows)

    def share(when: dt.date) -> Figure:
        closes = {m.engine.ticker(a): m.series(a) for a in members}
        return mag7_calc.mag7_share(closes, m.series("SP500"), m.engine.fundamentals(), when,
                                    members=list(closes), index_symbol=m.engine.ticker("SP500"))

    week_ago = periods.previous_week_end(m.as_of)

    def change() -> Figure:
        now, then = share(m.as_of), share(week_ago)
        return Figure(now.value - then.value, warnings=now.warnings)

    share_table = Table("share", m.t("title.mag7_share"),
                        (m.col("date", "date"), m.col("share", "pct"),
                         m.col("share_w1", "pct_signed", signed=True)),
                        ((Cell(m.as_of), m.figure(lambda: share(m.as_of)), m.figure(change)),))
    history_rows = []
    fridays = _week_ends(m.as_of, 52)
    for friday in fridays:
        history_rows.append((Cell(friday), m.point(partial(share, friday))))
    history = Table("share_history", m.t("title.mag7_history"),
                    (m.col("date", "date"), m.col("share", "pct")), tuple(history_rows))
    chart = Chart("mag7_share", "line", m.t("title.mag7_history"), "share_history", "date", ("share",),
                  m.t("chart.percent"))
    anchors = mag7_notes.anchor_lines(m, fridays[0])
    return _sheet(m, "mag7", (stocks, share_table, history, anchors), [*members, "SP500"], (chart,))


def relative(m: CellMaker) -> Sheet:
    def pair_row(key: str, num: str, den: str) -> tuple[Cell, ...]:
        a, b = m.series(num), m.series(den)
        ta, tb = m.engine.ticker(num), m.engine.ticker(den)
        sessions_a, sessions_b = m.engine.sessions(num), m.engine.sessions(den)
        return (Cell(m.t(key)), Cell(ta), Cell(tb),
                m.figure(lambda: rel.relratio(a, b, m.as_of, sessions_a=sessions_a, sessions_b=sessions_b,
                                              symbols=(ta, tb))),
                m.safe(lambda: _latest_ma(a, b, m.as_of)),
                m.figure(lambda: rel.reldev(a, b, m.as_of, symbols=(ta, tb))),
                m.figure(lambda: rel.reldev(a, b, m.as_of, relative=True, symbols=(ta, tb))))

    rows = []
    for key, num, den in RELATIVE_PAIRS:
        try:
            rows.append(pair_row(key, num, den))
        except MarketReviewError as exc:
            rows.append((Cell(m.t(key)), Cell(num), Cell(den), *(Cell(error=exc.excel_text) for _ in range(4))))
    columns = (m.col("pair", width=34), m.col("num", width=10, header=m.t("col.ticker") + " ①"),
               m.col("den", width=10, header=m.t("col.ticker") + " ②"),
               m.col("ratio", "pct"), m.col("ma", "pct"), m.col("deviation", "pct_signed", signed=True),
               m.col("rel_deviation", "pct_signed", signed=True))
    pairs = Table("pairs", m.t("title.relative"), columns, tuple(rows))
    history_rows: list[tuple[Cell, ...]] = []
    try:
        frame = rel.ratio_with_ma(m.series("RUSSELL2000G"), m.series("SP500"), m.as_of)
        frame = frame.dropna(subset=["ratio"]).tail(HISTORY_WEEKS)
        history_rows = [(Cell(d.date()), Cell(float(ratio)), Cell(None if pd.isna(ma) else float(ma)))
                        for d, ratio, ma in zip(frame.index, frame["ratio"], frame["ma"], strict=True)]
    except MarketReviewError as exc:
        history_rows = [(Cell(m.as_of), Cell(error=exc.excel_text), Cell(error=exc.excel_text))]
    history = Table("r2g_history", m.t("title.relative_history"),
                    (m.col("date", "date"), m.col("ratio", "pct"), m.col("ma", "pct")), tuple(history_rows))
    chart = Chart("r2g", "line", m.t("title.relative_history"), "r2g_history", "date", ("ratio", "ma"),
                  m.t("chart.ratio"))
    aliases = sorted({n for _, a, b in RELATIVE_PAIRS for n in (a, b)})
    return _sheet(m, "relative", (pairs, history), aliases, (chart,))


def rates(m: CellMaker) -> Sheet:
    rows = []
    for alias in TENOR_ALIASES:
        def build(alias: str = alias) -> tuple[Cell, ...]:
            series, ticker = m.series(alias), m.engine.ticker(alias)

            def change(code: str) -> Figure:
                return yields.yield_change_bp(series, periods.resolve_start(code, m.as_of), m.as_of, symbol=ticker)

            level = m.figure(lambda: yields.yield_level(series, m.as_of, symbol=ticker), part="value")
            return (m.name_cell(alias), Cell(ticker),
                    m.figure(lambda: change("1W"), part="end_date"), level,
                    m.figure(lambda: change("1W"), part="start"),
                    *(m.figure(partial(change, code)) for code in ("1W", "MTD", "YTD")))
        rows.append(_safe_row(m, alias, 8, build))
    columns = (m.col("name", width=28), m.col("ticker", width=10), m.col("date", "date"),
               m.col("level", "level_pct"), m.col("prev_week", "level_pct"),
               m.col("w1_bp", "bp", signed=True), m.col("mtd_bp", "bp", signed=True),
               m.col("ytd_bp", "bp", signed=True))
    table = Table("yields", m.t("title.yields"), columns, tuple(rows))

    def spread(when: dt.date) -> Figure:
        return yields.spread_bp(m.series("US10Y"), m.series("US2Y"), when,
                                symbols=(m.engine.ticker("US10Y"), m.engine.ticker("US2Y")))

    def spread_change() -> Figure:
        now, then = spread(m.as_of), spread(periods.previous_week_end(m.as_of))
        return Figure(now.value - then.value, warnings=now.warnings + then.warnings)

    spread_table = Table("spread", m.t("title.spread"),
                         (m.col("date", "date"), m.col("spread", "bp"), m.col("w1_bp", "bp", signed=True)),
                         ((Cell(m.as_of), m.figure(lambda: spread(m.as_of)), m.figure(spread_change)),))
    fed = Table("fed", m.t("title.fed"), (m.col("date", "date"), m.col("lower", "level_pct"),
                                          m.col("upper", "level_pct")),
                ((Cell(m.as_of),
                  m.figure(lambda: yields.yield_level(m.series("FEDFUNDS_LOWER"), m.as_of,
                                                      symbol=m.engine.ticker("FEDFUNDS_LOWER"))),
                  m.figure(lambda: yields.yield_level(m.series("FEDFUNDS_UPPER"), m.as_of,
                                                      symbol=m.engine.ticker("FEDFUNDS_UPPER")))),))
    history_rows = []
    for friday in _week_ends(m.as_of, HISTORY_WEEKS):
        history_rows.append((Cell(friday),
                             m.point(partial(yields.yield_level, m.series("US2Y"), friday)),
                             m.point(partial(yields.yield_level, m.series("US10Y"), friday))))
    history = Table("yield_history", m.t("title.yield_history"),
                    (m.col("date", "date"), m.col("us2y", "level_pct"), m.col("us10y", "level_pct")),
                    tuple(history_rows))
    chart = Chart("yields", "line", m.t("title.yield_history"), "yield_history", "date", ("us2y", "us10y"),
                  m.t("chart.percent"))
    aliases = [*TENOR_ALIASES, "FEDFUNDS_LOWER", "FEDFUNDS_UPPER"]
    return _sheet(m, "rates", (table, spread_table, fed, history), aliases, (chart,))


def japan_sectors(m: CellMaker) -> Sheet:
    def excess(name: str, code: str) -> Figure:
        series, ticker = m.series(name), m.engine.ticker(name)
        start = periods.resolve_start(code, m.as_of)
        own = returns.perf(series, start, m.as_of, symbol=ticker, sessions=m.engine.sessions(name))
        bench = returns.perf(m.series("TOPIX"), start, m.as_of, symbol=m.engine.ticker("TOPIX"),
                             sessions=m.engine.sessions("TOPIX"))
        return Figure(own.value - bench.value, warnings=own.warnings + bench.warnings)

    def rows_for(aliases: list[str]) -> tuple[tuple[Cell, ...], ...]:
        def row(a: str) -> tuple[Cell, ...]:
            return (*_price_row(m, a, ("1W", "MTD", "YTD")), m.figure(partial(excess, a, "1W")),
                    m.figure(partial(excess, a, "YTD")))

        return tuple(_safe_row(m, a, 9, partial(row, a)) for a in aliases)

    columns = (m.col("name", width=30), m.col("ticker", width=10), m.col("date", "date"),
               m.col("close", "price"), m.col("w1", "pct_signed", signed=True),
               m.col("mtd", "pct_signed", signed=True), m.col("ytd", "pct_signed", signed=True),
               m.col("excess_w1", "pct_signed", signed=True), m.col("excess_ytd", "pct_signed", signed=True))
    indices = [i.alias for i in m.engine.symbols.in_group("japan")]
    sectors = [i.alias for i in m.engine.symbols.in_group("topix17")]
    short_columns = (m.col("name", width=30), *columns[1:])
    sector_rows = tuple((Cell(m.info(a).short(m.lang), warning=m.stale_note(a)), *row[1:])
                        for a, row in zip(sectors, rows_for(sectors), strict=True))
    blocks = (Table("japan_indices", m.t("title.japan_indices"), columns, rows_for(indices)),
              Table("sectors", m.t("title.sectors"), short_columns, sector_rows))
    chart = Chart("sectors_w1", "bar", m.t("title.sectors") + f" — {m.t('col.w1')}", "sectors", "name", ("w1",),
                  m.t("chart.return"))
    return _sheet(m, "japan_sectors", blocks, [*indices, *sectors], (chart,))


def summary(m: CellMaker) -> Sheet:
    def lines(lang: Lang) -> tuple[str, ...]:
        out = []
        for alias in SUMMARY_ALIASES:
            out.append(_review_line(m, alias, lang))
        try:
            share = mag7_calc.mag7_share({m.engine.ticker(a): m.series(a) for a in
                                          (i.alias for i in m.engine.symbols.group("MAG7"))},
                                         m.series("SP500"), m.engine.fundamentals(), m.as_of,
                                         members=[m.engine.ticker(i.alias) for i in m.engine.symbols.group("MAG7")])
            text = "マグ7のS&P500時価総額比率" if lang == "ja" else "Mag7 share of S&P 500 market cap"
            out.append(summary_calc.finish_line(f"・{text} {summary_calc.format_number(share.value * 100, 1)}%",
                                                lang=lang, warnings=share.warnings, demo=m.engine.is_demo))
        except MarketReviewError as exc:
            out.append(f"・MAG7: {exc.excel_text}")
        return tuple(out)

    other: Lang = "en" if m.lang == "ja" else "ja"
    blocks = (Lines("lines", m.t("title.summary"), lines(m.lang)),
              Lines("lines_other", m.t("title.summary_other"), lines(other)))
    return _sheet(m, "summary", blocks, list(SUMMARY_ALIASES))


def sources(m: CellMaker, names: list[str]) -> Sheet:
    rows = []
    for alias in names:
        try:
            p = m.engine.provenance(alias)
        except MarketReviewError as exc:
            rows.append((Cell(alias), Cell(error=exc.excel_text), *(Cell() for _ in range(7))))
            continue
        rows.append((Cell(p.alias), Cell(m.info(alias).label(m.lang)), Cell(p.ticker), Cell(p.source),
                     Cell(p.first), Cell(p.last),
                     Cell(p.fetched_at.replace(tzinfo=None) if p.fetched_at else None),
                     Cell(m.t("yes") if p.adjusted else m.t("no")), Cell(p.note, warning=m.stale_note(alias))))
    rows += mag7_notes.snapshot_rows(m)
    columns = (m.col("alias", width=20), m.col("name", width=30), m.col("ticker", width=10),
               m.col("source", width=10), m.col("first", "date"), m.col("last", "date"),
               m.col("fetched", "datetime", width=17), m.col("adjusted", width=10), m.col("note", width=40))
    return _sheet(m, "sources", (Table("sources", m.t("title.sources"), columns, tuple(rows)),), names)


# -- helpers ----------------------------------------------------------------------------------------


def _review_line(m: CellMaker, alias: str, lang: Lang) -> str:
    info = m.info(alias)
    try:
        series, ticker = m.series(alias), m.engine.ticker(alias)
        start = periods.resolve_start("1W", m.as_of)
        kind: Literal["price", "yield"]
        if info.group == "rates":
            fig = yields.yield_change_bp(series, start, m.as_of, symbol=ticker)
            kind = "yield"
        else:
            fig = returns.perf(series, start, m.as_of, symbol=ticker, sessions=m.engine.sessions(alias))
            kind = "price"
        assert fig.start is not None and fig.end is not None
        return summary_calc.review_line(info.short(lang), fig.start.value, fig.end.value, fig.value,
                                        lang=lang, period="1W", kind=kind, warnings=fig.warnings,
                                        demo=m.engine.is_demo)
    except MarketReviewError as exc:
        return f"・{info.short(lang)}: {exc.excel_text}"


def _week_ends(as_of: dt.date, weeks: int) -> list[dt.date]:
    """The Fridays of the last ``weeks`` weeks before ``as_of``'s week, then ``as_of`` itself."""
    last_friday = periods.previous_week_end(as_of) - dt.timedelta(days=2)
    days = [last_friday - dt.timedelta(weeks=k) for k in range(weeks - 1, -1, -1)]
    return [*days, as_of]


def _latest_ma(a: pd.Series, b: pd.Series, as_of: dt.date) -> Cell:
    frame = rel.ratio_with_ma(a, b, as_of)
    ma = float(frame["ma"].iloc[-1]) if len(frame) else float("nan")
    return Cell(error="#N/A fewer than 26 weekly ratios for the average") if pd.isna(ma) else Cell(ma)
