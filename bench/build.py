"""Headless build: the full workbook (every sheet and chart) from a warm cache holding five years of closes.

The build runs in a child process (``python bench/build.py --worker``) so its peak memory is its own: the
figure is ``resource.getrusage(RUSAGE_SELF).ru_maxrss`` of that child, the whole process (interpreter, pandas,
openpyxl and the build; no tracemalloc, which would slow the build down). ``build_s`` is the wall time of
:func:`marketreview.report.build.build_report` plus :func:`marketreview.render.xlsx.write_xlsx` inside the
child, imports excluded (they are printed separately); the engine is offline, so nothing is fetched.

The living workbook (``build``'s default since issue 19) is measured beside it in the same run: its build in a
child of its own and the ratio to the value build (budget 2×), its size (3 MB) and LibreOffice's recalculation.
``--data real`` measures the default report from the shared CSV folder.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import BENCH, SIZES, Output, Size, make_source, median, parser, source_spec

from marketreview.cache import Cache
from marketreview.errors import SymbolNotFoundError
from marketreview.sources.base import source_key
from marketreview.symbols import SymbolMap

BUILD_BUDGET_S = 3.0
PEAK_BUDGET_MB = 300.0
#: the living workbook (issue 19): at most twice the value build, 3 MB, and 5 s for LibreOffice to recalculate
LIVING_RATIO_BUDGET = 2.0
LIVING_MB_BUDGET = 3.0
LIVING_RECALC_BUDGET_S = 5.0


def five_year_cache(spec: str, path: Path, years: int) -> int:
    """Write ``years`` years (plus a month, for the oldest 5-year figures) of every symbol-map
    ticker the input serves into a new cache at ``path``; the rows written."""
    source = make_source(spec)
    tickers = list(dict.fromkeys(t for info in SymbolMap.default() for t in info.tickers))
    end = dt.date.today()
    start = end - dt.timedelta(days=round(365.25 * years) + 31)
    try:
        frame = source.fetch(tickers, start, end)
        served = tickers
    except SymbolNotFoundError as exc:
        frame, served = exc.frame, [t for t in tickers if t not in exc.symbols]
    with Cache(path) as cache:
        # keyed as the engine reads it: a CSV folder's rows are its own (csv:<folder>), not every folder's
        rows: int = cache.write(frame, source=source_key(source), start=start, end=end,
                           fetched_at=dt.datetime.now(dt.timezone.utc), symbols=served)
    return rows


def worker(spec: str, cache_path: Path, out_path: Path) -> None:
    import resource

    t0 = time.perf_counter()
    from marketreview.app import open_engine
    from marketreview.render.xlsx import write_xlsx
    from marketreview.report.build import build_report

    t1 = time.perf_counter()
    engine = open_engine(spec, offline=True, cache_path=cache_path)
    report = build_report(engine, fetch=False)
    write_xlsx(report, out_path)
    t2 = time.perf_counter()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    living = living_build(engine, out_path.with_name(out_path.stem + "-living.xlsx"))
    sheets = [s.title for s in report.sheets] if hasattr(report.sheets[0], "title") else len(report.sheets)
    print(json.dumps({"import_s": t1 - t0, "build_s": t2 - t1, "peak_mb": peak_kb / 1024,
                      "bytes": out_path.stat().st_size, "sheets": sheets, "as_of": report.as_of.isoformat(),
                      **living}))


def living_worker(spec: str, cache_path: Path, out_path: Path) -> None:
    """``build --living`` in a fresh child, timed like :func:`worker` times the value build."""
    import resource

    from marketreview.app import open_engine
    from marketreview.render.living import write_living
    from marketreview.report.build import build_report

    t0 = time.perf_counter()
    engine = open_engine(spec, offline=True, cache_path=cache_path)
    write_living(build_report(engine, fetch=False), engine, out_path)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"living_cold_s": time.perf_counter() - t0, "living_peak_mb": peak_kb / 1024}))


def living_build(engine: object, path: Path) -> dict[str, object]:
    """The same report built again and written as the living workbook (``build --living``), in the same process
    right after the value build, so the two times are comparable."""
    from marketreview.render.living import write_living
    from marketreview.render.xlsx import write_xlsx
    from marketreview.report.build import build_report

    t0 = time.perf_counter()  # the value build again, warm like the living one (the first paid the engine's start)
    write_xlsx(build_report(engine, fetch=False), path.with_name(path.stem + "-values.xlsx"))  # type: ignore[arg-type]
    t1 = time.perf_counter()
    report = build_report(engine, fetch=False)  # type: ignore[arg-type]
    write_living(report, engine, path)  # type: ignore[arg-type]
    return {"warm_values_s": t1 - t0, "living_s": time.perf_counter() - t1, "living_bytes": path.stat().st_size,
            "living_path": str(path)}


def soffice_recalc_s(path: Path, workdir: Path) -> float | None:
    """Wall time of one LibreOffice headless load-recalculate-save of ``path`` (start-up included, so an upper
    bound of the recalculation), in a fresh profile that recalculates every formula on load; None without soffice."""
    import shutil

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        return None
    profile = workdir / "soffice-profile"
    (profile / "user").mkdir(parents=True, exist_ok=True)
    (profile / "user" / "registrymodifications.xcu").write_text(
        '<?xml version="1.0" encoding="UTF-8"?><oor:items xmlns:oor="http://openoffice.org/2001/registry">'
        '<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" '
        'oor:op="fuse"><value>0</value></prop></item></oor:items>', encoding="utf-8")
    command = [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
               "--convert-to", "xlsx", "--outdir", str(workdir / "recalculated"), str(path)]
    subprocess.run(command, capture_output=True, check=True, timeout=300)  # first start builds the profile
    t0 = time.perf_counter()
    subprocess.run(command, capture_output=True, check=True, timeout=300)
    return time.perf_counter() - t0


def build_once(spec: str, cache_path: Path, out_path: Path, living: bool = False) -> dict[str, object]:
    command = [sys.executable, str(BENCH / "build.py"), "--worker", "--spec", spec,
               "--cache", str(cache_path), "--out", str(out_path), *(["--living"] if living else [])]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"build worker failed:\n{done.stderr}")
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def run(out: Output, size: Size, spec: str, workdir: Path) -> None:
    cache_path = workdir / "five_years.sqlite"
    rows = five_year_cache(spec, cache_path, size.build_years)
    count = 3 if size.name == "full" else 1
    runs = []
    for i in range(count):  # value and living builds alternate, each in a fresh child, so both see the same load
        runs.append(build_once(spec, cache_path, workdir / f"review{i}.xlsx"))
        runs[-1].update(build_once(spec, cache_path, workdir / f"living{i}.xlsx", living=True))
    last = runs[-1]
    out.info("build_input", f"{size.build_years} years, {rows} closes in the cache, as of {last['as_of']}, "
             f"{last['bytes']} bytes, sheets {last['sheets']}")
    out.info("build_imports_s", f"{float(str(last['import_s'])):.3f}")
    out.figure("build_s", median([float(str(r["build_s"])) for r in runs]), "s", budget=BUILD_BUDGET_S)
    out.figure("build_peak_mb", max(float(str(r["peak_mb"])) for r in runs), "MB (ru_maxrss of the child)",
               budget=PEAK_BUDGET_MB, per="MB")
    cold_value = median([float(str(r["build_s"])) for r in runs])
    cold_living = median([float(str(r["living_cold_s"])) for r in runs])
    out.figure("living_build_s", cold_living, "s (build --living in its own child, like build_s)")
    out.figure("living_build_ratio", cold_living / cold_value, "x build_s", budget=LIVING_RATIO_BUDGET, per="x")
    out.figure("living_peak_mb", max(float(str(r["living_peak_mb"])) for r in runs), "MB (ru_maxrss of the child)")
    value_s = median([float(str(r["warm_values_s"])) for r in runs])
    living_s = median([float(str(r["living_s"])) for r in runs])
    out.figure("warm_build_s", value_s, "s (the value build again in the first child, warm)")
    out.figure("warm_living_build_s", living_s, "s (build_report + write_living right after it, warm)")
    out.figure("warm_living_ratio", living_s / value_s, "x warm_build_s (no budget: the issue's is on the build)")
    out.figure("living_mb", float(str(last["living_bytes"])) / 1e6, "MB", budget=LIVING_MB_BUDGET, per="MB")
    living_path = Path(str(last["living_path"]))
    recalc = soffice_recalc_s(living_path, workdir) if size.name == "full" else None
    if recalc is not None:
        out.figure("living_soffice_recalc_s", recalc, "s (LibreOffice load + recalculate + save, start-up included)",
                   budget=LIVING_RECALC_BUDGET_S)
        plain = soffice_recalc_s(living_path.with_name(living_path.stem + "-values.xlsx"), workdir)
        out.figure("values_soffice_roundtrip_s", plain or 0.0, "s (the same for the value build: start-up, load, save)")


def main() -> None:
    if "--worker" in sys.argv:
        p = argparse.ArgumentParser()
        p.add_argument("--worker", action="store_true")
        p.add_argument("--spec", required=True)
        p.add_argument("--cache", type=Path, required=True)
        p.add_argument("--out", type=Path, required=True)
        p.add_argument("--living", action="store_true")
        a = p.parse_args()
        (living_worker if a.living else worker)(a.spec, a.cache, a.out)
        return
    args = parser(__doc__ or "").parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run(Output(), SIZES[args.size], source_spec(args.data), Path(args.workdir or tmp))


if __name__ == "__main__":
    main()
