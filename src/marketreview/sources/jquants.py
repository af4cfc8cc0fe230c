"""TOPIX's own daily closes from J-Quants, JPX's official data API (v2, an API key in the ``x-api-key`` header).

    GET https://api.jquants.com/v2/indices/bars/daily/topix?from=2024-12-20&to=2024-12-27
    {"data": [{"Date": "2024-12-27", "O": 2790.31, "H": 2802.11, "L": 2785.55, "C": 2801.68}, …],
     "pagination_key": "…"}

A long window comes in pages: while the answer carries a ``pagination_key``, the same request is repeated with
it. ``C`` (the close) may come as a number, as text or as null (a day without a close), which is left out.

Plans: the free plan's data is 12 weeks late; current figures need the Light plan or above. A window outside
the key's plan is answered with HTTP 400 and ``{"message": "Your subscription covers the following dates:
2024-05-24 ~ 2026-05-24. …"}`` (a paid plan: ``2021-09-01 ~ .``, no end). A paid plan's answer is asked again
from the first day it covers; a plan whose data ends weeks ago is refused for current figures with a message
that says so, and so is an answer whose latest close is weeks older than the window's end. The refusal costs
only TOPIX: the engine then serves it from its fallback (the ETF), marked as such.

The one HTTP call is :func:`~.base.http_get_text` (``requests``, imported lazily): the endpoint is one GET, so
the ``jquants-api-client`` package (pandas conversions, its own retry and config-file search) is not needed.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import time
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd

from ..errors import DataFormatError, SourceError
from ..types import Symbol
from .base import (
    backoff_delays,
    check_window,
    classify_http,
    clip,
    empty_frame,
    http_failure,
    http_get_text,
    make_frame,
    require_all,
    unique_symbols,
)

JQUANTS_BASE = "https://api.jquants.com/v2"
TOPIX_PATH = "/indices/bars/daily/topix"
#: The tickers J-Quants serves here (the symbol map's TOPIX ticker).
JQUANTS_SYMBOLS: frozenset[str] = frozenset({"^TOPX"})
#: An answer whose latest close is this much older than a recent window's end comes from a delayed plan.
DELAYED = dt.timedelta(weeks=8)
#: A window ending this close to today asks for current figures.
CURRENT = dt.timedelta(days=14)
#: J-Quants stops paging after this many pages (a guard against an answer that repeats its key).
MAX_PAGES = 200

PLAN_HELP = ("the free plan's data is 12 weeks late; current figures need the Light plan or above "
             "(https://jpx-jquants.com/)")

Getter = Callable[..., str]
_COVERS = re.compile(r"covers the following dates:\s*(\d{4}-\d{2}-\d{2})\s*[~〜]\s*(\d{4}-\d{2}-\d{2})?")


def is_jquants_symbol(ticker: str) -> bool:
    """True for the tickers this source serves (``^TOPX``, TOPIX itself)."""
    return isinstance(ticker, str) and ticker.strip().upper() in JQUANTS_SYMBOLS


def covered_dates(message: str) -> tuple[dt.date, dt.date | None] | None:
    """The dates a plan covers, from J-Quants' HTTP 400 message (``2024-05-24 ~ 2026-05-24``; a paid plan's
    has no end); None when the message does not say."""
    found = _COVERS.search(message)
    if found is None:
        return None
    end = dt.date.fromisoformat(found.group(2)) if found.group(2) else None
    return dt.date.fromisoformat(found.group(1)), end


class JQuantsSource:
    """TOPIX closes (``close``; ``adj_close`` NaN: an index has no adjustment). ``get(url, timeout, headers=…)``
    defaults to ``requests``; ``retries`` extra attempts follow a 429, a 5xx, a timeout or a dropped connection
    after ``backoff``, ``2*backoff`` … seconds through ``sleep``. ``today`` decides what "current" is."""

    name = "jquants"

    def __init__(self, api_key: str, get: Getter | None = None, sleep: Callable[[float], None] = time.sleep,
                 retries: int = 3, backoff: float = 2.0, timeout: float = 30,
                 today: Callable[[], dt.date] = dt.date.today) -> None:
        if not isinstance(api_key, str) or not api_key.strip():
            raise SourceError(self.name, "no API key (marketreview config --jquants-key KEY, or "
                                         "$MARKETREVIEW_JQUANTS_KEY)")
        self._key = api_key.strip()
        self._get = get or http_get_text
        self._sleep = sleep
        self.retries = retries
        self.backoff = backoff
        self.timeout = timeout
        self._today = today

    def __repr__(self) -> str:  # never the key
        return "JQuantsSource()"

    def describe(self, ticker: Symbol) -> str:
        return f"JPX J-Quants {TOPIX_PATH}"

    def fetch(self, symbols: Sequence[Symbol], start: dt.date, end: dt.date) -> pd.DataFrame:
        check_window(start, end)
        wanted = unique_symbols(symbols)
        served = [s for s in wanted if is_jquants_symbol(s)]
        if not served:
            return require_all(self.name, empty_frame([]), wanted)
        rows = self._rows(start, end, served)
        closes = parse_topix(rows, where=f"J-Quants {TOPIX_PATH}")
        if not closes.empty and end >= self._today() - CURRENT and closes.index[-1].date() < end - DELAYED:
            last = closes.index[-1].date()
            raise SourceError(self.name, f"refused for current figures: the key's data ends {last.isoformat()}, "
                                         f"{(end - last).days // 7} weeks before {end.isoformat()} ({PLAN_HELP})",
                              served)
        frame = clip(make_frame({s: closes for s in served}), start, end) if not closes.empty else empty_frame([])
        return require_all(self.name, frame, wanted)

    # -- the HTTP side ------------------------------------------------------------------------------

    def _rows(self, start: dt.date, end: dt.date, symbols: Sequence[Symbol]) -> list[dict[str, Any]]:
        """Every page's ``data`` rows for [start, end]; a paid plan's 400 is asked again from its first day."""
        try:
            return self._pages(start, end, symbols)
        except _OutOfPlan as out:
            first, last = out.covered
            if last is not None:  # a delayed (free) plan
                if end > last:
                    raise SourceError(self.name, f"refused for current figures: the key's plan covers "
                                                 f"{first.isoformat()} to {last.isoformat()} only ({PLAN_HELP})",
                                      symbols) from None
                end = last
            if first <= start or first > end:
                raise SourceError(self.name, f"HTTP 400: {out.message}", symbols) from None
            return self._pages(first, end, symbols)

    def _pages(self, start: dt.date, end: dt.date, symbols: Sequence[Symbol]) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        query = {"from": start.isoformat(), "to": end.isoformat()}
        for _page in range(MAX_PAGES):
            payload = self._payload(f"{JQUANTS_BASE}{TOPIX_PATH}?{urllib.parse.urlencode(query)}", symbols)
            batch = payload.get("data", [])
            if not isinstance(batch, list):
                raise DataFormatError(f"J-Quants {TOPIX_PATH}", f"'data' is {type(batch).__name__}, not a list")
            rows.extend(batch)
            key = payload.get("pagination_key")
            if not key:
                return rows
            query["pagination_key"] = str(key)
        raise DataFormatError(f"J-Quants {TOPIX_PATH}", f"more than {MAX_PAGES} pages (pagination_key repeats?)")

    def _payload(self, url: str, symbols: Sequence[Symbol]) -> dict[str, Any]:
        delays = backoff_delays(self.retries, self.backoff)
        for attempt in range(len(delays) + 1):
            try:
                text = self._get(url, self.timeout, headers={"x-api-key": self._key})
                break
            except Exception as exc:  # the one boundary where requests / HTTP errors come in
                kind, detail = _classify(exc)
                if kind == "plan":
                    raise _OutOfPlan(detail) from exc
                if kind in ("other", "network") or attempt == len(delays):
                    raise http_failure(self.name, kind, detail, symbols, attempt + 1) from exc
            self._sleep(delays[attempt])
        else:  # pragma: no cover
            raise AssertionError("unreachable")
        try:
            payload = json.loads(text)
        except ValueError:
            raise DataFormatError(f"J-Quants {TOPIX_PATH}", "the answer is not JSON") from None
        if not isinstance(payload, dict):
            raise DataFormatError(f"J-Quants {TOPIX_PATH}", "the answer is not a JSON object")
        return payload


def parse_topix(rows: Sequence[Mapping[str, Any]], where: str = "J-Quants") -> pd.Series:
    """``Date`` → ``C`` as a float Series on its dates (ascending; a row without a close is left out)."""
    values: dict[dt.date, float] = {}
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, Mapping):
            raise DataFormatError(f"{where} row {number}", "not a JSON object")
        try:
            day = dt.date.fromisoformat(str(row.get("Date", ""))[:10])
        except ValueError:
            raise DataFormatError(f"{where} row {number}", f"bad Date {row.get('Date')!r}") from None
        close = row.get("C")
        if close is None or (isinstance(close, str) and not close.strip()):
            continue
        try:
            value = float(close)
        except (TypeError, ValueError):
            raise DataFormatError(f"{where} row {number}", f"C is not a number: {close!r}") from None
        if not math.isfinite(value) or value <= 0:
            raise DataFormatError(f"{where} row {number}", f"C is not a positive number: {close!r}")
        values[day] = value
    index = pd.DatetimeIndex(pd.to_datetime(sorted(values)), name="date")
    return pd.Series([values[d] for d in sorted(values)], index=index, dtype="float64")


class _OutOfPlan(Exception):
    """J-Quants' HTTP 400 for a window its plan does not cover (carries the covered dates)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        covered = covered_dates(message)
        assert covered is not None
        self.covered = covered


def _body_message(exc: Exception) -> str:
    """The ``message`` of an HTTP error's JSON body (J-Quants explains every refusal there), else its text."""
    response = getattr(exc, "response", None)
    text = str(getattr(response, "text", "") or "")
    try:
        body = json.loads(text)
    except ValueError:
        return text.strip()[:200]
    message = body.get("message") if isinstance(body, dict) else None
    return str(message) if message else text.strip()[:200]


def _classify(exc: Exception) -> tuple[str, str]:
    """``(kind, detail)``: :func:`.base.classify_http`'s kinds, and plan (a 400 naming the covered dates); J-Quants
    explains every refusal in its body's message."""

    def status_detail(status: int) -> tuple[str, str]:
        message = _body_message(exc)
        if status == 400 and covered_dates(message) is not None:
            return "plan", message
        if status in (401, 403):
            return "other", f"HTTP {status}: the API key was refused ({message or 'no message'})"
        return ("server" if status >= 500 else "other"), f"HTTP {status}" + (f": {message}" if message else "")

    return classify_http(exc, status_detail)


__all__ = ["JQUANTS_BASE", "JQUANTS_SYMBOLS", "TOPIX_PATH", "JQuantsSource", "covered_dates", "is_jquants_symbol",
           "parse_topix"]
