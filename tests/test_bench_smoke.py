"""The benchmarks must not rot: ``bench/run.py --size tiny`` runs end to end and prints every figure.

No timing is asserted (benchmarks print figures; they are not timed tests); only that each named line is
there with a number, and that the counted requests of a cold recalculation are plain whole numbers.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FIGURES = ("perf_scalar_us", "perf_scalar_p95_us", "perf_range_1000_ms", "requests_per_recalc",
           "naive_requests_per_recalc", "recalc_speedup_x", "first_call_s", "first_call_with_charts_s",
           "cache_read_ms", "build_s", "build_peak_mb", "floor_lookup_us", "charts_s", "charts_cpu_s",
           "naive_charts_s")
MACHINE = ("machine_cores", "machine_python", "machine_pandas", "machine_numpy")
LINE = re.compile(r"^(?P<name>[a-z0-9_]+): (?P<value>-?\d+(?:\.\d+)?(?:e[-+]?\d+)?)(?: (?P<unit>.*))?$")


@pytest.fixture(scope="module")
def output(tmp_path_factory: pytest.TempPathFactory) -> str:
    workdir = tmp_path_factory.mktemp("bench")
    command = [sys.executable, str(REPO / "bench" / "run.py"), "--size", "tiny", "--data", "demo",
               "--workdir", str(workdir)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _figures(output: str) -> dict[str, float]:
    found = {}
    for line in output.splitlines():
        match = LINE.match(line)
        if match:
            found[match["name"]] = float(match["value"])
    return found


@pytest.mark.parametrize("name", FIGURES)
def test_every_figure_is_printed_with_a_number(output: str, name: str) -> None:
    assert name in _figures(output), f"no '{name}: <number> <unit>' line in:\n{output}"


@pytest.mark.parametrize("name", [*MACHINE])
def test_the_machine_is_recorded(output: str, name: str) -> None:
    assert re.search(rf"^{name}: \S+", output, re.MULTILINE), output


def test_budgets_and_ratios_are_printed(output: str) -> None:
    for name in ("perf_scalar_us", "perf_range_1000_ms", "first_call_s", "build_s", "build_peak_mb", "charts_s"):
        assert re.search(rf"^budget {name}: <= [\d.]+ .*, (met|MISSED)$", output, re.MULTILINE), name
    assert re.search(r"^ratio perf_scalar_us / floor_lookup_us: [\d.]+ x$", output, re.MULTILINE)
    naive = r"^ratio naive_requests_per_recalc / requests_per_recalc: [\d.]+ x$"
    assert re.search(naive, output, re.MULTILINE)
    assert re.search(r"^budgets_met: \d+ of \d+", output, re.MULTILINE)


def test_request_counts_are_whole_numbers(output: str) -> None:
    figures = _figures(output)
    assert figures["requests_per_recalc"] == int(figures["requests_per_recalc"]) >= 1
    assert figures["naive_requests_per_recalc"] == int(figures["naive_requests_per_recalc"]) >= 1


def test_yfinance_import_is_reported(output: str) -> None:
    assert re.search(r"^first_call_yfinance_imported: (yes|no)$", output, re.MULTILINE), output
