"""How far the anchored MAG7SHARE method drifts: predict each constituent snapshot's share from the previous
snapshot (prices only, shares held constant, total scaled by the S&P 500 level) and compare with the share summed
directly from the later snapshot. The README quotes these bounds as the method's expected error."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from marketreview.calc.mag7 import mag7_share
from marketreview.sources.csvdir import CsvDirSource

MEMBERS = ["AAPL", "MSFT", "GOOGL", "AMZN", "NVDA", "META", "TSLA"]


def closes_for(source: CsvDirSource, symbol: str, frame: pd.DataFrame) -> pd.Series:
    """Raw closes, or the dividend-adjusted ones where the raw file stops earlier (only ratios are used)."""
    raw, adjusted = frame[("close", symbol)].dropna(), frame[("adj_close", symbol)].dropna()
    return adjusted if len(adjusted) and adjusted.index[-1] > raw.index[-1] else raw


def summed_share(caps: pd.Series, duplicates: tuple[str, ...]) -> float:
    total = sum(v for k, v in caps.items() if k not in duplicates and v == v)
    return sum(caps[m] for m in MEMBERS) / total


@pytest.mark.parametrize(("anchor", "target", "bound_pp"), [
    (dt.date(2024, 12, 31), dt.date(2025, 1, 31), 0.25),
    (dt.date(2025, 1, 31), dt.date(2026, 5, 14), 0.25),
    # the constituent sum fell 1.6% while the index rose 2.3% (membership changes): the worst case seen
    (dt.date(2026, 5, 14), dt.date(2026, 8, 21), 2.0),
    # backwards (a marked estimate before the first snapshot): +0.11 pt and +1.60 pt measured
    (dt.date(2025, 1, 31), dt.date(2024, 12, 31), 0.25),
    (dt.date(2026, 8, 21), dt.date(2026, 5, 14), 2.0),
])
def test_prediction_from_the_previous_snapshot(market_dir: Path, anchor, target, bound_pp):
    source = CsvDirSource(market_dir)
    snapshots = {s.date: s for s in source.fundamentals() if len(s.market_caps) > 400}
    frame = source.fetch([*MEMBERS, "^GSPC"], dt.date(2024, 6, 1), dt.date(2026, 8, 21))
    closes = {m: closes_for(source, m, frame) for m in MEMBERS}
    start = replace(snapshots[anchor], index_total=None)  # summed caps on both sides: the same basis
    predicted = mag7_share(closes, frame[("close", "^GSPC")].dropna(), [start], target, members=MEMBERS)
    truth = summed_share(snapshots[target].market_caps, snapshots[target].duplicate_classes)
    assert 0.30 < truth < 0.40
    assert abs(predicted.value - truth) * 100 < bound_pp
