"""Chart images: every blog image of one week (``marketreview charts``), from a report already built.

``charts_s`` is the wall time of :func:`marketreview.render.images.write_charts` (draw every figure — the seven
weekly charts and the exhibits the data allows — then write each 1600 × 900 PNG atomically), median of the runs;
``charts_max_bytes`` the largest file (each must stay under 1 MB); ``charts_cpu_s`` the process CPU time of the same
runs (this machine is shared, so wall time moves with the load). The naive baseline saves the same figures the way a
quick script does, with ``bbox_inches="tight"`` (an extra layout pass per image and a size that depends on the
labels).
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from pathlib import Path

from common import SIZES, Output, Size, median, parser, source_spec, warm_cache

from marketreview.render.images import draw_charts, write_charts
from marketreview.render.images.options import MAX_BYTES
from marketreview.render.images.style import DPI, chart_style
from marketreview.report.build import build_report

CHARTS_BUDGET_S = 3.0
REAL_AS_OF = dt.date(2025, 10, 31)


def run(out: Output, size: Size, spec: str, workdir: Path) -> None:
    engine, _served = warm_cache(spec, workdir / "charts.sqlite")
    # the real closes end at different dates (TOPIX-17 ETFs before the S&P 500): review a week they all cover
    report = build_report(engine, REAL_AS_OF if spec.startswith("csv:") else None, fetch=False)
    engine.cache.close()
    count = 3 if size.name == "full" else 1
    walls, cpus = [], []
    exhibits = []
    for i in range(count):
        wall, cpu = time.perf_counter(), time.process_time()
        exhibits = write_charts(report, workdir / f"charts{i}")
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    total = sum(e.path.stat().st_size for e in exhibits)
    out.info("charts_input", f"{len(exhibits)} images as of {report.as_of.isoformat()}, {total} bytes, "
             f"demo={report.demo}")
    out.figure("charts_s", median(walls), "s", budget=CHARTS_BUDGET_S)
    out.figure("charts_max_bytes", float(max(e.path.stat().st_size for e in exhibits)), "B", budget=MAX_BYTES)
    out.figure("charts_cpu_s", median(cpus), "s")
    naive = []
    for i in range(count):
        wall = time.perf_counter()
        with chart_style():
            for drawn in draw_charts(report):
                drawn.figure.savefig(workdir / f"naive{i}_{drawn.key}.png", dpi=DPI, bbox_inches="tight")
        naive.append(time.perf_counter() - wall)
    out.figure("naive_charts_s", median(naive), "s")
    out.ratio("naive_charts_s / charts_s", median(naive) / median(walls))


def main() -> None:
    args = parser(__doc__ or "").parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run(Output(), SIZES[args.size], source_spec(args.data), Path(args.workdir or tmp))


if __name__ == "__main__":
    main()
