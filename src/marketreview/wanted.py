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

from .errors import CacheError, MarketReviewError, NoDataError, SymbolNotFoundError, UnknownSymbolError

if TYPE_CHECKING:
    from .cache import Cache
    from .engine import Engine

#: How long a name stays wanted after a formula last asked for it.
KEEP = dt.timedelta(days=90)
#: A wanted name's reason that says no source knows it (the rest is shown in the cell).
UNKNOWN_PREFIX = "unknown: "


class Asks:
    """The names formulas used, for the wanted table: each noted once a day (``seen``), written in one
    transaction at the next flush (a calculation burst, or a cold symbol's cell). A busy cache keeps them for the
    next flush; a formula's value never depends on it."""

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self._day: dt.date | None = None
        self._pending: set[str] = set()

    def note(self, alias: str, *names: str) -> None:
        """A formula used ``alias`` (typed as ``names``)."""
        if alias not in self.seen:
            self.seen.update((alias, *names))
            self._pending.add(alias)

    def flush(self, cache: Cache, now: dt.datetime, today: dt.date) -> CacheError | None:
        """Write what was noted since the last flush; a new day starts noting afresh. Returns a failure."""
        if self._day != today:
            self._day = today
            self.seen = set(self._pending)
        if not self._pending:
            return None
        names = sorted(self._pending)
        try:
            cache.want(names, now)
        except CacheError as exc:
            return exc
        self._pending.difference_update(names)
        return None


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


def not_loaded(cache: Cache, alias: str, unrecorded: CacheError | None) -> MarketReviewError:
    """What a formula shows for a symbol the cache lacks: what the last refresh found for it (a source that
    does not know it, another failure), or "not loaded yet"; ``unrecorded``: why it could not be recorded."""
    if unrecorded is not None:
        return NoDataError(alias, reason=f"not loaded yet, and the request for it could not be recorded "
                                         f"({unrecorded}): run marketreview fetch {alias}")
    reason = cache.wanted().get(alias, (None, ""))[1]
    if reason.startswith(UNKNOWN_PREFIX):
        return UnknownSymbolError(alias, reason[len(UNKNOWN_PREFIX):])
    if reason:
        return NoDataError(alias, reason=f"not loaded: {reason} (press Refresh to try again)")
    return NoDataError(alias, reason="not loaded yet: press Refresh")


def _reason(error: MarketReviewError) -> str:
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


__all__ = ["KEEP", "UNKNOWN_PREFIX", "Asks", "not_loaded", "record_outcome", "wanted_names"]
