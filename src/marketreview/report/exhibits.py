"""Tables only the chart images draw (they are not sheets of the workbook): TOPIX with the autos and banks
sector series over the year, rebased to 100 at the previous year's last close (the seed material's exhibit 5)."""

from __future__ import annotations

import pandas as pd

from ..calc import periods, rebase
from ..errors import MarketReviewError
from .cells import CellMaker
from .model import Cell, Column, Table

#: (column, alias) of the year chart: TOPIX first, then the sectors drawn against it.
JAPAN_YEAR = (("topix", "TOPIX"), ("autos", "TOPIX17_AUTOS"), ("banks", "TOPIX17_BANKS"))


def japan_year(m: CellMaker) -> Table:
    """Daily closes since the previous year's end ÷ that year-end close × 100, one column per series; a series
    that cannot be had is a column of blanks whose cells carry the reason."""
    start = periods.prior_year_end(m.as_of)
    values: dict[str, pd.Series] = {}
    errors: dict[str, str] = {}
    for key, alias in JAPAN_YEAR:
        try:
            values[key] = rebase.rebased(m.series(alias), start, m.as_of, symbol=m.engine.ticker(alias))
        except MarketReviewError as exc:
            errors[key] = exc.excel_text
    days = sorted({d for series in values.values() for d in series.index})

    def cell(key: str, day: pd.Timestamp) -> Cell:
        if key in errors:
            return Cell(None, warning=errors[key])
        value = values[key].get(day)
        return Cell(None if value is None or pd.isna(value) else float(value))

    columns = (Column("date", m.t("col.date"), "date"),
               *(Column(key, m.info(alias).label(m.lang), "number") for key, alias in JAPAN_YEAR))
    rows = tuple((Cell(day.date()), *(cell(key, day) for key, _ in JAPAN_YEAR)) for day in days)
    return Table("japan_year", m.info("TOPIX").label(m.lang), columns, rows)


__all__ = ["JAPAN_YEAR", "japan_year"]
