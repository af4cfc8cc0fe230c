"""The SQLite cache: reading many symbols' daily closes, and an incremental update of one day.

The cache is filled through the engine as of the day before the last common trading day ``L`` of the input,
then read back with :meth:`marketreview.cache.Cache.read` (``cache_years`` years of closes per symbol,
median of several reads on a freshly opened cache). A second engine whose clock says ``L`` then refreshes
every symbol: it should ask once per source and write exactly the rows dated ``L``.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from pathlib import Path

from common import SIZES, Output, Size, extra_tickers, make_source, median, open_engine, parser, source_spec

from marketreview.cache import Cache
from marketreview.errors import SymbolNotFoundError
from marketreview.sources.base import Source
from marketreview.symbols import SymbolMap

READ_BUDGET_MS = 150.0


def choose_symbols(source: Source, count: int) -> tuple[list[str], dt.date]:
    """``count`` tickers the source serves (the symbol map's first, then extras) and ``L``, the last day on
    which all of them have a close."""
    symbols = SymbolMap.default()
    # primary tickers only: a fallback ticker resolves to its alias, so the engine would fetch the primary
    extras = [t for t in extra_tickers() if symbols.resolve(t).ticker == t]
    candidates = list(dict.fromkeys([info.ticker for info in symbols] + extras))
    end = dt.date.today()
    try:
        frame = source.fetch(candidates, end - dt.timedelta(days=3650), end)
    except SymbolNotFoundError as exc:
        frame = exc.frame
    closes = frame["close"]
    tickers = [t for t in candidates if t in closes.columns][:count]
    recent = closes[tickers].dropna(how="any")
    last = recent.index[-1].date() if len(recent) else closes.index[-1].date()
    return tickers, last


def run(out: Output, size: Size, spec: str, workdir: Path) -> None:
    source = make_source(spec)
    tickers, last = choose_symbols(source, size.cache_symbols)
    path = workdir / "read.sqlite"
    evening = dt.time(23, 0, tzinfo=dt.timezone.utc)
    before = open_engine(spec, path, source=source,
                         clock_at=dt.datetime.combine(last - dt.timedelta(days=1), evening))
    report = before.ensure(tickers)
    before.cache.close()
    start = last - dt.timedelta(days=round(365.25 * size.cache_years))
    timings, rows = [], 0
    for _ in range(size.repeats):
        cache = Cache(path)
        t0 = time.perf_counter()
        frame = cache.read(tickers, start=start)
        timings.append(time.perf_counter() - t0)
        rows = int(frame["close"].notna().sum().sum())
        cache.close()
    out.info("cache_symbols", f"{len(tickers)} symbols x {size.cache_years} years ({rows} closes, "
             f"{len(frame)} dates) read with Cache.read, median of {size.repeats} fresh opens")
    out.figure("cache_read_ms", median(timings) * 1e3, "ms",
               budget=READ_BUDGET_MS if size.name == "full" else None)
    out.info("cache_fill_requests", report.requests)
    after = open_engine(spec, path, source=source, clock_at=dt.datetime.combine(last, evening))
    expected = int(source.fetch(tickers, last, last)["close"].notna().sum().sum())
    update = after.ensure(tickers)
    after.cache.close()
    out.info("cache_update_day", last.isoformat())
    out.figure("cache_update_rows_written", update.rows, f"rows (expected {expected}: one per symbol with a "
               f"close that day; {sum(update.requests.values())} request)")
    out.info("budget cache_update_rows_written", f"== {expected} new rows, "
             f"{'met' if update.rows == expected else 'MISSED'}")
    out.budgets["cache_update_rows_written"] = update.rows == expected


def main() -> None:
    args = parser(__doc__ or "").parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run(Output(), SIZES[args.size], source_spec(args.data), Path(args.workdir or tmp))


if __name__ == "__main__":
    main()
