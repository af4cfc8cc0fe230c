"""What MAG7SHARE was anchored on: the Mag7 sheet's anchor notes and the Sources sheet's snapshot rows."""

from __future__ import annotations

import datetime as dt

from ..errors import MarketReviewError
from ..types import FundamentalsSnapshot
from .cells import CellMaker
from .model import Cell, Lines


def anchors_used(snapshots: list[FundamentalsSnapshot], start: dt.date, end: dt.date) -> list[FundamentalsSnapshot]:
    """The snapshots that anchor some date in ``[start, end]``: the last one on or before ``start`` (or the
    first one, for an estimate) and every one after it up to ``end``."""
    ordered = sorted(snapshots, key=lambda s: s.date)
    before = [s for s in ordered if s.date <= start]
    first = before[-1] if before else (ordered[0] if ordered else None)
    return [s for s in ordered if first is not None and first.date <= s.date <= end]


def anchor_lines(m: CellMaker, start: dt.date) -> Lines:
    """One line per snapshot the sheet's figures were anchored on (date and source), then the method."""
    try:
        used = anchors_used(m.engine.fundamentals(), start, m.as_of)
        lines = [f"{m.t('mag7_anchors.snapshot')} {s.date.isoformat()}: {s.source}"
                 + (f" ({'; '.join(s.notes)})" if s.notes else "") for s in used]
    except MarketReviewError as exc:
        lines = [f"{m.t('mag7_anchors.none')}: {exc.excel_text}"]
    return Lines("mag7_anchors", m.t("mag7_anchors.title"), (*lines, m.t("mag7_anchors.method")))


def snapshot_rows(m: CellMaker) -> list[tuple[Cell, ...]]:
    """Sources-sheet rows (alias, name, ticker, source, first, last, fetched, adjusted, note) naming the
    MAG7SHARE snapshot the report's date was anchored on."""
    try:
        used = anchors_used(m.engine.fundamentals(), m.as_of, m.as_of)
    except MarketReviewError as exc:
        return [(Cell("MAG7SHARE"), Cell(error=exc.excel_text), *(Cell() for _ in range(7)))]
    stored = {h.date: h for h in m.engine.holdings_snapshots()}
    rows: list[tuple[Cell, ...]] = []
    for snapshot in used:
        held = stored.get(snapshot.date)
        fetched = m.local_time(held.fetched_at) if held is not None else None
        rows.append((Cell("MAG7SHARE"), Cell(m.t("mag7_anchors.snapshot")), Cell("-"), Cell(snapshot.source),
                     Cell(snapshot.date), Cell(snapshot.date), Cell(fetched), Cell(m.t("no")),
                     Cell("; ".join(snapshot.notes), warning="; ".join(snapshot.notes) or None)))
    return rows
