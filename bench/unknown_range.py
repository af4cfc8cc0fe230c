"""A range of 5,000 distinct tickers the cache has never held, answered by a formula engine (``fetch_missing``
off: formulas never fetch), against a range of the same size over tickers the cache holds, in the same run.

Each unknown cell must say "not loaded yet: press Refresh", and the whole range must come back within a second
(issue 21: it took 14–42 s, a query and an empty pandas frame per cell). The known range is the current path
for cells that do have data, so the two figures are comparable on the same machine and load.

    python bench/unknown_range.py [--size tiny] [--data real]
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from common import SIZES, Output, Size, make_source, median, parser, source_spec, warm_cache

from marketreview import functions
from marketreview.cache import Cache
from marketreview.engine import Engine
from marketreview.sources.router import Router

UNKNOWN_BUDGET_MS = 1000.0
CELLS = {"full": 5_000, "tiny": 500}


def time_range(engine: Engine, column: list[list[str]], repeats: int) -> tuple[float, list[Any]]:
    """Median milliseconds of one ``CLOSE`` range call over ``column`` (nothing is memoised for a ticker the
    cache lacks, so each repeat does the whole work) and the last answers."""
    timings: list[float] = []
    answers: list[Any] = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = functions.call(engine, "CLOSE", column, "2024-12-27")
        assert isinstance(result, list)
        answers = result
        timings.append((time.perf_counter() - t0) * 1000)
    return median(timings), answers


def run(out: Output, size: Size, spec: str, workdir: Path) -> None:
    cells = CELLS.get(size.name, 5_000)
    path = workdir / "unknown.sqlite"
    warm, served = warm_cache(spec, path)
    warm.cache.close()
    engine = Engine(Router(make_source(spec)), Cache(path), fetch_missing=False)  # as the UDF process opens it
    repeats = max(1, min(size.repeats, 3))
    unknown = [[f"ZZ{i:05d}"] for i in range(cells)]
    known = [[served[i % len(served)]] for i in range(cells)]
    known_ms, _ = time_range(engine, known, repeats)
    unknown_ms, answers = time_range(engine, unknown, repeats)
    said = [a[0].error for a in answers]
    assert all(e is not None and "not loaded yet" in str(e) for e in said), said[:3]
    out.info("unknown_range_cells", f"{cells} unknown tickers; the known range: {cells} cells over "
             f"{len(served)} cached tickers")
    out.figure("unknown_range_ms", unknown_ms, "ms", budget=UNKNOWN_BUDGET_MS)
    out.figure("known_range_ms", known_ms, "ms")
    engine.cache.close()


def main(argv: list[str] | None = None) -> int:
    args = parser(__doc__ or "").parse_args(argv)
    out = Output()
    with tempfile.TemporaryDirectory() as tmp:
        run(out, SIZES[args.size], source_spec(args.data), Path(args.workdir or tmp))
    out.summary()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
