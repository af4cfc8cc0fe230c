"""The symbols formulas asked for, loaded by the Refresh button and ``marketreview fetch``.

A formula whose symbol the cache lacks records it in the cache file's ``wanted`` table (the UDF server and the
Refresh process share that file, never a module variable) and answers ``#N/A QQQ: not loaded yet: press
Refresh``. A refresh loads the report's symbols and every wanted one in the same batch (one request per source),
then writes back what it found for each wanted name: '' when it loaded, else the reason, which the cell shows.
A wanted name no formula asked for in :data:`KEEP` is dropped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

from .errors import MarketReviewError, SymbolNotFoundError, UnknownSymbolError

if TYPE_CHECKING:
    from .engine import Engine

#: How long a name stays wanted after a formula last asked for it.
KEEP = dt.timedelta(days=90)


def wanted_names(engine: Engine) -> list[str]:
    """The names formulas asked for within :data:`KEEP` (older ones are dropped from the cache), that still
    name a symbol."""
    engine.cache.drop_wanted(engine.clock() - KEEP)
    names: list[str] = []
    for name in engine.cache.wanted():
        try:
            names.append(engine.resolve(name).alias)
        except MarketReviewError:
            continue  # a name the symbol map no longer takes: its cell says why on its own
    return names


def _reason(error: MarketReviewError) -> str:
    from .engine import UNKNOWN_PREFIX

    if isinstance(error, (SymbolNotFoundError, UnknownSymbolError)):
        return f"{UNKNOWN_PREFIX}{error}"
    return str(error)


def record_outcome(engine: Engine, names: Iterable[str]) -> None:
    """After a fetch: write back, for each wanted name, why it could not be loaded ('' when it was)."""
    reasons = {}
    for name in names:
        error = engine.failure(name)
        reasons[name] = "" if error is None else _reason(error)
    engine.cache.set_wanted_reasons(reasons)


__all__ = ["KEEP", "record_outcome", "wanted_names"]
