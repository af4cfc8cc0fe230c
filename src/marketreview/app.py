"""Opening an engine from user-level settings: the one place the CLI, the UDFs and the refresh build it."""

from __future__ import annotations

import hashlib
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
    """The default cache file for a source: live sources share one; the demo and each CSV folder get their own,
    so synthetic or local rows never mix with fetched ones."""
    path = Cache.default_path()
    kind = spec.strip().lower()
    if kind in ("auto", "yahoo", "fred"):
        return path
    if kind == "demo":
        return path.with_name(f"{path.stem}-demo{path.suffix}")
    digest = hashlib.sha1(spec.encode("utf-8")).hexdigest()[:10]
    return path.with_name(f"{path.stem}-{kind.split(':', 1)[0]}-{digest}{path.suffix}")
