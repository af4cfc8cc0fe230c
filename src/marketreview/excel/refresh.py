"""Refreshing a live workbook: fetch (one batch per source), build the report, write it, recalculate.

When the fetch fails for every symbol or the report cannot be built, nothing of the report is touched: the
previous values stay and the status cell of every report sheet says what failed and since when. The time of
the first failure survives between refreshes in a hidden sheet (:data:`STATUS_SHEET`), key/value rows like
the ``xlwings.conf`` sheet. A partial failure writes everything; the builder marks the failed symbols stale
and the status cells name them.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..deadline import DEFAULT_SECONDS
from ..errors import BadArgumentError, MarketReviewError
from ..render import styles
from ..report import layout
from ..report.build import build_report, needed_symbols
from ..types import Lang
from ..wanted import record_outcome, wanted_names
from .book import excel_value, find_sheet, render_book

if TYPE_CHECKING:
    from ..engine import Engine

#: The settings sheet the template ships (key in column A, value in column B, down to the first blank row).
CONFIG_SHEET = "xlwings.conf"
CONFIG_ROWS = 40
#: The hidden sheet that remembers the refresh state across refreshes.
STATUS_SHEET = "_marketreview_status"
_STATUS_KEYS = ("failing_since", "last_error", "last_success", "sheets")

_WORDS: dict[str, tuple[str, str]] = {
    "ok": ("Refreshed", "更新"),
    "partial": ("failed to fetch", "取得失敗"),
    "failed": ("Refresh failed", "更新失敗"),
    "since": ("failing since", "失敗開始"),
    "kept": ("the values below are from the last good refresh", "以下は前回成功時の値"),
    "never": ("never", "なし"),
}


@dataclass(frozen=True)
class BookConfig:
    """What the workbook's settings sheet asks for (``None``/False where it says nothing)."""

    source: str | None = None
    lang: Lang | None = None
    cache: str | None = None
    offline: bool | None = None
    #: the user's list of Macro-sheet series (``MARKETREVIEW_MACRO_LIST``), instead of data/macro.csv
    macro_list: str | None = None
    #: seconds the whole refresh may spend fetching (``MARKETREVIEW_REFRESH_DEADLINE``)
    deadline: float | None = None


@dataclass(frozen=True)
class RefreshResult:
    ok: bool
    message: str
    #: alias → reason, for every symbol whose fetch failed
    failed: dict[str, str] = field(default_factory=dict)
    sheets: tuple[str, ...] = ()
    as_of: dt.date | None = None


# -- settings and state ----------------------------------------------------------------------------


def _rows(sheet: Any, rows: int) -> list[tuple[str, Any]]:
    """Key/value rows from A1 down to the first blank key."""
    values = sheet.range((1, 1), (rows, 2)).value or []
    found: list[tuple[str, Any]] = []
    for row in values:
        key = row[0] if isinstance(row, list) and row else None
        if key is None or str(key).strip() == "":
            break
        found.append((str(key).strip(), row[1] if len(row) > 1 else None))
    return found


def _text(value: Any) -> str | None:
    return None if value is None or str(value).strip() == "" else str(value).strip()


def read_config(book: Any) -> BookConfig:
    """The MarketReview settings of ``book``'s ``xlwings.conf`` sheet (``MARKETREVIEW_SOURCE``, ``Lang``,
    ``MARKETREVIEW_CACHE``, ``MARKETREVIEW_OFFLINE``); defaults when the sheet is absent."""
    sheet = find_sheet(book, CONFIG_SHEET)
    if sheet is None:
        return BookConfig()
    settings = {key.lower(): value for key, value in _rows(sheet, CONFIG_ROWS)}
    lang = _text(settings.get("lang"))
    if lang is not None and lang.lower() not in ("ja", "en"):
        raise BadArgumentError("Lang", lang, f"on the {CONFIG_SHEET} sheet must be ja or en")
    offline = _text(settings.get("marketreview_offline"))
    deadline = _text(settings.get("marketreview_refresh_deadline"))
    return BookConfig(deadline=None if deadline is None else deadline_seconds(deadline, f"{CONFIG_SHEET} sheet"),
                      source=_text(settings.get("marketreview_source")),
                      lang=None if lang is None else ("ja" if lang.lower() == "ja" else "en"),
                      cache=_text(settings.get("marketreview_cache")),
                      offline=None if offline is None else offline.lower() in ("1", "true", "yes", "on"),
                      macro_list=_text(settings.get("marketreview_macro_list")))


DEADLINE_VARIABLE = "MARKETREVIEW_REFRESH_DEADLINE"


def deadline_seconds(raw: object, where: str) -> float:
    """A refresh deadline setting: a number of seconds > 0."""
    try:
        seconds = float(str(raw).strip())
    except ValueError:
        seconds = float("nan")
    if not seconds > 0 or seconds == float("inf"):
        raise BadArgumentError(DEADLINE_VARIABLE, raw, f"({where}) must be a number of seconds > 0")
    return seconds


def refresh_deadline(config: BookConfig) -> float:
    """The workbook's setting, else ``$MARKETREVIEW_REFRESH_DEADLINE``, else :data:`DEFAULT_SECONDS`."""
    if config.deadline is not None:
        return config.deadline
    raw = os.environ.get(DEADLINE_VARIABLE, "").strip()
    return deadline_seconds(raw, f"${DEADLINE_VARIABLE}") if raw else DEFAULT_SECONDS


def _state(book: Any) -> dict[str, str]:
    sheet = find_sheet(book, STATUS_SHEET)
    if sheet is None:
        return {}
    return {key: str(value) for key, value in _rows(sheet, len(_STATUS_KEYS)) if value is not None}


def status_rows(state: dict[str, str]) -> list[tuple[str, str]]:
    """The status sheet's rows for ``state`` (every key, '' where it has none): also what the template ships."""
    return [(k, state.get(k, "")) for k in _STATUS_KEYS]


def _save_state(book: Any, state: dict[str, str]) -> None:
    sheet = find_sheet(book, STATUS_SHEET)
    if sheet is None:
        sheet = book.sheets.add(STATUS_SHEET, after=book.sheets[-1])
        sheet.visible = False
    sheet.range((1, 1)).value = [[excel_value(k), excel_value(v)] for k, v in status_rows(state)]


def stamp(when: dt.datetime) -> str:
    """``2025-01-10 22:00 UTC`` (a naive time is taken as UTC)."""
    aware = when if when.tzinfo is not None else when.replace(tzinfo=dt.timezone.utc)
    return aware.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _word(key: str, lang: Lang) -> str:
    en, ja = _WORDS[key]
    return ja if lang == "ja" else en


# -- failure ----------------------------------------------------------------------------------------


def write_failure(book: Any, reason: str, now: dt.datetime, lang: Lang = "ja") -> str:
    """Say in the status cell of every report sheet that the refresh failed, why and since when, without
    touching anything else. Returns the status text."""
    state = _state(book)
    since = state.get("failing_since") or stamp(now)
    text = (f"{_word('failed', lang)} {stamp(now)}: {reason} ({_word('since', lang)} {since}; "
            f"{_word('kept', lang)}: {state.get('last_success') or _word('never', lang)})")
    names = [n for n in state.get("sheets", "").split("|") if n]
    targets = [s for s in (find_sheet(book, n) for n in names) if s is not None] or list(book.sheets)[:1]
    for sheet in targets:
        cell = sheet.range((layout.STATUS_ROW, layout.FIRST_COLUMN))
        cell.value = excel_value(text)
        cell.font.color = styles.rgb(styles.RED)
    _save_state(book, {**state, "failing_since": since, "last_error": f"{stamp(now)}: {reason}"})
    return text


# -- the refresh ------------------------------------------------------------------------------------


def _recalculate(book: Any) -> None:
    """A full recalculation: the UDFs are not volatile and their arguments did not change, so Excel's normal
    recalculation would skip them. Windows: ``Application.CalculateFull``. macOS has no UDFs (no UDF server),
    so its plain recalculation (``app.calculate()``) is the equivalent there."""
    app = getattr(book, "app", None)
    try:
        full = getattr(getattr(app, "api", None), "CalculateFull", None)
    except Exception:  # appscript (macOS) raises for a name its dictionary lacks
        full = None
    if callable(full):
        full()
        return
    calculate = getattr(app, "calculate", None)
    if callable(calculate):
        calculate()


def _describe(failed: dict[str, str], limit: int = 5) -> str:
    """``A (reason); B (reason) … and 3 more``: the status cell stays readable when a whole source is down."""
    shown = "; ".join(f"{alias} ({reason})" for alias, reason in list(failed.items())[:limit])
    more = len(failed) - limit
    if more <= 0:
        return shown
    rest = list(failed)[limit:]
    return shown + f" … and {more} more" + (f": {', '.join(rest)}" if more <= 15 else "")


def refresh_book(book: Any, engine: Engine, *, as_of: dt.date | None = None, lang: Lang | None = None
                 ) -> RefreshResult:
    """Refresh every report sheet of ``book`` (an xlwings Book) from ``engine`` and recalculate the book.
    Failures are written to the status cells and returned, never raised (except from the book itself)."""
    now = engine.clock()
    language: Lang = lang or "ja"
    try:
        config = read_config(book)
        language = lang or config.lang or "ja"
        needed = {engine.resolve(name).alias for name in needed_symbols(engine)}
        wanted = wanted_names(engine)
        engine.deadline_seconds = refresh_deadline(config)
        engine.deadline = time.monotonic() + engine.deadline_seconds  # Excel waits while RunPython runs
        try:
            report = build_report(engine, as_of, language,
                                  macro_list=Path(config.macro_list) if config.macro_list else None, wanted=wanted)
        finally:
            engine.deadline = None
        record_outcome(engine, wanted)
    except MarketReviewError as exc:
        return RefreshResult(False, write_failure(book, str(exc), now, language))
    if needed and needed <= set(report.failed):
        reason = f"every fetch failed ({len(report.failed)} symbols): {_describe(report.failed, 2)}"
        message = write_failure(book, reason, now, language)
        return RefreshResult(False, message, dict(report.failed))
    status = f"{_word('ok', language)} {stamp(now)}"
    if report.failed:
        status += f" · {_word('partial', language)}: {_describe(report.failed)}"
    last_names = [n for n in _state(book).get("sheets", "").split("|") if n]
    try:
        names = render_book(report, book, status=status, problem=bool(report.failed), last_names=last_names)
    except MarketReviewError as exc:
        return RefreshResult(False, write_failure(book, str(exc), now, language), dict(report.failed))
    _save_state(book, {"failing_since": "", "last_error": "", "last_success": stamp(now),
                       "sheets": "|".join(names)})
    _recalculate(book)
    return RefreshResult(not report.failed, status, dict(report.failed), tuple(names), report.as_of)


__all__ = ["CONFIG_SHEET", "DEADLINE_VARIABLE", "STATUS_SHEET", "BookConfig", "RefreshResult", "deadline_seconds",
           "read_config", "refresh_book", "refresh_deadline", "stamp", "status_rows", "write_failure"]
