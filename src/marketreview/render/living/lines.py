"""The Summary's paste-ready lines as TEXT formulas, in the form of :mod:`marketreview.calc.summary`
(REVIEWLINE's): ``・SP500 6791.69 → 6840.20 (週間+0.71%) (10/27欠損)``.

:func:`review_line` is the one place a line's form is written; the other lines are its variants. Rounding is
``ROUND`` then ``TEXT`` (half away from zero, as the engine's decimal half-up on the shortest repr). A line
whose figure is an error reads ``・label: #N/A`` (the engine names the reason; the cell's figure shows it).
"""

from __future__ import annotations

import re

from ...calc.summary import DEMO_TAG, period_label
from ...types import Lang

#: Excel's longest string literal
_LITERAL = 255
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def lit(text: str) -> str:
    """``text`` as a formula string literal (chunks joined with &, quotes doubled; characters XML cannot hold
    become U+FFFD, as in the value build): a label from a symbol map stays text, never formula syntax."""
    if not text:
        return '""'
    text = _ILLEGAL_XML.sub("\ufffd", text)
    chunks = [text[i:i + _LITERAL] for i in range(0, len(text), _LITERAL)]
    return "&".join('"' + chunk.replace('"', '""') + '"' for chunk in chunks)


def number(ref: str, lang: Lang, decimals: int = 2) -> str:
    """format_number: Japanese without, English with thousands separators."""
    pattern = ("#,##0." if lang == "en" else "0.") + "0" * decimals
    return f'TEXT(ROUND({ref},{decimals}),"{pattern}")'


def pct(ref: str) -> str:
    """format_pct: a fraction as a signed percentage, zero with "+"."""
    return f'TEXT(ROUND({ref}*100,2),"+0.00;-0.00;+0.00")&"%"'


def bp(ref: str) -> str:
    """format_bp: signed whole basis points."""
    return f'TEXT(ROUND({ref},0),"+0;-0;+0")&"bp"'


def level(ref: str) -> str:
    """format_level: percent with two decimals, no thousands separator."""
    return f'TEXT(ROUND({ref},2),"0.00")&"%"'


def marks(first: str, second: str | None = None) -> str:
    """The line's marks, each after a space, a repeat dropped (finish_line)."""
    out = f'IF({first}="",""," "&{first})'
    if second is not None:
        out += f'&IF(OR({second}="",{second}={first}),""," "&{second})'
    return out


def finish(line: str, ok: str, label: str, demo: bool) -> str:
    """``line`` when ``ok`` holds, else the error form; then the DEMO tag where it applies."""
    tag = f"&{lit(DEMO_TAG)}" if demo else ""
    return f"IF({ok},{line}{tag},{lit('・' + label + ': #N/A')})"


def review_line(label: str, start: str, end: str, change: str, *, lang: Lang, period: str, kind: str,
                mark: str, ok: str, demo: bool) -> str:
    """``・label start → end (words change)`` + marks: REVIEWLINE's form (calc.summary.review_line)."""
    if kind == "yield":
        first, last, moved = (f'{number(start, lang)}&"%"', f'{number(end, lang)}&"%"', bp(change))
    else:
        first, last, moved = number(start, lang), number(end, lang), pct(change)
    words = period_label(period, lang) + (" " if lang == "en" else "")
    line = f'{lit("・" + label + " ")}&{first}&" → "&{last}&{lit(" (" + words)}&{moved}&")"&{mark}'
    return finish(line, ok, label, demo)


def ytd_line(label: str, change: str, *, lang: Lang, mark: str, ok: str, demo: bool) -> str:
    words = period_label("YTD", lang) + (" " if lang == "en" else "")
    line = f'{lit("・" + label + " " + words)}&{pct(change)}&{mark}'
    return finish(line, ok, f"{label} {period_label('YTD', lang)}", demo)


def spread_line(label: str, spread: str, change: str, *, lang: Lang, mark: str, ok: str, demo: bool) -> str:
    words = period_label("1W", lang) + (" " if lang == "en" else "")
    line = f'{lit("・" + label + " ")}&{bp(spread)}&{lit(" (" + words)}&{bp(change)}&")"&{mark}'
    return finish(line, ok, label, demo)


def range_line(label: str, lower: str, upper: str, *, lang: Lang, demo: bool) -> str:
    dash = "〜" if lang == "ja" else "–"
    line = f'{lit("・" + label + " ")}&{level(lower)}&{lit(dash)}&{level(upper)}'
    return finish(line, f"AND(ISNUMBER({lower}),ISNUMBER({upper}),{lower}<={upper})", label, demo)


def pt(ref: str) -> str:
    """format_pt: signed percentage points."""
    return f'TEXT(ROUND({ref},2),"+0.00;-0.00;+0.00")&"pt"'


def ratio_line(label: str, ratio: str, deviation: str, *, lang: Lang, mark: str, ok: str, demo: bool,
               weeks: int = 26) -> str:
    """``・label 24.66% (26週平均比+0.67pt)`` (calc.summary.ratio_line)."""
    words = f"{weeks}週平均比" if lang == "ja" else f"vs {weeks}-week avg "
    line = f'{lit("・" + label + " ")}&{level(ratio + "*100")}&{lit(" (" + words)}&{pt(deviation)}&")"&{mark}'
    return finish(line, ok, label, demo)
