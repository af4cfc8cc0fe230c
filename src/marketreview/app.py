"""Opening an engine from user-level settings: the one place the CLI, the UDFs and the refresh build it."""

from __future__ import annotations

from pathlib import Path

from . import settings as user_settings
from .cache import Cache
from .engine import Engine
from .settings import Settings
from .sources.router import router_from_spec
from .symbols import SymbolMap

DEFAULT_SOURCE = "auto"


def open_engine(source: str | None = None, *, offline: bool | None = None, cache_path: str | Path | None = None,
                symbols_file: str | Path | None = None, settings: Settings | None = None,
                cache_timeout: float | None = None, fetch_missing: bool = True) -> Engine:
    """An engine for ``source`` (``auto`` | ``yahoo`` | ``fred`` | ``demo`` | ``csv:DIR``) over the cache at
    ``cache_path``. What is not given comes from ``settings`` (default: :func:`marketreview.settings.load`, the
    per-user settings file with ``$MARKETREVIEW_*`` overrides), so formulas and the Refresh button agree.
    ``cache_timeout`` bounds SQLite busy waits; ``fetch_missing=False``: never fetch on a read (formulas)."""
    chosen = settings or user_settings.load()
    spec = source or chosen.source or DEFAULT_SOURCE
    symbols = SymbolMap.default()
    if symbols_file:
        symbols = symbols.with_overrides(Path(symbols_file))
    keyed = {"jquants_key": chosen.jquants_key} if chosen.jquants_key else {}  # TOPIX itself from J-Quants
    router = router_from_spec(spec, **keyed)  # a bad spec is refused before any file is created
    path = cache_path or chosen.cache or cache_path_for(spec)
    cache = Cache(path) if cache_timeout is None else Cache(path, timeout=cache_timeout)
    return Engine(router, cache, symbols, offline=chosen.offline if offline is None else offline,
                  fetch_missing=fetch_missing)


def cache_path_for(spec: str) -> Path:
    """The cache file for a source: one file for every source (``$MARKETREVIEW_CACHE`` or the user cache
    folder's ``prices.sqlite``), the same one ``--cache`` names. Sources stay apart inside it: every row is keyed
    by the source that delivered it, so demo or local rows are never served as fetched ones."""
    del spec  # every source shares the one file
    return Cache.default_path()


def cache_in_use(settings: Settings | None = None) -> Path:
    """The cache file formulas, Refresh and the CLI use with ``settings`` (default: the settings in force)."""
    chosen = settings or user_settings.load()
    return Path(chosen.cache).expanduser() if chosen.cache else Cache.default_path()
