"""The words under and inside an image that are not numbers: the 期間 / Period line in the seed material's
form (``期間：2024年1月2日～12月24日（日次）``), date ranges, and the names of substitute series
(``TOPIX連動ETF(1306)``). Dates are the report's; nothing is computed here."""

from __future__ import annotations

import datetime as dt
import re
from typing import Final

from ...types import Lang

#: What one point of a chart is: (en, ja).
KINDS: Final = {
    "daily": ("daily", "日次"),
    "weekly": ("weekly", "週次"),
    "week": ("weekly change", "週間騰落率"),
    "monthly": ("monthly", "月次"),
    "quarterly": ("quarterly", "四半期"),
    "annual": ("annual", "年次"),
}
_MONTHS: Final = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

#: How a substitute ticker is named wherever it stands in for its index: (en, ja).
SUBSTITUTE_NAMES: Final = {
    "1306.T": ("TOPIX ETF (1306)", "TOPIX連動ETF(1306)"),
    "RSP": ("S&P 500 Equal Weight ETF (RSP)", "S&P500均等加重ETF(RSP)"),
}
#: Sources-sheet notes of a fallback ticker, in both languages (report/reasons.localise_note writes the ja one).
_FALLBACK = re.compile(r"fallback for ([^\s;]+)|代替ティッカー（本来: ([^）]+)）")
#: The TOPIX-17 sector series are NEXT FUNDS ETF prices.
ETF_MARK: Final = ("(NEXT FUNDS ETF)", "（NEXT FUNDS ETF）")


def date_text(day: dt.date, lang: Lang) -> str:
    if lang == "ja":
        return f"{day.year}年{day.month}月{day.day}日"
    return f"{_MONTHS[day.month - 1]} {day.day}, {day.year}"


def date_range(first: dt.date, last: dt.date, lang: Lang) -> str:
    """``2024年1月2日～12月24日`` / ``Jan 2 – Dec 24, 2024``: the end drops what it shares with the start."""
    if lang == "ja":
        if first.year != last.year:
            return f"{date_text(first, lang)}～{date_text(last, lang)}"
        end = f"{last.day}日" if first.month == last.month else f"{last.month}月{last.day}日"
        return f"{date_text(first, lang)}～{end}"
    if first.year != last.year:
        return f"{date_text(first, lang)} – {date_text(last, lang)}"
    if first.month == last.month:
        return f"{_MONTHS[first.month - 1]} {first.day}–{last.day}, {last.year}"
    return f"{_MONTHS[first.month - 1]} {first.day} – {_MONTHS[last.month - 1]} {last.day}, {last.year}"


def period_range(first: dt.date, last: dt.date, kind: str, lang: Lang) -> str:
    """The range at the points' own resolution: days, or months for monthly and quarterly points (dated at
    their period's start, as FRED dates them), or years for annual ones."""
    if kind == "annual":
        return f"{first.year}年～{last.year}年" if lang == "ja" else f"{first.year}–{last.year}"
    if kind in ("monthly", "quarterly"):
        if lang == "ja":
            end = f"{last.month}月" if first.year == last.year else f"{last.year}年{last.month}月"
            return f"{first.year}年{first.month}月～{end}"
        return f"{_MONTHS[first.month - 1]} {first.year} – {_MONTHS[last.month - 1]} {last.year}"
    return date_range(first, last, lang)


def period_line(first: dt.date, last: dt.date, kind: str, lang: Lang) -> str:
    """``期間：2024年1月2日～12月24日（日次）`` / ``Period: Jan 2 – Dec 24, 2024 (daily)``; monthly points give
    ``期間：2020年11月～2025年10月（月次）``, annual ones ``期間：2015年～2025年（年次）``."""
    en, ja = KINDS[kind]
    if lang == "ja":
        return f"期間：{period_range(first, last, kind, lang)}（{ja}）"
    return f"Period: {period_range(first, last, kind, lang)} ({en})"


def fallback_for(note: str) -> str | None:
    """The ticker a Sources note says this one stands in for (``fallback for ^TOPX``), or None."""
    match = _FALLBACK.search(note or "")
    return (match[1] or match[2]) if match else None


def substitute_name(name: str, ticker: str, lang: Lang) -> str:
    """The name a substitute series is shown under: its own (``TOPIX連動ETF(1306)``), or the index's name with the
    ticker that served it."""
    known = SUBSTITUTE_NAMES.get(ticker)
    if known is not None:
        return known[1] if lang == "ja" else known[0]
    return f"{name}（代替: {ticker}）" if lang == "ja" else f"{name} (proxy: {ticker})"


__all__ = ["ETF_MARK", "KINDS", "SUBSTITUTE_NAMES", "date_range", "date_text", "fallback_for", "period_line",
           "period_range", "substitute_name"]
