"""The CLI drives the library; results are checked through the library (and the files it wrote)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from marketreview.cache import Cache
from marketreview.cli import main


@pytest.fixture
def csv_args(market_dir: Path, cache_path: Path) -> list[str]:
    return ["--source", f"csv:{market_dir}", "--cache", str(cache_path)]


def gspc(market_dir: Path) -> dict[str, float]:
    with (market_dir / "GSPC.csv").open() as fh:
        return {r["date"]: float(r["close"]) for r in csv.DictReader(fh)}


def test_call_prints_full_precision(csv_args, market_dir, capsys):
    assert main(["call", *csv_args, "PERF", "^GSPC", "2024-12-20", "2024-12-27"]) == 0
    spx = gspc(market_dir)
    assert float(capsys.readouterr().out) == spx["2024-12-27"] / spx["2024-12-20"] - 1


def test_call_review_line(csv_args, capsys):
    assert main(["call", *csv_args, "REVIEWLINE", "SP500", "2024-12-20", "2024-12-27"]) == 0
    # GSPC.csv: 2024-12-20 5930.85, 2024-12-27 5970.84: +39.99 points, 39.99 / 5930.85 = +0.674%
    assert capsys.readouterr().out.strip() == "・S&P500 5,930.85 → 5,970.84（前週比 +39.99、+0.67%）"


def test_call_history_is_csv(csv_args, market_dir, capsys):
    assert main(["call", *csv_args, "HISTORY", "SP500", "2024-12-23", "2024-12-27"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    spx = gspc(market_dir)
    assert rows[0] == ["date", "close"]
    assert [r[0] for r in rows[1:]] == ["2024-12-23", "2024-12-24", "2024-12-26", "2024-12-27"]  # 25th: holiday
    assert float(rows[-1][1]) == spx["2024-12-27"]


def test_call_error_exits_2_with_cell_text(csv_args, capsys):
    assert main(["call", *csv_args, "CLOSE", "^XYZ"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.startswith("#N/A unknown symbol ^XYZ")


def test_call_rejects_unknown_function(csv_args, capsys):
    assert main(["call", *csv_args, "SUM", "1"]) == 2
    assert "bad function 'SUM'" in capsys.readouterr().err


def test_fetch_warms_cache_then_offline_works(csv_args, cache_path, capsys):
    assert main(["fetch", *csv_args, "SP500", "DOW"]) == 0
    assert "fetched 2 symbols" in capsys.readouterr().out
    with Cache(cache_path) as cache:
        assert set(cache.symbols()) >= {"^GSPC", "^DJI"}
    assert main(["call", *csv_args, "--offline", "CLOSE", "DOW", "2024-12-27"]) == 0
    assert float(capsys.readouterr().out) == pytest.approx(42992.21, abs=0.01)


def test_offline_without_cache_says_so(csv_args, capsys):
    assert main(["call", *csv_args, "--offline", "CLOSE", "SP500"]) == 2
    assert "offline" in capsys.readouterr().err


def test_bad_source_spec(cache_path, capsys):
    assert main(["call", "--source", "bloomberg", "--cache", str(cache_path), "CLOSE", "SP500"]) == 2
    assert "bloomberg" in capsys.readouterr().err


def test_build_warnings_of_one_kind_are_one_line_with_a_count(capsys: pytest.CaptureFixture[str]) -> None:
    from marketreview.cli import _print_warnings

    _print_warnings([f"Mag7: anchored at 2026-09-30 ({d} days before)" for d in (58, 51, 44)]
                    + ["Rates: 12/27 missing"])
    assert capsys.readouterr().err.splitlines() == [
        "warning: Mag7: anchored at 2026-09-30 (58 days before) (and 2 more like it)",
        "warning: Rates: 12/27 missing",
    ]
