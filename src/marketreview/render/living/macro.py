"""The Macro sheet (:mod:`marketreview.report.macro`) as formulas of ``AsOf``.

A series the folder has no file for is said so in words that do not depend on the date
(``未取得: ファイルがありません: ISM.csv…``): those lines and cells are written as text literals, never behind the
as-of guard. A series the sheet has goes on the data sheet (``Macro_ISM_start``: each observation's period start,
as :func:`marketreview.calc.macro.normalise` dates it; ``Macro_ISM_value``), and its figures follow the engine's
rule (:func:`marketreview.calc.macro.series_asof`): an observation counts once its period has ended, the last such
one is used, more than ``MAX_MISSING_PERIODS`` ended periods without one is an error. The chart tables keep the
value build's grid of periods ending with the one AsOf falls in; a period not yet ended, or without an
observation, is #N/A (a gap in the chart, where "" would be drawn as zero), shown in the background colour, so
the table looks as the value build's blank.

A hidden ``MacroCalc`` sheet holds one row per series of the overview: the start of the last period ended by
AsOf, the observation used, the periods missing since, and the figure. Only monthly, quarterly and annual series
read at their own frequency, in levels or FRED's change units (not ``log``), are formulas; a series read at a
lower frequency than its own (a daily file shown monthly) keeps the build's value behind the guard. The chart
list is the packaged ``data/macro.csv``; a report built from another list keeps its figures guarded (the report
does not say which series each chart holds).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from ...calc import macro as macro_calc
from ...calc.macro import MAX_MISSING_PERIODS, PER_YEAR
from ...engine import Engine
from ...errors import MarketReviewError
from ...report.labels import label
from ...report.layout import Placement
from ...report.macro import SHOWN_PERIODS, USER_SOURCES, MacroChart, MacroSeries, missing_file, read_macro_list
from ...report.model import Cell, Lines, Report, Table
from ...types import Lang
from .. import styles
from .data_sheet import serial
from .lines import lit
from .portable import check

SHEET_KEY = "macro"
OVERVIEW = "macro_series"
CALC_TITLE = "MacroCalc"
FIRST_ROW = 3
#: months per period of the frequencies written as formulas
STEP: dict[str, int] = {"m": 1, "q": 3, "a": 12}
#: the units written as formulas, and the lag of their base in periods (None: a year ago)
UNITS: dict[str, int | None] = {"lin": 0, "chg": 1, "pch": 1, "pca": 1, "ch1": None, "pc1": None}
_NAME = re.compile(r"[^A-Za-z0-9_]")
#: the font colour of a chart point with no observation (#N/A): the sheet's background
_BLANK = "FFFFFF"
_COLUMNS = ("series", "last ended", "position", "used", "missing", "value", "figure")


@dataclass(frozen=True)
class _Data:
    """One series on the data sheet (period starts and values, by name)."""

    start: str
    value: str
    frequency: macro_calc.Frequency
    starts: tuple[int, ...]
    values: tuple[float, ...]


def period_start(day: str, frequency: str) -> str:
    """The first day of the month, quarter or year ``day`` falls in."""
    if frequency == "m":
        return f"DATE(YEAR({day}),MONTH({day}),1)"
    if frequency == "q":
        return f"DATE(YEAR({day}),INT((MONTH({day})-1)/3)*3+1,1)"
    return f"DATE(YEAR({day}),1,1)"


def last_ended(frequency: str) -> str:
    """The start of the last period that has ended by the end of AsOf: the one before the period of the next day."""
    return f"EDATE({period_start('(AsOf_end+1)', frequency)},-{STEP[frequency]})"


def transformed(data: _Data, units: str, day: str) -> str:
    """The series in ``units`` on the period starting ``day`` (an error where it has no observation or base)."""
    x = f"INDEX({data.value},MATCH({day},{data.start},0))"
    lag = UNITS[units]
    if lag == 0:
        return x
    months = 12 if lag is None else STEP[data.frequency] * lag
    base = f"INDEX({data.value},MATCH(EDATE({day},-{months}),{data.start},0))"
    if units in ("chg", "ch1"):
        return f"{x}-{base}"
    if units == "pca":
        return f"IF({base}=0,NA(),(({x}/{base})^{PER_YEAR[data.frequency]}-1)*100)"
    return f"IF({base}=0,NA(),({x}/{base}-1)*100)"


def _period_text(day: str, frequency: str) -> str:
    """``str(pandas.Period)``: 2025, 2025Q3, 2025-07."""
    if frequency == "a":
        return f'TEXT(YEAR({day}),"0")'
    if frequency == "q":
        return f'YEAR({day})&"Q"&(INT((MONTH({day})-1)/3)+1)'
    return f'YEAR({day})&"-"&TEXT(MONTH({day}),"00")'


class MacroBlock:
    """The Macro sheet's formulas. Construct it before the data sheet is written (its :meth:`data_columns` go
    there); it adds the ``MacroCalc`` sheet to ``wb`` when a series is a formula."""

    def __init__(self, report: Report, engine: Engine, wb: Any,
                 placed: dict[str, list[tuple[str, Placement]]]) -> None:
        """``placed``: where the workbook has each block (render.printed.printed_placements)."""
        self.engine, self.lang = engine, report.lang
        self.data: dict[str, _Data] = {}
        #: overview row index → (the row's series, its MacroCalc row)
        self.rows: dict[int, tuple[MacroSeries, int]] = {}
        #: chart table key → the chart (when every series of it is a formula)
        self.charts: dict[str, tuple[MacroChart, tuple[int, ...]]] = {}
        self.missing: dict[str, str] = {}
        sheet = next((s for s in report.sheets if s.key == SHEET_KEY), None)
        if sheet is None:
            return
        overview = next((b for b in sheet.blocks if isinstance(b, Table) and b.key == OVERVIEW), None)
        ids = [str(r[overview.column_index("id")].value) for r in overview.rows] if overview is not None else []
        for name in dict.fromkeys(ids):
            file = missing_file(engine, name)
            if file is not None:
                self.missing[name] = file
        charts = self._charts(ids, [b.key for b in sheet.blocks if b is not overview])
        flat = [(chart, s) for chart in charts for s in chart.series]
        for index, (_, spec) in enumerate(flat):
            if spec.series in self.missing or spec.units not in UNITS or spec.frequency not in STEP:
                continue
            if spec.series not in self.data:
                found = self._load(spec)
                if found is None:
                    continue
                self.data[spec.series] = found
            if self.data[spec.series].frequency == spec.frequency:
                self.rows[index] = (spec, FIRST_ROW + len(self.rows))
        for chart in charts:
            members = [i for i, (c, _) in enumerate(flat) if c is chart]
            if all(i in self.rows for i in members):
                self.charts[f"macro_{chart.key}"] = (chart, tuple(members))
        if self.rows:
            self._write(wb)
            self._formats(wb, placed.get(SHEET_KEY, []))

    def _charts(self, ids: list[str], keys: list[str]) -> tuple[MacroChart, ...]:
        """The packaged list, when the report's sheet is the one it gives (same series, same blocks)."""
        try:
            charts = read_macro_list()
        except MarketReviewError:
            return ()
        same = [s.series for c in charts for s in c.series] == ids and [f"macro_{c.key}" for c in charts] == keys
        return charts if same else ()

    def _load(self, spec: MacroSeries) -> _Data | None:
        """The series normalised as the engine reads it, when it can be had at its own frequency."""
        engine = self.engine
        try:
            ticker = engine.ticker(spec.series)
            if not (spec.is_fred or engine.router.route(ticker).name in USER_SOURCES):
                return None
            raw = engine.series(spec.series).dropna()
            if raw.empty:
                return None
            where, declared = engine.series_origin(spec.series)
            native = macro_calc.native_frequency(raw, macro_calc.parse_frequency(declared), spec.frequency,
                                                 where=where or ticker)
            values = macro_calc.normalise(raw, native, where=where or ticker)
        except MarketReviewError:
            return None
        base = "Macro_" + _NAME.sub("_", spec.series.removeprefix("FRED:"))
        taken = {d.start for d in self.data.values()}
        if f"{base}_start" in taken:
            base = f"{base}_{len(self.data) + 1}"
        starts = tuple(serial(d.date()) for d in values.index)
        return _Data(f"{base}_start", f"{base}_value", native, starts, tuple(float(v) for v in values.to_numpy()))

    def data_columns(self) -> list[tuple[str, list[int | float]]]:
        out: list[tuple[str, list[int | float]]] = []
        for data in self.data.values():
            out += [(data.start, list(data.starts)), (data.value, list(data.values))]
        return out

    def _ref(self, row: int, column: str) -> str:
        return f"{CALC_TITLE}!${get_column_letter(_COLUMNS.index(column) + 1)}${row}"

    def _write(self, wb: Any) -> None:
        ws = wb.create_sheet(CALC_TITLE)
        ws.cell(row=1, column=1, value="Each macro series as of AsOf: the last observation whose period has ended "
                                       "(written by marketreview build)").data_type = "s"
        for offset, text in enumerate(_COLUMNS, start=1):
            ws.cell(row=FIRST_ROW - 1, column=offset, value=text).data_type = "s"
        for spec, r in self.rows.values():
            data, f = self.data[spec.series], spec.frequency
            step = STEP[f]
            cells = {
                "last ended": last_ended(f),
                "position": f"MATCH(B{r},{data.start},1)",
                "used": f"INDEX({data.start},C{r})",
                "missing": f"((YEAR(B{r})-YEAR(D{r}))*12+MONTH(B{r})-MONTH(D{r}))/{step}",
                "value": transformed(data, spec.units, f"D{r}"),
                "figure": f"IF(E{r}>{MAX_MISSING_PERIODS},NA(),F{r})",
            }
            ws.cell(row=r, column=1, value=spec.series).data_type = "s"
            for name, formula in cells.items():
                cell = ws.cell(row=r, column=_COLUMNS.index(name) + 1,
                               value="=" + check(formula, f"{CALC_TITLE} row {r}"))
                if name in ("last ended", "used"):
                    cell.number_format = "yyyy-mm-dd"
        ws.sheet_state = "hidden"
        ws.protection.sheet = True

    def _formats(self, wb: Any, placed: list[tuple[str, Placement]]) -> None:
        """The value build's warning fill on an overview figure with ended periods missing since its
        observation, as a rule over MacroCalc (so it follows AsOf); a chart point with no observation is #N/A
        (a gap in the chart, where "" would be drawn as zero), shown blank as in the value build."""
        fill = PatternFill("solid", fgColor=styles.WARNING_FILL, bgColor=styles.WARNING_FILL)
        for title, placement in placed:  # the chart tables are on the data sheet
            ws, table = wb[title], placement.block
            if isinstance(table, Table) and table.key in self.charts and table.rows:
                first = table.column_index("s1")
                top = f"{get_column_letter(placement.column + first)}{placement.first_data_row}"
                bottom = (f"{get_column_letter(placement.column + len(table.columns) - 1)}"
                          f"{placement.first_data_row + len(table.rows) - 1}")
                ws.conditional_formatting.add(f"{top}:{bottom}", FormulaRule(formula=[f"ISERROR({top})"],
                                                                             font=Font(color=_BLANK)))
            if not (isinstance(table, Table) and table.key == OVERVIEW):
                continue
            for index, (_, row) in self.rows.items():
                condition = f"AND(ISNUMBER({self._ref(row, 'figure')}),{self._ref(row, 'missing')}>0)"
                for column in ("date", "value"):
                    coordinate = (f"{get_column_letter(placement.column + table.column_index(column))}"
                                  f"{placement.first_data_row + index}")
                    ws.conditional_formatting.add(coordinate, FormulaRule(formula=[condition], fill=fill))

    # -- the Macro sheet's cells ----------------------------------------------------------------------------

    def owns(self, sheet_key: str, table_key: str) -> bool:
        return sheet_key == SHEET_KEY and table_key.startswith("macro_")

    def cell(self, table: Table, placement: Placement, index: int, column: str, item: Cell) -> str | None:
        """The formula of one cell of a Macro table, or None (the build's value behind the guard)."""
        if table.key == OVERVIEW:
            return self._overview(table, index, column, item)
        found = self.charts.get(table.key)
        if found is None:
            return None
        chart, members = found
        frequency = chart.frequency
        r = placement.first_data_row + index
        day = f"${get_column_letter(placement.column + table.column_index('date'))}{r}"
        if column == "date":
            back = (SHOWN_PERIODS[frequency] - 1 - index) * STEP[frequency]
            return f"EDATE({period_start('AsOf_end', frequency)},-{back})"
        if column == "period":
            return _period_text(day, frequency)
        if column == "ratio":
            a, b = (f"{get_column_letter(placement.column + table.column_index(k))}{r}" for k in ("s1", "s2"))
            return f"IF(AND(ISNUMBER({a}),ISNUMBER({b})),IF({b}=0,NA(),{a}/{b}),NA())"
        if not (column.startswith("s") and column[1:].isdigit()) or int(column[1:]) > len(members):
            return None
        spec, row = self.rows[members[int(column[1:]) - 1]]
        data = self.data[spec.series]
        return f"IF({day}>{self._ref(row, 'last ended')},NA(),{transformed(data, spec.units, day)})"

    def _overview(self, table: Table, index: int, column: str, item: Cell) -> str | None:
        name = str(table.rows[index][table.column_index("id")].value)
        file = self.missing.get(name)
        if file is not None:  # only missing: the same words on every date
            words = label("macro.no_file", self.lang).format(files=file)
            if column == "value" and item.value == words and item.error is None:
                return lit(words)
            return None
        found = self.rows.get(index)
        if found is None or found[0].series != name:
            return None
        figure = self._ref(found[1], "figure")
        if column == "value":
            return figure
        if column == "date":
            return f"IF(ISNUMBER({figure}),{self._ref(found[1], 'used')},NA())"
        return None

    def line_formulas(self, sheet_key: str, block: Lines) -> list[str | None]:
        """A Macro line that only names missing files, as a text literal (it holds on every date); None for the
        rest (the build's line behind the guard)."""
        if sheet_key != SHEET_KEY:
            return [None] * len(block.lines)
        return [lit(line) if self._only_missing(line) else None for line in block.lines]

    def _only_missing(self, line: str) -> bool:
        lang: Lang = self.lang
        head = f"{label('macro.missing', lang)}: "
        files = set(self.missing.values())
        template = label("macro.no_file", lang)
        before, _, after = template.partition("{files}")
        for how in (label("macro.fill_fred", lang), label("macro.fill_file", lang)):
            names = line.removeprefix(head + before).removesuffix(after + how).split(", ")
            if line == head + template.format(files=", ".join(names)) + how and all(n in files for n in names):
                return True
        return False


__all__ = ["CALC_TITLE", "MacroBlock", "last_ended", "period_start", "transformed"]
