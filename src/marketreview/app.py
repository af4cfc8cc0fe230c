"""Opening an engine from user-level settings: the one place the CLI, the UDFs and the refresh build it."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from .cache import Cache
from .engine import Engine
from .sources.router import router_from_spec
from .symbols import SymbolMap

DEFAULT_SOURCE = "auto"


def open_engine(source: str | None = None, *, offline: bool = False, cache_path: str | Path | None = None,
                symbols_file: str | Path | None = None) -> Engine:
    """An engine for ``source`` (``auto`` | ``yahoo`` | ``fred`` | ``demo`` | ``csv:DIR``; default from
    ``$MARKETREVIEW_SOURCE`` or ``auto``: yields from FRED, the rest from Yahoo) over the cache at ``cache_path``
    (default ``$MARKETREVIEW_CACHE`` or the user cache directory)."""
    spec = source or os.environ.get("MARKETREVIEW_SOURCE") or DEFAULT_SOURCE
    symbols = SymbolMap.default()
    if symbols_file:
        symbols = symbols.with_overrides(Path(symbols_file))
    router = router_from_spec(spec)  # a bad spec is refused before any file is created
    cache = Cache(cache_path or cache_path_for(spec))
    return Engine(router, cache, symbols, offline=offline)


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
