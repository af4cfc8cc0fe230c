"""The published form of a report's figures: a cell's value with its marks, as text, and the lines of a post.

Every renderer that shows a figure as text goes through here (the Summary sheet, the post in each format, the
notes of the xlsx and the live book), and the numbers themselves through :mod:`marketreview.calc.summary`, so
a figure reads the same wherever it appears. An error never shows as its text: it is ``—`` and a numbered ※
footnote in the reader's language (:class:`Notes`).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Literal, TypeVar

from ..calc import summary as fmt
from ..calc.marks import SERIES_KINDS, Mark, parse_warnings
from ..errors import MarketReviewError
from ..types import Lang
from .labels import label
from .model import Cell
from .reasons import short_reason

Kind = Literal["price", "pct", "level", "share", "share1", "bp", "pt", "pt1"]
DASH = "—"


class Notes:
    """The numbered ※ footnotes of one post (or one block of lines): the same text gets the same number."""

    def __init__(self, lang: Lang) -> None:
        self.lang = lang
        self._texts: dict[str, int] = {}

    def ref(self, text: str) -> str:
        number = self._texts.setdefault(text, len(self._texts) + 1)
        return f"※{number}"

    def lines(self) -> list[str]:
        return [f"※{n} {text}" for text, n in self._texts.items()]


def cell_marks(cell: Cell) -> tuple[Mark, ...]:
    """The marks of ``cell``: those it was built with, or those its warning stands for."""
    return cell.marks if cell.marks is not None else parse_warnings([cell.warning])


_ENDS_RE = re.compile(r"data ends (\d{4}-\d{2}-\d{2})")
_STARTS_RE = re.compile(r"data starts (\d{4}-\d{2}-\d{2})")
_GAP_RE = re.compile(r"no close between \d{4}-\d{2}-\d{2} and (\d{4}-\d{2}-\d{2})")
#: a pair refused because one leg is a total return and the other a price index (report.sheets._mixed_basis)
_MIXED_RE = re.compile(r"(\S+) is dividend-adjusted \(total return\) and (\S+) is a price index")
_MIXED_WORDS = ("{name}: not computed ({adjusted} is dividend-adjusted, {price} a price index: mixed basis)",
                "{name}は計算せず（{adjusted}は配当込み、{price}は価格指数で基準が異なるため）")


def error_note(name: str, error: str, lang: Lang) -> str:
    """The footnote of an error figure: ``ラッセル2000グロースは12/16までのデータ``."""
    ends, starts, gap = _ENDS_RE.search(error), _STARTS_RE.search(error), _GAP_RE.search(error)
    if ends:
        return label("note.ends", lang).format(name=name, day=fmt.month_day(dt.date.fromisoformat(ends.group(1))))
    if starts:
        return label("note.starts", lang).format(name=name,
                                                 day=fmt.long_date(dt.date.fromisoformat(starts.group(1)), lang))
    if gap:
        return label("note.gap", lang).format(name=name, day=fmt.month_day(dt.date.fromisoformat(gap.group(1))))
    if "weekly ratios" in error:
        return label("note.weeks", lang).format(name=name)
    mixed = _MIXED_RE.search(error)
    if mixed:
        words = _MIXED_WORDS[lang == "ja"]
        return words.format(name=name, adjusted=mixed.group(1), price=mixed.group(2))
    reason = re.sub(r"^#[A-Z/0!?]+[!?]?\s", "", short_reason(error, lang))
    return label("note.other", lang).format(name=name, reason=reason)


class Missing(Exception):
    """A figure a line needs is an error or blank: ``text`` is what the line shows in its place (``—※1``)."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


def number(cell: Cell | None, kind: Kind) -> str:
    """The number of ``cell`` in the form of ``kind``, without marks (``5,970.84``, ``+0.67%``, ``36.2%``)."""
    if cell is None or cell.error is not None or not _is_number(cell.value):
        raise Missing(DASH)
    value = float(cell.value)  # type: ignore[arg-type]
    if kind == "price":
        return fmt.format_number(value, 0 if cell.fmt == "price0" else 2, thousands=True)
    if kind == "pct":
        return fmt.format_pct(value)
    if kind == "level":
        return fmt.format_level(value)
    if kind == "share":
        return fmt.format_level(value * 100)
    if kind == "share1":
        return fmt.format_level(value * 100, fmt.SHARE_DECIMALS)
    if kind == "bp":
        return fmt.format_bp(value)
    return fmt.format_pt(value, fmt.SHARE_DECIMALS if kind == "pt1" else 2)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def missing(cell: Cell | None, name: str, lang: Lang, notes: Notes) -> str:
    """What stands in for a figure that cannot be shown: ``—`` with a footnote naming why."""
    if cell is not None and cell.error is not None:
        return DASH + notes.ref(error_note(name, cell.error, lang))
    return DASH


def value_text(cell: Cell | None, kind: Kind, lang: Lang, notes: Notes, name: str) -> str:
    """One figure as a post shows it: the number, the close it used when older than asked for, and its other
    marks (``1,672.41（12/16終値）``, ``+26.58%（12/26終値）（12/27欠損）``); an error is ``—※1``."""
    try:
        text = number(cell, kind)
    except Missing:
        return missing(cell, name, lang, notes)
    assert cell is not None
    marks = cell_marks(cell)
    text += fmt.close_marks(marks, lang)
    return text if kind == "price" else fmt.finish_line(text, lang=lang, marks=marks)


def name_text(cell: Cell | None, lang: Lang) -> str:
    """A row's name with the marks that belong to the whole series (dividend-adjusted, a failed fetch); a
    substitute's own name already says what it is."""
    if cell is None:
        return DASH
    return fmt.finish_line(str(cell.value), lang=lang, marks=series_marks(cell))


def series_marks(name_cell: Cell | None) -> list[Mark]:
    """The marks of a whole series, from its name cell: dividend-adjusted closes, an ETF's raw closes
    (distributions not included), a failed fetch."""
    return [m for m in cell_marks(name_cell) if m.kind in SERIES_KINDS] if name_cell else []


def series_text(name_cell: Cell | None, lang: Lang) -> str:
    """The words :func:`series_marks` put after each of a series' lines: ``（配当込み）``."""
    return fmt.finish_line("", lang=lang, marks=series_marks(name_cell))


def rebased_text(cell: Cell | None, lang: Lang) -> str | None:
    """A pair's relative performance rebased to 100 (``相対パフォーマンス 98.7（期初=100）``), None where not given."""
    if cell is None or cell.error is not None or not _is_number(cell.value):
        return None
    line = fmt.rebased_line("", float(cell.value), lang=lang)  # type: ignore[arg-type]
    return fmt.finish_line(line.removeprefix("・ "), lang=lang, marks=cell_marks(cell))


def _need(cells: dict[str, Cell] | None, key: str, name: str, lang: Lang, notes: Notes) -> float:
    cell = cells.get(key) if cells is not None else None
    if cell is None or cell.error is not None or not _is_number(cell.value):
        raise Missing(missing(cell, name, lang, notes))
    return float(cell.value)  # type: ignore[arg-type]


def _marks(cells: dict[str, Cell], *keys: str) -> list[Mark]:
    return [m for k in keys if k in cells for m in cell_marks(cells[k])]


_Line = TypeVar("_Line", bound=Callable[..., str])


def _guarded(build: _Line) -> _Line:
    """A line whose formatting refuses its figures (a range upside down) is ``・name —※n``, never a traceback."""
    @functools.wraps(build)
    def line(name: str, cells: dict[str, Cell] | None, lang: Lang, notes: Notes, **kw: Any) -> str:
        try:
            return build(name, cells, lang, notes, **kw)
        except MarketReviewError as exc:
            return fmt.mark_demo(f"・{name} {DASH}{notes.ref(error_note(name, exc.excel_text, lang))}",
                                 bool(kw.get("demo")))
    return line  # type: ignore[return-value]


@_guarded
def week_line(name: str, cells: dict[str, Cell] | None, lang: Lang, notes: Notes, *, yield_: bool = False,
              extra: Sequence[Mark] = (), demo: bool = False, period: str = "1W",
              keys: tuple[str, str, str] | None = None) -> str:
    """``・S&P500 5,930.85 → 5,970.84（前週比 +39.99、+0.67%）`` from a row's previous close, close and change
    (a yield: ``prev_week``, ``level``, ``w1_bp``); ``extra``: the series' own marks (from its name cell)."""
    prev, close, change = keys or (("prev_week", "level", "w1_bp") if yield_ else ("prev", "close", "w1"))
    try:
        start, end, moved = (_need(cells, k, name, lang, notes) for k in (prev, close, change))
    except Missing as exc:
        return fmt.mark_demo(f"・{name} {exc.text}", demo)
    assert cells is not None
    decimals = 0 if cells[close].fmt == "price0" else 2
    return fmt.review_line(name, start, end, moved, lang=lang, period=period, kind="yield" if yield_ else "price",
                           decimals=decimals, start_marks=cell_marks(cells[prev]),
                           end_marks=cell_marks(cells[close]), marks=[*cell_marks(cells[change]), *extra],
                           demo=demo)


@_guarded
def ytd_line(name: str, cells: dict[str, Cell] | None, lang: Lang, notes: Notes, *, extra: Sequence[Mark] = (),
             demo: bool = False) -> str:
    """``・S&P500 年初来 +25.18%`` and its marks."""
    words = fmt.period_label("YTD", lang)
    try:
        change = _need(cells, "ytd", name, lang, notes)
    except Missing as exc:
        return fmt.mark_demo(f"・{name} {words} {exc.text}", demo)
    assert cells is not None
    marks = cell_marks(cells["ytd"])
    return fmt.finish_line(fmt.ytd_line(name, change, lang=lang) + fmt.close_marks(marks, lang), lang=lang,
                           marks=[*marks, *extra], demo=demo)


@_guarded
def ratio_line(name: str, cells: dict[str, Cell] | None, lang: Lang, notes: Notes, *, demo: bool = False) -> str:
    """``・ラッセル2000グロース / S&P500 24.66%（26週平均との乖離 +0.67pt）``; where the pair's levels mean
    nothing side by side (a ``rebased`` value is given), its relative performance rebased to 100 instead."""
    rebased = rebased_text(cells.get("rebased") if cells is not None else None, lang)
    if rebased is not None:
        return fmt.mark_demo(f"・{name} {rebased}", demo)
    try:
        ratio = _need(cells, "ratio", name, lang, notes)
    except Missing as exc:
        return fmt.mark_demo(f"・{name} {exc.text}", demo)
    assert cells is not None
    marks = _marks(cells, "ratio", "deviation")
    used = fmt.close_marks(marks, lang, legs=_legs(name, cells))  # beside the value, naming whose close it is
    try:
        line = fmt.ratio_line(name, ratio, _need(cells, "deviation", name, lang, notes), lang=lang, after_value=used)
    except Missing as exc:
        line = (f"・{name} {fmt.format_level(ratio * 100)}{used}"
                f"{fmt.change_text(fmt.ratio_words(lang), [exc.text], lang)}")
    return fmt.finish_line(line, lang=lang, marks=marks, demo=demo)


def _legs(name: str, cells: dict[str, Cell]) -> dict[str, str]:
    """A pair's tickers (its ``num``/``den`` columns) and the names its label gives them (``A / B``)."""
    names = name.split(" / ")
    tickers = [cells[k].value for k in ("num", "den") if k in cells]
    if len(names) != 2 or len(tickers) != 2:
        return {}
    return {str(t): n for t, n in zip(tickers, names, strict=True)}


@_guarded
def share_line(name: str, cells: dict[str, Cell] | None, lang: Lang, notes: Notes, *, demo: bool = False) -> str:
    """``・マグニフィセント・セブンのS&P500時価総額比率 36.2%（前週比 +1.1pt）`` and its estimate/anchor marks."""
    try:
        share, change = (_need(cells, k, name, lang, notes) for k in ("share", "share_w1"))
    except Missing as exc:
        return fmt.mark_demo(f"・{name} {exc.text}", demo)
    assert cells is not None
    marks = _marks(cells, "share", "share_w1")
    return fmt.finish_line(fmt.share_line(name, share, change, lang=lang, after_value=fmt.close_marks(marks, lang)),
                           lang=lang, marks=marks, demo=demo)


@_guarded
def spread_line(name: str, cells: dict[str, Cell] | None, lang: Lang, notes: Notes, *, demo: bool = False) -> str:
    try:
        spread, change = (_need(cells, k, name, lang, notes) for k in ("spread", "w1_bp"))
    except Missing as exc:
        return fmt.mark_demo(f"・{name} {exc.text}", demo)
    assert cells is not None
    marks = _marks(cells, "spread", "w1_bp")
    return fmt.finish_line(fmt.spread_line(name, spread, change, lang=lang, after_value=fmt.close_marks(marks, lang)),
                           lang=lang, marks=marks, demo=demo)


@_guarded
def range_line(name: str, cells: dict[str, Cell] | None, lang: Lang, notes: Notes, *, demo: bool = False) -> str:
    try:
        lower, upper = (_need(cells, k, name, lang, notes) for k in ("lower", "upper"))
    except Missing as exc:
        return fmt.mark_demo(f"・{name} {exc.text}", demo)
    assert cells is not None
    return fmt.finish_line(fmt.range_line(name, lower, upper, lang=lang), lang=lang,
                           marks=_marks(cells, "lower", "upper"), demo=demo)


def yield_range_line(cells: dict[str, Cell], lang: Lang, notes: Notes, *, demo: bool = False) -> str:
    return _yield_range_line(str(cells["name"].value), cells, lang, notes, demo=demo)


@_guarded
def _yield_range_line(name: str, cells: dict[str, Cell] | None, lang: Lang, notes: Notes, *,
                      demo: bool = False) -> str:
    """``・米10年債利回り 4.62%（年初来高値 4.72% 1/13、年初来安値 3.62% 9/16）`` (the content helper's
    ``rates/yield_range`` table)."""
    assert cells is not None
    try:
        level = _need(cells, "level", name, lang, notes)
        parts = []
        for key, word in (("ytd_high", "post.ytd_high"), ("ytd_low", "post.ytd_low")):
            value = _need(cells, key, name, lang, notes)
            day = cells.get(f"{key}_date")
            when = f" {fmt.month_day(day.value)}" if day is not None and isinstance(day.value, dt.date) else ""
            parts.append(f"{label(word, lang)} {fmt.format_level(value)}{when}")
    except Missing as exc:
        return fmt.mark_demo(f"・{name} {exc.text}", demo)
    sep = "、" if lang == "ja" else ", "
    text = f"・{name} {fmt.format_level(level)}" + (f"（{sep.join(parts)}）" if lang == "ja"
                                                    else f" ({sep.join(parts)})")
    return fmt.finish_line(text, lang=lang, marks=_marks(cells, "level", "ytd_high", "ytd_low"), demo=demo)


def prev_year_line(cells: dict[str, Cell], lang: Lang, notes: Notes, *, demo: bool = False) -> str:
    """One index over one calendar year (the content helper's ``us_indices/prev_years`` table):
    ``・NYダウ 33,147.25 → 37,689.54（年間 +4,542.29、+13.70%）``."""
    return week_line(str(cells["name"].value), cells, lang, notes, period="CY", keys=("start", "end", "change"),
                     extra=series_marks(cells.get("name")), demo=demo)


def ranking_line(title: str, items: Iterable[tuple[str, Cell]], lang: Lang, *, demo: bool = False,
                 extra: Sequence[Mark] = ()) -> str:
    """``・TOPIX-17業種（NEXT FUNDS ETF） 週間上位: 自動車・輸送機 +13.59%、…`` with the named returns' marks;
    ``extra``: the named series' own marks (their name cells': raw closes of the sector ETFs)."""
    chosen = [(name, cell) for name, cell in items if cell.error is None and _is_number(cell.value)]
    line = fmt.ranking_line(title, [(n, float(c.value)) for n, c in chosen], lang=lang)  # type: ignore[arg-type]
    return fmt.finish_line(line, lang=lang, marks=[*(m for _, c in chosen for m in cell_marks(c)), *extra],
                           demo=demo)


def note_text(cell: Cell, lang: Lang) -> str | None:
    """The note an xlsx cell or a live-book cell carries: the marks in the reader's words, then the full
    warning (``（12/26終値）（12/27欠損）`` and ``^GSPC: no close on trading day 2024-12-27; used 2024-12-26``)."""
    if not cell.warning:
        return None
    marks = [m for m in cell_marks(cell) if m.kind != "other"]  # an unknown warning is the note as it is
    words = (fmt.close_marks(marks, lang) + "".join(dict.fromkeys(fmt.mark_text(m, lang) for m in marks))).strip()
    return f"{words}\n{cell.warning}" if words else cell.warning


def week_span(as_of: dt.date) -> tuple[dt.date, dt.date]:
    """The week a review of ``as_of`` covers: Monday to ``as_of``; a Saturday or Sunday gives the week that ended
    on the Friday before."""
    end = as_of - dt.timedelta(days=max(0, as_of.weekday() - 4))
    return end - dt.timedelta(days=end.weekday()), end


def span_text(start: dt.date, end: dt.date, lang: Lang, *, long: bool = False) -> str:
    """``12/23〜12/27``; long: ``2024年12月23日〜27日`` / ``2024-12-23 to 2024-12-27``."""
    if not long:
        return f"{fmt.month_day(start)}〜{fmt.month_day(end)}" if lang == "ja" else \
            f"{fmt.month_day(start)}–{fmt.month_day(end)}"
    if lang != "ja":
        return f"{start.isoformat()} to {end.isoformat()}"
    tail = (f"{end.day}日" if (end.year, end.month) == (start.year, start.month)
            else f"{end.month}月{end.day}日" if end.year == start.year else fmt.long_date(end, lang))
    return f"{fmt.long_date(start, lang)}〜{tail}"
