"""The Summary's paste-ready lines as formulas, in the order and the published form
:func:`marketreview.report.summary_sheet.lines` writes them: each line reads the figures of the tables (the cells
the reader sees), names an older close beside it (``1,672.41（12/16終値）``), carries its marks, and where a
figure is an error reads ``—※n`` with a numbered footnote, as :class:`marketreview.report.published.Notes`
numbers them (the same text gets the same number; the footnotes follow the lines).

A line whose figures no formula computes is ``None``: the writer keeps its text behind the as-of guard.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from openpyxl.utils import get_column_letter

from ...calc import summary as fmt
from ...engine import Engine
from ...report import published
from ...report import summary_sheet as ss
from ...report.labels import label
from ...report.model import Cell, Lines, Report
from ...report.reasons import REASONS, short_reason
from ...report.sheets import RELATIVE_PAIRS
from ...types import Lang
from . import lines as lf
from .calc_sheet import CALC_TITLE, FIRST_ROW, CalcRow, CalcSheet
from .mag7 import Mag7Block
from .ranking import RankingBlock
from .relative import mixed_basis

Registry = dict[tuple[str, str, str], str]
DASH = published.DASH


@dataclass(frozen=True)
class LineFormula:
    """One line: ``text(num)`` is its formula given the cell of its footnote number; ``note`` the formula of its
    footnote's text ("" when the line has none); ``series``: the series whose closes can make it an error;
    ``always``: it can be an error whatever its series' closes (a refusal, the Mag7 share's snapshots)."""

    text: Callable[[str], str]
    note: str
    series: tuple[str, ...] = ()
    always: bool = False


def _other(name: str, lang: Lang, reason: str | None = None) -> str:
    """note.other: ``name：計算不可`` (the fallback reason of report.reasons, or ``reason``)."""
    words = reason if reason is not None else short_reason("not computed", lang)
    return lf.template("note.other", lang, name=lf.lit(name), reason=lf.lit(words))


def _reason_text(name: str, row: CalcRow, lang: Lang) -> str:
    """published.error_note of a close that is an error, by the reason the Calc row found."""
    starts = lf.template("note.starts", lang, name=lf.lit(name), day=lf.long_date(row.reason_day, lang))
    ends = lf.template("note.ends", lang, name=lf.lit(name), day=lf.month_day(row.reason_day))
    gap = lf.template("note.gap", lang, name=lf.lit(name), day=lf.month_day(row.reason_day))
    return f'IF({row.reason}="s",{starts},IF({row.reason}="e",{ends},{gap}))'


def figure_note(name: str, rows: list[CalcRow], lang: Lang, bad: CalcRow | None = None,
                end: CalcRow | None = None) -> str:
    """The footnote of a figure that is an error: the first of its closes (in the engine's lookup order) that is
    an error, else the period with no close although the market was open (``bad``'s period, to ``end``)."""
    expr = _other(name, lang)
    if bad is not None and end is not None:
        gap = lf.template("note.gap", lang, name=lf.lit(name), day=lf.month_day(end.when))
        expr = f"IF({bad.bad},{gap},{expr})"
    for row in reversed(rows):
        expr = f'IF({row.reason}<>"",{_reason_text(name, row, lang)},{expr})'
    return expr


def _numbers(*refs: str) -> str:
    return "AND(" + ",".join(f"ISNUMBER({r})" for r in refs) + ")"


def _error(prefix: str, demo: bool) -> Callable[[str], str]:
    return lambda num: f'{lf.lit(prefix)}&"{DASH}※"&{num}{lf.demo_tag(demo)}'


class _Lines:
    """What every line of one block needs: the engine, the Calc rows, the tables' cells, the language."""

    def __init__(self, report: Report, engine: Engine, calc: CalcSheet, registry: Registry, lang: Lang,
                 shares: Mag7Block, ranks: RankingBlock | None) -> None:
        self.report, self.engine, self.calc, self.registry, self.lang = report, engine, calc, registry, lang
        self.shares, self.ranks, self.demo = shares, ranks, report.demo
        self.lookup = ss.TableLookup(engine, report.sheets)
        self.tables = self.lookup.tables

    def find(self, alias: str, column: str) -> str | None:
        for table in ss.LINE_TABLES:
            ref = self.registry.get((table, alias, column))
            if ref is not None:
                return ref
        return None

    def extra(self, alias: str) -> str:
        """The marks of the whole series (dividend-adjusted, raw ETF closes, a failed fetch): the build's."""
        cells = self.lookup.find(alias)
        return lf.lit(published.series_text(cells.get("name") if cells else None, self.lang))

    def either(self, ok: str, text: str, name: str, note: str, series: tuple[str, ...] = (),
               always: bool = False, prefix: str | None = None) -> LineFormula:
        """The line ``text`` when ``ok`` holds, else ``・name —※n`` (``prefix`` in place of ``・name ``)."""
        error = _error(f"・{name} " if prefix is None else prefix, self.demo)
        return LineFormula(lambda num: f"IF({ok},{text},{error(num)})", note, series, always)

    def name(self, alias: str) -> str:
        return ss.line_name(self.engine, alias, self.lang)

    # -- the lines ---------------------------------------------------------------------------------------

    def week(self, alias: str) -> LineFormula | None:
        rate = alias in ss.RATE_LINES
        keys = ("prev_week", "level", "w1_bp") if rate else ("prev", "close", "w1")
        refs = [self.find(alias, k) for k in keys]
        cells = self.lookup.find(alias)
        if None in refs or not self.calc.has(alias) or cells is None:
            return None
        prev, close, change = (r for r in refs if r is not None)
        lang, name = self.lang, self.name(alias)
        start_row, end_row = self.calc.row(alias, "w1"), self.calc.row(alias, "end")
        decimals = 0 if cells[keys[1]].fmt == "price0" else 2
        if rate:
            first, last, moves = (f'{lf.number(prev, decimals)}&"%"', f'{lf.number(close, decimals)}&"%"',
                                  [lf.bp(change)])
        else:
            first, last = lf.number(prev, decimals), lf.number(close, decimals)
            moves = [lf.points(close, prev, decimals), lf.pct(change)]
        first += "&" + start_row.close_name(lang)
        last += "&" + end_row.close_name(lang)
        marks = lf.distinct([start_row.mark(lang), end_row.mark(lang)]) + "&" + self.extra(alias)
        text = (f'{lf.lit("・" + name + " ")}&{first}&" → "&{last}&'
                f'{lf.change_text(lf.words("1W", lang), moves, lang)}&{marks}{lf.demo_tag(self.demo)}')
        ok = _numbers(prev, close, change)
        note = f'IF({ok},"",{figure_note(name, [start_row, end_row], lang, start_row, end_row)})'
        return self.either(ok, text, name, note, (alias,))

    def ytd(self, alias: str) -> LineFormula | None:
        ref = self.find(alias, "ytd")
        if ref is None or not self.calc.has(alias):
            return None
        lang, name = self.lang, self.name(alias)
        start_row, end_row = self.calc.row(alias, "ytd"), self.calc.row(alias, "end")
        prefix = f"・{name} {fmt.period_label('YTD', lang)} "
        named = lf.distinct([start_row.close_name(lang), end_row.close_name(lang)])
        marks = lf.distinct([start_row.mark(lang), end_row.mark(lang)]) + "&" + self.extra(alias)
        text = f"{lf.lit(prefix)}&{lf.pct(ref)}&{named}&{marks}{lf.demo_tag(self.demo)}"
        ok = f"ISNUMBER({ref})"
        note = f'IF({ok},"",{figure_note(name, [start_row, end_row], lang, start_row, end_row)})'
        return self.either(ok, text, name, note, (alias,), prefix=prefix)

    def ratio(self, key: str, num: str, den: str, cells: dict[str, Cell]) -> LineFormula | None:
        lang, short = self.lang, key.removeprefix("pair.")
        name = ss.pair_name(self.engine, key, num, den, lang)
        ratio, deviation, ma = (self.registry.get(("pairs", short, k)) for k in ("ratio", "deviation", "ma"))
        if key in mixed_basis(self.engine):
            return self._static_error(name, cells.get("ratio"))
        if ratio is None or deviation is None or ma is None or not (self.calc.has(num) and self.calc.has(den)):
            return None
        legs = name.split(" / ") if len(name.split(" / ")) == 2 else [self.name(num), self.name(den)]
        rows = [self.calc.row(num, "end"), self.calc.row(den, "end")]
        named = lf.distinct([self._leg_close(leg, row) for leg, row in zip(legs, rows, strict=True)])
        marks = lf.distinct([row.mark(lang) for row in rows])
        head = f'{lf.lit("・" + name + " ")}&{lf.level(ratio + "*100")}&{named}'
        tail = f"&{marks}{lf.demo_tag(self.demo)}"
        words = fmt.ratio_words(lang)
        full = f"{head}&{lf.change_text(words, [lf.pt(deviation)], lang)}{tail}"
        weeks = lf.template("note.weeks", lang, name=lf.lit(name))
        note = (f'IF(ISNUMBER({ratio}),IF(ISNUMBER({deviation}),"",IF(ISNUMBER({ma}),{_other(name, lang)},'
                f'{weeks})),{figure_note(name, rows, lang)})')
        error = _error(f"・{name} ", self.demo)

        def text(num_ref: str) -> str:
            partial = f'{head}&{lf.change_text(words, [chr(34) + DASH + "※" + chr(34) + "&" + num_ref], lang)}{tail}'
            return f"IF(ISNUMBER({ratio}),IF(ISNUMBER({deviation}),{full},{partial}),{error(num_ref)})"

        rebased = self.registry.get(("pairs", short, "rebased"))
        if rebased is None:
            return LineFormula(text, note, (num, den))
        first, second = ("相対パフォーマンス", "期初=100") if lang == "ja" else ("relative performance",
                                                                        "window start = 100")
        shown = (f'{lf.lit("・" + name + " " + first + " ")}&TEXT(ROUND({rebased},1),"0.0")&'
                 f'{lf.paren(lf.lit(second), lang)}{lf.demo_tag(self.demo)}')
        return LineFormula(lambda num_ref: f"IF(ISNUMBER({rebased}),{shown},{text(num_ref)})",
                           f'IF(ISNUMBER({rebased}),"",{note})', (num, den))

    def _leg_close(self, leg: str, row: CalcRow) -> str:
        """close_marks with legs: ``（ラッセル2000グロースは12/16終値）`` / `` (Russell 2000 Growth: 12/16 close)``."""
        day = lf.month_day(row.used)
        inner = (f"{lf.lit(leg + 'は')}&{day}&{lf.lit('終値')}" if self.lang == "ja"
                 else f"{lf.lit(leg + ': ')}&{day}&{lf.lit(' close')}")
        return f'IF({row.close_ja}="","",{lf.paren(inner, self.lang)})'

    def _static_error(self, name: str, cell: Cell | None) -> LineFormula | None:
        """A figure refused on every date (a pair on mixed bases): its error line and footnote, on any AsOf."""
        if cell is None or cell.error is None:
            return None
        note = lf.lit(published.error_note(name, cell.error, self.lang))
        return LineFormula(_error(f"・{name} ", self.demo), note, always=True)

    def share(self) -> LineFormula | None:
        share, change = (self.registry.get(("share", "share", k)) for k in ("share", "share_w1"))
        if share is None or change is None or not self.shares.enabled:
            return None
        lang, name = self.lang, label("line.mag7", self.lang)
        text = (f'{lf.lit("・" + name + " ")}&{lf.level(share + "*100", fmt.SHARE_DECIMALS)}&'
                f'{lf.change_text(lf.words("1W", lang), [lf.pt(change, fmt.SHARE_DECIMALS)], lang)}&'
                f"{self.shares.marks(lang)}{lf.demo_tag(self.demo)}")
        ok = _numbers(share, change)
        return self.either(ok, text, name, f'IF({ok},"",{_other(name, lang)})', always=True)

    def _mixed(self, kind: str) -> str:
        """calc.yields.spread_bp's warning when the legs' closes are from different dates ("" when not)."""
        long, short = self.calc.row("US10Y", kind), self.calc.row("US2Y", kind)
        text = (f'{lf.lit(self.engine.ticker("US10Y") + " ")}&TEXT({long.used},"yyyy-mm-dd")&'
                f'{lf.lit(" and " + self.engine.ticker("US2Y") + " ")}&TEXT({short.used},"yyyy-mm-dd")&'
                f'{lf.lit(": spread legs from different dates")}')
        other = "※" if self.lang == "ja" else " ※"  # calc.summary.mark_text of an "other" mark
        return f'IF({long.used}={short.used},"",{lf.lit(other)}&{text})'

    def spread(self) -> LineFormula | None:
        spread, change = (self.registry.get(("spread", "spread", k)) for k in ("spread", "w1_bp"))
        if spread is None or change is None or not (self.calc.has("US10Y") and self.calc.has("US2Y")):
            return None
        lang, name = self.lang, label("line.spread", self.lang)
        marks = lf.distinct([self._mixed("end"), self._mixed("w1")])
        text = (f'{lf.lit("・" + name + " ")}&{lf.bp(spread)}&'
                f'{lf.change_text(lf.words("1W", lang), [lf.bp(change)], lang)}&{marks}{lf.demo_tag(self.demo)}')
        ok = _numbers(spread, change)
        now = [self.calc.row(a, "end") for a in ("US10Y", "US2Y")]
        then = [self.calc.row(a, "w1") for a in ("US10Y", "US2Y")]
        note = f'IF({ok},"",IF(ISNUMBER({spread}),{figure_note(name, then, lang)},{figure_note(name, now, lang)}))'
        return self.either(ok, text, name, note, ("US10Y", "US2Y"))

    def fed(self) -> LineFormula | None:
        lower, upper = (self.registry.get(("fed", "fed", k)) for k in ("lower", "upper"))
        if lower is None or upper is None:
            return None
        lang, name = self.lang, label("line.fed", self.lang)
        dash = "〜" if lang == "ja" else "–"
        text = f'{lf.lit("・" + name + " ")}&{lf.level(lower)}&{lf.lit(dash)}&{lf.level(upper)}' \
               f"{lf.demo_tag(self.demo)}"
        ok = f"AND({_numbers(lower, upper)},{lower}<={upper})"
        rows = [self.calc.row(a, "end") for a in ("FEDFUNDS_LOWER", "FEDFUNDS_UPPER") if self.calc.has(a)]
        bad_input = next(ja if lang == "ja" else en for pattern, en, ja in REASONS if pattern.startswith("^#VALUE"))
        note = (f'IF({ok},"",IF({_numbers(lower, upper)},{_other(name, lang, bad_input)},'
                f"{figure_note(name, rows, lang)}))")
        return self.either(ok, text, name, note, ("FEDFUNDS_LOWER", "FEDFUNDS_UPPER"))

    def sectors(self, count: int) -> list[LineFormula | None]:
        if self.ranks is None:
            return [None] * count
        return [LineFormula(lambda _num, part=part: self.ranks.line_ref(self.lang, part), '""')  # type: ignore
                for part in ("best", "worst")[:count]]


def summary_formulas(report: Report, engine: Engine, calc: CalcSheet, registry: Registry, block: Lines,
                     lang: Lang, shares: Mag7Block, ranks: RankingBlock | None) -> list[LineFormula | None]:
    """One formula (or None) per line of ``block`` before its footnotes; all None when the block's lines are not
    the ones summary_sheet writes (so a changed Summary never gets formulas of the wrong lines)."""
    make = _Lines(report, engine, calc, registry, lang, shares, ranks)
    out: list[LineFormula | None] = [make.week(a) for a in ss.US_LINES]
    out += [make.ytd(a) for a in (*ss.US_LINES, "TOPIX", "NIKKEI225")]
    pairs = make.tables.get("pairs")
    records = pairs.records() if pairs is not None else []
    out += [make.ratio(key, num, den, cells) for (key, num, den), cells in zip(RELATIVE_PAIRS, records,
                                                                              strict=False)]
    out.append(make.share())
    out += [make.week(a) for a in ss.RATE_LINES]
    out.append(make.spread())
    out.append(make.fed())
    out += [make.week(a) for a in ss.JAPAN_LINES]
    lines = body_lines(block)
    sectors = len(lines) - len(out)
    if sectors not in (1, 2):
        return [None] * len(lines)
    return out + make.sectors(sectors)


def body_lines(block: Lines) -> tuple[str, ...]:
    """The block's lines without its ※ footnotes (and the room left for them)."""
    return tuple(line for line in block.lines if line and not line.startswith("※"))


#: the Calc columns of the footnote blocks: BR–BU and BW–BZ, right of the other Calc blocks (the ranking ends at
#: BE, the seed tables of render/living/tables use BJ–BM)
NOTES_COLUMN = 70
_NOTES_WIDTH = 5


class NotesBlock:
    """The footnotes of one block of lines, on the Calc sheet: per line its note's text, the line where that
    text first appears, and its number (published.Notes: the same text keeps its number, a new text gets the
    next); per slot j the j-th footnote (``※1 ラッセル2000グロースは12/16までのデータ``), or ""."""

    def __init__(self, index: int, lines: int) -> None:
        self.column, self.lines = NOTES_COLUMN + _NOTES_WIDTH * index, lines

    def _letter(self, offset: int) -> str:
        return str(get_column_letter(self.column + offset))

    def number(self, i: int) -> str:
        return f"{CALC_TITLE}!${self._letter(2)}${FIRST_ROW + i}"

    def slot(self, j: int) -> str:
        """The j-th footnote (1-based)."""
        return f"{CALC_TITLE}!${self._letter(3)}${FIRST_ROW + j - 1}"

    def write(self, ws: Any, notes: list[str]) -> None:
        note, first, num = (self._letter(k) for k in range(3))
        top, bottom = FIRST_ROW, FIRST_ROW + self.lines - 1
        for offset, text in enumerate(("note", "first line", "number", "footnote")):
            ws.cell(row=FIRST_ROW - 1, column=self.column + offset, value=text).data_type = "s"
        for i, formula in enumerate(notes):
            r = FIRST_ROW + i
            ws.cell(row=r, column=self.column, value="=" + formula)
            ws.cell(row=r, column=self.column + 1,
                    value=f'=IF({note}{r}="",0,MATCH({note}{r},${note}${top}:{note}{r},0))')
            if i == 0:
                value = f'=IF({note}{r}="",0,1)'
            else:
                value = (f'=IF({note}{r}="",0,IF({first}{r}={i + 1},MAX(${num}${top}:{num}{r - 1})+1,'
                         f"INDEX(${num}${top}:{num}{r - 1},{first}{r})))")
            ws.cell(row=r, column=self.column + 2, value=value)
        for j in range(1, self.lines + 1):
            ws.cell(row=FIRST_ROW + j - 1, column=self.column + 3,
                    value=f'=IFERROR("※"&{j}&" "&INDEX(${note}${top}:${note}${bottom},'
                          f'MATCH({j},${num}${top}:${num}${bottom},0)),"")')
