"""Short, localised words for what a reader sees in a cell: an error's reason and a Sources note.

A cell shows ``#N/A データなし`` (or ``#N/A no data``) so it fits its column; the renderer puts the full English
message in the cell's note. The phrases are data: the first pattern found in the message decides.
"""

from __future__ import annotations

import re

from ..types import Lang

#: (pattern in the full message, en, ja) — most specific first.
REASONS: tuple[tuple[str, str, str], ...] = (
    (r"weekly ratios", "< 26 weeks", "26週未満"),
    (r"fundamentals snapshot", "no cap data", "時価総額なし"),
    (r"unknown symbol", "unknown symbol", "銘柄不明"),
    (r"fetch failed|returned no data|rate limit", "fetch failed", "取得失敗"),
    (r"data ends", "data ends early", "データ終了"),
    (r"no close between|trading sessions missing", "data gap", "データ欠損"),
    (r"data starts|no close on or before|no data|no close", "no data", "データなし"),
    (r"cannot be divided", "zero close", "ゼロ値"),
    (r"^#VALUE!|bad ", "bad input", "入力不正"),
)
_FALLBACK = ("not computed", "計算不可")
_CODE = re.compile(r"^(#[A-Z/0!?]+[!?]?)\s")


def short_reason(message: str, lang: Lang) -> str:
    """``"#N/A ^RUO: no close on or before 2024-11-01; data starts 2024-11-14"`` → ``"#N/A データなし"``."""
    code = _CODE.match(message)
    prefix = code.group(1) + " " if code else ""
    for pattern, en, ja in REASONS:
        if re.search(pattern, message):
            return prefix + (ja if lang == "ja" else en)
    return prefix + (_FALLBACK[1] if lang == "ja" else _FALLBACK[0])


#: English phrases of provenance notes and their Japanese (applied in order, as plain substitutions).
NOTE_PHRASES: tuple[tuple[str, str], ...] = (
    ("STALE: last fetch failed", "古いデータ：最終取得に失敗"),
    ("STALE: fetch failed", "古いデータ：取得に失敗"),
    ("NO DATA: fetch failed", "データなし：取得に失敗"),
    ("and nothing is cached for it", "キャッシュにもなし"),
    ("last good date", "最終の有効日"),
    ("adj_close from", "調整後終値:"),
    (" (dividend-adjusted)", "（配当調整済み）"),
    ("no file for", "ファイルなし:"),
)


def localise_note(note: str, lang: Lang) -> str:
    """A Sources note in the workbook's language (English notes are kept as they are in an en build)."""
    if lang != "ja" or not note:
        return note
    out = re.sub(r"fallback for ([^\s;]+)", r"代替ティッカー（本来: \1）", note)
    for en, ja in NOTE_PHRASES:
        out = out.replace(en, ja)
    return out
