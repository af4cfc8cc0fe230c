"""J-Quants v2 as the tests see it: answers in its real shape (``{"data": [{"Date", "O", "H", "L", "C"}],
"pagination_key"}``), its HTTP 400 plan messages and requests-shaped errors. No network."""

from __future__ import annotations

import datetime as dt
import json
import urllib.parse
from pathlib import Path
from typing import Any

import requests

from marketreview.sources.jquants import JQUANTS_BASE, TOPIX_PATH

D = dt.date
#: the 400 a free key gets for a window past its plan (12 weeks late, two years long)
FREE_PLAN = ("Your subscription covers the following dates: 2024-09-10 ~ 2026-09-10. If you want more data, "
             "please check other plans:https://jpx-jquants.com/#dataset")
#: the 400 a Light key gets for a window starting before its plan's first day (current data: no end)
LIGHT_PLAN = ("Your subscription covers the following dates: 2021-12-07 ~ . If you want more data, please check "
              "other plans:https://jpx-jquants.com/#dataset")


def http_error(status: int, body: dict[str, Any] | None = None) -> requests.HTTPError:
    """The exception ``requests`` raises from ``raise_for_status`` for ``status``, with J-Quants' JSON body."""
    response = requests.Response()
    response.status_code = status
    response.url = JQUANTS_BASE + TOPIX_PATH
    response._content = json.dumps(body or {}).encode("utf-8")
    try:
        response.raise_for_status()
    except requests.HTTPError as exc:
        return exc
    raise AssertionError(f"{status} did not raise")


def bar(day: str, close: object) -> dict[str, object]:
    """One row as J-Quants sends it (open/high/low differ from the close; only ``C`` is read)."""
    c = float(close) if isinstance(close, int | float) else 2000.0
    return {"Date": day, "O": round(c - 7.25, 2), "H": round(c + 3.5, 2), "L": round(c - 11.0, 2), "C": close}


class TopixServer:
    """Answers GETs like J-Quants: rows of ``closes`` within from/to, ``page`` rows per answer with a
    ``pagination_key``, or a scripted exception."""

    def __init__(self, closes: dict[dt.date, float], *, page: int = 1000, errors: list[BaseException] | None = None,
                 covers: tuple[dt.date, dt.date | None] | None = None) -> None:
        self.closes = closes
        self.page = page
        self.errors = list(errors or [])
        #: the key's plan: a window outside it is answered with J-Quants' HTTP 400 (a free plan has an end)
        self.covers = covers
        self.calls: list[tuple[dict[str, str], dict[str, str]]] = []

    def __call__(self, url: str, timeout: float, headers: dict[str, str] | None = None) -> str:
        assert url.startswith(JQUANTS_BASE + TOPIX_PATH + "?")
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
        self.calls.append((query, dict(headers or {})))
        if self.errors:
            raise self.errors.pop(0)
        first, last = D.fromisoformat(query["from"]), D.fromisoformat(query["to"])
        plan = self.covers
        if plan is not None and (first < plan[0] or (plan[1] is not None and last > plan[1])):
            end = plan[1].isoformat() if plan[1] is not None else ""
            raise http_error(400, {"message": f"Your subscription covers the following dates: "
                                              f"{plan[0].isoformat()} ~ {end}. If you want more data, please "
                                              "check other plans:https://jpx-jquants.com/#dataset"})
        days = [d for d in sorted(self.closes) if first <= d <= last]
        offset = int(query.get("pagination_key", "0"))
        rows = [bar(d.isoformat(), self.closes[d]) for d in days[offset:offset + self.page]]
        payload: dict[str, Any] = {"data": rows}
        if offset + self.page < len(days):
            payload["pagination_key"] = str(offset + self.page)
        return json.dumps(payload)


def topix_closes(market_dir: Path) -> dict[dt.date, float]:
    out = {}
    for line in (market_dir / "TOPIX.csv").read_text(encoding="utf-8").splitlines()[1:]:
        day, close = line.split(",")[:2]
        out[D.fromisoformat(day)] = float(close)
    return out
