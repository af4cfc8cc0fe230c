"""The seed material's tables (report/extras.py) and the Mag7 anchor notes as formulas over the Data and Calc
sheets, as the engine computes them:

- ``us_indices/prev_years``: each US index over each of the two calendar years before AsOf's year
  (:func:`calc.years.year_return`): year-end close to year-end close (the Calc rows of December 31), or with
  ``first_session`` dating the first close of the year to the first close of the next (the exchange's first
  session of the year, which must have a close on or before AsOf);
- ``mag7/members``: each member's previous week-end close, this week's close, the week's and the year's return
  (with the US-close basis the year to date ends at the last US session before AsOf);
- ``rates/yield_range``: the 10Y and 2Y level and their highest and lowest close from January 1 to AsOf, each
  dated by its first occurrence (``np.argmax``); the window is the range ``INDEX(v,lo):INDEX(v,hi)``, which
  MAX, MIN and MATCH(…,0) read in every spreadsheet without array entry;
- ``mag7/mag7_anchors``: the snapshots that anchor some date of the Mag7 history
  (``report.mag7_notes.anchors_used``), one line each from a text column on the Calc sheet, then the method.

The table rows carry names only, so each row's series is known by its position, as report/extras.py lays them
out; a table whose row count differs keeps the build's values behind the guard.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from openpyxl.utils import get_column_letter

from ...calc import years as years_calc
from ...engine import Engine
from ...errors import MarketReviewError
from ...report.extras import RANGE_TENORS
from ...report.labels import label
from ...report.model import Lines, Report, Table
from ...types import FundamentalsSnapshot, Lang
from .calc_sheet import CALC_TITLE, FIRST_ROW, CalcSheet
from .figures import perf
from .lines import lit

TABLES = ("prev_years", "members", "yield_range")
ANCHOR_LINES = "mag7_anchors"
#: the Calc columns of this module's block (right of the ranking block, left of BZ)
FIRST_COLUMN = 62  # BJ
#: the as-of date of the US-close basis: the last US session strictly before AsOf (calc.years.us_close_before)
US_END = "usend"
US_YTD = "usytd"
#: the US tables whose year to date follows the report's YTD basis (report.sheets), and that column
US_YTD_TABLES = {"indices": "ytd", "stocks": "ytd", "yields": "ytd_bp"}
#: the first date of the Mag7 history (report.sheets._week_ends: the 52nd Friday before AsOf's week)
HISTORY_START = "AsOf_W1-2-7*51"


def _detect_dating(report: Report, table: Table) -> years_calc.YearDating | None:
    for dating in years_calc.YEAR_DATINGS:
        if table.title == label(f"title.prev_years.{dating}", report.lang):
            return dating
    return None


def _detect_basis(report: Report, table: Table, column: str = "ytd") -> years_calc.YtdBasis:
    """A US table's YTD header is the plain label unless the report was built on the US-close basis
    (report.extras.ytd_header names the close then)."""
    header = table.columns[table.column_index(column)].header
    return "asof" if header == label(f"col.{column}", report.lang) else "us_close"


@dataclass(frozen=True)
class _Anchor:
    serial: int
    text: str


class TableBlock:
    """What this module writes on the Calc sheet, and the formula of each cell of its tables."""

    def __init__(self, report: Report, engine: Engine, calc: CalcSheet) -> None:
        self.report, self.engine, self.calc = report, engine, calc
        self.us = [i.alias for i in engine.symbols.in_group("us_indices")]
        self.members = [i.alias for i in engine.symbols.group("MAG7")]
        self._cells: dict[str, list[tuple[str, str]]] = {}  # block key → (name, formula) rows
        self._anchors: list[_Anchor] | None = None
        clock = calc.series.get("SP500")
        us_sessions = clock.sessions if clock is not None else None
        if us_sessions is not None:
            end = f"INDEX({us_sessions},MATCH(AsOf_end-1,{us_sessions},1))"
        else:  # the last weekday before AsOf
            end = "AsOf_end-IF(WEEKDAY(AsOf_end,2)=1,3,IF(WEEKDAY(AsOf_end,2)=7,2,1))"
        calc.add_kind(US_END, end)
        calc.kinds.setdefault(US_YTD, (f"DATE(YEAR({end})-1,12,31)", US_END))
        calc.add_kind("ly1", "DATE(YEAR(AsOf_end)-3,12,31)")
        try:
            snapshots = sorted(engine.fundamentals(), key=lambda s: s.date)
        except MarketReviewError:
            snapshots = []
        if snapshots:
            self._anchors = [_Anchor(_serial(s), _anchor_text(s, report.lang)) for s in snapshots]

    # -- the Calc block -------------------------------------------------------------------------------------

    def _ref(self, offset: int, r: int) -> str:
        return f"{CALC_TITLE}!${get_column_letter(FIRST_COLUMN + offset)}${FIRST_ROW + r}"

    def _first_close(self, alias: str, back: int) -> tuple[str, str]:
        """Calc cells (date, close) of ``alias``'s first close of the year ``YEAR(AsOf_end)-back``, allocated
        on first use (calc.years.first_close on the closes known on AsOf)."""
        key = f"{alias}:{back}"
        rows = self._cells.setdefault("first", [])
        names = [name for name, _ in rows]
        if key + ":date" not in names:
            ref = self.calc.series[alias]
            jan1 = f"DATE(YEAR(AsOf_end)-{back},1,1)"
            if ref.sessions is not None:
                first = f"INDEX({ref.sessions},IFERROR(MATCH({jan1}-1,{ref.sessions},1),0)+1)"
                day = f"IF(AND(YEAR({first})=YEAR({jan1}),{first}<=AsOf_end),{first},NA())"
            else:
                first = f"INDEX({ref.dates},IFERROR(MATCH({jan1}-1,{ref.dates},1),0)+1)"
                day = (f"IF(AND({first}<={jan1}+{years_calc.FIRST_SESSION_DAYS},{first}<=AsOf_end),"
                       f"{first},NA())")
            rows.append((key + ":date", day))
            date_ref = self._ref(0, len(rows) - 1 + _BLOCK_ROWS["first"])
            rows.append((key + ":close", f"INDEX({ref.close},MATCH({date_ref},{ref.dates},0))"))
            names = [name for name, _ in rows]
        base = _BLOCK_ROWS["first"]
        return self._ref(0, base + names.index(key + ":date")), self._ref(0, base + names.index(key + ":close"))

    def _window(self, alias: str) -> tuple[str, str]:
        """Calc cells (first row, last row) of ``alias``'s closes from January 1 of AsOf's year to AsOf."""
        key = f"{alias}:window"
        rows = self._cells.setdefault("window", [])
        names = [name for name, _ in rows]
        if key + ":lo" not in names:
            ref = self.calc.series[alias]
            rows.append((key + ":lo", f"IFERROR(MATCH(DATE(YEAR(AsOf_end),1,1)-1,{ref.dates},1),0)+1"))
            rows.append((key + ":hi", f"IFERROR(MATCH(AsOf_end,{ref.dates},1),0)"))
            names = [name for name, _ in rows]
        base = _BLOCK_ROWS["window"]
        return self._ref(0, base + names.index(key + ":lo")), self._ref(0, base + names.index(key + ":hi"))

    def write(self, ws: Any) -> None:
        ws.cell(row=FIRST_ROW - 1, column=FIRST_COLUMN, value="tables").data_type = "s"
        ws.cell(row=FIRST_ROW - 1, column=FIRST_COLUMN + 1, value="tables key").data_type = "s"
        for block, rows in self._cells.items():
            for r, (name, formula) in enumerate(rows, start=_BLOCK_ROWS[block]):
                cell = ws.cell(row=FIRST_ROW + r, column=FIRST_COLUMN, value="=" + formula)
                if name.endswith(":date"):
                    cell.number_format = "yyyy-mm-dd"
                ws.cell(row=FIRST_ROW + r, column=FIRST_COLUMN + 1, value=name).data_type = "s"
        if self._anchors:
            ws.cell(row=FIRST_ROW - 1, column=FIRST_COLUMN + 2, value="anchor date").data_type = "s"
            ws.cell(row=FIRST_ROW - 1, column=FIRST_COLUMN + 3, value="anchor line").data_type = "s"
            for r, anchor in enumerate(self._anchors):
                ws.cell(row=FIRST_ROW + r, column=FIRST_COLUMN + 2, value=anchor.serial)
                ws.cell(row=FIRST_ROW + r, column=FIRST_COLUMN + 3, value=anchor.text).data_type = "s"

    # -- the tables -----------------------------------------------------------------------------------------

    def cell(self, table: Table, index: int, column: str) -> str | None:
        """The formula of row ``index``'s cell ``column``, or None (the build's value stays, guarded)."""
        if table.key == "prev_years":
            return self._prev_years(table, index, column)
        if table.key == "members":
            return self._member(table, index, column)
        if table.key == "yield_range":
            return self._yield_range(table, index, column)
        return None

    def _prev_years(self, table: Table, index: int, column: str) -> str | None:
        dating = _detect_dating(self.report, table)
        count = len(self.us)
        if dating is None or not count or len(table.rows) != 2 * count:
            return None
        alias, back = self.us[index % count], 2 - index // count  # the older year first
        if column == "year":
            return f"YEAR(AsOf_end)-{back}"
        if not self.calc.has(alias):
            return None
        if dating == "year_end":
            kinds = {2: ("ly1", "ly0"), 1: ("ly0", "ytd")}[back]
            first, last = (self.calc.row(alias, k) for k in kinds)
            start_date, start, end_date, end = first.used, first.close, last.used, last.close
        else:
            start_date, start = self._first_close(alias, back)
            end_date, end = self._first_close(alias, back - 1)
        ok = f"AND(ISNUMBER({start}),ISNUMBER({end}))"
        return {"start_date": f"IF({ok},{start_date},NA())", "start": f"IF({ok},{start},NA())",
                "end_date": f"IF({ok},{end_date},NA())", "end": f"IF({ok},{end},NA())",
                "change": f"{end}/{start}-1", "points": f"IF({ok},{end}-{start},NA())"}.get(column)

    def _member(self, table: Table, index: int, column: str) -> str | None:
        if len(table.rows) != len(self.members) or not self.calc.has(self.members[index]):
            return None
        alias = self.members[index]
        w1 = perf(self.calc, alias, "w1")
        if column == "w1":
            return w1
        if column == "prev":
            return f"IF(ISNUMBER({w1}),{self.calc.row(alias, 'w1').close},NA())"
        if column == "close":
            return f"IF(ISNUMBER({w1}),{self.calc.row(alias, 'end').close},NA())"
        if column == "ytd":
            if _detect_basis(self.report, table) == "asof":
                return perf(self.calc, alias, "ytd")
            return perf(self.calc, alias, US_YTD, US_END)
        return None

    def _yield_range(self, table: Table, index: int, column: str) -> str | None:
        if len(table.rows) != len(RANGE_TENORS) or not self.calc.has(RANGE_TENORS[index]):
            return None
        alias = RANGE_TENORS[index]
        ref = self.calc.series[alias]
        if column == "level":
            return self.calc.row(alias, "end").close
        lo, hi = self._window(alias)
        window = f"INDEX({ref.close},{lo}):INDEX({ref.close},{hi})"
        extreme = {"ytd_high": "MAX", "ytd_high_date": "MAX", "ytd_low": "MIN", "ytd_low_date": "MIN"}.get(column)
        if extreme is None:
            return None
        value = f"{extreme}({window})"
        if column.endswith("_date"):  # the first close equal to the extreme (np.argmax/argmin: the earliest)
            value = f"INDEX({ref.dates},{lo}-1+MATCH({value},{window},0))"
        return f"IF({hi}<{lo},NA(),{value})"

    def warned_by(self, table: Table, index: int, column: str) -> list[str]:
        """The Calc mark cells whose text means the cell carries a warning (missing sessions at one of its
        figure's closes), for the warning fill that follows AsOf (figures.warned_by for these tables)."""
        kinds: tuple[str, ...] = ()
        alias = None
        if table.key == "members" and len(table.rows) == len(self.members):
            alias = self.members[index]
            if column in ("prev", "close", "w1"):
                kinds = ("w1", "end")
            elif column == "ytd":
                kinds = ("ytd", "end") if _detect_basis(self.report, table) == "asof" else (US_YTD, US_END)
        elif (table.key == "prev_years" and _detect_dating(self.report, table) == "year_end"
              and self.us and len(table.rows) == 2 * len(self.us)):
            alias, back = self.us[index % len(self.us)], 2 - index // len(self.us)
            if column in ("start_date", "start", "end_date", "end", "change", "points"):
                kinds = {2: ("ly1", "ly0"), 1: ("ly0", "ytd")}[back]
        if alias is None or not self.calc.has(alias):
            return []
        return [self.calc.row(alias, kind).mark_ja for kind in kinds]

    def us_close_ytd(self, table: Table, alias: str, column: str) -> str | None:
        """The YTD figure of a US table (indices, Mag7 stocks, yields) on the US-close basis, which ends at the
        last US session before AsOf; None on the as-of basis (the table's own formula stands)."""
        if not (table.key in US_YTD_TABLES and column == US_YTD_TABLES[table.key] and self.calc.has(alias)
                and _detect_basis(self.report, table, column) == "us_close"):
            return None
        if column == "ytd":
            return perf(self.calc, alias, US_YTD, US_END)
        start, end = self.calc.row(alias, US_YTD), self.calc.row(alias, US_END)
        return f"IF({start.bad},NA(),ROUND(({end.close}-{start.close})*100,9))"  # figures.bp_change's rounding

    # -- the anchor notes -----------------------------------------------------------------------------------

    def anchor_lines(self, block: Lines) -> list[str | None] | None:
        """One formula per line of the Mag7 anchor notes, or None when they do not depend on the date (no
        snapshot at all: the build's lines are the same on every date and stay plain text). There are as many
        as the most lines any date can have (every snapshot and the method), at least the build's: the rows
        after the build's are blank until a date uses more snapshots (the block is the sheet's last)."""
        if self._anchors is None:
            return None
        n = len(self._anchors)
        dates = f"{CALC_TITLE}!${get_column_letter(FIRST_COLUMN + 2)}${FIRST_ROW}:" \
                f"${get_column_letter(FIRST_COLUMN + 2)}${FIRST_ROW + n - 1}"
        texts = dates.replace(get_column_letter(FIRST_COLUMN + 2), get_column_letter(FIRST_COLUMN + 3))
        # anchors_used: the last snapshot on or before the history's start (else the first), to the last on or
        # before AsOf; none when AsOf is before the first snapshot
        first = f"IFERROR(MATCH({HISTORY_START},{dates},1),1)"
        last = f"IFERROR(MATCH(AsOf_end,{dates},1),0)"
        count = f"MAX({last}-{first}+1,0)"
        method = lit(block.lines[-1])
        out: list[str | None] = []
        for i in range(max(len(block.lines), n + 1)):
            out.append(f'IF({i}<{count},INDEX({texts},{first}+{i}),IF({i}={count},{method},""))')
        return out


#: the row (from FIRST_ROW) where each part of the block starts: first closes, then the yield windows
_BLOCK_ROWS = {"first": 0, "window": 120}


def _serial(snapshot: FundamentalsSnapshot) -> int:
    from .data_sheet import serial

    return serial(snapshot.date)


def _anchor_text(snapshot: FundamentalsSnapshot, lang: Lang) -> str:
    """The note of one snapshot, as report.mag7_notes.anchor_lines words it."""
    return (f"{label('mag7_anchors.snapshot', lang)} {snapshot.date.isoformat()}: {snapshot.source}"
            + (f" ({'; '.join(snapshot.notes)})" if snapshot.notes else ""))


__all__ = ["ANCHOR_LINES", "TABLES", "TableBlock"]
