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
    return place_blocks(sheet.blocks)


def chart_anchor_column(sheet: Sheet, blocks: tuple[Block, ...] | None = None) -> int:
    """Charts sit to the right of the widest table (of ``blocks``, by default the sheet's)."""
    widest = max((len(b.columns) for b in (sheet.blocks if blocks is None else blocks) if isinstance(b, Table)),
                 default=1)
    return FIRST_COLUMN + widest + 1


def lines_rows(placement: Placement) -> range:
    assert isinstance(placement.block, Lines)
    return range(placement.row + 1, placement.row + 1 + len(placement.block.lines))


# -- the printed file (render.xlsx for a fresh build): long tables on a data sheet, each sheet one page -----

#: A table with more rows than this (a daily or weekly history) goes to the data sheet of a built file, which
#: is not printed; the sheet keeps its week and its charts, which draw from the data sheet.
DATA_ROWS = 20
#: A4 landscape less the printed file's margins, in centimetres: what one page holds at 100%.
PAGE_WIDTH_CM = 28.2
PAGE_HEIGHT_CM = 18.9
#: The printed file's margins in inches (left, right, top, bottom, header, footer).
PAGE_MARGINS_IN = (0.3, 0.3, 0.4, 0.4, 0.2, 0.2)
#: Blank rows between blocks on a printed sheet.
PRINT_GAP_ROWS = 1
#: Blank columns between tables placed side by side on the data sheet.
GAP_COLUMNS = 1


def is_data_block(block: Block, drawn: bool = False) -> bool:
    """Whether a built file puts ``block`` on its data sheet: a history (a table led by a date column) too long
    for the sheet's page, or one a chart draws (``drawn``; the chart shows it). Lists of series (the Sources
    sheet) and the sectors behind a bar chart stay where they are."""
    return (isinstance(block, Table) and bool(block.columns) and block.columns[0].fmt == "date"
            and (drawn or len(block.rows) > DATA_ROWS))


def split_for_print(sheet: Sheet) -> tuple[tuple[Block, ...], tuple[Table, ...]]:
    """The blocks that stay on ``sheet`` in a built file, and the tables that go to the data sheet."""
    drawn = {chart.table for chart in sheet.charts}
    moved = tuple(b for b in sheet.blocks if isinstance(b, Table) and is_data_block(b, b.key in drawn))
    kept = tuple(b for b in sheet.blocks if b not in moved)
    return kept, moved


def _width(block: Block) -> int:
    return len(block.columns) if isinstance(block, Table) else 1


def place_blocks(blocks: tuple[Block, ...] | list[Block], row: int = FIRST_BLOCK_ROW,
                 gap: int = GAP_ROWS) -> list[Placement]:
    """Blocks stacked top to bottom in column A from ``row``, ``gap`` blank rows apart (:func:`place`)."""
    placements: list[Placement] = []
    for block in blocks:
        placement = Placement(block, row, FIRST_COLUMN)
        placements.append(placement)
        row = placement.last_row + 1 + gap
    return placements


def place_across(blocks: tuple[Block, ...] | list[Block], row: int = FIRST_BLOCK_ROW,
                 column: int = FIRST_COLUMN) -> list[Placement]:
    """Blocks side by side from ``column``, each on ``row``, with :data:`GAP_COLUMNS` between them."""
    placements: list[Placement] = []
    for block in blocks:
        placements.append(Placement(block, row, column))
        column += _width(block) + GAP_COLUMNS
    return placements


def place_printed(blocks: tuple[Block, ...]) -> list[Placement]:
    """A built file's sheet: stacked like :func:`place`, except a sheet of lines alone (the Summary in both
    languages), whose blocks sit side by side so both fit one page. One blank row between blocks."""
    if len(blocks) > 1 and all(isinstance(b, Lines) for b in blocks):
        return place_across(blocks)
    return place_blocks(blocks, gap=PRINT_GAP_ROWS)
