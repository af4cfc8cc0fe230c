"""Paste-ready review lines, in Japanese or English.

    ・S&P500 5,930.85 → 5,970.84（前週比 +39.99、+0.67%）
    ・S&P 500 5,930.85 → 5,970.84 (week +39.99, +0.67%)
    ・米10年債利回り 4.52% → 4.62%（前週比 +10bp）

Rounding is decimal half-up on the number's shortest repr, so a return of 0.00665 always shows +0.67% (binary
floating point would give 0.6649999… and round down). The sign of a change is always shown; zero is "+".

Every line ends in :func:`finish_line`, which appends the words of each mark (:mod:`marketreview.calc.marks`)
of the figure behind it, so the mark travels with the text people paste (then the DEMO tag); a close older than
the one asked for names itself::

    ・S&P500 5,930.85 → 6,037.59（12/26終値）（前週比 +106.74、+1.80%）（12/27欠損）
    ・NVIDIA 182.81 → 180.17 (2/13 close) (week -2.64, -1.44%) (data ends 2026-02-13)

This module is the one published form of a figure: renderers (the post, the sheets' notes, REVIEWLINE) format
no number themselves.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
import re
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from ..errors import BadArgumentError
from ..types import Lang
from .marks import Mark, parse_warning, parse_warnings

Kind = Literal["price", "yield"]

_NAMED = {
    "1D": ("前日比", "day"),
    "1W": ("週間", "week"),
    "MTD": ("月初来", "MTD"),
    "QTD": ("四半期初来", "QTD"),
    "YTD": ("年初来", "YTD"),
}
_UNITS = {"D": ("日", "D"), "W": ("週間", "W"), "M": ("カ月", "M"), "Y": ("年", "Y")}
_CODE_RE = re.compile(r"^(\d{1,3})([DWMY])$")
_CUSTOM = ("期間", "period")


def _decimal(x: float, decimals: int, argument: str, scale: int = 0) -> Decimal:
    if isinstance(x, bool) or not isinstance(x, numbers.Real) or not math.isfinite(x):
        raise BadArgumentError(argument, x, "must be a finite number")
    exact = Decimal(repr(float(x))).scaleb(scale)
    value = exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return value if value != 0 else abs(value)  # no "-0.00"


def format_number(x: float, decimals: int = 2, *, thousands: bool = False) -> str:
    """``x`` rounded half-up to ``decimals`` places, with thousands separators if asked: "5,970.84"."""
    return format(_decimal(x, decimals, "value"), ",f" if thousands else "f")


def format_pct(x: float, decimals: int = 2) -> str:
    """A fraction as a signed percentage: 0.0067419 → "+0.67%", -0.00665 → "-0.67%", 0 → "+0.00%"."""
    return format(_decimal(x, decimals, "change", scale=2), "+f") + "%"


def format_bp(x: float, decimals: int = 0) -> str:
    """Basis points with a sign, rounded half-up: 10.0 → "+10bp", -2.5 → "-3bp", 0 → "+0bp"."""
    return format(_decimal(x, decimals, "change"), "+f") + "bp"


def period_label(period: str | None, lang: Lang) -> str:
    """The words for a period code: "1W" → 週間 / week, "YTD" → 年初来 / YTD, "3M" → 3カ月 / 3M; anything
    that is not a code (a custom date range, ``None``) → 期間 / period."""
    _check_lang(lang)
    pick = 0 if lang == "ja" else 1
    code = period.strip().upper() if isinstance(period, str) else ""
    if code in _NAMED:
        return _NAMED[code][pick]
    match = _CODE_RE.match(code)
    if match and int(match.group(1)) >= 1:
        return match.group(1) + _UNITS[match.group(2)][pick]
    return _CUSTOM[pick]


def _check_lang(lang: object) -> None:
    if lang not in ("ja", "en"):
        raise BadArgumentError("lang", lang, "must be 'ja' or 'en'")


def line_words(period: str | None, lang: Lang) -> str:
    """The words before a line's change: the week is measured against last week's close (前週比 / week);
    other periods are named as :func:`period_label` names them."""
    code = period.strip().upper() if isinstance(period, str) else ""
    if code in ("1W", "CY"):  # CY: a calendar year, from one year-end close to the next
        _check_lang(lang)
        return {"1W": ("前週比", "week"), "CY": ("年間", "year")}[code][lang != "ja"]
    return period_label(period, lang)


def _paren(text: str, lang: Lang) -> str:
    return f"（{text}）" if lang == "ja" else f" ({text})"


def change_text(words: str, changes: Sequence[str], lang: Lang) -> str:
    """``（前週比 +39.99、+0.67%）`` / `` (week +39.99, +0.67%)``: the basis once, then each change."""
    return _paren(f"{words} " + ("、" if lang == "ja" else ", ").join(changes), lang)


def format_points(x: float, decimals: int = 2) -> str:
    """A change in index points with a sign and thousands separators: 39.99 → "+39.99", -1201 → "-1,201.00"."""
    return format(_decimal(x, decimals, "change"), "+,f")


def close_marks(marks: Iterable[Mark], lang: Lang, legs: dict[str, str] | None = None) -> str:
    """The marks that go beside a close: the date of the close used when it is older than asked for. For a
    figure of two series (a ratio), ``legs`` maps each ticker to its name, and the mark says whose close it is:
    ``（S&P500は12/26終値）`` / `` (S&P 500: 12/26 close)``."""
    out: dict[str, None] = {}
    for mark in marks:
        if not mark.names_close or mark.used is None:
            continue
        leg = (legs or {}).get(mark.text.split(": ", 1)[0]) if ": " in mark.text else None
        if leg is None:
            out.setdefault(mark_text(mark, lang, at_close=True), None)
        else:
            day = month_day(mark.used)
            out.setdefault(_paren(f"{leg}は{day}終値" if lang == "ja" else f"{leg}: {day} close", lang), None)
    return "".join(out)


def review_line(label: str, start_value: float, end_value: float, change: float, *, lang: Lang, period: str,
                kind: Kind = "price", decimals: int = 2, warnings: Iterable[str] = (), demo: bool = False,
                start_marks: Iterable[Mark] = (), end_marks: Iterable[Mark] = (),
                marks: Iterable[Mark] | None = None, points: bool = True) -> str:
    """One bullet line, the one form REVIEWLINE, the Summary sheet and the post share:
    ``・S&P500 5,930.85 → 5,970.84（前週比 +39.99、+0.67%）`` / ``・S&P 500 5,930.85 → 5,970.84 (week +39.99, +0.67%)``.

    ``change`` is a fraction for ``kind="price"`` and basis points for ``kind="yield"`` (levels in percent,
    4.52 → 4.52%, no point change). A close older than asked for names itself (``1,672.41（12/16終値）``, from
    ``end_marks``/``start_marks``); the figure's ``marks`` (default: read from ``warnings``) follow the line."""
    _check_lang(lang)
    if kind not in ("price", "yield"):
        raise BadArgumentError("kind", kind, "must be 'price' or 'yield'")
    start = format(_decimal(start_value, decimals, "start_value"), ",f")
    end = format(_decimal(end_value, decimals, "end_value"), ",f")
    if kind == "yield":
        start, end, moves = start + "%", end + "%", [format_bp(change)]
    else:
        moves = [format_pct(change)]
        if points:
            moved = _decimal(end_value, decimals, "end_value") - _decimal(start_value, decimals, "start_value")
            moves.insert(0, format_points(float(moved), decimals))
    start += close_marks(start_marks, lang)
    end += close_marks(end_marks, lang)
    text = f"・{label} {start} → {end}{change_text(line_words(period, lang), moves, lang)}"
    return finish_line(text, lang=lang, marks=parse_warnings(warnings) if marks is None else marks, demo=demo)


DEMO_TAG = " [DEMO (synthetic)]"


def mark_demo(line: str, demo: bool) -> str:
    """A line built from synthetic demo prices says so at its end, so it cannot be pasted as market data."""
    return line + DEMO_TAG if demo else line


# -- marks: the one place a mark gets its words ---------------------------------------------------------

#: more missing days than this are counted, not listed: (12/23他2日欠損)
_LISTED = 2


def month_day(day: dt.date) -> str:
    """12/27: how the seeds write a day of the week under review (both languages)."""
    return f"{day.month}/{day.day}"


def long_date(day: dt.date, lang: Lang) -> str:
    """2024年12月27日 / 2024-12-27."""
    return f"{day.year}年{day.month}月{day.day}日" if lang == "ja" else day.isoformat()


def mark_text(mark: Mark, lang: Lang, *, at_close: bool = False) -> str:
    """The words of one mark, in brackets. Beside a close (``at_close``): the close used, ``（12/16終値）`` /
    `` (12/16 close)``. After a figure: missing sessions ``（12/27欠損）``, a series that stopped ``（12/16でデータ
    終了）``, a failed fetch, MAG7SHARE's estimate and anchor, a substitute ticker, dividend adjustment; any other
    warning as ``※`` and its text."""
    _check_lang(lang)
    ja = lang == "ja"
    if at_close and mark.names_close and mark.used is not None:
        return _paren(f"{month_day(mark.used)}終値" if ja else f"{month_day(mark.used)} close", lang)
    if mark.kind == "missing":
        days = [month_day(d) for d in mark.days]
        if len(days) > _LISTED:
            shown = f"{days[0]}他{len(days) - 1}日" if ja else f"{days[0]} +{len(days) - 1} more days"
        else:
            shown = "・".join(days) if ja else ", ".join(days)
        return _paren(f"{shown}欠損" if ja else f"{shown} missing", lang)
    if mark.kind == "ends" and mark.used is not None:
        return _paren(f"{month_day(mark.used)}でデータ終了" if ja else f"data ends {mark.used.isoformat()}", lang)
    if mark.kind == "stale":
        if mark.used is None:
            return _paren("取得失敗" if ja else "fetch failed", lang)
        return _paren(f"取得失敗、{month_day(mark.used)}までのデータ" if ja
                      else f"fetch failed; data to {mark.used.isoformat()}", lang)
    if mark.kind == "estimate" and mark.used is not None:
        return _paren(f"推計：{long_date(mark.used, lang)}の時価総額から遡及" if ja
                      else f"estimate back from the {mark.used.isoformat()} caps", lang)
    if mark.kind == "anchor" and mark.used is not None:
        age = f"、{mark.age}日前" if ja else f", {mark.age} days old"
        old = mark.age is not None and mark.age > 0
        return _paren(f"時価総額は{long_date(mark.used, lang)}時点{age if old else ''}" if ja
                      else f"caps as of {mark.used.isoformat()}{age if old else ''}", lang)
    if mark.kind == "substitute":
        return _paren(f"代替ティッカー {mark.ticker}" if ja else f"substitute ticker {mark.ticker}", lang)
    if mark.kind == "adjusted":
        return _paren("配当込み" if ja else "dividend-adjusted", lang)
    if mark.kind == "raw":
        return _paren("分配金含まず" if ja else "distributions not included", lang)
    return f" ※{mark.text}" if not ja else f"※{mark.text}"


def warning_mark(warning: str, lang: Lang) -> str:
    """The mark one warning puts after a figure (:func:`mark_text` of :func:`parse_warning`)."""
    return mark_text(parse_warning(warning), lang).strip()


def finish_line(line: str, *, lang: Lang, warnings: Iterable[str] = (), demo: bool = False,
                marks: Iterable[Mark] | None = None) -> str:
    """``line`` with the words of each of its marks (repeats dropped), then the DEMO tag: every paste-ready line
    (REVIEWLINE, the Summary sheet, the post) ends here, so none can lose its marks. ``marks`` default to those
    of ``warnings`` (a cell's note that joins several warnings is split back into them)."""
    chosen = parse_warnings(warnings) if marks is None else marks
    texts = dict.fromkeys(mark_text(m, lang) for m in chosen)
    return mark_demo(line + "".join(texts), demo)


# -- the other lines of a weekly post (same conventions as review_line: "・label value (words change)") ---------


def format_pt(x: float, decimals: int = 2) -> str:
    """Percentage points with a sign: 0.67 → "+0.67pt" (the input is already in points)."""
    return format(_decimal(x, decimals, "change"), "+f") + "pt"


def format_level(x: float, decimals: int = 2) -> str:
    """A level in percent, unsigned: 4.5 → "4.50%" (the input is already in percent)."""
    return format(_decimal(x, decimals, "value"), "f") + "%"


def _line(label: str, value: str, words: str, change: str | None, lang: Lang) -> str:
    _check_lang(lang)
    if change is None:
        return f"・{label} {value}"
    return f"・{label} {value}{change_text(words, [change], lang)}"


def ytd_line(label: str, change: float, *, lang: Lang) -> str:
    """Year to date: ``・S&P500 年初来 +16.30%`` / ``・S&P 500 YTD +16.30%``."""
    _check_lang(lang)
    return f"・{label} {period_label('YTD', lang)} {format_pct(change)}"


def ratio_line(label: str, ratio: float, deviation_pt: float, *, lang: Lang, weeks: int = 26,
               after_value: str = "") -> str:
    """A relative ratio (a fraction, shown in %) and its deviation from the ``weeks``-week average in points:
    ``・ラッセル2000グロース / S&P500 24.66%（26週平均との乖離 +0.67pt）``."""
    return _line(label, format_level(ratio * 100) + after_value, ratio_words(lang, weeks), format_pt(deviation_pt),
                 lang)


def ratio_words(lang: Lang, weeks: int = 26) -> str:
    """What a ratio's deviation is measured against: 26週平均との乖離 / vs 26-week avg."""
    return f"{weeks}週平均との乖離" if lang == "ja" else f"vs {weeks}-week avg"


def rebased_line(label: str, rebased: float, *, lang: Lang) -> str:
    """Relative performance rebased to 100 at the start of its window (for a pair whose levels mean nothing side
    by side): ``・S&P500均等加重 / S&P500 相対パフォーマンス 98.7（期初=100）``."""
    _check_lang(lang)
    words = ("相対パフォーマンス", "期初=100") if lang == "ja" else ("relative performance", "window start = 100")
    return f"・{label} {words[0]} {format_number(rebased, 1)}" + _paren(words[1], lang)


#: MAG7SHARE is quoted to one decimal (its inputs are snapshots, not closes)
SHARE_DECIMALS = 1


def share_line(label: str, share: float, change_pt: float, *, lang: Lang, after_value: str = "") -> str:
    """A share (a fraction, shown in %) and its weekly change in points, to one decimal:
    ``・マグニフィセント・セブンのS&P500時価総額比率 36.2%（前週比 +1.1pt）``."""
    return _line(label, format_level(share * 100, SHARE_DECIMALS) + after_value, line_words("1W", lang),
                 format_pt(change_pt, SHARE_DECIMALS), lang)


def spread_line(label: str, spread_bp: float, change_bp: float, *, lang: Lang, after_value: str = "") -> str:
    """A spread in bp and its weekly change: ``・米2年-10年スプレッド +55bp（前週比 +3bp）``."""
    return _line(label, format_bp(spread_bp) + after_value, line_words("1W", lang), format_bp(change_bp), lang)


def range_line(label: str, lower: float, upper: float, *, lang: Lang) -> str:
    """A target range in percent: ``・FF金利誘導目標 3.75%〜4.00%`` / ``・Fed funds target 3.75%–4.00%``."""
    _check_lang(lang)
    if not lower <= upper:  # two series mixed up (or one stale) must not print as a range
        raise BadArgumentError("upper", upper, f"is below the lower bound {lower}")
    dash = "〜" if lang == "ja" else "–"
    return f"・{label} {format_level(lower)}{dash}{format_level(upper)}"


def ranking_line(label: str, items: list[tuple[str, float]], *, lang: Lang) -> str:
    """Named returns in the given order: ``・週間上位 自動車・輸送機 +3.20%、銀行 +2.10%``."""
    _check_lang(lang)
    sep = "、" if lang == "ja" else ", "
    return f"・{label} " + sep.join(f"{name} {format_pct(value)}" for name, value in items)
