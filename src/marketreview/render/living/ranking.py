"""The Summary's TOPIX-17 ranking lines as formulas: the best and worst three sectors of the week, in the
order :func:`marketreview.report.summary_sheet.ranked_sectors` gives (best first; a tie keeps the table's order,
and the worst list is that order reversed), each line with the marks of the sectors it names, repeats dropped.

A block on the Calc sheet holds one row per sector (its weekly return, or -1E+300 when it has none; its rank;
its name in both languages; its marks; the marks of its whole series, such as raw ETF closes) and, per line, the
chain of cells that collects the marks (calc.summary.finish_line: the named returns' marks, then the series').
"""

from __future__ import annotations

from typing import Any

from openpyxl.utils import get_column_letter

from ...calc.summary import DEMO_TAG
from ...report.labels import label
from ...report.published import DASH
from ...types import Lang
from .calc_sheet import CALC_TITLE, FIRST_ROW, CalcSheet
from .lines import lit, pct

FIRST_COLUMN = 36  # AJ: right of the Mag7 block
SHOWN = 3
_LANGS: tuple[Lang, ...] = ("ja", "en")
#: per sector row: value, rank, name ja, name en, then (w1 mark, end mark) per language
_COLUMNS = ("value", "rank", "name_ja", "name_en", "start_ja", "end_ja", "start_en", "end_en", "series_ja",
            "series_en")
#: per line: the nine marks' chain, then the line
_LINE_COLUMN = FIRST_COLUMN + len(_COLUMNS) + 1


class RankingBlock:
    def __init__(self, sectors: list[tuple[str, str, str, str]], series: list[tuple[str, str]]) -> None:
        """``sectors``: (alias, weekly return cell, short name ja, short name en), in table order; ``series``: the
        marks of each sector's whole series (ja, en), as the build words them."""
        self.sectors, self.series = sectors, series

    def _col(self, name: str) -> str:
        return str(get_column_letter(FIRST_COLUMN + _COLUMNS.index(name)))

    def _range(self, name: str) -> str:
        letter = self._col(name)
        return f"${letter}${FIRST_ROW}:${letter}${FIRST_ROW + len(self.sectors) - 1}"

    def line_ref(self, lang: Lang, part: str) -> str:
        row = FIRST_ROW + _LANGS.index(lang) * 2 + (part == "worst")
        return f"{CALC_TITLE}!${get_column_letter(_LINE_COLUMN + 3 * SHOWN)}${row}"

    def write(self, ws: Any, calc: CalcSheet, demo: bool) -> None:
        for offset, text in enumerate(_COLUMNS):
            ws.cell(row=FIRST_ROW - 1, column=FIRST_COLUMN + offset, value=f"sector {text}").data_type = "s"
        value = self._col("value")
        for i, (alias, w1, ja, en) in enumerate(self.sectors):
            r = FIRST_ROW + i
            before = (f"+SUMPRODUCT(({self._col('value')}${FIRST_ROW}:{value}{r - 1}={value}{r})*1)"
                      if i else "")
            cells = {
                "value": f"=IF(ISNUMBER({w1}),{w1},-1E+300)",
                "rank": f'=IF(ISNUMBER({w1}),SUMPRODUCT(({self._range("value")}>{value}{r})*1){before}+1,"")',
                "start_ja": "=" + calc.row(alias, "w1").mark_ja, "end_ja": "=" + calc.row(alias, "end").mark_ja,
                "start_en": "=" + calc.row(alias, "w1").mark_en, "end_en": "=" + calc.row(alias, "end").mark_en,
            }
            for name, formula in cells.items():
                ws.cell(row=r, column=FIRST_COLUMN + _COLUMNS.index(name), value=formula)
            texts = (("name_ja", ja), ("name_en", en), ("series_ja", self.series[i][0]),
                     ("series_en", self.series[i][1]))
            for name, text in texts:
                ws.cell(row=r, column=FIRST_COLUMN + _COLUMNS.index(name), value=text).data_type = "s"
        count = f"COUNT({self._range('rank')})"
        for lang in _LANGS:
            for part in ("best", "worst"):
                self._line(ws, lang, part, count, demo)

    def _line(self, ws: Any, lang: Lang, part: str, count: str, demo: bool) -> None:
        r = FIRST_ROW + _LANGS.index(lang) * 2 + (part == "worst")
        sep = "、" if lang == "ja" else ", "
        key = "line.sectors_best" if part == "best" else "line.sectors_worst"
        words = label(key, lang)

        def position(k: int) -> str:
            wanted = str(k) if part == "best" else f"{count}-{k - 1}"
            return f"MATCH({wanted},{self._range('rank')},0)"

        def item(k: int) -> str:
            p = position(k)
            return (f'INDEX({self._range("name_" + lang)},{p})&" "&'
                    f'{pct("INDEX(" + self._range("value") + "," + p + ")")}')

        marks = [*((k, which) for k in range(1, SHOWN + 1) for which in ("start", "end")),
                 *((k, "series") for k in range(1, SHOWN + 1))]
        previous = '""'
        for t, (k, which) in enumerate(marks):
            mark = f'IF({count}>={k},INDEX({self._range(which + "_" + lang)},{position(k)}),"")'
            cell = ws.cell(row=r, column=_LINE_COLUMN + t)
            cell.value = f'={previous}&IF(OR({mark}="",ISNUMBER(FIND({mark},{previous}))),"",{mark})'
            previous = f"{get_column_letter(_LINE_COLUMN + t)}{r}"
        items = "&".join([item(1), *(f'IF({count}>={k},{lit(sep)}&{item(k)},"")' for k in range(2, SHOWN + 1))])
        tag = f"&{lit(DEMO_TAG)}" if demo else ""
        line = f'{lit("・" + words + " ")}&{items}&{previous}{tag}'
        # summary_sheet.sector_lines: with no sector return, one line, the best's title and a dash
        failed = lit(f"・{label('line.sectors_best', lang)} {DASH}") if part == "best" else '""'
        ws.cell(row=r, column=_LINE_COLUMN + len(marks), value=f"=IF({count}=0,{failed},{line})")
