"""The Excel side: the template's first recalculation on a cold cache, and what the freshness check costs.

``cold_recalc_template_s``: every formula of the template's Formulas sheet evaluated once through the UDF module
(:mod:`marketreview.udfs`) over an empty cache, behind a source that sleeps 100 ms per request (the full size;
the tiny size uses its own latency). Formulas never fetch, so each answers from the cache or says "press
Refresh" at once; budget 2 s. The baseline is the same sheet with fetching formulas (the behaviour before): the
first formula waits for a batched fetch of the whole symbol map.

``whole_column_ms``: ``=PERF(A:A,"1W")`` with three tickers at the top, from the values xlwings hands over (its own
conversion of the million cells is not included).

``whole_column_com_ms``: the same formula as Excel calls it: ``A:A`` arrives as a COM Range
(tests/excel_harness.ComRange) and runs through xlwings' ``call_udf`` with the UDFs' converter
(:class:`marketreview.excel.udf_args.UsedCells`: only the used part of the sheet is read); budget 50 ms.
``naive_whole_column_com_ms``: the same call with xlwings' default conversion (the path before: every one of the
1,048,576 cells is read and cleaned), in the same run.

``freshness_check_us``: the extra time per formula when the cache's ``PRAGMA data_version`` is checked on every
call (``BURST_GAP`` 0) against once per burst (the real setting), over a warm engine; and one bare check.
"""

from __future__ import annotations

import ast
import tempfile
import time
from pathlib import Path
from typing import Any

from common import SIZES, Output, Size, make_source, parser, source_spec, warm_cache
from recalc import counting_router

from marketreview import udfs
from marketreview.cache import Cache
from marketreview.engine import Engine
from marketreview.excel.template import FORMULAS

COLD_BUDGET_S = 2.0
WHOLE_COLUMN_BUDGET_MS = 50.0
WHOLE_COLUMN = 1_048_576


def template_formulas() -> list[tuple[str, tuple[Any, ...]]]:
    """The Formulas sheet's calls as Python arguments (an empty argument, ``,,``, is omitted: None)."""
    calls = []
    for name, args in FORMULAS:
        text = args
        while ",," in text:
            text = text.replace(",,", ",None,")
        calls.append((name, ast.literal_eval(f"({text},)") if text else ()))
    return calls


def _recalculate(engine: Engine) -> tuple[float, float, list[Any]]:
    """Seconds for the whole sheet, the slowest formula, and the answers."""
    udfs.set_engine(engine)
    answers, slowest = [], 0.0
    t0 = time.perf_counter()
    try:
        for name, args in template_formulas():
            t1 = time.perf_counter()
            answers.append(getattr(udfs, name)(*args))
            slowest = max(slowest, time.perf_counter() - t1)
    finally:
        udfs.set_engine(None)
    return time.perf_counter() - t0, slowest, answers


def run(out: Output, size: Size, spec: str, workdir: Path) -> None:
    inner = make_source(spec)
    latency = 0.100 if size.name == "full" else size.latency
    results = {}
    for label, fetching in (("cold_recalc_template", False), ("naive_cold_recalc_template", True)):
        router, counters = counting_router(inner, latency)
        cache = Cache(workdir / f"{label}.sqlite")
        engine = Engine(router, cache, fetch_missing=fetching)
        results[label] = (*_recalculate(engine), sum(c.requests for c in counters))
        cache.close()
    seconds, slowest, answers, requests = results["cold_recalc_template"]
    out.info("cold_recalc_sheet", f"{len(answers)} template formulas, empty cache, {latency * 1e3:g} ms/request")
    out.figure("cold_recalc_template_s", seconds, "s", budget=COLD_BUDGET_S)
    out.figure("cold_recalc_slowest_formula_s", slowest, "s")
    waiting = sum(isinstance(a, str) and "Refresh" in a for a in answers)
    out.info("cold_recalc_requests", f"{requests} ({waiting} answers say press Refresh)")
    naive_s, naive_slowest, _, naive_requests = results["naive_cold_recalc_template"]
    out.figure("naive_cold_recalc_template_s", naive_s, "s")
    out.info("naive_cold_recalc", f"slowest formula {naive_slowest:.3f} s, {naive_requests} requests")

    engine, _ = warm_cache(spec, workdir / "fresh.sqlite")
    column = [["SP500"], ["DOW"], ["NDX"], *[[None]] * (WHOLE_COLUMN - 3)]  # =PERF(A:A,"1W") as xlwings reads A:A
    udfs.set_engine(engine)
    try:
        t0 = time.perf_counter()
        shown = udfs.PERF(column, "1W")
        whole = time.perf_counter() - t0
    finally:
        udfs.set_engine(None)
    out.figure("whole_column_ms", whole * 1e3, f"ms for PERF over A:A ({len(shown)} rows come back)")
    _whole_column_com(out, engine, size)
    calls = 2000 if size.name == "full" else 200
    per_call = {}
    saved = udfs.BURST_GAP
    try:
        for label, gap in (("once_per_burst", 3600.0), ("every_call", 0.0)):
            udfs.BURST_GAP = gap
            udfs.set_engine(engine)
            udfs.PERF("SP500", "1W")
            best = float("inf")
            for _ in range(size.repeats):
                t0 = time.perf_counter()
                for _ in range(calls):
                    udfs.PERF("SP500", "1W")
                best = min(best, (time.perf_counter() - t0) / calls)
            per_call[label] = best
    finally:
        udfs.BURST_GAP = saved
        udfs.set_engine(None)
    t0 = time.perf_counter()
    for _ in range(calls):
        engine.cache.data_version()
    bare = (time.perf_counter() - t0) / calls
    engine.cache.close()
    out.figure("formula_us", per_call["once_per_burst"] * 1e6, "us per PERF formula (checked once per burst)")
    out.figure("freshness_check_us", (per_call["every_call"] - per_call["once_per_burst"]) * 1e6,
               "us per formula if checked on every call")
    out.figure("data_version_us", bare * 1e6, "us per PRAGMA data_version")


def _whole_column_com(out: Output, engine: Engine, size: Size) -> None:
    """``=PERF(A:A,"1W")`` through xlwings' own Windows UDF code, with and without the used-part converter."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    import excel_harness as harness

    windows = harness.load()
    sheet = harness.ComSheet("Review", {(1, 1): "SP500", (2, 1): "DOW", (3, 1): "NDX"})
    book = harness.ComWorkbook("Weekly.xlsm", (sheet,))
    timings: dict[str, float] = {}
    with windows.decorated("marketreview.udfs") as module:
        module.set_engine(engine)
        try:
            for label, converter in (("used", True), ("naive", False)):
                options = module.PERF.__xlfunc__["args"][0]["options"]
                saved = options.pop("convert")
                if converter:
                    options["convert"] = saved
                best = float("inf")
                for _ in range(max(1, size.repeats if converter else 1)):
                    t0 = time.perf_counter()
                    shown = windows.call_from("marketreview.udfs", "PERF", sheet.column(1), "1W", workbook=book,
                                              caller=sheet.cell(1, 3))
                    best = min(best, time.perf_counter() - t0)
                options["convert"] = saved
                assert len(shown) == 3 and all(isinstance(row[0], float) for row in shown), shown
                timings[label] = best
        finally:
            module.set_engine(None)
    out.figure("whole_column_com_ms", timings["used"] * 1e3, "ms for PERF over A:A as a COM Range (used part)",
               budget=WHOLE_COLUMN_BUDGET_MS)
    out.figure("naive_whole_column_com_ms", timings["naive"] * 1e3,
               "ms for the same call with xlwings' default conversion (all 1,048,576 cells)")


def main() -> None:
    args = parser(__doc__ or "").parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run(Output(), SIZES[args.size], source_spec(args.data), Path(args.workdir or tmp))


if __name__ == "__main__":
    main()
