"""Series the blog images draw that the sheets did not carry yet, computed through calc like every other table:
the Russell 2000 ÷ S&P 500 and equal-weight ÷ S&P 500 weekly ratios with their 26-week average (beside the
Russell 2000 Growth one on the relative sheet), and the 2Y and 10Y yields day by day over the as-of week (on the
rates sheet)."""

from __future__ import annotations

import pandas as pd

from ..calc import history, periods, yields
from ..calc import relative as rel
from ..errors import MarketReviewError
from ..types import Lang
from .cells import CellMaker
from .model import Cell, Table

#: (table key, numerator alias, denominator alias), in the order of the pairs table.
RATIO_HISTORIES = (("r2_history", "RUSSELL2000", "SP500"), ("ew_history", "SP500EW", "SP500"))
#: (column key, alias) of the daily yields over the week.
WEEK_TENORS = (("us2y", "US2Y"), ("us10y", "US10Y"))

_TITLES: dict[str, tuple[str, str]] = {  # key: (en, ja)
    "r2_history": ("Russell 2000 / S&P 500, weekly", "ラッセル2000÷S&P500（週次）"),
    "ew_history": ("S&P 500 Equal Weight / S&P 500, weekly", "S&P500均等加重÷S&P500（週次）"),
    "yields_week": ("2Y and 10Y yields over the week, daily", "米2年・10年債利回り（今週・日次）"),
}


def _title(key: str, lang: Lang) -> str:
    en, ja = _TITLES[key]
    return ja if lang == "ja" else en


def ratio_history(m: CellMaker, key: str, num: str, den: str, weeks: int) -> Table:
    """The last ``weeks`` weekly ratios of ``num`` to ``den`` and their 26-week average (blank until 26 weeks)."""
    try:
        frame = rel.ratio_with_ma(m.series(num), m.series(den), m.as_of)
        frame = frame.dropna(subset=["ratio"]).tail(weeks)
        rows = tuple((Cell(d.date()), Cell(float(ratio)), Cell(None if pd.isna(ma) else float(ma)))
                     for d, ratio, ma in zip(frame.index, frame["ratio"], frame["ma"], strict=True))
    except MarketReviewError as exc:
        rows = ((Cell(m.as_of), Cell(error=exc.excel_text), Cell(error=exc.excel_text)),)
    columns = (m.col("date", "date"), m.col("ratio", "pct"), m.col("ma", "pct"))
    return Table(key, _title(key, m.lang), columns, rows)


def ratio_histories(m: CellMaker, weeks: int) -> tuple[Table, ...]:
    return tuple(ratio_history(m, key, num, den, weeks) for key, num, den in RATIO_HISTORIES)


def yields_week(m: CellMaker) -> Table:
    """Each day's 2Y and 10Y yield from the previous week's last close (the base of the weekly change in bp)
    through the as-of date. A tenor without a close on a day is blank there, with the reason as its warning."""
    daily: dict[str, pd.Series] = {}
    reasons: dict[str, str] = {}
    for key, alias in WEEK_TENORS:
        try:
            series, ticker = m.series(alias), m.engine.ticker(alias)
            change = yields.yield_change_bp(series, periods.resolve_start("1W", m.as_of), m.as_of, symbol=ticker)
            assert change.start is not None
            daily[key] = history.resample_closes(series, change.start.date, m.as_of, symbol=ticker)
        except MarketReviewError as exc:
            reasons[key] = exc.excel_text
    days = sorted({d.date() for s in daily.values() for d in s.index}) or [m.as_of]
    rows = []
    for day in days:
        cells = []
        for key, _alias in WEEK_TENORS:
            value = daily[key].get(pd.Timestamp(day)) if key in daily else None
            if value is None or pd.isna(value):
                cells.append(Cell(None, warning=reasons.get(key, f"no close on {day.isoformat()}")))
            else:
                cells.append(Cell(float(value)))
        rows.append((Cell(day), *cells))
    columns = (m.col("date", "date"), m.col("us2y", "level_pct"), m.col("us10y", "level_pct"))
    return Table("yields_week", _title("yields_week", m.lang), columns, tuple(rows))


__all__ = ["RATIO_HISTORIES", "WEEK_TENORS", "ratio_histories", "ratio_history", "yields_week"]
