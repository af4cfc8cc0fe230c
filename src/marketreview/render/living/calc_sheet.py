"""The living workbook's hidden working sheet: the period start dates computed from ``AsOf``, and one row per
(series, date) with the close on or before that date and what the engine would say about it.

Each row follows :func:`marketreview.calc.prices.close_asof` and ``close_pair``: the last close on or before
the date (``MATCH(…,1)``), the exchange sessions between that close and the date that have no close (a
warning, and an error beyond ``MAX_MISSING_SESSIONS``), and, without a calendar, an error for a gap of more
than ``max_gap_days`` calendar days. A period whose end close is on or before its start, although the market
was open in between, is an error (the change is unknown, not zero).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from openpyxl.utils import get_column_letter

from ...calc.prices import MAX_MISSING_SESSIONS
from ...types import Lang
from . import lines
from .data_sheet import SeriesRef
from .lines import lit
from .portable import check

CALC_TITLE = "Calc"
MAX_GAP_DAYS = 10
#: the first row of the blocks other modules write (weekly ratios, Mag7, ranking: fewer than 150 rows)
FIRST_ROW = 12
#: the first (series, date) row: these rows are spliced into the saved sheet XML (thousands of cells)
GENERIC_ROW = 200
#: kind → (the defined name of its date, the kind whose row is the period's end; None for the end itself)
KINDS: dict[str, tuple[str, str | None]] = {
    "end": ("AsOf_end", None),
    "w1": ("AsOf_W1", "end"),
    "mtd": ("AsOf_MTD", "end"),
    "ytd": ("AsOf_YTD", "end"),
    "y1": ("AsOf_1Y", "end"),
    "ly0": ("AsOf_LY0", "ytd"),
}


_CLOSE_WORDS: tuple[tuple[Lang, str], ...] = (("ja", "終値"), ("en", " close"))


def date_formula(day: dt.date) -> str:
    return f"DATE({day.year},{day.month},{day.day})"


def _names(first: dt.date, last: dt.date) -> list[tuple[str, str]]:
    return [
        ("AsOf_ok", f"AND(ISNUMBER(AsOf),AsOf>={date_formula(first)},AsOf<{date_formula(last)}+1)"),
        ("AsOf_end", "IF(AsOf_ok,INT(AsOf),NA())"),
        ("AsOf_W1", "AsOf_end-WEEKDAY(AsOf_end,3)-1"),
        ("AsOf_MTD", "DATE(YEAR(AsOf_end),MONTH(AsOf_end),1)-1"),
        ("AsOf_YTD", "DATE(YEAR(AsOf_end)-1,12,31)"),
        ("AsOf_1Y", "EDATE(AsOf_end,-12)"),
        ("AsOf_LY0", "DATE(YEAR(AsOf_end)-2,12,31)"),
    ]


@dataclass(frozen=True)
class CalcRow:
    """Cell references (``Calc!$H$12``) of one (series, date) row."""

    row: int
    when: str
    used: str
    #: the close used, or an error beyond the allowed gap
    close: str
    mark_ja: str
    mark_en: str
    #: TRUE when the period that starts on this row's date has no close although the market was open
    bad: str
    #: the last close on or before the date, with no gap check (weekly samples, reldev's own lookup)
    raw: str
    #: the close used named beside it when older than asked for (（12/16終値）), "" when not
    close_ja: str
    close_en: str
    #: why the close is an error: "s" (before the data starts), "e" (the data ended), "g" (a gap), "" (none)
    reason: str
    #: the day the reason names: the first date, the last close, or the date asked for
    reason_day: str

    def mark(self, lang: str) -> str:
        return self.mark_ja if lang == "ja" else self.mark_en

    def close_name(self, lang: str) -> str:
        return self.close_ja if lang == "ja" else self.close_en


def _ref(column: str, row: int) -> str:
    return f"{CALC_TITLE}!${column}${row}"


class CalcSheet:
    """Rows are allocated on first use; :meth:`write` puts them and the period names on the sheet."""

    def __init__(self, series: dict[str, SeriesRef]) -> None:
        self.series = series
        self._rows: dict[tuple[str, str], int] = {}
        self.kinds: dict[str, tuple[str, str | None]] = dict(KINDS)

    def add_kind(self, kind: str, date: str) -> None:
        """A date other modules compute (``date`` is a formula of this sheet, e.g. ``AB30``)."""
        self.kinds.setdefault(kind, (date, None))

    def has(self, alias: str) -> bool:
        return alias in self.series

    def row(self, alias: str, kind: str) -> CalcRow:
        key = (alias, kind)
        if key not in self._rows:
            end = self.kinds[kind][1]
            if end is not None:
                self.row(alias, end)
            self._rows[key] = GENERIC_ROW + len(self._rows)
        r = self._rows[key]
        return CalcRow(r, _ref("C", r), _ref("E", r), _ref("H", r), _ref("I", r), _ref("J", r), _ref("K", r),
                       _ref("F", r), _ref("L", r), _ref("M", r), _ref("N", r), _ref("O", r))

    def formulas(self, alias: str, kind: str, r: int) -> list[Any]:
        ref = self.series[alias]
        name, end_kind = self.kinds[kind]
        cal = ref.sessions
        cells: list[Any] = [alias, kind, f"={name}", f"=MATCH(C{r},{ref.dates},1)", f"=INDEX({ref.dates},D{r})",
                            f"=INDEX({ref.close},D{r})"]
        if cal is not None:
            cells += [f'=COUNTIFS({cal},">"&E{r},{cal},"<="&C{r})', f"=IF(G{r}>{MAX_MISSING_SESSIONS},NA(),F{r})",
                      "=" + _mark(cal, r, "ja"), "=" + _mark(cal, r, "en")]
            limit = MAX_MISSING_SESSIONS
        else:
            cells += [f"=C{r}-E{r}", f"=IF(G{r}>{MAX_GAP_DAYS},NA(),F{r})", '=""', '=""']
            limit = MAX_GAP_DAYS
        if end_kind is None:
            cells.append("=FALSE()")
        else:
            e = self._rows[(alias, end_kind)]
            open_days = (f'COUNTIFS({cal},">"&C{r},{cal},"<="&C{e})>=1' if cal is not None
                         else f"NETWORKDAYS(C{r}+1,C{e})>=2")
            cells.append(f"=AND(E{e}<=C{r},C{r}<C{e},{open_days})")
        named = ['=""', '=""']
        if cal is not None:  # calc.summary.mark_text at a close: the close used, when older than asked for
            day = lines.month_day(f"E{r}")
            named = [f'=IF(AND(ISNUMBER(G{r}),G{r}>0),{lines.paren(day + "&" + lit(word), lang)},"")'
                     for lang, word in _CLOSE_WORDS]
        at_end = f"D{r}=COUNT({ref.dates})"
        cells += [*named, f'=IF(NOT(ISNUMBER(D{r})),"s",IF(G{r}>{limit},IF({at_end},"e","g"),""))',
                  f'=IF(NOT(ISNUMBER(D{r})),INDEX({ref.dates},1),IF({at_end},E{r},C{r}))']
        return cells

    def write(self, wb: Any, first_as_of: dt.date, last_as_of: dt.date) -> Any:
        from openpyxl.workbook.defined_name import DefinedName

        ws = wb.create_sheet(CALC_TITLE)
        ws.append(["Period dates from AsOf, and each series' close on or before them (written by marketreview "
                   "build)"])
        for offset, (name, formula) in enumerate(_names(first_as_of, last_as_of), start=2):
            ws.cell(row=offset, column=1, value=name).data_type = "s"
            ws.cell(row=offset, column=2, value="=" + formula)
            if name != "AsOf_ok":
                ws.cell(row=offset, column=2).number_format = "yyyy-mm-dd"
            wb.defined_names[name] = DefinedName(name, attr_text=_ref("B", offset))
        header = ["alias", "kind", "date", "row", "close date", "close", "gap", "close used", "mark ja",
                  "mark en", "period unknown", "close named ja", "close named en", "error reason", "reason day"]
        for column, text in enumerate(header, start=1):
            ws.cell(row=FIRST_ROW - 1, column=column, value=text).data_type = "s"
        ws.sheet_state = "hidden"
        ws.protection.sheet = True
        return ws

    def rows_xml(self) -> tuple[str, str]:
        """The (series, date) rows as sheet XML, and the last cell (call it after every other block has asked
        for its rows). Each formula is checked for portability like every other one."""
        out: list[str] = []
        last = GENERIC_ROW
        for (alias, kind), r in sorted(self._rows.items(), key=lambda item: item[1]):
            out.append(f'<row r="{r}">')
            for column, value in enumerate(self.formulas(alias, kind, r), start=1):
                ref = f"{get_column_letter(column)}{r}"
                if column <= 2:
                    out.append(f'<c r="{ref}" t="inlineStr"><is><t>{escape(value)}</t></is></c>')
                else:
                    formula = check(value[1:], f"Calc {ref}")
                    out.append(f'<c r="{ref}"><f>{escape(formula)}</f></c>')
            out.append("</row>")
            last = r
        return "".join(out), f"BZ{last}"  # the blocks reach column AZ


def no_gap_close(row: CalcRow) -> str:
    """close_asof without sessions: the close on or before the date, an error beyond MAX_GAP_DAYS days."""
    return f"IF({row.when}-{row.used}>{MAX_GAP_DAYS},NA(),{row.raw})"


def _mark(cal: str, r: int, lang: Lang) -> str:
    """The mark of the missing sessions, as :func:`marketreview.calc.summary.mark_text` words it:
    ``（12/27欠損）``, ``（12/17他2日欠損）`` / `` (12/17, 12/18 missing)``."""
    first = lines.month_day(f"INDEX({cal},MATCH(E{r},{cal},1)+1)")
    second = lines.month_day(f"INDEX({cal},MATCH(E{r},{cal},1)+2)")
    if lang == "ja":
        one, two, many = first, f'{first}&"・"&{second}', f'{first}&"他"&(G{r}-1)&"日"'
        word = "欠損"
    else:
        one, two, many = first, f'{first}&", "&{second}', f'{first}&" +"&(G{r}-1)&" more days"'
        word = " missing"
    days = f"IF(G{r}=1,{one},IF(G{r}=2,{two},{many}))"
    return f'IF(G{r}=0,"",{lines.paren(days + "&" + lit(word), lang)})'
