"""Where each chart's series sits in the report model: the relative sheet's ``ratio_history`` (every pair's weekly
ratio ``r2g`` and 26-week average ``r2g_ma``, …) and the rates sheet's daily ``yield_history``, from which the
week and the year are taken. Only rows are selected here: nothing is computed."""

from __future__ import annotations

import datetime as dt

from ...calc.periods import previous_week_end
from ...errors import RenderError
from ...report.model import Report
from . import reading

#: (pair, numerator alias, denominator alias) of the relative-strength charts.
RATIO_PAIRS = (("r2g", "RUSSELL2000G", "SP500"), ("r2", "RUSSELL2000", "SP500"), ("ew", "SP500EW", "SP500"))
#: (column, alias) of the yield charts.
TENORS = (("us2y", "US2Y"), ("us10y", "US10Y"))
YEAR_DAYS = 365


def ratio(report: Report, pair: str) -> tuple[reading.Line, reading.Line]:
    """The weekly ratio of ``pair`` and its 26-week average."""
    table = reading.table(report, "relative", "ratio_history")
    return reading.line(table, pair), reading.line(table, f"{pair}_ma")


def yields_week(report: Report, column: str) -> reading.Line:
    """Each day's yield from the previous week's last close (the base of the week's change in bp) through the
    as-of date."""
    daily = reading.line(reading.table(report, "rates", "yield_history"), column)
    before = [d for d, v in zip(daily.dates, daily.values, strict=True)
              if v is not None and d <= previous_week_end(report.as_of)]
    if not before:
        raise RenderError("chart yields", f"no {column} close before the week of {report.as_of.isoformat()}")
    return reading.between(daily, before[-1], report.as_of)


def yields_year(report: Report, column: str) -> reading.Line:
    """The daily yields over the year to the as-of date."""
    history = reading.line(reading.table(report, "rates", "yield_history"), column)
    return reading.between(history, report.as_of - dt.timedelta(days=YEAR_DAYS - 1), report.as_of)


def yield_name(report: Report, column: str) -> str:
    """The tenor's short name (2年 / 2Y), the history table's column header."""
    return reading.header(reading.table(report, "rates", "yield_history"), column)


__all__ = ["RATIO_PAIRS", "TENORS", "ratio", "yield_name", "yields_week", "yields_year"]
