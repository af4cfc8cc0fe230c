"""Where each block of a sheet goes: one answer shared by both renderers (1-based rows and columns)."""

from __future__ import annotations

from dataclasses import dataclass

from .model import Block, Lines, Sheet, Table

TITLE_ROW = 1
STAMP_ROW = 2
STATUS_ROW = 3
FIRST_BLOCK_ROW = 5
GAP_ROWS = 2
FIRST_COLUMN = 1


@dataclass(frozen=True)
class Placement:
    block: Block
    #: the block title's row; a table's header row is ``row + 1`` and its first data row ``row + 2``
    row: int
    column: int

    @property
    def header_row(self) -> int:
        return self.row + 1

    @property
    def first_data_row(self) -> int:
        return self.row + 2

    @property
    def last_row(self) -> int:
        if isinstance(self.block, Table):
            return self.first_data_row + len(self.block.rows) - 1
        return self.row + len(self.block.lines)


def place(sheet: Sheet) -> list[Placement]:
    """Blocks stacked top to bottom in column A, separated by blank rows."""
    placements: list[Placement] = []
    row = FIRST_BLOCK_ROW
    for block in sheet.blocks:
        placement = Placement(block, row, FIRST_COLUMN)
        placements.append(placement)
        row = placement.last_row + 1 + GAP_ROWS
    return placements


def chart_anchor_column(sheet: Sheet) -> int:
    """Charts sit to the right of the widest table."""
    widest = max((len(b.columns) for b in sheet.blocks if isinstance(b, Table)), default=1)
    return FIRST_COLUMN + widest + 1


def lines_rows(placement: Placement) -> range:
    assert isinstance(placement.block, Lines)
    return range(placement.row + 1, placement.row + 1 + len(placement.block.lines))
