"""The living workbook: the value build's sheets, layout and charts, with every figure this module knows how
to compute written as a formula over the hidden data sheet, driven by one input cell, ``AsOf``.

A figure that is not (yet) a formula keeps the build's value behind a guard, ``IF(AsOf_end=<build date>, value,
NA())``, so that after ``AsOf`` changes it shows #N/A rather than a number of another date. :data:`FORMULA_TABLES`
lists the tables whose figures are formulas.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable
from copy import copy
from dataclasses import replace
from functools import partial
from typing import Any

from openpyxl.comments import Comment
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from ...calc import prices
from ...engine import Engine
from ...errors import MarketReviewError, RenderError
from ...report import published
from ...report.layout import STAMP_ROW, Placement, lines_rows
from ...report.model import Cell, Lines, Report, Sheet, Table
from ...report.reasons import short_reason
from ...report.sheets import RELATIVE_PAIRS
from .. import styles
from ..printed import printed_placements
from ..xlsx import render_workbook, sheet_title
from . import figures, mag7, ranking, relative, tables, yield_history
from . import lines as line_formulas
from . import macro as macro_formulas
from .cached import ERROR
from .calc_sheet import CALC_TITLE, CalcSheet, date_formula
from .data_sheet import DATA_TITLE, write_data_sheet
from .portable import check
from .summary_lines import LineFormula, NotesBlock, body_lines, summary_formulas

CLOCK_ALIAS = "SP500"
#: Excel refuses a formula of this many characters or more (its limit is 8,192 with the "=")
MAX_FORMULA = 8192
FORMULA_TABLES = (*figures.PRICE_TABLES, "yields", "spread", "fed")
#: sheets whose tables do not depend on the as-of date
UNGUARDED_SHEETS = ("sources",)
AS_OF_ROW, AS_OF_COLUMN = 4, 2
WORDS = {
    "ja": {"as_of": "基準日（変更可）", "range": "基準日は {first} から {last} までの日付（データの範囲）",
           "title": "基準日", "note": "{as_of} 時点: "},
    "en": {"as_of": "As of (change it)", "range": "Enter a date from {first} to {last} (the dates the data covers)",
           "title": "As of", "note": "As of {as_of}: "},
}
_PLAIN = Font()
_NO_FILL = PatternFill()
_WARNING = PatternFill("solid", fgColor=styles.WARNING_FILL, bgColor=styles.WARNING_FILL)


class _Book:
    """What the writer keeps while it fills in formulas: the cached values and every formula's place."""

    def __init__(self, report: Report, wb: Any, engine: Engine) -> None:
        self.report, self.wb, self.engine = report, wb, engine
        self.cached: dict[str, dict[str, object]] = defaultdict(dict)
        self.titles = {sheet.key: sheet_title(sheet.title) for sheet in report.sheets}
        self.formula_cells: dict[str, set[str]] = defaultdict(set)

    def put(self, sheet: Sheet, row: int, column: int, formula: str, value: object, *,
            title: str | None = None) -> Any:
        """Write ``formula`` at (row, column) of ``sheet``'s worksheet, or of the worksheet ``title`` that holds
        one of its tables (the printed layout's data sheet)."""
        title = self.titles[sheet.key] if title is None else title
        cell = self.wb[title].cell(row=row, column=column)
        where = f"sheet {sheet.key} cell {cell.coordinate}"
        if len(formula) >= MAX_FORMULA:
            raise RenderError(where, f"a formula of {len(formula)} characters (Excel takes {MAX_FORMULA - 1}): "
                              f"{formula[:80]}…")
        cell.value = "=" + check(formula, where)
        self.cached[title][cell.coordinate] = value
        self.formula_cells[title].add(cell.coordinate)
        return cell


def _cached(item: Cell) -> object:
    return ERROR if item.error is not None else item.value


def _guard_literal(item: Cell, lang: str) -> str | None:
    value = short_reason(item.error, lang) if item.error is not None else item.value  # type: ignore[arg-type]
    if value is None:
        return None
    if isinstance(value, str):
        return line_formulas.lit(value)
    if isinstance(value, dt.datetime):
        return f"{date_formula(value.date())}+{(value - dt.datetime.combine(value.date(), dt.time())).seconds}/86400"
    if isinstance(value, dt.date):
        return date_formula(value)
    if isinstance(value, bool):
        return "TRUE()" if value else "FALSE()"
    return repr(float(value)) if isinstance(value, float) else str(value)


def _guarded(book: _Book, item: Cell, lang: str) -> tuple[str, object] | None:
    literal = _guard_literal(item, lang)
    if literal is None:
        return None
    shown = short_reason(item.error, lang) if item.error is not None else item.value  # type: ignore[arg-type]
    return f"IF(AsOf_end={date_formula(book.report.as_of)},{literal},NA())", shown


def _ticker_aliases(engine: Engine, aliases: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for alias in aliases:
        try:
            out.setdefault(engine.ticker(alias), alias)
        except MarketReviewError:
            continue
    return out


def _ref(title: str, row: int, column: int) -> str:
    return f"'{title.replace(chr(39), chr(39) * 2)}'!${get_column_letter(column)}${row}"


def _formula_of(table: Table, alias: str | None, column: str, calc: CalcSheet,
                here: Callable[[str], str | None], find: figures.Lookup) -> str | None:
    if table.key in figures.PRICE_TABLES:
        return figures.price_cell(calc, alias, column, here, find) if alias and calc.has(alias) else None
    if table.key == "yields":
        return figures.yield_cell(calc, alias, column, here) if alias and calc.has(alias) else None
    if table.key == "spread":
        return figures.spread_cell(calc, column, here)
    if table.key == "fed":
        return figures.fed_cell(calc, column)
    return None


def _pair_of(table: Table, index: int, engine: Engine) -> tuple[str, str, str] | None:
    """(short key, numerator, denominator) of the pairs table's row ``index`` when its tickers are the pair's."""
    if index >= len(RELATIVE_PAIRS):
        return None
    key, num, den = RELATIVE_PAIRS[index]
    row = table.rows[index]
    try:
        same = (row[table.column_index("num")].value, row[table.column_index("den")].value) == (
            engine.ticker(num), engine.ticker(den))
    except (MarketReviewError, KeyError):
        return None
    return (key.removeprefix("pair."), num, den) if same else None


def _row_alias(table: Table, row: tuple[Cell, ...], by_ticker: dict[str, str]) -> str | None:
    if not any(c.key == "ticker" for c in table.columns):
        return None
    ticker = row[table.column_index("ticker")].value
    return by_ticker.get(ticker) if isinstance(ticker, str) else None


def _registry(report: Report, book: _Book, by_ticker: dict[str, str],
              placed: dict[str, list[tuple[str, Placement]]]) -> dict[tuple[str, str, str], str]:
    """(table, alias, column) → the absolute reference of every cell of the formula tables."""
    out: dict[tuple[str, str, str], str] = {}
    for sheet in report.sheets:
        for title, placement in placed[sheet.key]:
            table = placement.block
            if not isinstance(table, Table) or table.key not in (*FORMULA_TABLES, "pairs", "share"):
                continue
            for index, (r, row) in enumerate(enumerate(table.rows, start=placement.first_data_row)):
                pair = _pair_of(table, index, book.engine) if table.key == "pairs" else None
                alias = pair[0] if pair is not None else _row_alias(table, row, by_ticker) or table.key
                for offset, column in enumerate(table.columns):
                    out[(table.key, alias, column.key)] = _ref(title, r, placement.column + offset)
    return out


def _style_formula_cell(cell: Any, item: Cell, number_format: str, lang: str, as_of: dt.date) -> None:
    if item.error is not None or item.warning is not None:  # the value build marked it: the formula may not
        cell.font = _PLAIN
        cell.fill = _NO_FILL
    if cell.number_format != number_format:
        cell.number_format = number_format
    note = item.error if item.error is not None else item.warning
    if item.error is not None and item.warning:
        note = f"{item.error}\n{item.warning}"
    if note:
        comment = Comment(WORDS[lang]["note"].format(as_of=as_of.isoformat()) + note, styles.WARNING_AUTHOR)
        comment.width, comment.height = 300, 80
        cell.comment = comment
    else:
        cell.comment = None


def _warning_fill(cell: Any, marks: list[str]) -> None:
    """The value build's warning fill, as a rule over the marks of the figure's ends (so it follows AsOf)."""
    if marks:
        condition = marks[0] + '<>""' if len(marks) == 1 else "OR(" + ",".join(f'{m}<>""' for m in marks) + ")"
        cell.parent.conditional_formatting.add(cell.coordinate, FormulaRule(formula=[condition], fill=_WARNING))


def _table(book: _Book, sheet: Sheet, placement: Placement, table: Table, calc: CalcSheet,
           block: relative.WeeklyBlock, shares: mag7.Mag7Block, yields_ok: bool, by_ticker: dict[str, str],
           registry: dict[tuple[str, str, str], str], title: str | None = None,
           extra: tables.TableBlock | None = None, macros: macro_formulas.MacroBlock | None = None) -> None:
    lang, guard = book.report.lang, sheet.key not in UNGUARDED_SHEETS

    def find(key: str, alias: str, column: str) -> str | None:
        return registry.get((key, alias, column))

    for index, (r, row) in enumerate(enumerate(table.rows, start=placement.first_data_row)):
        alias = _row_alias(table, row, by_ticker)
        pair = _pair_of(table, index, book.engine) if table.key == "pairs" else None
        key_alias = pair[0] if pair is not None else alias or table.key
        for offset, (column, item) in enumerate(zip(table.columns, row, strict=True)):
            if column.key in ("name", "ticker", "pair", "num", "den", "alias"):
                continue
            formula = None
            here = partial(find, table.key, key_alias)
            if table.key in FORMULA_TABLES:
                formula = _formula_of(table, alias, column.key, calc, here, find)
                if formula is not None and alias is not None and extra is not None:
                    formula = extra.us_close_ytd(table, alias, column.key) or formula
            elif pair is not None:
                formula = relative.pair_cell(calc, block, *pair, column.key, here)
            elif table.key == "ratio_history":
                formula = relative.history_cell(block, column.key, index)
            elif table.key == "yield_history":
                formula = yield_history.history_cell(calc.series, bool(yields_ok), column.key, index)
            elif table.key == "share":
                formula = mag7.share_cell(shares, column.key, here)
            elif table.key == "share_history":
                formula = mag7.history_cell(shares, column.key, index)
            elif table.key in tables.TABLES and extra is not None:
                formula = extra.cell(table, index, column.key)
            elif macros is not None and macros.owns(sheet.key, table.key):
                formula = macros.cell(table, placement, index, column.key, item)
            if formula is not None:
                cell = book.put(sheet, r, placement.column + offset, formula, _cached(item), title=title)
                fmt = item.fmt or column.fmt
                _style_formula_cell(cell, item, styles.NUMBER_FORMATS[fmt], lang, book.report.as_of)
                if table.key in figures.PRICE_TABLES and alias is not None:
                    _warning_fill(cell, figures.warned_by(calc, alias, column.key))
                elif table.key in tables.TABLES and extra is not None:
                    _warning_fill(cell, extra.warned_by(table, index, column.key))
            elif guard and (column.fmt != "text" or item.error is not None):
                guarded = _guarded(book, item, lang)
                if guarded is not None:
                    book.put(sheet, r, placement.column + offset, *guarded, title=title)


def _lines(book: _Book, sheet: Sheet, placement: Placement, block: Lines,
           formulas: list[str | None] | None = None) -> None:
    """A block of lines: each one's formula, or where it has none the build's text behind the as-of guard."""
    for row, line, formula in zip(lines_rows(placement), block.lines, formulas or [None] * len(block.lines),
                                  strict=True):
        if formula is None:
            formula = f"IF(AsOf_end={date_formula(book.report.as_of)},{line_formulas.lit(line)},NA())"
        book.put(sheet, row, placement.column, formula, line)


def pad_summary(report: Report) -> Report:
    """``report`` with room below each Summary block for as many footnotes as it has lines (another AsOf may
    give more than the build's date)."""
    sheets = []
    for sheet in report.sheets:
        if sheet.key == "summary":
            blocks = tuple(replace(b, lines=b.lines + ("",) * (2 * len(body_lines(b)) - len(b.lines)))
                           if isinstance(b, Lines) else b for b in sheet.blocks)
            sheet = replace(sheet, blocks=blocks)
        sheets.append(sheet)
    return replace(report, sheets=tuple(sheets))


#: the longest stretch between two closes that can never make a figure an error (six sessions missing need eight
#: calendar days; a week with no close, ten)
_SAFE_GAP_DAYS = 7


def _can_fail(engine: Engine, alias: str, first: dt.date, last: dt.date) -> bool:
    """Whether some AsOf from ``first`` to ``last`` can make a Summary figure of ``alias`` an error: its closes
    start after the earliest close a line reads (the year-end before ``first``'s year, 27 weeks before ``first``
    for a 26-week average), end before ``last``, or have a long gap."""
    try:
        dates = engine.series(alias).dropna().index
    except MarketReviewError:
        return True
    earliest = min(dt.date(first.year - 1, 12, 31), first - dt.timedelta(weeks=27))
    if len(dates) == 0 or dates[0].date() > earliest or dates[-1].date() < last:
        return True
    gaps = dates[1:] - dates[:-1]
    return bool(len(gaps)) and gaps.max() > dt.timedelta(days=_SAFE_GAP_DAYS)


def _summary_print_area(book: _Book, built: Report, placed: dict[str, list[tuple[str, Placement]]],
                        formulas: dict[str, list[LineFormula | None]], first: dt.date, last: dt.date) -> None:
    """The Summary prints its lines and as many footnote rows as the dates the file covers can fill: one for each
    line that can be an error on some date (each line has at most one footnote), not one for every line, which would
    print the lines at about half their size."""
    sheet = next((s for s in built.sheets if s.key == "summary"), None)
    if sheet is None:
        return
    fails: dict[str, bool] = {}

    def can_fail(alias: str) -> bool:
        if alias not in fails:
            fails[alias] = _can_fail(book.engine, alias, first, last)
        return fails[alias]

    rows = []
    for _, placement in placed["summary"]:
        block = next((b for b in sheet.blocks if isinstance(b, Lines) and b.key == placement.block.key), None)
        if block is None:
            continue
        bound = sum(1 for f in formulas.get(block.key, []) if f is None or f.always or any(map(can_fail, f.series)))
        notes = max(len(block.lines) - len(body_lines(block)), bound)
        rows.append(min(placement.last_row, placement.row + len(body_lines(block)) + notes))
    ws = book.wb[book.titles["summary"]]
    found = re.search(r"\$?([A-Z]+)\$?\d+$", str(ws.print_area or ""))
    if rows and found:
        ws.print_area = f"A1:{found.group(1)}{max(rows)}"


def _summary_lines(book: _Book, sheet: Sheet, placement: Placement, formulas: list[LineFormula | None],
                   index: int) -> tuple[NotesBlock, list[str]] | None:
    """A Summary block as formulas (each line, then its footnote slots), or, when a line has no formula, the
    whole block behind the as-of guard (a footnote's number depends on every line before it)."""
    block = placement.block
    assert isinstance(block, Lines)
    if any(f is None for f in formulas):
        _lines(book, sheet, placement, block)
        return None
    lines = body_lines(block)
    notes = NotesBlock(index, len(lines))
    rows = list(lines_rows(placement))
    for i, (formula, line) in enumerate(zip(formulas, lines, strict=True)):
        assert formula is not None
        book.put(sheet, rows[i], placement.column, formula.text(notes.number(i)), line)
    for j, row in enumerate(rows[len(lines):], start=1):
        book.put(sheet, row, placement.column, notes.slot(j), block.lines[len(lines) + j - 1])
    return notes, [f.note for f in formulas if f is not None]


def _stamp(book: _Book, sheet: Sheet, title: str | None = None) -> None:
    """The stamp's as-of date follows AsOf (on ``title``: another worksheet's stamp, the data sheet's)."""
    ws = book.wb[book.titles[sheet.key] if title is None else title]
    cell = ws.cell(row=STAMP_ROW, column=1)
    text = cell.value if isinstance(cell.value, str) else ""
    iso = book.report.as_of.isoformat()
    if iso not in text:
        return
    before, after = text.split(iso, 1)
    formula = f'{line_formulas.lit(before)}&TEXT(AsOf,"yyyy-mm-dd")&{line_formulas.lit(after)}'
    font = copy(cell.font)
    book.put(sheet, STAMP_ROW, 1, formula, text, title=title)
    cell.font = font


def _as_of_cell(book: _Book, first: dt.date, last: dt.date) -> None:
    report, lang = book.report, book.report.lang
    title = book.titles[report.sheets[0].key]
    ws = book.wb[title]
    label = ws.cell(row=AS_OF_ROW, column=AS_OF_COLUMN - 1, value=WORDS[lang]["as_of"])
    label.data_type, label.font = "s", Font(bold=True)
    cell = ws.cell(row=AS_OF_ROW, column=AS_OF_COLUMN, value=report.as_of)
    cell.number_format = "yyyy-mm-dd"
    cell.font = Font(bold=True, color=styles.RED)
    letter = get_column_letter(AS_OF_COLUMN)
    width = ws.column_dimensions[letter].width or styles.DEFAULT_COLUMN_WIDTH
    ws.column_dimensions[letter].width = max(width, 12)
    book.wb.defined_names["AsOf"] = DefinedName("AsOf", attr_text=_ref(title, AS_OF_ROW, AS_OF_COLUMN))
    message = WORDS[lang]["range"].format(first=first.isoformat(), last=last.isoformat())
    rule = DataValidation(type="date", operator="between", formula1=date_formula(first),
                          formula2=date_formula(last), allow_blank=False, showErrorMessage=True,
                          showInputMessage=True, errorTitle=WORDS[lang]["title"], error=message,
                          promptTitle=WORDS[lang]["title"], prompt=message)
    ws.add_data_validation(rule)
    rule.add(cell.coordinate)
    book.put(report.sheets[0], AS_OF_ROW, AS_OF_COLUMN + 1,
             f'IF(AsOf_ok,"",{line_formulas.lit("#N/A " + message)})', "")


def last_as_of(report: Report, engine: Engine) -> dt.date:
    """The latest date AsOf may take: the build's default as-of (the clock's last close, not after today)."""
    try:
        latest = min(prices.last_date(engine.series(CLOCK_ALIAS)), engine.today())
    except MarketReviewError:
        latest = report.as_of
    return max(latest, report.as_of)


def render_living(report: Report, engine: Engine
                  ) -> tuple[Any, dict[str, dict[str, object]], dict[str, tuple[str, str]]]:
    """The living workbook, the cached value of each formula cell (sheet title → cell → value) and the rows the
    writer adds to the saved sheets' XML (sheet title → (rows, last cell): the data, the Calc rows)."""
    built, report = report, pad_summary(report)
    wb = render_workbook(report, printed=True)  # the value build: one page a sheet, histories on its data sheet
    book = _Book(report, wb, engine)
    placed = printed_placements(report, list(book.titles.values()))
    clash = {DATA_TITLE.casefold(), CALC_TITLE.casefold()} & {t.casefold() for t in wb.sheetnames}
    if clash:
        raise RenderError("living workbook", f"the value build already has a sheet titled like a hidden one "
                          f"{sorted(clash)}")
    aliases = [i.alias for g in ("us_indices", "mag7", "rates", "japan", "topix17", "fx")
               for i in engine.symbols.in_group(g)] + [CLOCK_ALIAS]
    shares = mag7.Mag7Block(engine)
    yields = yield_history.data_columns(engine)
    macros = macro_formulas.MacroBlock(report, engine, wb, placed)
    data = write_data_sheet(wb, engine, aliases, CLOCK_ALIAS, last_as_of(report, engine),
                            shares.data_columns() + yields + macros.data_columns())
    shares.bind(data.series)
    calc = CalcSheet(data.series)
    block = relative.WeeklyBlock(data.series, relative.mixed_basis(engine))
    by_ticker = _ticker_aliases(engine, list(data.series))
    registry = _registry(report, book, by_ticker, placed)
    ranks = _ranking(report, engine, calc, registry, by_ticker)
    notes: list[tuple[NotesBlock, list[str]] | None] = []
    line_formulas_of: dict[str, list[LineFormula | None]] = {}
    extra = tables.TableBlock(report, engine, calc)
    for sheet in report.sheets:
        placements = [p for title, p in placed[sheet.key] if title == book.titles[sheet.key]]
        for title, placement in placed[sheet.key]:
            if isinstance(placement.block, Table):
                _table(book, sheet, placement, placement.block, calc, block, shares, bool(yields), by_ticker,
                       registry, title, extra, macros)
        if sheet.key == "summary":
            for index, placement in enumerate(placements):
                assert isinstance(placement.block, Lines)
                lang = report.lang if placement.block.key == "lines" else ("en" if report.lang == "ja" else "ja")
                formulas = summary_formulas(report, engine, calc, registry, placement.block, lang, shares, ranks)
                line_formulas_of[placement.block.key] = formulas
                notes.append(_summary_lines(book, sheet, placement, formulas, index))
        elif sheet.key not in UNGUARDED_SHEETS:
            for placement in placements:
                if isinstance(placement.block, Lines) and placement.block.key == tables.ANCHOR_LINES:
                    anchors = extra.anchor_lines(placement.block)
                    if anchors is not None:  # else the same on every date: the build's plain text
                        count = len(placement.block.lines)
                        _lines(book, sheet, placement, placement.block, anchors[:count])
                        for row, formula in enumerate(anchors[count:], start=placement.last_row + 1):
                            if formula is not None:
                                book.put(sheet, row, placement.column, formula, "")
                elif isinstance(placement.block, Lines):
                    _lines(book, sheet, placement, placement.block, macros.line_formulas(sheet.key, placement.block))
        _stamp(book, sheet)
        _header_year(book, sheet, placements)
    _summary_print_area(book, built, placed, line_formulas_of, data.first_as_of, data.last_as_of)
    for title in {t for items in placed.values() for t, _ in items} - set(book.titles.values()):
        _stamp(book, report.sheets[0], title)  # the data sheet's
    _as_of_cell(book, data.first_as_of, data.last_as_of)
    ws = calc.write(wb, data.first_as_of, data.last_as_of)
    block.write(ws)
    extra.write(ws)
    if ranks is not None:
        ranks.write(ws, calc, report.demo)
    if shares.enabled:
        shares.write(ws, calc)
    for pending in notes:
        if pending is not None:
            pending[0].write(ws, pending[1])
    rows = {DATA_TITLE: (data.rows_xml(), data.last_cell), CALC_TITLE: calc.rows_xml()}
    return wb, dict(book.cached), rows


def _ranking(report: Report, engine: Engine, calc: CalcSheet, registry: dict[tuple[str, str, str], str],
             by_ticker: dict[str, str]) -> ranking.RankingBlock | None:
    """The TOPIX-17 ranking block, when every sector row's weekly return is a formula."""
    table = next((t for s in report.sheets for t in s.blocks if isinstance(t, Table) and t.key == "sectors"), None)
    if table is None or not table.rows:
        return None
    names = {engine.ticker(i.alias): (i.short("ja"), i.short("en")) for i in engine.symbols.in_group("topix17")}
    sectors, series = [], []
    for row in table.rows:
        alias = _row_alias(table, row, by_ticker)
        w1 = registry.get(("sectors", alias, "w1")) if alias is not None else None
        if alias is None or w1 is None or not calc.has(alias):
            return None
        ticker = engine.ticker(alias)
        fallback = str(row[table.column_index("name")].value)
        ja, en = names.get(ticker, (fallback, fallback))
        sectors.append((alias, w1, ja, en))
        name = row[table.column_index("name")]
        series.append((published.series_text(name, "ja"), published.series_text(name, "en")))
    return ranking.RankingBlock(sectors, series)


def _header_year(book: _Book, sheet: Sheet, placements: list[Placement]) -> None:
    """The US table's last-year column is headed by the year before AsOf's."""
    for placement in placements:
        table = placement.block
        if isinstance(table, Table) and table.key == "indices" and any(c.key == "last_year" for c in table.columns):
            column = placement.column + table.column_index("last_year")
            book.put(sheet, placement.header_row, column, 'TEXT(YEAR(AsOf_end)-1,"0")',
                     str(book.report.as_of.year - 1))
