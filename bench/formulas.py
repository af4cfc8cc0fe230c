"""Formula throughput on a warm engine: scalar PERF calls, one range call, and the physical floor.

The calls go through :func:`marketreview.functions.call`, the dispatch the xlwings UDFs use, with every series
already in memory. The floor is one bare lookup of two closes in a NumPy array by ``searchsorted``, timed the
same way, so ``perf_scalar_us / floor_lookup_us`` says how far the real path is from the limit.
"""

from __future__ import annotations

import datetime as dt
import random
import tempfile
import time
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from common import SIZES, Output, Size, median, parser, percentile, source_spec, warm_cache

from marketreview import functions
from marketreview.cache import Cache
from marketreview.engine import Engine
from marketreview.sources.base import FunctionSource
from marketreview.sources.router import Router

CODES = ("1W", "MTD", "QTD", "YTD", "1M", "3M", "6M", "1Y", "2Y")
_EXCEL_EPOCH = dt.date(1899, 12, 30)
SCALAR_BUDGET_US = 20.0
RANGE_BUDGET_MS = 5.0
RANGE_YEARS = 2


def perf_arguments(engine: Engine, names: list[str], count: int, seed: int = 5) -> list[tuple[Any, ...]]:
    """``count`` PERF argument tuples cycling over ``names``: a quarter each of relative codes, ISO start
    text, Excel serial start with an ISO end, and ``datetime.date`` start and end, dates drawn from each
    symbol's last four years."""
    rng = random.Random(seed)
    spans = {}
    for name in names:
        series = engine.series(name)
        last = series.index[-1].date()
        first = max(series.index[0].date() + dt.timedelta(days=14), last - dt.timedelta(days=4 * 365))
        spans[name] = (first.toordinal(), last.toordinal())
    out: list[tuple[Any, ...]] = []
    for i in range(count):
        name = names[i % len(names)]
        lo, hi = spans[name]
        a, b = sorted(rng.sample(range(lo, hi + 1), 2))
        start, end = dt.date.fromordinal(a), dt.date.fromordinal(b)
        kind = i % 4
        if kind == 0:
            out.append((name, CODES[rng.randrange(len(CODES))]))
        elif kind == 1:
            out.append((name, start.isoformat()))
        elif kind == 2:
            out.append((name, float((start - _EXCEL_EPOCH).days), end.isoformat()))
        else:
            out.append((name, start, end))
    return out


def time_scalar(engine: Engine, calls: list[tuple[Any, ...]]) -> tuple[list[float], int]:
    """Per-call seconds of ``PERF`` over ``calls`` (after one untimed pass) and the number of errors."""
    call = functions.call
    for args in calls:
        call(engine, "PERF", *args)
    timings: list[float] = []
    errors = 0
    now = time.perf_counter_ns
    for args in calls:
        t0 = now()
        answer = call(engine, "PERF", *args)
        timings.append((now() - t0) / 1e9)
        if isinstance(answer, functions.Answer) and answer.error is not None:
            errors += 1
    return timings, errors


def time_range(engine: Engine, names: list[str], cells: int, repeats: int) -> tuple[float, int]:
    """Median seconds of one ``PERF(range, "YTD")`` over a column of ``cells`` tickers, and its errors."""
    column = [[names[i % len(names)]] for i in range(cells)]
    answers = functions.call(engine, "PERF", column, "YTD")
    timings = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        answers = functions.call(engine, "PERF", column, "YTD")
        timings.append(time.perf_counter() - t0)
    assert isinstance(answers, list)
    errors = sum(1 for row in answers for a in row if a is None or a.error is not None)
    return median(timings), errors


def synthetic_closes(symbol: str, dates: pd.DatetimeIndex) -> np.ndarray:
    """A seeded random walk per ticker, with the last :data:`RANGE_YEARS` years of weekdays kept."""
    rng = np.random.default_rng(zlib.crc32(symbol.encode()))
    values = 100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.01, len(dates))))
    values[dates < dates[-1] - pd.Timedelta(days=365 * RANGE_YEARS)] = np.nan
    return values


def distinct_range_engine(cache_path: Path, cells: int) -> tuple[Engine, list[str]]:
    """An engine over a fake source of ``cells`` distinct tickers (R0001 …), fetched and in memory."""
    tickers = [f"R{i:04d}" for i in range(1, cells + 1)]
    engine = Engine(Router(FunctionSource(synthetic_closes, name="synthetic")), Cache(cache_path))
    engine.ensure(tickers)
    engine.preload(tickers)
    return engine, tickers


def time_floor(engine: Engine, calls: list[tuple[Any, ...]]) -> list[float]:
    """Per-lookup seconds of the bare floor: two ``searchsorted`` on int64 dates and a ratio of two closes,
    over the same symbols and dates as the scalar calls (relative codes replaced by their dates)."""
    arrays = {}
    for name in {c[0] for c in calls}:
        series = engine.series(name)
        arrays[name] = (series.index.asi8.copy(), series.to_numpy().copy())
    unit = np.datetime_data(engine.series(calls[0][0]).index.dtype)[0]
    per_day = {"ns": 86_400 * 10**9, "us": 86_400 * 10**6, "ms": 86_400 * 10**3, "s": 86_400}[unit]
    rng = random.Random(7)
    jobs = []
    for args in calls:
        stamps, values = arrays[args[0]]
        a, b = sorted(rng.sample(range(len(stamps)), 2))
        jobs.append((stamps, values, int(stamps[a]) + per_day // 2, int(stamps[b]) + per_day // 2))
    timings: list[float] = []
    now = time.perf_counter_ns
    with np.errstate(all="ignore"):  # a zero close (a 0 % policy rate) may be divided by
        for stamps, values, start, end in jobs * 2:
            t0 = now()
            i = stamps.searchsorted(start, side="right") - 1
            j = stamps.searchsorted(end, side="right") - 1
            _ = values[j] / values[i] - 1.0
            timings.append((now() - t0) / 1e9)
    return timings[len(jobs):]


def run(out: Output, size: Size, engine: Engine, names: list[str], workdir: Path) -> None:
    symbols = names[:size.perf_symbols]
    engine.preload(symbols)
    for name in symbols:
        engine.sessions(name)
    calls = perf_arguments(engine, symbols, size.perf_calls)
    floor = time_floor(engine, calls)
    out.figure("floor_lookup_us", median(floor) * 1e6, "us")
    timings, errors = time_scalar(engine, calls)
    out.info("perf_scalar_calls", f"{len(calls)} over {len(symbols)} symbols "
             "(relative codes, ISO text, Excel serials, dates), functions.call on a warm engine")
    out.info("perf_scalar_errors", errors)
    out.figure("perf_scalar_us", median(timings) * 1e6, "us", budget=SCALAR_BUDGET_US)
    out.figure("perf_scalar_p95_us", percentile(timings, 0.95) * 1e6, "us")
    out.figure("perf_scalar_mean_us", sum(timings) / len(timings) * 1e6, "us")
    floor_ratio = out.values["perf_scalar_us"] / out.values["floor_lookup_us"]
    out.ratio("perf_scalar_us / floor_lookup_us", floor_ratio)
    seconds, range_errors = time_range(engine, symbols, size.range_cells, size.repeats)
    out.info("perf_range_repeated", f"{seconds * 1e3:.2f} ms for {size.range_cells} cells cycling over the "
             f"{len(symbols)} symbols ({range_errors} errors)")
    wide, tickers = distinct_range_engine(workdir / "range.sqlite", size.range_cells)
    for ticker in tickers[:1]:
        wide.sessions(ticker)
    seconds, range_errors = time_range(wide, tickers, size.range_cells, size.repeats)
    wide.cache.close()
    out.info("perf_range_cells", f"{size.range_cells} distinct tickers "
             f"({RANGE_YEARS} years each, in memory), "
             f"PERF(column, \"YTD\"), median of {size.repeats}, {range_errors} errors")
    out.figure("perf_range_1000_ms", seconds * 1e3, "ms", budget=RANGE_BUDGET_MS * size.range_cells / 1000,
               per="ms" if size.range_cells == 1000 else f"ms (scaled to {size.range_cells} cells)")
    out.figure("perf_range_per_cell_us", seconds / size.range_cells * 1e6, "us")


def main() -> None:
    args = parser(__doc__ or "").parse_args()
    spec = source_spec(args.data)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(args.workdir or tmp)
        engine, names = warm_cache(spec, workdir / "warm.sqlite")
        run(Output(), SIZES[args.size], engine, names, workdir)
        engine.cache.close()


if __name__ == "__main__":
    main()
