"""Provenance in the cache: every row and range knows its source, and a question about one source is never
answered from another's rows (issue 10, item 1).

Fakes: ``demo-like`` closes are 500 + days since 2020-01-01 and ``csv-like`` ones 100 + days, so a mix-up
shows in the number itself. The real-data test uses GSPC.csv from ``market_dir`` (the real S&P 500 close on
2024-12-27 is 5970.84) against the demo source (which gives 6311.75 that day).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from marketreview import cli, functions
from marketreview.cache import Cache
from marketreview.engine import Engine
from marketreview.report.build import build_report
from marketreview.sources.base import FunctionSource
from marketreview.sources.csvdir import CsvDirSource, read_price_file
from marketreview.sources.router import Router

CLOCK = dt.datetime(2025, 1, 10, 23, 0, tzinfo=dt.timezone.utc)


def days_since_2020(dates: pd.DatetimeIndex) -> pd.Series:
    return pd.Series((dates - pd.Timestamp("2020-01-01")).days.to_numpy(dtype=float), index=dates)


def demo_like(_symbol: str, dates: pd.DatetimeIndex) -> pd.Series:
    return 500.0 + days_since_2020(dates)


def csv_like(_symbol: str, dates: pd.DatetimeIndex) -> pd.Series:
    return 100.0 + days_since_2020(dates)


def engine(source: FunctionSource | CsvDirSource, cache: Cache) -> Engine:
    return Engine(Router(source), cache, clock=lambda: CLOCK)


def test_rows_of_another_source_are_a_miss_and_are_never_served(tmp_cache: Cache) -> None:
    demo = FunctionSource(demo_like, name="demo")
    first = engine(demo, tmp_cache)
    assert functions.call(first, "CLOSE", "SP500", "2024-12-27").value == 500.0 + 1822  # 2024-12-27: day 1822
    real = FunctionSource(csv_like, name="csvish")
    second = engine(real, tmp_cache)
    assert functions.call(second, "CLOSE", "SP500", "2024-12-27").value == 100.0 + 1822
    assert len(real.calls) == 1  # the demo's coverage did not count as this source's
    provenance = second.provenance("SP500")
    assert provenance.source == "csvish" and not provenance.demo
    # Both sources' rows are kept, each under its own name.
    assert tmp_cache.read(["^GSPC"], source="demo").iloc[-1, 0] == 500.0 + 1836
    assert tmp_cache.read(["^GSPC"], source="csvish").iloc[-1, 0] == 100.0 + 1836


def test_two_csv_folders_do_not_share_rows(tmp_path: Path, tmp_cache: Cache) -> None:
    for name, close in (("a", "1.5"), ("b", "2.5")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "GSPC.csv").write_text(f"date,close\n2025-01-10,{close}\n", encoding="utf-8")
    assert functions.call(engine(CsvDirSource(tmp_path / "a"), tmp_cache), "CLOSE", "SP500").value == 1.5
    assert functions.call(engine(CsvDirSource(tmp_path / "b"), tmp_cache), "CLOSE", "SP500").value == 2.5
    assert CsvDirSource(tmp_path / "a").key == f"csv:{(tmp_path / 'a').resolve()}"


@pytest.mark.realdata
def test_a_build_after_demo_rows_shows_the_csv_figures_and_says_csv_everywhere(market_dir: Path,
                                                                               tmp_cache: Cache) -> None:
    demo_clock = CLOCK - dt.timedelta(days=3)
    Engine(Router(FunctionSource(demo_like, name="demo")), tmp_cache, clock=lambda: demo_clock).ensure(["SP500"])
    csv_engine = Engine(Router(CsvDirSource(market_dir)), tmp_cache, clock=lambda: CLOCK)
    report = build_report(csv_engine, dt.date(2024, 12, 27), "en")
    assert report.source == "csv" and not report.demo
    sources = next(s for s in report.sheets if s.key == "sources")
    row = next(r for r in sources.table("sources").rows if r[0].value == "SP500")
    assert row[3].value == "csv"
    assert "GSPC.csv" in str(row[8].value)
    assert row[6].value == dt.datetime(2025, 1, 10, 23, 0)  # when the file was read (the demo's was 3 days earlier)
    assert "2025-01-10 23:00 UTC" in sources.stamp and "2025-01-07" not in sources.stamp  # the csv read time
    expected = read_price_file(market_dir / "GSPC.csv").close
    served = csv_engine.series("SP500")
    assert served.tolist() == expected.loc[:"2025-01-10"].tolist()  # every close is the file's, none the demo's
    assert list(served.index.date) == list(expected.loc[:"2025-01-10"].index.date)


@pytest.mark.realdata
def test_the_issue_repro_demo_then_csv_in_one_cache_file(market_dir: Path, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    cache = str(tmp_path / "X.sqlite")
    assert cli.main(["call", "CLOSE", "SP500", "2024-12-27", "--source", "demo", "--cache", cache]) == 0
    demo_value = float(capsys.readouterr().out)
    assert demo_value != 5970.84
    assert cli.main(["call", "CLOSE", "SP500", "2024-12-27", "--source", f"csv:{market_dir}",
                     "--cache", cache]) == 0
    assert float(capsys.readouterr().out) == pytest.approx(5970.84, abs=0.005)
