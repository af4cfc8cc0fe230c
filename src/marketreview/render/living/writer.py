"""Writing the living workbook: openpyxl saves it, then the engine's values are cached in the saved XML."""

from __future__ import annotations

import os
from pathlib import Path

from ...engine import Engine
from ...errors import RenderError
from ...report.model import Report
from ..atomic import atomic_write
from ..xlsx import verify_written
from .cached import fill_cached
from .workbook import render_living


def write_living(report: Report, engine: Engine, path: str | os.PathLike[str], *, cached: bool = True) -> Path:
    """Render ``report`` as a living workbook at ``path``, atomically (an existing file is replaced only by a
    complete one that opened again). ``cached=False`` leaves the formulas without values (tests use it to
    prove a spreadsheet program computed them)."""
    if Path(path).suffix.lower() != ".xlsx":
        raise RenderError(str(path), "a built review is a macro-free workbook: name it .xlsx")
    titles: list[str] = []

    def writer(temp: Path) -> None:  # rendering too: any failure is a RenderError naming path, the file kept
        book, values, rows = render_living(report, engine)
        titles.extend(book.sheetnames)
        book.save(temp)
        fill_cached(temp, values if cached else {}, rows)

    return atomic_write(path, writer, lambda temp: verify_written(temp, titles))
