"""Run every MarketReview benchmark and print one line per figure, ``name: value unit``.

    python bench/run.py                      # full size, demo input: the budgets of issue 5
    python bench/run.py --data real          # the real closes in ../shared/data/market
    python bench/run.py --size tiny          # a few seconds; what the smoke test runs

Figures: floor_lookup_us, perf_scalar_us, perf_scalar_p95_us, perf_range_1000_ms, requests_per_recalc,
naive_requests_per_recalc, recalc_speedup_x, first_call_s, cache_read_ms, build_s, build_peak_mb,
cold_recalc_template_s, freshness_check_us, charts_s, unknown_range_ms (5,000 unknown tickers in one range,
against known_range_ms, the same size over cached tickers); each
budgeted figure is followed by ``budget <name>: <= limit unit, met|MISSED`` and the run ends with a count.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # siblings, also when run from elsewhere

import build
import cache_read
import charts
import excel
import first_call
import formulas
import recalc
import unknown_range
from common import SIZES, Output, machine, parser, source_spec, warm_cache


def main(argv: list[str] | None = None) -> int:
    args = parser(__doc__ or "").parse_args(argv)
    size = SIZES[args.size]
    spec = source_spec(args.data)
    out = Output()
    started = time.perf_counter()
    out.info("bench_size", size.name)
    out.info("bench_input", "demo (synthetic closes)" if spec == "demo" else spec)
    machine(out)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(args.workdir or tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        engine, served = warm_cache(spec, workdir / "warm.sqlite")
        out.info("bench_symbols", f"{len(served)} aliases served by the input")
        formulas.run(out, size, engine, served, workdir)
        engine.cache.close()
        recalc.run(out, size, spec, served, workdir)
        first_call.run(out, size, spec, workdir)
        cache_read.run(out, size, spec, workdir)
        build.run(out, size, spec, workdir)
        excel.run(out, size, spec, workdir)
        charts.run(out, size, spec, workdir)
        unknown_range.run(out, size, spec, workdir)
    out.info("bench_seconds", f"{time.perf_counter() - started:.1f}")
    out.summary()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
