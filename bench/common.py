"""What every benchmark shares: options, sizes, the input source, a warm cache, timing and the output lines.

Every figure is printed as one line ``name: value unit``; a figure with a budget is followed by
``budget name: <= limit unit, met|MISSED``. Benchmarks print, they never assert: they are not tests.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from marketreview.cache import Cache
from marketreview.engine import Engine
from marketreview.sources.base import Source
from marketreview.sources.csvdir import CsvDirSource
from marketreview.sources.demo import DemoSource
from marketreview.sources.router import Router

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
REAL_DATA = REPO.parent / "shared" / "data" / "market"
UDFS = REPO / "udfs"


# -- options and sizes --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Size:
    name: str
    perf_calls: int  # scalar PERF calls timed one by one
    perf_symbols: int  # distinct symbols they are spread over
    range_cells: int  # tickers in the one range call
    sheet: int  # formulas in the cold-recalculation sheet
    latency: float  # simulated seconds per request of the counting source
    cache_symbols: int
    cache_years: int
    build_years: int
    repeats: int  # repeats of the quick measurements (median taken)


SIZES = {
    "full": Size("full", 10_000, 40, 1_000, 500, 0.100, 45, 10, 5, 7),
    "tiny": Size("tiny", 300, 10, 50, 16, 0.002, 6, 2, 5, 2),
}


def parser(description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--size", choices=sorted(SIZES), default="full",
                   help="full (the budgets) or tiny (smoke test)")
    p.add_argument("--data", default="demo",
                   help=f"demo (synthetic, default), real (= {REAL_DATA}) or a folder of CSV closes")
    p.add_argument("--workdir", type=Path, default=None,
                   help="folder for the caches (default: a temp folder)")
    return p


def source_spec(data: str) -> str:
    """The ``--source`` spec of :func:`marketreview.app.open_engine` for a ``--data`` value."""
    if data == "demo":
        return "demo"
    folder = REAL_DATA if data == "real" else Path(data)
    if not (folder / "index.csv").is_file() and not any(folder.glob("*.csv")):
        raise SystemExit(f"--data {data}: no CSV closes in {folder}")
    return f"csv:{folder.resolve()}"


def make_source(spec: str) -> Source:
    """A fresh source object for ``spec`` (demo or csv:DIR)."""
    return DemoSource() if spec == "demo" else CsvDirSource(spec.split(":", 1)[1])


# -- output -------------------------------------------------------------------------------------------


class Output:
    """Prints figures as they come and remembers them (for ratios and the closing budget summary)."""

    def __init__(self) -> None:
        self.values: dict[str, float] = {}
        self.budgets: dict[str, bool] = {}

    def figure(self, name: str, value: float, unit: str, *, budget: float | None = None,
               per: str = "") -> None:
        self.values[name] = value
        print(f"{name}: {_number(value)} {unit}", flush=True)
        if budget is not None:
            met = value <= budget
            self.budgets[name] = met
            verdict = "met" if met else "MISSED"
            print(f"budget {name}: <= {_number(budget)} {per or unit}, {verdict}", flush=True)

    def info(self, name: str, text: object) -> None:
        print(f"{name}: {text}", flush=True)

    def ratio(self, label: str, value: float) -> None:
        print(f"ratio {label}: {_number(value)} x", flush=True)

    def summary(self) -> None:
        met = sum(self.budgets.values())
        missed = [n for n, ok in self.budgets.items() if not ok]
        tail = f" (missed: {', '.join(missed)})" if missed else ""
        print(f"budgets_met: {met} of {len(self.budgets)}{tail}", flush=True)


def _number(value: float) -> str:
    if value == int(value) and abs(value) < 1e12:
        return str(int(value))
    if abs(value) >= 100:
        return f"{value:.1f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


def machine(out: Output) -> None:
    import numpy
    import pandas

    out.info("machine_cores", os.cpu_count())
    out.info("machine_cpu", platform.processor() or platform.machine())
    out.info("machine_os", platform.platform())
    out.info("machine_python", platform.python_version())
    out.info("machine_pandas", pandas.__version__)
    out.info("machine_numpy", numpy.__version__)


# -- timing -------------------------------------------------------------------------------------------


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return float(ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))])


def clock() -> float:
    return time.perf_counter()


# -- engines and caches --------------------------------------------------------------------------------


def extra_tickers() -> list[str]:
    """Tickers beyond the symbol map, to reach ``count`` symbols in the cache benchmark (the demo serves any
    ticker; a CSV folder only those it has)."""
    return ["GOOG", "^VIX", "DGS5", "1321.T", "EURUSD=X", "7203.T", "DGS1", "^FVX"]


def open_engine(spec: str, cache_path: Path, *, source: Source | None = None, offline: bool = False,
                clock_at: dt.datetime | None = None) -> Engine:
    """An engine over one source (demo or CSV) and the cache at ``cache_path``."""
    router = Router(source if source is not None else make_source(spec))
    if clock_at is None:
        return Engine(router, Cache(cache_path), offline=offline)
    return Engine(router, Cache(cache_path), offline=offline, clock=lambda: clock_at)


def warm_cache(spec: str, path: Path) -> tuple[Engine, list[str]]:
    """Fill the cache at ``path`` with every alias of the symbol map (one request) and return the engine and
    the aliases it serves (those that failed are left out)."""
    engine = open_engine(spec, path)
    names = [info.alias for info in engine.symbols]
    report = engine.ensure(names)
    served = [n for n in names if n not in report.failed]
    return engine, served
