"""The name a figure is published under: the index's own name, or the substitute's when the symbol map's
fallback served it (``TOPIX連動ETF(1306)``, never TOPIX's name on the ETF's level)."""

from __future__ import annotations

from ..symbols import SymbolInfo
from ..types import Lang
from .labels import LABELS, label


def display_name(info: SymbolInfo, ticker: str, lang: Lang) -> str:
    """``info``'s long label when ``ticker`` is its preferred ticker; otherwise the substitute's own name
    (``proxy.<ticker>`` in the labels) or the label with the substitute ticker named."""
    if ticker == info.ticker:
        return info.label(lang)
    key = f"proxy.{ticker}"
    if key in LABELS:
        return label(key, lang)
    return label("proxy.generic", lang).format(name=info.label(lang), ticker=ticker)
