"""How a worksheet function's argument is read when it is a cell reference: an xlwings converter.

xlwings hands a cell-reference argument to the converter as an xlwings ``Range`` (``is_range_instance``), and its
default conversion reads every cell of it: ``=PERF(A:A,"1W")`` reads 1,048,576 cells (2-3 s in
``clean_value_data``) on every recalculation. :class:`UsedCells` reads only the part of the range inside its
sheet's used range (one COM call for the used range, one for the values), then runs xlwings' own cleaning
stages (dates, error cells as text, dimensions) on what it read.

A reference to one empty cell becomes :data:`EMPTY`, never ``None``: ``None`` means the argument was omitted
(the latest close), while Excel's own functions read an empty cell as 0, so the UDF answers
``#VALUE! as_of is an empty cell (omit the argument for the latest close)``.

A literal argument (a number, a text, an array constant) takes xlwings' ordinary path unchanged.
"""

from __future__ import annotations

from typing import Any

from xlwings.conversion import Accessor, Pipeline, ValueAccessor


class _Empty:
    """The value of a reference to an empty cell (a distinct object: ``None`` is an omitted argument)."""

    def __repr__(self) -> str:
        return "EMPTY"


EMPTY: Any = _Empty()


def used_part(rng: Any) -> Any:
    """``rng`` without its rows below and its columns right of its sheet's used range (``None`` when nothing is
    left). Rows above the used range stay: the answers keep the places of the range's cells."""
    top, left = rng.row, rng.column
    rows, columns = rng.shape
    used = rng.sheet.used_range
    used_rows, used_columns = used.shape
    bottom = min(top + rows, used.row + used_rows) - 1
    right = min(left + columns, used.column + used_columns) - 1
    if bottom < top or right < left:
        return None
    if (bottom - top + 1, right - left + 1) == (rows, columns):
        return rng
    return rng.sheet.range((top, left), (bottom, right))


class _ReadUsedPart:
    """The first stage: replace the range by the values of its used part (the later stages see values only)."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.ndim = options.get("ndim")

    def __call__(self, ctx: Any) -> None:
        rng = ctx.range
        if rng is None:
            return
        ctx.range = None
        if rng.shape == (1, 1):
            value = rng.raw_value
            ctx.value = EMPTY if value is None or value == "" else value
            return
        part = used_part(rng)
        if part is None:
            ctx.value = [] if self.ndim == 2 else EMPTY
            return
        value = part.raw_value
        if part.shape == (1, 1):
            value = ((value,),)  # COM gives one cell as a scalar
        ctx.value = [list(row) for row in value]


class UsedCells(Accessor):
    """The converter the UDFs declare for every argument (``xw.arg(name, UsedCells, …)``)."""

    @staticmethod
    def reader(options: dict[str, Any]) -> Pipeline:
        pipeline: Pipeline = ValueAccessor.reader(options)  # type: ignore[no-untyped-call]
        pipeline.insert(0, _ReadUsedPart(options))  # a Pipeline is a list of stages
        return pipeline


__all__ = ["EMPTY", "UsedCells", "used_part"]
