"""First-call latency: a fresh ``python -c`` process imports the UDF module and answers one formula from a
warm SQLite cache (the engine opened from ``MARKETREVIEW_SOURCE``/``MARKETREVIEW_CACHE``, as in Excel).

The figure is the wall time of the whole child process, interpreter start included. The child also reports
its own split (import, first formula) and which heavy modules it imported: yfinance must not be among them.

``first_call_s`` is the install Excel users make (``pip install marketreview``: no ``charts`` extra, so no
matplotlib; the child is run with matplotlib made unimportable, which is what xlwings sees then).
``first_call_with_charts_s`` is the same with the ``charts`` extra installed: xlwings then imports
matplotlib.pyplot on its own import, which MarketReview cannot avoid.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import SIZES, UDFS, Output, Size, median, parser, source_spec, warm_cache

from marketreview.app import cache_path_for

FIRST_CALL_BUDGET_S = 1.0
HEAVY = ("yfinance", "requests", "exchange_calendars", "xlwings", "openpyxl", "matplotlib")

CHILD = """
import sys, time, json
if {hide_matplotlib!r}:
    sys.modules["matplotlib"] = None  # as if not installed: `import matplotlib` raises ImportError
t0 = time.perf_counter()
sys.path.insert(0, {udfs!r})
import marketreview_udfs
t1 = time.perf_counter()
value = marketreview_udfs.PERF("SP500", "YTD")
t2 = time.perf_counter()
cache = str(marketreview_udfs.get_engine().cache.path)
print(json.dumps({{"import_s": t1 - t0, "formula_s": t2 - t1, "value": value, "cache": cache,
                  "heavy": {{m: sys.modules.get(m) is not None for m in {heavy!r}}}}}))
"""


def udf_cache_path(spec: str, setting: Path) -> Path:
    """The file the UDF module's engine opens for ``spec`` with ``MARKETREVIEW_CACHE=setting`` (the demo and
    each CSV folder get a file of their own next to it, see :func:`marketreview.app.cache_path_for`)."""
    saved = os.environ.get("MARKETREVIEW_CACHE")
    os.environ["MARKETREVIEW_CACHE"] = str(setting)
    try:
        path: Path = cache_path_for(spec)
        return path
    finally:
        if saved is None:
            del os.environ["MARKETREVIEW_CACHE"]
        else:
            os.environ["MARKETREVIEW_CACHE"] = saved


def first_call(spec: str, setting: Path, *, charts: bool = False) -> tuple[float, dict[str, object]]:
    env = dict(os.environ, MARKETREVIEW_SOURCE=spec, MARKETREVIEW_CACHE=str(setting))
    env.pop("MARKETREVIEW_OFFLINE", None)
    code = CHILD.format(udfs=str(UDFS), heavy=HEAVY, hide_matplotlib=not charts)
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"first-call child failed:\n{done.stderr}")
    return seconds, json.loads(done.stdout.strip().splitlines()[-1])


def run(out: Output, size: Size, spec: str, workdir: Path) -> None:
    setting = workdir / "udf.sqlite"
    target = udf_cache_path(spec, setting)
    engine, _ = warm_cache(spec, target)
    engine.cache.close()
    runs = [first_call(spec, setting) for _ in range(3 if size.name == "full" else 1)]
    seconds = median([s for s, _ in runs])
    child = runs[-1][1]
    if Path(str(child["cache"])) != target:
        raise SystemExit(f"the UDF engine opened {child['cache']}, not the warm cache {target}")
    out.info("first_call_cache", f"warm ({target.name}, filled beforehand; nothing fetched)")
    out.info("first_call_answer", f"PERF(\"SP500\", \"YTD\") = {child['value']!r}")
    out.info("first_call_split", f"import {child['import_s']:.3f} s, "
             f"first formula {child['formula_s']:.3f} s "
             "(inside the child)")
    heavy = child["heavy"]
    assert isinstance(heavy, dict)
    out.info("first_call_imported", ", ".join(f"{m} {'yes' if v else 'no'}" for m, v in heavy.items()))
    out.info("first_call_yfinance_imported", "yes" if heavy["yfinance"] else "no")
    out.figure("first_call_s", seconds, "s", budget=FIRST_CALL_BUDGET_S)
    with_charts = median([first_call(spec, setting, charts=True)[0] for _ in range(3 if size.name == "full" else 1)])
    out.figure("first_call_with_charts_s", with_charts, "s")


def main() -> None:
    args = parser(__doc__ or "").parse_args()
    spec = source_spec(args.data)
    with tempfile.TemporaryDirectory() as tmp:
        run(Output(), SIZES[args.size], spec, Path(args.workdir or tmp))


if __name__ == "__main__":
    main()
