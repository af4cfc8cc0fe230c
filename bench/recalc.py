"""Requests per recalculation: a sheet of mixed formulas evaluated cold, ours against the naive way.

Both read through a :class:`CountingSource` that sleeps a simulated latency per request. Ours is
:func:`marketreview.functions.call` per cell on a fresh engine over an empty cache, with prices and FRED
series behind two sources (so "one request per source" is visible). The naive baseline is what most xlwings +
yfinance examples do: every formula fetches the history of the symbol(s) it needs and computes with pandas
(:mod:`naive`). The same inner source serves both, its generation memoised beforehand, so the difference is
the number of requests and the work around them.
"""

from __future__ import annotations

import datetime as dt
import random
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import naive
import pandas as pd
from common import SIZES, Output, Size, make_source, parser, source_spec

from marketreview import functions
from marketreview.cache import Cache
from marketreview.engine import Engine
from marketreview.sources.base import Source
from marketreview.sources.fred import is_fred_series
from marketreview.sources.router import Router
from marketreview.symbols import SymbolMap
from marketreview.types import Symbol

Formula = tuple[Any, ...]  # (function name, *arguments) as a cell passes them
_PRICE_GROUPS = ("us_indices", "us_etfs", "mag7", "japan", "topix17", "fx")
_TENORS = ("3M", "2Y", "10Y", "30Y")


class CountingSource:
    """Wraps a source: counts requests and symbols, and sleeps ``latency`` seconds per request."""

    def __init__(self, inner: Source, name: str, latency: float) -> None:
        self.inner = inner
        self.name = name
        self.latency = latency
        self.requests = 0
        self.symbols = 0

    def fetch(self, symbols: Sequence[Symbol], start: dt.date, end: dt.date) -> pd.DataFrame:
        self.requests += 1
        self.symbols += len(symbols)
        time.sleep(self.latency)
        frame: pd.DataFrame = self.inner.fetch(symbols, start, end)
        return frame


def sheet(symbols: SymbolMap, count: int, served: set[str], seed: int = 11) -> list[Formula]:
    """``count`` formulas: PERF 40 %, CLOSE 15 %, RELRATIO 15 %, RELDEV 10 %, YIELDCHG 10 %, YIELD 10 %,
    over the aliases ``served`` by the input, with relative codes, ISO dates and omitted dates."""
    rng = random.Random(seed)
    prices = [i.alias for i in symbols if i.group in _PRICE_GROUPS and i.alias in served]
    tenors = [t for t in _TENORS if functions.TENORS[t] in served]
    codes = ("1W", "MTD", "YTD", "1M", "3M", "1Y")
    kinds = (["PERF"] * 8 + ["CLOSE"] * 3 + ["RELRATIO"] * 3 + ["RELDEV"] * 2 + ["YIELDCHG"] * 2
             + ["YIELD"] * 2)
    out: list[Formula] = []
    for i in range(count):
        kind = kinds[i % len(kinds)] if tenors or not kinds[i % len(kinds)].startswith("YIELD") else "PERF"
        a, b = rng.sample(prices, 2)
        if kind == "PERF":
            out.append(("PERF", a, rng.choice(codes)))
        elif kind == "CLOSE":
            out.append(("CLOSE", a, None if i % 2 else _recent(rng)))
        elif kind == "RELRATIO":
            out.append(("RELRATIO", a, b))
        elif kind == "RELDEV":
            out.append(("RELDEV", a, b, None, 26))
        elif kind == "YIELDCHG":
            out.append(("YIELDCHG", rng.choice(tenors), rng.choice(codes)))
        else:
            out.append(("YIELD", rng.choice(tenors)))
    return out


def _recent(rng: random.Random) -> str:
    return (dt.date(2025, 6, 2) + dt.timedelta(days=rng.randrange(120))).isoformat()


def counting_router(inner: Source, latency: float) -> tuple[Router, list[CountingSource]]:
    """Prices and FRED series behind two counting sources over the same inner source."""
    prices = CountingSource(inner, "prices", latency)
    rates = CountingSource(inner, "rates", latency)
    return Router(prices, [(is_fred_series, rates)]), [prices, rates]


def run_ours(inner: Source, formulas: list[Formula], cache_path: Path, latency: float
             ) -> tuple[float, list[CountingSource], list[Any]]:
    router, counters = counting_router(inner, latency)
    engine = Engine(router, Cache(cache_path))
    t0 = time.perf_counter()
    answers = [functions.call(engine, *f) for f in formulas]
    seconds = time.perf_counter() - t0
    engine.cache.close()
    return seconds, counters, answers


def run(out: Output, size: Size, spec: str, served: list[str], workdir: Path) -> None:
    inner = make_source(spec)
    symbols = SymbolMap.default()
    formulas = sheet(symbols, size.sheet, set(served))
    tickers = sorted({t for i in symbols for t in i.tickers})
    naive.prewarm(inner, tickers)  # generation/reading memoised for both contestants alike
    ours_s, counters, ours = run_ours(inner, formulas, workdir / "cold.sqlite", size.latency)
    requests = sum(c.requests for c in counters)
    out.info("recalc_sheet", f"{len(formulas)} formulas (PERF, CLOSE, RELRATIO, RELDEV, YIELDCHG, YIELD), "
             "cold "
             f"cache, {size.latency * 1e3:g} ms simulated latency per request")
    per_source = ", ".join(f"{c.name} {c.requests} ({c.symbols} symbols)" for c in counters)
    out.info("requests_per_source", per_source)
    worst = max(c.requests for c in counters)
    out.figure("requests_per_recalc", requests, f"requests ({len(counters)} sources)")
    out.info("budget requests_per_recalc", f"<= 1 per source, {'met' if worst <= 1 else 'MISSED'}")
    out.budgets["requests_per_recalc"] = worst <= 1
    out.figure("recalc_wall_s", ours_s, "s")
    naive_s, naive_requests, answers = naive.run(inner, symbols, formulas, size.latency)
    out.figure("naive_requests_per_recalc", naive_requests, "requests")
    out.figure("naive_recalc_wall_s", naive_s, "s")
    out.figure("recalc_speedup_x", naive_s / ours_s, "x")
    out.ratio("naive_requests_per_recalc / requests_per_recalc", naive_requests / max(requests, 1))
    errors = sum(1 for a in ours if not a.ok)
    agree, compared = naive.agreement(formulas, ours, answers)
    out.info("recalc_errors", f"ours {errors}, naive {sum(1 for v in answers if v is None)}")
    out.info("naive_agreement", f"{agree} of {compared} comparable formulas equal to 1e-9")


def main() -> None:
    from common import warm_cache

    args = parser(__doc__ or "").parse_args()
    spec = source_spec(args.data)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(args.workdir or tmp)
        engine, served = warm_cache(spec, workdir / "warm.sqlite")
        engine.cache.close()
        run(Output(), SIZES[args.size], spec, served, workdir)


if __name__ == "__main__":
    main()
