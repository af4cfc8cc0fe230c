"""Relative strength as formulas: each pair's ratio, its 26-week average and deviation (the Relative sheet's
table and the Summary's ratio lines), and the weekly history its charts draw, as
:mod:`marketreview.calc.relative` computes them.

A weekly block on the Calc sheet holds, for week k back from AsOf's week (k = 0 is the current week), the
sample date (AsOf itself, then each earlier week's Sunday), the week's Friday, each series' last close on or
before the sample date, and each pair's ratio ("" before both series have data, as the engine's weekly series
starts at the first week both have a close). No gap check applies to weekly samples, as in the engine.
"""

from __future__ import annotations

from typing import Any

from openpyxl.utils import get_column_letter

from ...engine import Engine
from ...errors import MarketReviewError
from ...report.sheets import HISTORY_WEEKS, REBASED_PAIRS, RELATIVE_PAIRS
from ...substitutes import ADJUSTED
from .calc_sheet import CALC_TITLE, FIRST_ROW, CalcSheet, no_gap_close
from .data_sheet import SeriesRef

WEEKS_AVERAGED = 26
FIRST_COLUMN = 14  # N: right of the per-(series, date) rows


class WeeklyBlock:
    """Column layout of the weekly block: k, sample date, Friday, one close per series, one ratio per pair."""

    def __init__(self, series: dict[str, SeriesRef], skip: frozenset[str] = frozenset()) -> None:
        self.pairs = [(key.removeprefix("pair."), num, den) for key, num, den in RELATIVE_PAIRS
                      if num in series and den in series and key not in skip]
        self.aliases = list(dict.fromkeys(a for _, num, den in self.pairs for a in (num, den)))
        self.series = series
        #: the pairs the engine refuses on every date (mixed basis): each figure is an error, whatever AsOf
        self.refused = frozenset(key.removeprefix("pair.") for key in skip)
        self.weeks = HISTORY_WEEKS + WEEKS_AVERAGED - 1
        self.close_column = {a: FIRST_COLUMN + 3 + i for i, a in enumerate(self.aliases)}
        self.ratio_column = {short: FIRST_COLUMN + 3 + len(self.aliases) + i
                             for i, (short, _, _) in enumerate(self.pairs)}

    def has(self, short: str) -> bool:
        return short in self.ratio_column

    def _cell(self, column: int, k: int, absolute: bool = True) -> str:
        letter = get_column_letter(column)
        return f"{CALC_TITLE}!${letter}${FIRST_ROW + k}" if absolute else f"{letter}{FIRST_ROW + k}"

    def ratio(self, short: str, k: int) -> str:
        return self._cell(self.ratio_column[short], k)

    def ratios(self, short: str, first: int, count: int) -> str:
        letter = get_column_letter(self.ratio_column[short])
        return f"{CALC_TITLE}!${letter}${FIRST_ROW + first}:${letter}${FIRST_ROW + first + count - 1}"

    def average(self, short: str, k: int, missing: str) -> str:
        """The 26-week simple average of the ratios from week k back, or ``missing`` with fewer than 26."""
        window = self.ratios(short, k, WEEKS_AVERAGED)
        return f"IF(COUNT({window})={WEEKS_AVERAGED},AVERAGE({window}),{missing})"

    def friday(self, k: int) -> str:
        return self._cell(FIRST_COLUMN + 2, k)

    def write(self, ws: Any) -> None:
        header = ["week", "sample date", "Friday", *(f"{a} close" for a in self.aliases),
                  *(f"{short} ratio" for short, _, _ in self.pairs)]
        for offset, text in enumerate(header):
            ws.cell(row=FIRST_ROW - 1, column=FIRST_COLUMN + offset, value=text).data_type = "s"
        sample_letter = get_column_letter(FIRST_COLUMN + 1)
        for k in range(self.weeks):
            r = FIRST_ROW + k
            ws.cell(row=r, column=FIRST_COLUMN, value=k)
            sample = ws.cell(row=r, column=FIRST_COLUMN + 1, value="=AsOf_end" if k == 0 else f"=AsOf_W1-{7 * (k - 1)}")
            friday = ws.cell(row=r, column=FIRST_COLUMN + 2, value=f"=AsOf_W1+{5 - 7 * k}")
            sample.number_format = friday.number_format = "yyyy-mm-dd"
            for alias, column in self.close_column.items():
                ref = self.series[alias]
                ws.cell(row=r, column=column,
                        value=f"=INDEX({ref.close},MATCH({sample_letter}{r},{ref.dates},1))")
            for short, num, den in self.pairs:
                a = self._cell(self.close_column[num], k, absolute=False)
                b = self._cell(self.close_column[den], k, absolute=False)
                ws.cell(row=r, column=self.ratio_column[short],
                        value=f'=IF(AND(ISNUMBER({a}),ISNUMBER({b})),{a}/{b},"")')


def _no_gap_close(calc: CalcSheet, alias: str) -> str:
    """close_asof without sessions (what reldev uses)."""
    return no_gap_close(calc.row(alias, "end"))


def pair_cell(calc: CalcSheet, block: WeeklyBlock, short: str, num: str, den: str, column: str,
              here: Any) -> str | None:
    """The formula of one cell of the pairs table."""
    if short in block.refused:  # the refusal does not depend on the date: an error, with the build's reason cached
        return "NA()" if column in ("ratio", "ma", "deviation", "rel_deviation", "rebased") else None
    if not block.has(short):
        return None
    if column == "ratio":
        return f"{calc.row(num, 'end').close}/{calc.row(den, 'end').close}"
    if column == "rebased":
        return rebased_cell(calc, block, short, num, den)
    if column == "ma":
        return block.average(short, 0, "NA()")
    latest = f"{_no_gap_close(calc, num)}/{_no_gap_close(calc, den)}"
    ma = here("ma")
    if column == "deviation":
        return f"({latest}-{ma})*100"
    if column == "rel_deviation":
        return f"{latest}/{ma}-1"
    return None


def rebased_cell(calc: CalcSheet, block: WeeklyBlock, short: str, num: str, den: str) -> str | None:
    """calc.relative.rebased: 100 × the ratio on AsOf ÷ the first weekly ratio of the 26-week window (an error
    with fewer than 26 weekly ratios); only for the pairs the report rebases."""
    if f"pair.{short}" not in REBASED_PAIRS:
        return None
    latest = f"{calc.row(num, 'end').close}/{calc.row(den, 'end').close}"
    window = block.ratios(short, 0, WEEKS_AVERAGED)
    return f"IF(COUNT({window})={WEEKS_AVERAGED},100*{latest}/{block.ratio(short, WEEKS_AVERAGED - 1)},NA())"


def history_cell(block: WeeklyBlock, column: str, k: int) -> str | None:
    """One cell of the weekly ratio history (the charts' data): blank where the engine has no value."""
    if k >= HISTORY_WEEKS:
        return None
    if column.endswith("_rebased"):  # calc.relative.rebased_history: the window's 26 weeks, the oldest = 100
        short = column.removesuffix("_rebased")
        if not block.has(short) or f"pair.{short}" not in REBASED_PAIRS or k >= WEEKS_AVERAGED:
            return None
        window = block.ratios(short, 0, WEEKS_AVERAGED)
        return (f'IF(COUNT({window})={WEEKS_AVERAGED},100*{block.ratio(short, k)}'
                f'/{block.ratio(short, WEEKS_AVERAGED - 1)},"")')
    if column == "date":
        counts = "+".join(f"COUNT({block.ratio(short, k)})" for short in block.ratio_column)
        return f'IF({counts}>0,{block.friday(k)},"")' if counts else None
    short = column.removesuffix("_ma")
    if not block.has(short):
        return None
    if column.endswith("_ma"):
        return block.average(short, k, '""')
    ratio = block.ratio(short, k)
    return f'IF(ISNUMBER({ratio}),{ratio},"")'


def mixed_basis(engine: Engine) -> frozenset[str]:
    """The pairs whose legs are on different bases (one dividend-adjusted): the engine refuses them on every
    date (report.sheets' mixed-basis rule), so they get no formulas and keep the build's error."""
    out = set()
    for key, num, den in RELATIVE_PAIRS:
        try:
            if (engine.basis(num) == ADJUSTED) != (engine.basis(den) == ADJUSTED):
                out.add(key)
        except MarketReviewError:
            continue
    return frozenset(out)
