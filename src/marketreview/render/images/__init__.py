"""Blog-ready PNG images of the review, drawn from the report model (the same one the workbook and the Markdown
review are built from), numbered as exhibits, each with its 出所 / Source and 期間 / Period lines (in the caption
text, and in the image unless the writer turns them off).

    exhibits = write_charts(report, Path("out/charts"))   # [Exhibit(path, title, source, period, notes), ...]
    write_charts(report, out, ImageOptions.parse("1200x675", credit="Stooq"))
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

from ...errors import RenderError
from ...report.model import Report
from ..atomic import atomic_write
from .charts import CHARTS, Drawn
from .macro_charts import MACRO_CHARTS, NotDrawn
from .options import MAX_BYTES, ImageOptions
from .style import chart_style, png_bytes


@dataclass(frozen=True)
class Exhibit:
    path: Path  # the PNG file written
    title: str  # localised title, without the 図表N / Exhibit N prefix
    source: str  # the 出所/Source line, e.g. "出所：Yahoo Finance、FRED（DGS2、DGS10）のデータを基に作成"
    period: str = ""  # the 期間/Period line, e.g. "期間：2024年1月2日～12月24日（日次）"
    notes: tuple[str, ...] = ()  # what the image does not show and why, adjustments, estimates
    served: tuple[str, ...] = ()  # the aliases/tickers it draws

    @property
    def caption(self) -> tuple[str, ...]:
        """The lines that go under the image in a post: 出所, 期間, then the notes."""
        return tuple(line for line in (self.source, self.period, *self.notes) if line)


class Exhibits(list[Exhibit]):
    """The exhibits written, in order, and (``not_drawn``) the macro exhibits the report had no data for, each
    saying which file or source would fill it."""

    not_drawn: list[NotDrawn]

    def __init__(self, exhibits: list[Exhibit], not_drawn: list[NotDrawn]) -> None:
        super().__init__(exhibits)
        self.not_drawn = not_drawn


def draw_all(report: Report, options: ImageOptions | None = None) -> tuple[list[Drawn], list[NotDrawn]]:
    """Every chart as a matplotlib figure, not yet saved, in exhibit order (the weekly charts, then exhibits 3–6
    of the seed material where the report has their data), and the exhibits it could not draw. A weekly chart
    with nothing to draw raises :class:`RenderError` naming it."""
    options = options or ImageOptions()
    drawn: list[Drawn] = []
    missing: list[NotDrawn] = []
    with chart_style():
        drawn += [chart(report, options) for chart in CHARTS]
        for macro in MACRO_CHARTS:
            item = macro(report, options)
            (missing if isinstance(item, NotDrawn) else drawn).append(item)  # type: ignore[arg-type]
    return drawn, missing


def draw_charts(report: Report, options: ImageOptions | None = None) -> list[Drawn]:
    """The charts :func:`draw_all` draws."""
    return draw_all(report, options)[0]


def png_size(path: Path) -> tuple[int, int]:
    """Width and height in pixels from a PNG's header (RenderError if it is not a PNG)."""
    with path.open("rb") as fh:
        head = fh.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        raise RenderError(str(path), "is not a PNG image")
    width, height = struct.unpack(">II", head[16:24])
    return int(width), int(height)


def write_charts(report: Report, out_dir: Path, options: ImageOptions | None = None) -> Exhibits:
    """Write every chart as ``out_dir/<key>.png`` and return them as exhibits, in order, with the macro
    exhibits that could not be drawn.

    All charts are drawn and encoded before any file is written, and each file is replaced atomically, so a
    chart that cannot be drawn leaves the folder as it was."""
    options = options or ImageOptions()
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RenderError(str(out_dir), f"cannot create the folder: {exc}") from exc
    exhibits: list[Exhibit] = []
    drawn, missing = draw_all(report, options)
    with chart_style():
        encoded = [(item, png_bytes(item.figure, options)) for item in drawn]
    for item, data in encoded:

        def verify(path: Path) -> None:
            if png_size(path) != options.size:
                raise RenderError(str(path), f"image is {png_size(path)} px, expected {options.size}")
            if path.stat().st_size >= MAX_BYTES:
                raise RenderError(str(path), f"image is {path.stat().st_size:,} bytes, over {MAX_BYTES:,}")

        def save(path: Path, data: bytes = data) -> None:
            path.write_bytes(data)

        path = atomic_write(out_dir / f"{item.key}.png", save, verify)
        exhibits.append(Exhibit(path, item.title, item.source, item.period, item.notes, item.served))
    return Exhibits(exhibits, missing)


__all__ = ["Drawn", "Exhibit", "Exhibits", "ImageOptions", "NotDrawn", "draw_all", "draw_charts", "png_size",
           "write_charts"]
