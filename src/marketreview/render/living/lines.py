"""The pieces of a paste-ready line as TEXT formulas, in the one published form of :mod:`marketreview.calc.summary`
(REVIEWLINE's, the post's): ``・S&P500 6,791.69 → 6,840.20（前週比 +48.51、+0.71%）（10/27欠損）``.

Each function here is the formula twin of one function of :mod:`marketreview.calc.summary`, named alike; the
words come from the same places (``calc.summary``'s period words, ``report.labels``), never typed twice.
Rounding is ``ROUND`` then ``TEXT`` (half away from zero, as the engine's decimal half-up on the shortest repr).
"""

from __future__ import annotations

import re

from ...calc import summary as fmt
from ...report.labels import label
from ...types import Lang

#: Excel's longest string literal
_LITERAL = 255
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_FIELD = re.compile(r"\{(\w+)\}")


def lit(text: str) -> str:
    """``text`` as a formula string literal (chunks joined with &, quotes doubled; characters XML cannot hold
    become U+FFFD, as in the value build): a label from a symbol map stays text, never formula syntax."""
    if not text:
        return '""'
    text = _ILLEGAL_XML.sub("\ufffd", text)
    chunks = [text[i:i + _LITERAL] for i in range(0, len(text), _LITERAL)]
    return "&".join('"' + chunk.replace('"', '""') + '"' for chunk in chunks)


def _pattern(decimals: int, *, thousands: bool = True) -> str:
    whole = "#,##0" if thousands else "0"
    return whole + ("." + "0" * decimals if decimals else "")


def number(ref: str, decimals: int = 2) -> str:
    """format_number with thousands separators (both languages, as the post writes closes)."""
    return f'TEXT(ROUND({ref},{decimals}),"{_pattern(decimals)}")'


def points(end: str, start: str, decimals: int = 2) -> str:
    """format_points of the rounded closes' difference: ``+48.51``, ``-1,329.34``, zero with "+"."""
    body = _pattern(decimals)
    moved = f"ROUND(ROUND({end},{decimals})-ROUND({start},{decimals}),{decimals})"
    return f'TEXT({moved},"+{body};-{body};+{body}")'


def pct(ref: str) -> str:
    """format_pct: a fraction as a signed percentage, zero with "+"."""
    return f'TEXT(ROUND({ref}*100,2),"+0.00;-0.00;+0.00")&"%"'


def bp(ref: str) -> str:
    """format_bp: signed whole basis points."""
    return f'TEXT(ROUND({ref},0),"+0;-0;+0")&"bp"'


def level(ref: str, decimals: int = 2) -> str:
    """format_level: percent, no thousands separator."""
    return f'TEXT(ROUND({ref},{decimals}),"{_pattern(decimals, thousands=False)}")&"%"'


def pt(ref: str, decimals: int = 2) -> str:
    """format_pt: signed percentage points."""
    body = _pattern(decimals, thousands=False)
    return f'TEXT(ROUND({ref},{decimals}),"+{body};-{body};+{body}")&"pt"'


def month_day(day: str) -> str:
    """calc.summary.month_day: ``12/27``."""
    return f'MONTH({day})&"/"&DAY({day})'


def long_date(day: str, lang: Lang) -> str:
    """calc.summary.long_date: ``2024年12月27日`` / ``2024-12-27``."""
    if lang == "ja":
        return f'YEAR({day})&"年"&MONTH({day})&"月"&DAY({day})&"日"'
    return f'TEXT({day},"yyyy-mm-dd")'


def paren(inner: str, lang: Lang) -> str:
    """calc.summary's brackets around a formula: ``（…）`` / `` (…)``."""
    return f'"（"&{inner}&"）"' if lang == "ja" else f'" ("&{inner}&")"'


def change_text(words: str, changes: list[str], lang: Lang) -> str:
    """calc.summary.change_text: ``（前週比 +39.99、+0.67%）``; ``changes`` are formulas."""
    sep = lit("、" if lang == "ja" else ", ")
    return paren(lit(words + " ") + "&" + f"&{sep}&".join(changes), lang)


def template(key: str, lang: Lang, **fields: str) -> str:
    """A label of report.labels with its ``{field}``s filled by formulas (``note.ends``: name, day)."""
    parts, last = [], 0
    text = label(key, lang)
    for found in _FIELD.finditer(text):
        if found.start() > last:
            parts.append(lit(text[last:found.start()]))
        parts.append(fields[found.group(1)])
        last = found.end()
    if last < len(text):
        parts.append(lit(text[last:]))
    return "&".join(parts) if parts else '""'


def distinct(marks: list[str]) -> str:
    """Marks (formulas, each "" or a bracketed text) joined, a repeat of an earlier one dropped (finish_line)."""
    out: list[str] = []
    for i, mark in enumerate(marks):
        if i == 0:
            out.append(mark)
            continue
        same = ",".join(f"{mark}={earlier}" for earlier in marks[:i])
        out.append(f'IF(OR({same}),"",{mark})')
    return "&".join(out) if out else '""'


def words(period: str, lang: Lang) -> str:
    """calc.summary.line_words (前週比 / week)."""
    return fmt.line_words(period, lang)


def demo_tag(demo: bool) -> str:
    return f"&{lit(fmt.DEMO_TAG)}" if demo else ""
