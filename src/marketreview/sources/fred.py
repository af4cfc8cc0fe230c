"""Daily series from FRED's public graph CSV (no API key): one request for many series.

    https://fred.stlouisfed.org/graph/fredgraph.csv?id=DGS2,DGS10&cosd=2025-01-02,2025-01-02&coed=2025-01-10,2025-01-10

``cosd``/``coed`` are repeated once per id, the form FRED's own graph links use: a single value applies to the
first series only, and the others would come back whole.

The first column is ``observation_date`` (current) or ``DATE`` (older answers); a missing observation (a
bond-market holiday) is ``.`` or an empty cell, and is dropped: FRED has no value that day, which is not a
zero. ``requests`` is imported lazily; HTTP errors and timeouts become ours in :func:`.base.classify_http` /
:func:`.base.http_failure`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
import time
from collections.abc import Callable, Sequence

import pandas as pd

from ..errors import BadArgumentError, DataFormatError
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
    parse_number,
    require_all,
    unique_symbols,
)

FREDGRAPH_URL = "https://fred.stlouisfed.org/graph/fredgraph.csv"

#: Series ids MarketReview sends to FRED (the router sends these here and everything else to Yahoo).
FRED_SERIES: frozenset[str] = frozenset({
    # Treasury constant-maturity yields and bills (percent)
    "DGS1MO", "DGS3MO", "DGS6MO", "DGS1", "DGS2", "DGS3", "DGS5", "DGS7", "DGS10", "DGS20", "DGS30",
    "DTB3", "DTB6",
    # policy and overnight rates (percent)
    "DFEDTARU", "DFEDTARL", "DFF", "EFFR", "SOFR", "IORB",
    # curve spreads, inflation expectations and real yields (percent)
    "T10Y2Y", "T10Y3M", "T10YIE", "DFII10",
    # others
    "DEXJPUS", "VIXCLS",
})

#: Any other FRED series is asked for by its id with this prefix (``FRED:BOGZ1FA105050005Q``).
FRED_PREFIX = "FRED:"

Getter = Callable[[str, float], str]
_SERIES_ID = re.compile(r"^[A-Z0-9_]{1,40}$")
_DATE_HEADERS = ("observation_date", "date")
_MISSING = ("", ".")


def is_fred_series(ticker: str) -> bool:
    """True for a FRED series id MarketReview knows (``DGS10``, ``DFEDTARU`` …) or any id written with the
    ``FRED:`` prefix, case-insensitive."""
    return isinstance(ticker, str) and (ticker.strip().upper() in FRED_SERIES or is_prefixed(ticker))


def is_prefixed(ticker: str) -> bool:
    """True for ``FRED:<series id>``: an explicit request for any FRED series."""
    text = ticker.strip().upper() if isinstance(ticker, str) else ""
    return text.startswith(FRED_PREFIX) and bool(_SERIES_ID.match(text[len(FRED_PREFIX):]))


def fredgraph_url(series: Sequence[str], start: dt.date, end: dt.date) -> str:
    count = len(series)
    return (f"{FREDGRAPH_URL}?id={','.join(series)}&cosd={','.join([start.isoformat()] * count)}"
            f"&coed={','.join([end.isoformat()] * count)}")


class FredSource:
    """FRED observations as ``close`` (``adj_close`` is always NaN). ``get(url, timeout) -> text`` defaults to
    ``requests``; ``retries`` extra attempts follow a 429, a 5xx, a timeout or a dropped connection, after
    ``backoff``, ``2*backoff`` … seconds through ``sleep``."""

    name = "fred"

    def __init__(self, get: Getter | None = None, sleep: Callable[[float], None] = time.sleep,
                 retries: int = 3, backoff: float = 1.0, timeout: float = 10) -> None:
        self._get = get or http_get_text
        self._sleep = sleep
        self.retries = retries
        self.backoff = backoff
        self.timeout = timeout

    def fetch(self, symbols: Sequence[Symbol], start: dt.date, end: dt.date) -> pd.DataFrame:
        check_window(start, end)
        wanted = unique_symbols(symbols)
        if not wanted:
            return empty_frame([])
        ids = [_series_id(s) for s in wanted]
        url = fredgraph_url(list(dict.fromkeys(ids)), start, end)
        text = self._download(url, wanted)
        values = parse_fredgraph(text, ids, where=f"FRED {','.join(dict.fromkeys(ids))}")
        closes = {s: values[i] for s, i in zip(wanted, ids, strict=True) if not values[i].empty}
        frame = clip(make_frame(closes), start, end) if closes else empty_frame([])
        return require_all(self.name, frame, wanted)

    def revises_history(self, ticker: Symbol) -> bool:
        """True for the series FRED revises (every one but the daily market series of :data:`FRED_SERIES`): a
        refetch of such a series asks for its whole history and replaces what the cache held."""
        text = ticker.strip().upper() if isinstance(ticker, str) else ""
        return text.removeprefix(FRED_PREFIX) not in FRED_SERIES

    def _download(self, url: str, symbols: Sequence[Symbol]) -> str:
        delays = backoff_delays(self.retries, self.backoff)
        for attempt in range(len(delays) + 1):
            try:
                return self._get(url, self.timeout)
            except Exception as exc:  # the one boundary where requests / HTTP errors come in
                kind, detail = classify_http(exc)
                if kind in ("other", "network") or attempt == len(delays):
                    raise http_failure(self.name, kind, detail, symbols, attempt + 1) from exc
            self._sleep(delays[attempt])
        raise AssertionError("unreachable")  # pragma: no cover


def parse_fredgraph(text: str, series: Sequence[str], where: str = "FRED") -> dict[str, pd.Series]:
    """``{series id: float Series on its observation dates}`` from a fredgraph CSV, missing days left out."""
    body = text.lstrip("\ufeff")
    if body.lstrip()[:1] == "<":
        raise DataFormatError(where, "expected CSV, got an HTML page (FRED error page?)")
    reader = csv.reader(io.StringIO(body))
    header = [h.strip() for h in next(reader, [])]
    if not header or header[0].lower() not in _DATE_HEADERS:
        first = header[0] if header else ""
        raise DataFormatError(where, f"first column is {first!r}, expected observation_date or DATE")
    positions = {name.upper(): i for i, name in enumerate(header) if i > 0}
    missing = [s for s in dict.fromkeys(series) if s.upper() not in positions]
    if missing:
        raise DataFormatError(where, f"no column for {', '.join(missing)} (header: {','.join(header)})")
    dates: list[dt.date] = []
    columns: dict[str, list[float]] = {s: [] for s in series}
    for line, row in enumerate(reader, start=2):
        if not row or not "".join(row).strip():
            continue
        try:
            day = dt.date.fromisoformat(row[0].strip())
        except ValueError:
            raise DataFormatError(f"{where} line {line}", f"bad date {row[0]!r}") from None
        if dates and day <= dates[-1]:
            raise DataFormatError(f"{where} line {line}", f"date {day.isoformat()} repeated or out of order")
        dates.append(day)
        for name, values in columns.items():
            i = positions[name.upper()]
            cell = row[i].strip() if i < len(row) else ""
            values.append(math.nan if cell in _MISSING else parse_number(cell, f"{where} line {line}", name))
    index = pd.DatetimeIndex(pd.to_datetime(dates), name="date")
    return {name: pd.Series(column, index=index, dtype="float64").dropna()
            for name, column in columns.items()}


def _series_id(symbol: Symbol) -> str:
    text = symbol.strip().upper().removeprefix(FRED_PREFIX) if isinstance(symbol, str) else ""
    if not _SERIES_ID.match(text):
        raise BadArgumentError("FRED series", symbol, "FRED ids are letters, digits and _ only (e.g. DGS10)")
    return text


# -- third-party errors → ours (the one place) ------------------------------------------------------


__all__ = ["FREDGRAPH_URL", "FRED_PREFIX", "FRED_SERIES", "FredSource", "fredgraph_url", "is_fred_series",
           "is_prefixed", "parse_fredgraph"]
