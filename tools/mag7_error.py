"""Measure the anchored MAG7SHARE method on the shared fundamentals (the README's figures).

    python tools/mag7_error.py [DIR]     (DIR defaults to ../shared/data/market)

1. Share error by distance: predict each constituent snapshot's share from every other one (forwards and
   backwards: the anchored method, summed caps on both sides) and compare with the share summed from it.
2. Index-total error by distance: predict each S&P-reported total from every other one by the index level.
3. Full caps: the share on 2024-12-31 with the summed total and with S&P's reported total.
"""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import replace
from itertools import permutations
from pathlib import Path

import pandas as pd

from marketreview.calc.mag7 import mag7_share
from marketreview.sources.csvdir import CsvDirSource

MEMBERS = ["AAPL", "MSFT", "GOOGL", "AMZN", "NVDA", "META", "TSLA"]


def main(folder: Path) -> None:
    source = CsvDirSource(folder)
    snapshots = source.fundamentals()
    constituents = {s.date: replace(s, index_total=None) for s in snapshots if len(s.market_caps) > 400}
    frame = source.fetch([*MEMBERS, "^GSPC"], dt.date(2019, 1, 2), dt.date(2026, 8, 21))
    closes = {}
    for m in MEMBERS:  # raw closes, or the adjusted ones where the raw file stops earlier (ratios only)
        raw, adj = frame[("close", m)].dropna(), frame[("adj_close", m)].dropna()
        closes[m] = adj if len(adj) and adj.index[-1] > raw.index[-1] else raw
    index = frame[("close", "^GSPC")].dropna()

    def truth(day: dt.date) -> float:
        snap = constituents[day]
        caps = snap.market_caps.drop([d for d in snap.duplicate_classes if d in snap.market_caps.index])
        return float(caps[MEMBERS].sum() / caps.sum())

    print("share error (pt) by distance, anchor -> target")
    rows = []
    for anchor, target in permutations(sorted(constituents), 2):
        predicted = mag7_share(closes, index, [constituents[anchor]], target, members=MEMBERS, max_back_days=10**6)
        rows.append(((target - anchor).days, anchor, target, (predicted.value - truth(target)) * 100))
    for days, anchor, target, error in sorted(rows, key=lambda r: abs(r[0])):
        print(f"  {days:+5d} d  {anchor} -> {target}  truth {truth(target):.4f}  error {error:+.2f} pt")

    print("index total error (%) by distance, S&P-reported totals predicted by the index level")
    totals = {s.date: s.index_total for s in snapshots if s.index_total is not None}
    errors = []
    for a, b in permutations(sorted(totals), 2):
        level = float(index.asof(pd.Timestamp(b)) / index.asof(pd.Timestamp(a)))
        errors.append(((b - a).days, (totals[a] * level / totals[b] - 1) * 100))  # type: ignore[operator]
    for lo, hi in ((0, 100), (100, 200), (200, 400), (400, 800), (800, 3000)):
        chosen = [abs(e) for d, e in errors if lo <= abs(d) < hi]
        if chosen:
            print(f"  {lo:4d}-{hi:4d} d: n={len(chosen):2d}  mean |error| {sum(chosen) / len(chosen):.2f}%  "
                  f"max {max(chosen):.2f}%")

    day = dt.date(2024, 12, 31)
    reported = next(s for s in snapshots if s.date == day).index_total
    caps = constituents[day].market_caps
    print(f"2024-12-31: share with summed caps {truth(day):.4f}; with S&P's reported total "
          f"{float(caps[MEMBERS].sum()) / reported:.4f}")  # type: ignore[operator]


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "shared/data/market")
