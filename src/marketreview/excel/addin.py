"""The workbook's Refresh button: its VBA runs ``RunPython "import marketreview.addin;marketreview.addin.main()"``.

The module is installed with the package, so a copy of the workbook under any name, in any folder, refreshes.
:func:`refresh` copies the workbook's settings (its ``xlwings.conf`` sheet) into the per-user settings file,
which the UDF server reads too, so formulas and sheets answer from the same source and cache. It then opens
that engine and runs :func:`marketreview.excel.refresh.refresh_book`, which fetches, writes the sheets and asks Excel
for a full recalculation; the UDF server sees the new closes through the cache file (``PRAGMA data_version``).
A failure with a book lands in its status cells; one without a book (not called from Excel) is raised, so
xlwings shows it in its error dialog.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import xlwings as xw

from .. import settings as user_settings
from ..app import open_engine
from ..errors import MarketReviewError, RenderError
from ..types import Lang
from .refresh import BookConfig, RefreshResult, read_config, refresh_book, write_failure


def share_settings(config: BookConfig) -> user_settings.Settings:
    """Write what the workbook's settings sheet says into the per-user file (the UDF server's source of
    truth) and return the settings in force (the file with the environment's overrides)."""
    changes: dict[str, Any] = {"source": config.source, "cache": config.cache, "lang": config.lang}
    if config.offline is not None:
        changes["offline"] = config.offline
    given = {key: value for key, value in changes.items() if value is not None}
    if given:
        user_settings.save(given)
    return user_settings.load()


def refresh(book: Any = None, *, source: str | None = None, offline: bool | None = None) -> RefreshResult:
    """Refresh ``book`` (default: the active workbook). ``source`` and ``offline`` override the settings for
    this call only. Never raises: a failure is written to the status cells and returned."""
    lang: Lang = "ja"
    try:
        if book is None:
            book = xw.books.active
        config = read_config(book)
        lang = config.lang or lang
        current = share_settings(config)
        lang = current.lang
        engine = open_engine(source, offline=offline, settings=current)
        try:
            return refresh_book(book, engine, lang=current.lang)
        finally:
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
    """Entry point of the Refresh button (``RunPython``). Without a calling book nothing can show a status
    cell, so the failure is raised: RunPython shows it in xlwings' error dialog instead of doing nothing."""
    try:
        book = xw.Book.caller()
    except Exception as exc:
        raise RenderError("Refresh", f"no calling workbook ({type(exc).__name__}: {exc}); run it from the "
                          "workbook's Refresh button with the xlwings add-in installed") from exc
    refresh(book)


__all__ = ["main", "refresh", "share_settings"]
