"""Blog-ready PNG images of the review, drawn from the report model (the same one the workbook and the Markdown
review are built from), numbered as exhibits with a 出所 / Source line each.

    exhibits = write_charts(report, Path("out/charts"))   # [Exhibit(path, title, source), ...]
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

from matplotlib.figure import Figure

from ...errors import RenderError
from ...report.model import Report
from ..atomic import atomic_write
from .charts import CHARTS, Drawn
from .style import DPI, chart_style, save_png


@dataclass(frozen=True)
class Exhibit:
    path: Path  # the PNG file written
    title: str  # localised title, without the 図表N / Exhibit N prefix
    source: str  # the 出所/Source line, e.g. "出所：Yahoo Finance、FREDのデータを基に作成"


def draw_charts(report: Report) -> list[Drawn]:
    """Every chart as a matplotlib figure, not yet saved, in exhibit order. A chart with nothing to draw raises
    :class:`RenderError` naming it."""
    with chart_style():
        return [chart(report) for chart in CHARTS]


def png_size(path: Path) -> tuple[int, int]:
    """Width and height in pixels from a PNG's header (RenderError if it is not a PNG)."""
    with path.open("rb") as fh:
        head = fh.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        raise RenderError(str(path), "is not a PNG image")
    width, height = struct.unpack(">II", head[16:24])
    return int(width), int(height)


def expected_size(drawn: Drawn) -> tuple[int, int]:
    width, height = drawn.figure.get_size_inches()
    return round(width * DPI), round(height * DPI)


def write_charts(report: Report, out_dir: Path) -> list[Exhibit]:
    """Write every chart as ``out_dir/<key>.png`` and return them as exhibits, in order.

    All charts are drawn before any file is written, and each file is replaced atomically, so a chart that
    cannot be drawn leaves the folder as it was."""
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RenderError(str(out_dir), f"cannot create the folder: {exc}") from exc
    exhibits: list[Exhibit] = []
    with chart_style():
        drawn = [chart(report) for chart in CHARTS]
        for item in drawn:
            size = expected_size(item)

            def verify(path: Path, size: tuple[int, int] = size) -> None:
                if png_size(path) != size:
                    raise RenderError(str(path), f"image is {png_size(path)} px, expected {size}")

            def save(path: Path, figure: Figure = item.figure) -> None:
                save_png(figure, path)

            path = atomic_write(out_dir / f"{item.key}.png", save, verify)
            exhibits.append(Exhibit(path, item.title, item.source))
    return exhibits


__all__ = ["Drawn", "Exhibit", "draw_charts", "expected_size", "png_size", "write_charts"]
