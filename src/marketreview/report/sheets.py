"""What goes on each sheet. One function per sheet; each returns a :class:`Sheet` of tables, lines and charts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace
from functools import partial

import pandas as pd

from ..calc import history as history_calc
from ..calc import mag7 as mag7_calc
from ..calc import periods, returns, yields
from ..calc import relative as rel
from ..calc import sectors as sectors_calc
from ..calc import years as years_calc
from ..calc.figure import Figure
from ..errors import MarketReviewError
from ..substitutes import ADJUSTED
from ..types import FundamentalsSnapshot
from . import extras, macro, mag7_notes
from .cells import CellMaker
from .model import Cell, Chart, Fmt, Lines, Sheet, Table
from .reasons import localise_note

HISTORY_WEEKS = 104
#: the 2Y/10Y daily table and chart cover this many calendar days before the as-of date
YIELD_HISTORY_DAYS = 365
RELATIVE_PAIRS = (("pair.r2g", "RUSSELL2000G", "SP500"), ("pair.r2", "RUSSELL2000", "SP500"),
                  ("pair.ew", "SP500EW", "SP500"))
TENOR_ALIASES = ("US3M", "US2Y", "US10Y", "US30Y")
#: Pairs whose ratio of levels means nothing to a reader (an ETF or equal-weight index over the S&P 500): their
#: relative performance is also shown rebased to 100 at the start of the 26-week window. The others keep the raw
#: ratio only, as the seed material quotes it (R2000G ÷ S&P 500 = 24.66%).
REBASED_PAIRS = frozenset({"pair.ew"})
REBASED_HEADER = {"ja": "相対パフォーマンス（26週前=100）", "en": "Relative performance (26 weeks ago = 100)"}


def _price_row(m: CellMaker, name: str, periods_: tuple[str, ...], *, prev: bool = False,
               ytd_end: dt.date | None = None) -> tuple[Cell, ...]:
    """Name, ticker, date (and with ``prev`` the previous week's close) and close as of the report date, then
    the return over each period code ("YTD" ends on ``ytd_end`` where given)."""
    series = m.series(name)
    ticker, sessions = m.engine.ticker(name), m.engine.sessions(name)
    fmt: Fmt | None = "price0" if ticker.endswith(".T") else None  # Tokyo ETFs trade in whole yen

    def over(code: str) -> Figure:
        if code == "LASTYEAR":
            return returns.calendar_year(series, m.as_of.year - 1, symbol=ticker, sessions=sessions)
        if code == "YTD" and ytd_end is not None:
            return returns.perf(series, periods.prior_year_end(ytd_end), ytd_end, symbol=ticker, sessions=sessions)
        return returns.period_perf(series, code, m.as_of, symbol=ticker, sessions=sessions)

    def latest() -> Figure:
        return returns.perf(series, m.as_of, m.as_of, symbol=ticker, sessions=sessions)

    before = (replace(m.figure(partial(over, "1W"), part="start"), fmt=fmt),) if prev else ()
    return (m.name_cell(name), Cell(ticker), m.figure(latest, part="end_date"), *before,
            replace(m.figure(latest, part="end"), fmt=fmt), *(m.figure(partial(over, code)) for code in periods_))


def _safe_row(m: CellMaker, name: str, width: int, build: Callable[[], tuple[Cell, ...]]) -> tuple[Cell, ...]:
    """A row, or (when even the series cannot be had) the name followed by the error in every cell."""
    try:
        return build()
    except MarketReviewError as exc:
        try:
            ticker = m.engine.ticker(name)
        except MarketReviewError:
            ticker = name
        return (m.name_cell(name), Cell(ticker), *(Cell(error=exc.excel_text) for _ in range(width - 2)))


def _sheet(m: CellMaker, key: str, blocks: tuple[Table | Lines, ...], aliases: list[str],
           charts: tuple[Chart, ...] = ()) -> Sheet:
    return Sheet(key, m.t(f"sheet.{key}"), m.stamp(aliases), blocks, charts, m.status(aliases))


def us_indices(m: CellMaker, ytd_basis: years_calc.YtdBasis = "asof",
               year_dating: years_calc.YearDating = "year_end") -> Sheet:
    aliases = [i.alias for i in m.engine.symbols.in_group("us_indices")]
    ytd_end = extras.ytd_end(m, ytd_basis)
    columns = (m.col("name", width=28), m.col("ticker", width=10), m.col("date", "date"),
               m.col("prev", "price"), m.col("close", "price"), m.col("w1", "pct_signed", signed=True),
               m.col("mtd", "pct_signed", signed=True),
               m.col("ytd", "pct_signed", signed=True, header=extras.ytd_header(m, ytd_basis)),
               m.col("y1", "pct_signed", signed=True),
               m.col("last_year", "pct_signed", signed=True, header=f"{m.as_of.year - 1}"))
    rows = tuple(_safe_row(m, a, len(columns), partial(_price_row, m, a, ("1W", "MTD", "YTD", "1Y", "LASTYEAR"),
                                                       prev=True, ytd_end=ytd_end))
                 for a in aliases)
    return _sheet(m, "us_indices", (Table("indices", m.t("title.us_indices"), columns, rows),
                                    extras.prev_years(m, aliases, year_dating)), aliases)


def mag7(m: CellMaker, ytd_basis: years_calc.YtdBasis = "asof") -> Sheet:
    members = [i.alias for i in m.engine.symbols.group("MAG7")]
    columns = (m.col("name", width=22), m.col("ticker", width=10), m.col("date", "date"),
               m.col("close", "price"), m.col("w1", "pct_signed", signed=True),
               m.col("ytd", "pct_signed", signed=True, header=extras.ytd_header(m, ytd_basis)))
    ytd_end = extras.ytd_end(m, ytd_basis)
    rows = tuple(_safe_row(m, a, len(columns), partial(_price_row, m, a, ("1W", "YTD"), ytd_end=ytd_end))
                 for a in members)
    stocks = Table("stocks", m.t("title.mag7"), columns, rows)

    def inputs() -> tuple[dict[str, pd.Series], pd.Series, list[FundamentalsSnapshot]]:
        return {m.engine.ticker(a): m.series(a) for a in members}, m.series("SP500"), m.engine.fundamentals()

    def share(when: dt.date) -> Figure:
        member_closes, index, snapshots = inputs()
        return mag7_calc.mag7_share(member_closes, index, snapshots, when, members=list(member_closes),
                                    index_symbol=m.engine.ticker("SP500"))

    week_ago = periods.previous_week_end(m.as_of)

    def change() -> Figure:  # in percentage points, both weeks on this week's anchors
        member_closes, index, snapshots = inputs()
        return _points(mag7_calc.mag7_share_change(member_closes, index, snapshots, week_ago, m.as_of,
                                                   members=list(member_closes),
                                                   index_symbol=m.engine.ticker("SP500")))

    share_table = Table("share", m.t("title.mag7_share"),
                        (m.col("date", "date"), m.col("share", "pct"),
                         m.col("share_w1", "pt", signed=True)),
                        ((Cell(m.as_of), m.figure(lambda: share(m.as_of)), m.figure(change)),))
    fridays = _week_ends(m.as_of, 52)
    history_rows = [(Cell(friday), m.point(partial(_raise_or_return, point)))
                    for friday, point in zip(fridays, _mag7_history(m, members, fridays), strict=True)]
    history = Table("share_history", m.t("title.mag7_history"),
                    (m.col("date", "date"), m.col("share", "pct", header=m.t("chart.mag7_share"))),
                    tuple(history_rows))
    chart = Chart("mag7_share", "line", m.t("chart.mag7_weekly"), "share_history", "date", ("share",),
                  m.t("chart.percent"))
    anchors = mag7_notes.anchor_lines(m, min(fridays))  # the history runs newest first
    return _sheet(m, "mag7", (stocks, extras.members(m, members, ytd_basis), share_table, history, anchors),
                  [*members, "SP500"], (chart,))


def relative(m: CellMaker) -> Sheet:
    def pair_row(key: str, num: str, den: str) -> tuple[Cell, ...]:
        a, b = m.series(num), m.series(den)
        ta, tb = m.engine.ticker(num), m.engine.ticker(den)
        sessions_a, sessions_b = m.engine.sessions(num), m.engine.sessions(den)
        mixed = _mixed_basis(m, num, den)
        if mixed is not None:
            return (m.pair_name(key, num, den), Cell(ta), Cell(tb), *(Cell(error=mixed) for _ in range(5)))
        rebase = (m.figure(lambda: rel.rebased(a, b, m.as_of, sessions_a=sessions_a, sessions_b=sessions_b,
                                               symbols=(ta, tb)))
                  if key in REBASED_PAIRS else Cell())
        return (m.pair_name(key, num, den), Cell(ta), Cell(tb),
                m.figure(lambda: rel.relratio(a, b, m.as_of, sessions_a=sessions_a, sessions_b=sessions_b,
                                              symbols=(ta, tb))),
                m.safe(lambda: _latest_ma(a, b, m.as_of)),
                m.figure(lambda: _points(rel.reldev(a, b, m.as_of, symbols=(ta, tb)))),
                m.figure(lambda: rel.reldev(a, b, m.as_of, relative=True, symbols=(ta, tb))), rebase)

    rows = []
    for key, num, den in RELATIVE_PAIRS:
        try:
            rows.append(pair_row(key, num, den))
        except MarketReviewError as exc:
            rows.append((Cell(m.t(key)), Cell(num), Cell(den), *(Cell(error=exc.excel_text) for _ in range(5))))
    columns = (m.col("pair", width=34), m.col("num", width=10, header=m.t("col.ticker") + " ①"),
               m.col("den", width=10, header=m.t("col.ticker") + " ②"),
               m.col("ratio", "pct"), m.col("ma", "pct"), m.col("deviation", "pt", signed=True),
               m.col("rel_deviation", "pct_signed", signed=True),
               m.col("rebased", "price", header=REBASED_HEADER[m.lang]))
    pairs = Table("pairs", m.t("title.relative"), columns, tuple(rows))
    history, charts = _ratio_history(m)
    aliases = sorted({n for _, a, b in RELATIVE_PAIRS for n in (a, b)})
    return _sheet(m, "relative", (pairs, history), aliases, charts)


def _mixed_basis(m: CellMaker, num: str, den: str) -> str | None:
    """The error text of a pair whose legs are on different bases (a total return over a price index): such a
    ratio drifts by the dividends alone, so it is not computed."""
    bases = {name: m.engine.basis(name) == ADJUSTED for name in (num, den)}
    if bases[num] == bases[den]:
        return None
    adjusted, price = (num, den) if bases[num] else (den, num)
    return (f"#N/A {m.engine.ticker(adjusted)} is dividend-adjusted (total return) and {m.engine.ticker(price)} "
            "is a price index: not compared (mixed basis)")


def rates(m: CellMaker, ytd_basis: years_calc.YtdBasis = "asof") -> Sheet:
    ytd_end = extras.ytd_end(m, ytd_basis)
    rows = []
    for alias in TENOR_ALIASES:
        def build(alias: str = alias) -> tuple[Cell, ...]:
            series, ticker = m.series(alias), m.engine.ticker(alias)

            def change(code: str) -> Figure:
                if code == "YTD":
                    return yields.yield_change_bp(series, periods.prior_year_end(ytd_end), ytd_end, symbol=ticker)
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
               m.col("ytd_bp", "bp", signed=True, header=extras.ytd_header(m, ytd_basis, "col.ytd_bp")))
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
    history = _yield_history(m)
    chart = Chart("yields", "line", m.t("chart.yields"), "yield_history", "date", ("us2y", "us10y"),
                  m.t("chart.percent"))
    aliases = [*TENOR_ALIASES, "FEDFUNDS_LOWER", "FEDFUNDS_UPPER"]
    return _sheet(m, "rates", (table, extras.yield_range(m), spread_table, fed, history), aliases, (chart,))


def japan_sectors(m: CellMaker) -> Sheet:
    def excess(aliases: list[str], code: str) -> dict[str, Cell]:
        """Each alias's return over ``code`` less TOPIX's, from :func:`calc.sectors.sector_returns`."""
        try:
            closes = {a: m.series(a) for a in aliases}
            table = sectors_calc.sector_returns(
                closes, m.series("TOPIX"), periods.resolve_start(code, m.as_of), m.as_of,
                benchmark_symbol=m.engine.ticker("TOPIX"), sessions=m.engine.sessions(aliases[0]),
                benchmark_sessions=m.engine.sessions("TOPIX"), on_error="record")
        except MarketReviewError as exc:
            return {a: Cell(error=exc.excel_text) for a in aliases}
        return {str(a): Cell(float(row["excess"]), warning=row["warnings"] or None) if not pd.isna(row["excess"])
                else Cell(error=f"#N/A {row['warnings']}") for a, row in table.iterrows()}

    def rows_for(aliases: list[str]) -> tuple[tuple[Cell, ...], ...]:
        if not aliases:
            return ()
        w1, ytd = excess(aliases, "1W"), excess(aliases, "YTD")

        def row(a: str) -> tuple[Cell, ...]:
            return (*_price_row(m, a, ("1W", "MTD", "YTD"), prev=True), w1[a], ytd[a])

        return tuple(_safe_row(m, a, 10, partial(row, a)) for a in aliases)

    columns = (m.col("name", width=30), m.col("ticker", width=10), m.col("date", "date"),
               m.col("prev", "price"), m.col("close", "price"), m.col("w1", "pct_signed", signed=True),
               m.col("mtd", "pct_signed", signed=True), m.col("ytd", "pct_signed", signed=True),
               m.col("excess_w1", "pct_signed", signed=True), m.col("excess_ytd", "pct_signed", signed=True))
    indices = [i.alias for i in m.engine.symbols.in_group("japan")]
    sectors = [i.alias for i in m.engine.symbols.in_group("topix17")]
    fx = [i.alias for i in m.engine.symbols.in_group("fx")]
    sector_rows = tuple((Cell(m.info(a).short(m.lang), warning=m.name_cell(a).warning), *row[1:])
                        for a, row in zip(sectors, rows_for(sectors), strict=True))
    fx_rows = tuple(_safe_row(m, a, 8, partial(_price_row, m, a, ("1W", "MTD", "YTD"), prev=True)) for a in fx)
    blocks = (Table("japan_indices", m.t("title.japan_indices"), columns, rows_for(indices)),
              Table("sectors", m.t("title.sectors"), columns, sector_rows),
              Table("fx", m.t("title.fx"), columns[:8], fx_rows))
    chart = Chart("sectors_w1", "bar", m.t("chart.sectors_w1"), "sectors", "name", ("w1",), m.t("chart.return"))
    return _sheet(m, "japan_sectors", blocks, [*indices, *sectors, *fx], (chart,))


def sources(m: CellMaker, names: list[str]) -> Sheet:
    rows = []
    for alias in names:
        try:
            p = m.engine.provenance(alias)
        except MarketReviewError as exc:
            rows.append((Cell(alias), Cell(error=exc.excel_text), *(Cell() for _ in range(7))))
            continue
        missing = macro.missing_file(m.engine, alias)  # only missing from the folder: said so, not a failure
        note = (Cell(m.t("macro.no_file").format(files=missing)) if missing
                else Cell(localise_note(p.note, m.lang), warning=m.stale_note(alias)))
        rows.append((Cell(p.alias), Cell(m.info(alias).label(m.lang)), Cell(p.ticker), Cell(p.source),
                     Cell(p.first), Cell(p.last),
                     Cell(m.local_time(p.fetched_at) if p.fetched_at else None),
                     Cell(m.t("yes") if p.adjusted else m.t("no")), note))
    rows += mag7_notes.snapshot_rows(m)
    columns = (m.col("alias", width=20), m.col("name", width=30), m.col("ticker", width=10),
               m.col("source", width=10), m.col("first", "date"), m.col("last", "date"),
               m.col("fetched", "datetime", width=17), m.col("adjusted", width=10), m.col("note", width=40))
    return Sheet("sources", m.t("sheet.sources"), m.stamp(names),
                 (Table("sources", m.t("title.sources"), columns, tuple(rows)),), (), macro.unfilled_status(m, names))


# -- helpers ----------------------------------------------------------------------------------------


def _mag7_history(m: CellMaker, members: list[str], dates: list[dt.date]) -> list[Figure | MarketReviewError]:
    """The chain-linked weekly share (calc.mag7.mag7_share_history): an anchor switch is not a market move."""
    try:
        member_closes = {m.engine.ticker(a): m.series(a) for a in members}
        return mag7_calc.mag7_share_history(member_closes, m.series("SP500"), list(m.engine.fundamentals()), dates,
                                            members=list(member_closes), index_symbol=m.engine.ticker("SP500"))
    except MarketReviewError as exc:
        return [exc] * len(dates)


def _raise_or_return(point: Figure | MarketReviewError) -> Figure:
    if isinstance(point, MarketReviewError):
        raise point
    return point


def _points(figure: Figure) -> Figure:
    """A difference of two fractions in percentage points (0.0067 → 0.67)."""
    return Figure(figure.value * 100, figure.start, figure.end, figure.warnings, figure.parts)


def _ratio_history(m: CellMaker) -> tuple[Table, tuple[Chart, ...]]:
    """Every pair's weekly ratio and 26-week average side by side, newest week first, and one chart per pair."""
    columns = [m.col("date", "date")]
    values: dict[str, pd.Series] = {}
    charts = []
    errors: dict[str, str] = {}
    for key, num, den in RELATIVE_PAIRS:
        short = key.removeprefix("pair.")
        columns += [m.col(short, "pct", header=m.t(f"short.{key}")), m.col(f"{short}_ma", "pct",
                                                                           header=m.t("chart.ma26"))]
        charts.append(Chart(short, "line", m.t(f"short.{key}") + m.t("chart.weekly"), "ratio_history", "date",
                            (short, f"{short}_ma"), m.t("chart.ratio")))
        try:
            mixed = _mixed_basis(m, num, den)
            if mixed is not None:
                errors[short] = mixed
                continue
            frame = rel.ratio_with_ma(m.series(num), m.series(den), m.as_of).dropna(subset=["ratio"])
        except MarketReviewError as exc:
            errors[short] = exc.excel_text
            continue
        values[short], values[f"{short}_ma"] = frame["ratio"], frame["ma"]
        if key in REBASED_PAIRS:
            values[f"{short}_rebased"] = rel.rebased_history(m.series(num), m.series(den), m.as_of)
    columns += [m.col(f"{key.removeprefix('pair.')}_rebased", "price", header=REBASED_HEADER[m.lang])
                for key, _, _ in RELATIVE_PAIRS if key in REBASED_PAIRS]
    weeks = pd.DatetimeIndex(sorted({d for series in values.values() for d in series.index}, reverse=True))
    weeks = weeks[:HISTORY_WEEKS]

    def cell(key: str, week: pd.Timestamp) -> Cell:
        short = key.removesuffix("_ma").removesuffix("_rebased")
        if short in errors:
            return Cell(None, warning=errors[short])
        value = values[key].get(week) if key in values else None
        return Cell(None if value is None or pd.isna(value) else float(value))

    rows = tuple((Cell(week.date()), *(cell(c.key, week) for c in columns[1:])) for week in weeks)
    return Table("ratio_history", m.t("title.relative_history"), tuple(columns), rows), tuple(charts)


def _yield_history(m: CellMaker) -> Table:
    """2Y and 10Y daily closes over the last year, newest first (a blank where one tenor has no close)."""
    start = m.as_of - dt.timedelta(days=YIELD_HISTORY_DAYS)
    legs: dict[str, pd.Series] = {}
    for key, alias in (("us2y", "US2Y"), ("us10y", "US10Y")):
        try:
            legs[key] = history_calc.resample_closes(m.series(alias), start, m.as_of, symbol=m.engine.ticker(alias))
        except MarketReviewError:
            legs[key] = pd.Series(dtype="float64")
    days = sorted({d for leg in legs.values() for d in leg.index}, reverse=True)

    def cell(key: str, day: pd.Timestamp) -> Cell:
        value = legs[key].get(day)
        return Cell(None if value is None or pd.isna(value) else float(value))

    rows = tuple((Cell(day.date()), cell("us2y", day), cell("us10y", day)) for day in days)
    if not rows:
        rows = ((Cell(m.as_of), Cell(error="#N/A no yields"), Cell(error="#N/A no yields")),)
    return Table("yield_history", m.t("title.yield_history"),
                 (m.col("date", "date"), m.col("us2y", "level_pct"), m.col("us10y", "level_pct")), rows)


def _week_ends(as_of: dt.date, weeks: int) -> list[dt.date]:
    """``as_of``, then the Fridays of the ``weeks`` weeks before its week, newest first (so the as-of week and
    the week before head every printed history table)."""
    last_friday = periods.previous_week_end(as_of) - dt.timedelta(days=2)
    return [as_of, *(last_friday - dt.timedelta(weeks=k) for k in range(weeks))]


def _latest_ma(a: pd.Series, b: pd.Series, as_of: dt.date) -> Cell:
    frame = rel.ratio_with_ma(a, b, as_of)
    ma = float(frame["ma"].iloc[-1]) if len(frame) else float("nan")
    return Cell(error="#N/A fewer than 26 weekly ratios for the average") if pd.isna(ma) else Cell(ma)
