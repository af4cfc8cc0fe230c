"""The seed material's tables the sheets add to their own: the Mag7 members' weekly moves (``mag7/members``),
the Treasury yields against their year-to-date high and low (``rates/yield_range``) and the two previous
calendar years of the US indices (``us_indices/prev_years``). Every figure comes from :mod:`calc.years` or
:mod:`calc.returns`; the post renders these tables by their keys."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial

from ..calc import periods, returns, yields
from ..calc import years as years_calc
from ..calc.figure import Figure
from ..errors import MarketReviewError
from .cells import CellMaker
from .model import Cell, Table

#: the yields set against their year-to-date range, in the seeds' order (10-year first)
RANGE_TENORS = ("US10Y", "US2Y")


def _row_or_errors(m: CellMaker, name: str, width: int, build: Callable[[], tuple[Cell, ...]]) -> tuple[Cell, ...]:
    """A row, or the name followed by the error in every other cell when the series cannot be had."""
    try:
        return build()
    except MarketReviewError as exc:
        return (m.name_cell(name), *(Cell(error=exc.excel_text) for _ in range(width - 1)))


def ytd_end(m: CellMaker, basis: years_calc.YtdBasis) -> dt.date:
    """The end date of a US figure's year to date under ``basis`` (see :func:`calc.years.ytd_end`)."""
    return years_calc.ytd_end(m.as_of, basis, m.engine.sessions("SP500"))


def ytd_header(m: CellMaker, basis: years_calc.YtdBasis, key: str = "col.ytd") -> str:
    """The YTD column's header; under the US-close basis it names the close (``年初来（米国10/30終値）``)."""
    if basis == "asof":
        return m.t(key)
    end = ytd_end(m, basis)
    return m.t("col.ytd_us_close").format(ytd=m.t(key), date=f"{end.month}/{end.day}")


def ytd_figure(m: CellMaker, name: str, basis: years_calc.YtdBasis) -> Figure:
    """``name``'s year-to-date return, ending on the basis's end date."""
    end = ytd_end(m, basis)
    return returns.perf(m.series(name), periods.prior_year_end(end), end, symbol=m.engine.ticker(name),
                        sessions=m.engine.sessions(name))


def members(m: CellMaker, aliases: list[str], basis: years_calc.YtdBasis = "asof") -> Table:
    """Each Mag7 member's previous week-end close, this week's close, the week's and the year's return."""
    columns = (m.col("name", width=22), m.col("prev", "price"), m.col("close", "price"),
               m.col("w1", "pct_signed", signed=True),
               m.col("ytd", "pct_signed", signed=True, header=ytd_header(m, basis)))

    def row(alias: str) -> tuple[Cell, ...]:
        series, ticker, sessions = m.series(alias), m.engine.ticker(alias), m.engine.sessions(alias)

        def week() -> Figure:
            return returns.weekly(series, m.as_of, symbol=ticker, sessions=sessions)

        return (m.name_cell(alias), m.figure(week, part="start"), m.figure(week, part="end"), m.figure(week),
                m.figure(partial(ytd_figure, m, alias, basis)))

    rows = tuple(_row_or_errors(m, a, len(columns), partial(row, a)) for a in aliases)
    return Table("members", m.t("title.mag7_members"), columns, rows)


def yield_range(m: CellMaker) -> Table:
    """The 10-year and 2-year yields on the report date against their highest and lowest close this year."""
    columns = (m.col("name", width=20), m.col("level", "level_pct"), m.col("ytd_high", "level_pct"),
               m.col("ytd_high_date", "date"), m.col("ytd_low", "level_pct"), m.col("ytd_low_date", "date"))

    def row(alias: str) -> tuple[Cell, ...]:
        series, ticker = m.series(alias), m.engine.ticker(alias)

        def extreme(which: int) -> Figure:
            return years_calc.ytd_extremes(series, m.as_of, symbol=ticker)[which]

        return (m.name_cell(alias), m.figure(lambda: yields.yield_level(series, m.as_of, symbol=ticker)),
                m.figure(partial(extreme, 0)), m.figure(partial(extreme, 0), part="end_date"),
                m.figure(partial(extreme, 1)), m.figure(partial(extreme, 1), part="end_date"))

    rows = tuple(_row_or_errors(m, a, len(columns), partial(row, a)) for a in RANGE_TENORS)
    return Table("yield_range", m.t("title.yield_range"), columns, rows)


def prev_years(m: CellMaker, aliases: list[str], dating: years_calc.YearDating = "year_end") -> Table:
    """Each index's return over each of the two previous calendar years, with the two dated closes and the
    point change (``dating`` as in :func:`calc.years.year_return`)."""
    columns = (m.col("name", width=22), m.col("year", "number", width=8), m.col("start_date", "date"),
               m.col("start", "price"), m.col("end_date", "date"), m.col("end", "price"),
               m.col("change", "pct_signed", signed=True), m.col("points", "price", signed=True))
    rows = []
    for year in years_calc.previous_years(m.as_of):
        for alias in aliases:
            def row(alias: str = alias, year: int = year) -> tuple[Cell, ...]:
                series, ticker, sessions = m.series(alias), m.engine.ticker(alias), m.engine.sessions(alias)

                def figure() -> Figure:
                    return years_calc.year_return(series, year, m.as_of, dating=dating, symbol=ticker,
                                                  sessions=sessions)

                return (m.name_cell(alias), Cell(year), m.figure(figure, part="start_date"),
                        m.figure(figure, part="start"), m.figure(figure, part="end_date"),
                        m.figure(figure, part="end"), m.figure(figure),
                        m.figure(lambda: years_calc.point_change(figure())))

            built = _row_or_errors(m, alias, len(columns), row)
            rows.append((built[0], Cell(year), *built[2:]) if built[1].error is not None else built)
    return Table("prev_years", m.t(f"title.prev_years.{dating}"), columns, tuple(rows))
