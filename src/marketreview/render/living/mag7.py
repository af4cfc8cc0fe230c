"""The Mag7 share by the anchored method of :mod:`marketreview.calc.mag7`, as formulas: each member's cap at
the latest snapshot with member caps on or before the date (before the first, the first, up to
``MAX_BACK_DAYS`` back, marked as an estimate) scaled by its price change since, over the index total at the
latest snapshot with a total scaled by the S&P 500's change. Closes are taken without a calendar (as
``mag7_share`` is called), so a gap of more than ten days is an error.

The snapshots go on the data sheet (``Mag7_anchor_dates``, ``Mag7_cap_1`` …, ``Mag7_index_dates``,
``Mag7_index_totals``); a block on the Calc sheet holds one row per date: the as-of date, the week before, and
the 52 Fridays of the share history.
"""

from __future__ import annotations

from typing import Any

from openpyxl.utils import get_column_letter

from ...calc import mag7 as mag7_calc
from ...engine import Engine
from ...errors import MarketReviewError
from ...types import Lang
from .calc_sheet import CALC_TITLE, FIRST_ROW, CalcSheet, no_gap_close
from .data_sheet import SeriesRef, serial
from .lines import distinct, lit, long_date, paren

INDEX_ALIAS = "SP500"
HISTORY_POINTS = 53  # the as-of date and 52 Fridays, as report.sheets.mag7
FIRST_COLUMN = 27  # AA: right of the weekly ratio block
_COLUMNS = ("when", "mpos", "mdate", "ipos", "idate", "caps", "total", "share", "chain")


class Mag7Block:
    def __init__(self, engine: Engine) -> None:
        self.members: list[str] = []
        self.tickers: list[str] = []
        self.member_snaps: list[Any] = []
        self.index_snaps: list[tuple[Any, float]] = []
        try:
            self.members = [i.alias for i in engine.symbols.group("MAG7")]
            self.tickers = [engine.ticker(a) for a in self.members]
            snapshots = sorted(engine.fundamentals(), key=lambda s: s.date)
        except MarketReviewError:
            return
        self.member_snaps = [s for s in snapshots if mag7_calc._has_caps(s, self.tickers)]
        for snapshot in snapshots:
            total = mag7_calc._snapshot_total(snapshot, mag7_calc.MIN_CONSTITUENTS)
            if total is not None:
                self.index_snaps.append((snapshot, total))
        self.enabled = bool(self.members and self.member_snaps and self.index_snaps
                            and not any(s.notes for s in self.member_snaps)
                            and not any(s.notes for s, _ in self.index_snaps)
                            and self._members_ok())

    enabled = False

    def bind(self, series: dict[str, SeriesRef]) -> None:
        """Formulas only when the data sheet holds every member and the index."""
        self.enabled = self.enabled and all(a in series for a in (*self.members, INDEX_ALIAS))

    def _members_ok(self) -> bool:
        try:
            for snapshot in self.member_snaps:
                mag7_calc._check_members(self.tickers, snapshot)
        except MarketReviewError:
            return False
        return True

    def data_columns(self) -> list[tuple[str, list[int | float]]]:
        if not self.enabled:
            return []
        columns: list[tuple[str, list[int | float]]] = [
            ("Mag7_anchor_dates", [serial(s.date) for s in self.member_snaps])]
        columns += [(f"Mag7_cap_{i + 1}", [float(s.market_caps[t]) for s in self.member_snaps])
                    for i, t in enumerate(self.tickers)]
        columns += [("Mag7_index_dates", [serial(s.date) for s, _ in self.index_snaps]),
                    ("Mag7_index_totals", [float(total) for _, total in self.index_snaps])]
        return columns

    # -- the Calc block -----------------------------------------------------------------------------------

    @staticmethod
    def points() -> list[tuple[str, str]]:
        """(point key, date formula): the as-of date, the week before, then the history's Fridays."""
        return [("end", "AsOf_end"), ("w1", "AsOf_W1"),
                *((f"h{k}", f"AsOf_W1-{2 + 7 * (k - 1)}") for k in range(1, HISTORY_POINTS))]

    @staticmethod
    def linked() -> list[tuple[str, str, str]]:
        """(point key, own point, anchor point): a date's share on a newer date's anchors, as
        calc.mag7 compares them: the week before on the as-of date's (the weekly change), each history Friday
        on the next newer history date's (the chain)."""
        return [("w1x", "w1", "end"),
                *((f"h{k}x", f"h{k}", "end" if k == 1 else f"h{k - 1}") for k in range(1, HISTORY_POINTS))]

    def _rows(self) -> list[str]:
        return [p for p, _ in self.points()] + [p for p, _, _ in self.linked()]

    def _cell(self, column: str, j: int, absolute: bool = True) -> str:
        letter = get_column_letter(FIRST_COLUMN + _COLUMNS.index(column))
        return f"{CALC_TITLE}!${letter}${FIRST_ROW + j}" if absolute else f"{letter}{FIRST_ROW + j}"

    def share(self, point: str) -> str:
        return self._cell("share", self._rows().index(point))

    def chained(self, point: str) -> str:
        """The chain-linked share of a history point (calc.mag7.mag7_share_history)."""
        return self._cell("chain", self._rows().index(point))

    def anchor_date(self) -> str:
        return self._cell("mdate", 0)

    def write(self, ws: Any, calc: CalcSheet) -> None:
        for offset, text in enumerate(_COLUMNS):
            ws.cell(row=FIRST_ROW - 1, column=FIRST_COLUMN + offset, value=f"mag7 {text}").data_type = "s"
        rows = self._rows()
        for j, (point, date) in enumerate(self.points()):
            c = {name: self._cell(name, j, absolute=False) for name in _COLUMNS}
            when_kind = point if point in ("end", "w1") else f"m7w:{point}"
            calc.add_kind(when_kind, c["when"])
            calc.add_kind(f"m7m:{point}", c["mdate"])
            calc.add_kind(f"m7i:{point}", c["idate"])
            cells = {"when": f"={date}", "mpos": f"={_position(c['when'], 'Mag7_anchor_dates')}",
                     "ipos": f"={_position(c['when'], 'Mag7_index_dates')}"}
            self._write_row(ws, calc, j, when_kind, point, cells)
        for point, own, anchor in self.linked():
            j, a = rows.index(point), rows.index(anchor)
            when_kind = own if own in ("end", "w1") else f"m7w:{own}"
            cells = {"when": f"={self._cell('when', rows.index(own), absolute=False)}",
                     "mpos": f"={self._cell('mpos', a, absolute=False)}",
                     "ipos": f"={self._cell('ipos', a, absolute=False)}"}
            self._write_row(ws, calc, j, when_kind, anchor, cells)
        chain = _COLUMNS.index("chain")
        ws.cell(row=FIRST_ROW, column=FIRST_COLUMN + chain, value=f"={self._cell('share', 0, absolute=False)}")
        for point, own, anchor in self.linked()[1:]:
            ws.cell(row=FIRST_ROW + rows.index(own), column=FIRST_COLUMN + chain,
                    value=f"={self._cell('chain', rows.index(anchor), absolute=False)}"
                          f"*{self._cell('share', rows.index(point), absolute=False)}"
                          f"/{self._cell('share', rows.index(anchor), absolute=False)}")

    def _write_row(self, ws: Any, calc: CalcSheet, j: int, when_kind: str, anchor: str,
                   cells: dict[str, str]) -> None:
        """One share row: the date ``when_kind`` reads, scaled from the snapshots of the ``anchor`` point."""
        c = {name: self._cell(name, j, absolute=False) for name in _COLUMNS}
        caps = "+".join(
            f"INDEX(Mag7_cap_{i + 1},{c['mpos']})*{no_gap_close(calc.row(a, when_kind))}"
            f"/{no_gap_close(calc.row(a, f'm7m:{anchor}'))}" for i, a in enumerate(self.members))
        index_now = no_gap_close(calc.row(INDEX_ALIAS, when_kind))
        index_then = no_gap_close(calc.row(INDEX_ALIAS, f"m7i:{anchor}"))
        cells = {**cells,
                 "mdate": f"=INDEX(Mag7_anchor_dates,{c['mpos']})",
                 "idate": f"=INDEX(Mag7_index_dates,{c['ipos']})",
                 "caps": f"={caps}",
                 "total": f"=INDEX(Mag7_index_totals,{c['ipos']})*{index_now}/{index_then}",
                 "share": f"={c['caps']}/{c['total']}"}
        for name, formula in cells.items():
            cell = ws.cell(row=FIRST_ROW + j, column=FIRST_COLUMN + _COLUMNS.index(name), value=formula)
            if name in ("when", "mdate", "idate"):
                cell.number_format = "yyyy-mm-dd"

    # -- the figures and the line -------------------------------------------------------------------------

    def marks(self, lang: Lang) -> str:
        """calc.summary.mark_text of the share's marks: the estimates (before the first snapshot of each kind),
        then the member anchor with its age: ``（時価総額は2025年1月31日時点、273日前）``."""
        when, anchor = self._cell("when", 0), self.anchor_date()

        def estimate(dates: str) -> str:
            first = f"INDEX({dates},1)"
            words = (f'{lit("推計：")}&{long_date(first, lang)}&{lit("の時価総額から遡及")}' if lang == "ja"
                     else f'{lit("estimate back from the ")}&{long_date(first, lang)}&{lit(" caps")}')
            return f'IF({when}<{first},{paren(words, lang)},"")'

        age = f"{when}-{anchor}"
        old = (f'IF({age}>0,{lit("、")}&{age}&{lit("日前")},"")' if lang == "ja"
               else f'IF({age}>0,{lit(", ")}&{age}&{lit(" days old")},"")')
        words = (f'{lit("時価総額は")}&{long_date(anchor, lang)}&{lit("時点")}&{old}' if lang == "ja"
                 else f'{lit("caps as of ")}&{long_date(anchor, lang)}&{old}')
        return distinct([estimate("Mag7_anchor_dates"), estimate("Mag7_index_dates"), paren(words, lang)])


def _position(when: str, dates: str) -> str:
    """The latest snapshot on or before ``when``; before the first, the first within MAX_BACK_DAYS."""
    return (f"IFERROR(MATCH({when},{dates},1),IF(INDEX({dates},1)-{when}<={mag7_calc.MAX_BACK_DAYS},1,NA()))")


def share_cell(block: Mag7Block, column: str, here: Any) -> str | None:
    if not block.enabled:
        return "AsOf_end" if column == "date" else None
    if column == "date":
        return "AsOf_end"
    if column == "share":
        return block.share("end")
    if column == "share_w1":
        return f"({block.share('end')}-{block.share('w1x')})*100"  # both weeks on the as-of date's anchors
    return None


def history_cell(block: Mag7Block, column: str, k: int) -> str | None:
    if k >= HISTORY_POINTS:
        return None
    point = "end" if k == 0 else f"h{k}"
    if column == "date":
        return "AsOf_end" if k == 0 else f"AsOf_W1-{2 + 7 * (k - 1)}"
    if column == "share" and block.enabled:
        share = block.share(point) if k == 0 else block.chained(point)
        return f'IF(ISNUMBER({share}),{share},"")'
    return None
