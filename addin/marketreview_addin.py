"""The workbook's Refresh button: ``RunPython "import MarketReview;MarketReview.main()"`` runs :func:`main`.

It opens the engine the workbook's settings ask for, hands it to the UDFs of this process (so the
recalculation after the refresh sees what was fetched) and runs :func:`marketreview.refresh.refresh_book`.
Nothing is raised into VBA: every failure ends up in the status cells.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import xlwings as xw

from marketreview.app import open_engine
from marketreview.errors import MarketReviewError
from marketreview.refresh import RefreshResult, read_config, refresh_book, write_failure
from marketreview.types import Lang


def _share(engine: Any) -> bool:
    """Give ``engine`` to the UDFs if they run in this process (the UDF server); False if they cannot."""
    try:
        import marketreview_udfs
    except ImportError:
        return False
    marketreview_udfs.set_engine(engine)
    return True


def refresh(book: Any = None, *, source: str | None = None, offline: bool | None = None) -> RefreshResult:
    """Refresh ``book`` (default: the active workbook). ``source`` and ``offline`` override the settings sheet
    and the environment. Never raises: a failure is written to the status cells and returned."""
    lang: Lang = "ja"
    try:
        if book is None:
            book = xw.books.active
        config = read_config(book)
        lang = config.lang or lang
        engine = open_engine(source or config.source, offline=config.offline if offline is None else offline,
                             cache_path=config.cache)
        shared = _share(engine)
        try:
            return refresh_book(book, engine, lang=config.lang)
        finally:
            if not shared:
                engine.cache.close()
    except Exception as exc:  # the VBA caller must never see a Python exception
        reason = str(exc) if isinstance(exc, MarketReviewError) else f"{type(exc).__name__}: {exc}"
        if book is None:
            return RefreshResult(False, reason)
        try:
            message = write_failure(book, reason, dt.datetime.now(dt.timezone.utc), lang)
        except Exception as inner:  # the book itself is unusable: nothing more can be shown
            message = f"{reason} (the status cells could not be written: {type(inner).__name__}: {inner})"
        return RefreshResult(False, message)


def main() -> None:
    """Entry point of the Refresh button (``RunPython``)."""
    try:
        book = xw.Book.caller()
    except Exception:  # not called from Excel: there is no book to report into
        return
    refresh(book)


__all__ = ["main", "refresh"]
