"""Paste-ready review lines, in Japanese or English.

    ・SP500 5930.85 → 5970.84 (週間+0.67%)
    ・S&P 500 5,930.85 → 5,970.84 (week +0.67%)
    ・米10年債利回り 4.52% → 4.62% (週間+10bp)

Rounding is decimal half-up on the number's shortest repr, so a return of 0.00665 always shows +0.67% (binary
floating point would give 0.6649999… and round down). The sign of a change is always shown; zero is "+".

Every line ends in :func:`finish_line`, which appends a short mark for each warning of the figure behind it, so
the mark travels with the text people paste (then the DEMO tag)::

    ・SP500 5930.85 → 6037.59 (週間+1.80%) (12/27欠損)
    ・NVIDIA 182.81 → 180.17 (week -1.44%) (data ends 2026-02-13)
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
import re
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from ..errors import BadArgumentError
from ..types import Lang

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


def review_line(label: str, start_value: float, end_value: float, change: float, *, lang: Lang, period: str,
                kind: Kind = "price", decimals: int = 2, warnings: Iterable[str] = (), demo: bool = False) -> str:
    """One bullet line. ``change`` is a fraction for ``kind="price"`` (0.0067 → +0.67%) and basis points for
    ``kind="yield"`` (10.0 → +10bp); yields' levels are percent (4.52 → 4.52%). Japanese lines have no
    thousands separators; English lines do. ``warnings`` and ``demo`` mark the line (:func:`finish_line`)."""
    _check_lang(lang)
    if kind not in ("price", "yield"):
        raise BadArgumentError("kind", kind, "must be 'price' or 'yield'")
    english = lang == "en"
    start = format(_decimal(start_value, decimals, "start_value"), ",f" if english else "f")
    end = format(_decimal(end_value, decimals, "end_value"), ",f" if english else "f")
    if kind == "yield":
        start, end, moved = start + "%", end + "%", format_bp(change)
    else:
        moved = format_pct(change)
    words = period_label(period, lang)
    return finish_line(f"・{label} {start} → {end} ({words}{' ' if english else ''}{moved})", lang=lang,
                       warnings=warnings, demo=demo)


DEMO_TAG = " [DEMO (synthetic)]"


def mark_demo(line: str, demo: bool) -> str:
    """A line built from synthetic demo prices says so at its end, so it cannot be pasted as market data."""
    return line + DEMO_TAG if demo else line


# -- warning marks: the one place a line gets them ------------------------------------------------------

_MISSING_RE = re.compile(r"no close on trading days? ((?:\d{4}-\d{2}-\d{2}(?:, )?)+)")
_ENDS_RE = re.compile(r"data ends (\d{4}-\d{2}-\d{2})")
_ESTIMATE_RE = re.compile(r"ESTIMATE before the first snapshot.*?extrapolated back from (\d{4}-\d{2}-\d{2})")
_ANCHOR_RE = re.compile(r"^mag7: member caps anchored at (\d{4}-\d{2}-\d{2})")
#: more missing days than this are counted, not listed: (12/23他2日欠損)
_LISTED = 2


def _month_day(iso: str) -> str:
    day = dt.date.fromisoformat(iso)
    return f"{day.month}/{day.day}"


def warning_mark(warning: str, lang: Lang) -> str:
    """The short mark one warning puts in a line: missing sessions → "(12/27欠損)" / "(12/27 missing)"; a series
    that stopped → "(2026-02-13でデータ終了)" / "(data ends 2026-02-13)"; MAG7SHARE's anchor → "(caps as of …)" and
    its backward estimate → "(estimate back from …)"; anything else → "※" and the warning."""
    _check_lang(lang)
    ja = lang == "ja"
    missing = _MISSING_RE.search(warning)
    if missing:
        days = [_month_day(d) for d in missing.group(1).split(", ") if d]
        if len(days) > _LISTED:
            shown = f"{days[0]}他{len(days) - 1}日" if ja else f"{days[0]} +{len(days) - 1} more days"
        else:
            shown = "・".join(days) if ja else ", ".join(days)
        return f"({shown}欠損)" if ja else f"({shown} missing)"
    ends = _ENDS_RE.search(warning)
    if ends:
        return f"({ends.group(1)}でデータ終了)" if ja else f"(data ends {ends.group(1)})"
    estimate = _ESTIMATE_RE.search(warning)
    if estimate:
        return f"(推計: {estimate.group(1)}から遡及)" if ja else f"(estimate back from {estimate.group(1)})"
    anchor = _ANCHOR_RE.search(warning)
    if anchor:
        return f"({anchor.group(1)}時点の時価総額基準)" if ja else f"(caps as of {anchor.group(1)})"
    return f"※{warning}"


#: several warnings joined into one cell note ("A: …; used …; B: …") split before the next "SYMBOL: ", or the
#: next "A 2024-12-26 and B 2024-12-27: " (a spread's legs from two dates)
_JOINED_RE = re.compile(r"; (?=[^\s;:]+(?: \d{4}-\d{2}-\d{2} and [^\s;:]+ \d{4}-\d{2}-\d{2})?: )")


def finish_line(line: str, *, lang: Lang, warnings: Iterable[str] = (), demo: bool = False) -> str:
    """``line`` with a mark for each of its warnings (repeats dropped), then the DEMO tag: every paste-ready line
    (REVIEWLINE, the Summary sheet, new kinds of line) ends here, so none can lose its warnings. A cell's note
    that joins several warnings with "; " is split back into them."""
    parts = (p for w in warnings if w for p in _JOINED_RE.split(w) if p)
    marks = list(dict.fromkeys(warning_mark(p, lang) for p in parts))
    return mark_demo(" ".join([line, *marks]), demo)


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
    gap = " " if lang == "en" and words else ""
    return f"・{label} {value} ({words}{gap}{change})"


def ytd_line(label: str, change: float, *, lang: Lang) -> str:
    """Year to date: ``・S&P500 年初来+16.30%`` / ``・S&P 500 YTD +16.30%``."""
    return f"・{label} {period_label('YTD', lang)}{' ' if lang == 'en' else ''}{format_pct(change)}"


def ratio_line(label: str, ratio: float, deviation_pt: float, *, lang: Lang, weeks: int = 26) -> str:
    """A relative ratio (a fraction, shown in %) and its deviation from the ``weeks``-week average in points:
    ``・ラッセル2000グロース/S&P500 24.66% (26週平均比+0.67pt)``."""
    words = f"{weeks}週平均比" if lang == "ja" else f"vs {weeks}-week avg"
    return _line(label, format_level(ratio * 100), words, format_pt(deviation_pt), lang)


def share_line(label: str, share: float, change_pt: float, *, lang: Lang) -> str:
    """A share (a fraction, shown in %) and its weekly change in points: ``・マグ7比率 36.65% (週間+1.07pt)``."""
    return _line(label, format_level(share * 100), period_label("1W", lang), format_pt(change_pt), lang)


def spread_line(label: str, spread_bp: float, change_bp: float, *, lang: Lang) -> str:
    """A spread in bp and its weekly change: ``・米2年-10年スプレッド +55bp (週間+3bp)``."""
    return _line(label, format_bp(spread_bp), period_label("1W", lang), format_bp(change_bp), lang)


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
