"""How every chart image looks: one font, fixed sizes, one colour per series, the title block, the source line
and the DEMO mark. Plain settings plus a few helpers; the charts themselves live in :mod:`.charts`.

Output is deterministic: matplotlib's Agg canvas, the IPAexGothic font bundled with ``matplotlib-fontja`` (so
Japanese renders on every OS with no system font) and PNG metadata without the software version.
"""

from __future__ import annotations

import contextlib
import io
import math
import unicodedata
from collections.abc import Iterator, Sequence
from functools import cache
from pathlib import Path
from typing import Any, Final, cast

import matplotlib
import numpy as np
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import Formatter
from PIL import Image

from ...calc.summary import format_bp, format_pct
from ...errors import RenderError
from ..escape import chart_text
from ..styles import GREEN, RED, STAMP_GREY
from .options import MAX_BYTES, ImageOptions

#: The dpi figures are created at; the written size comes from :class:`.options.ImageOptions` (1600 × 900 px by
#: default: the 8-in-wide figure drawn at 200 dpi).
DPI: Final = 200
FONT_NAME: Final = "IPAexGothic"

#: One colour per series, everywhere it appears.
COLOURS: Final = {
    "positive": "#" + GREEN,
    "negative": "#" + RED,
    "us2y": "#E08214",
    "us10y": "#1F4E79",
    "r2g": "#7B3294",
    "r2": "#1B7837",
    "ew": "#2166AC",
    "ma": "#8C8C8C",
    "mag7": "#C51B7D",
    "benchmark": "#404040",
}
GREY: Final = "#" + STAMP_GREY

_RC: Final[dict[str, Any]] = {
    "font.family": [FONT_NAME, "DejaVu Sans"],
    "font.size": 10,
    "axes.unicode_minus": False,  # "-" as in the review text, not U+2212
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.axisbelow": True,
    "grid.color": "#E0E0E0",
    "grid.linewidth": 0.6,
    "axes.edgecolor": "#808080",
    "axes.titlesize": 11,
    "axes.titlelocation": "left",
    "xtick.color": "#404040",
    "ytick.color": "#404040",
    "legend.frameon": False,
    "legend.fontsize": 9,
    "lines.linewidth": 1.8,
    "svg.hashsalt": "marketreview",
    "savefig.dpi": DPI,
    "savefig.facecolor": "white",
}


@cache
def _font_file() -> str:
    """Register the bundled Japanese font with matplotlib once and return its path."""
    import matplotlib_fontja

    path = str(matplotlib_fontja.get_font_ttf_path())
    font_manager.fontManager.addfont(path)
    return path


@contextlib.contextmanager
def chart_style() -> Iterator[None]:
    """The house settings for drawing and saving, without changing the caller's matplotlib settings."""
    _font_file()
    with matplotlib.rc_context(cast(Any, _RC)):
        yield


def new_figure(options: ImageOptions, *, rows: int = 1, columns: int = 1,
               top: float = 0.80, bottom: float = 0.11) -> tuple[Figure, list[Any]]:
    """A figure of the options' size whose axes fill the band between the title block (top) and the source line
    (bottom)."""
    width, height = options.inches
    top = 1.0 - (1.0 - top) * 4.5 / height  # the title block keeps its height in inches whatever the aspect
    bottom = bottom * 4.5 / height
    figure = Figure(figsize=(width, height), dpi=options.dpi, layout="constrained")
    FigureCanvasAgg(figure)  # Agg, whatever backend pyplot may have chosen elsewhere
    figure.get_layout_engine().set(rect=(0.0, bottom, 1.0, top - bottom), w_pad=0.08, h_pad=0.06)  # type: ignore[union-attr, call-arg]
    axes = figure.subplots(rows, columns, squeeze=False)
    return figure, [ax for row in axes for ax in row]


def decorate(figure: Figure, title: str, subtitle: str, credit: Sequence[str], *, demo: bool, demo_text: str,
             notes: list[str] | None = None) -> None:
    """Title, as-of line, the footer (the ``credit`` lines — 出所 and 期間, or none — then any notes) and, for
    synthetic data, DEMO across the image."""
    height = figure.get_size_inches()[1]
    figure.text(0.012, 1.0 - 0.1125 / height, chart_text(title), fontsize=14, va="top", ha="left", gid="title")
    figure.text(0.012, 1.0 - 0.4725 / height, chart_text(subtitle), fontsize=9.5, color=GREY, va="top", ha="left",
                gid="subtitle")
    room = int(figure.get_size_inches()[0] * 72 / _FOOTER_PT * 1.9)  # half-width characters across the image
    footer = [chart_text(line) for line in (*credit, *(part for note in notes or [] for part in fit_line(note, room)))]
    if footer:
        figure.text(0.012, 0.015, "\n".join(footer), fontsize=_FOOTER_PT, color=GREY, va="bottom", ha="left",
                    linespacing=1.35, gid="source")
    # keep the axes clear of the footer: one 8.5-pt line is about 0.16 in
    line = 0.175 / figure.get_size_inches()[1]
    engine = figure.get_layout_engine()
    if engine is not None:
        left, bottom, width, height = engine.get()["rect"]
        needed = 0.03 + line * (len(footer) + 1)
        if needed > bottom:
            engine.set(rect=(left, needed, width, bottom + height - needed))  # type: ignore[call-arg]
    if demo:
        figure.text(0.5, 0.5, "DEMO", fontsize=110, color="#" + RED, alpha=0.22,
                    rotation=20, ha="center", va="center", zorder=10, gid="demo")
        figure.text(0.988, 1.0 - 0.1125 / height, demo_text, fontsize=9, color="#" + RED, va="top",
                    ha="right", gid="demo_note")


def signed_colours(values: list[float]) -> list[str]:
    return [COLOURS["positive"] if v >= 0 else COLOURS["negative"] for v in values]


def pct_text(value: float, decimals: int = 2) -> str:
    """A fraction the way the review lines show it: +0.67%."""
    return format_pct(value, decimals)


def level_text(value: float, decimals: int = 2) -> str:
    """A level that is already in percent (a yield, 4.52) or a fraction shown as percent is done by callers."""
    return f"{value:.{decimals}f}%"


def bp_text(value: float) -> str:
    return format_bp(value)


_FOOTER_PT: Final = 8.5


def _units(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def fit_line(text: str, room: int, most: int = 2) -> list[str]:
    """``text`` broken into at most ``most`` lines of about ``room`` half-width characters, the last one cut with
    "…" if it does not fit (the caption under the image carries it whole)."""
    lines: list[str] = []
    current = ""
    for ch in text:
        if _units(current) + _units(ch) > room:
            cut = current.rfind(" ")
            if cut > len(current) - 24 and cut > 0:  # English: break between words
                lines.append(current[:cut])
                current = current[cut + 1:]
            else:
                lines.append(current)
                current = ""
        current += ch
    lines.append(current)
    if len(lines) > most:
        last = lines[most - 1]
        while last and _units(last) + 1 > room:
            last = last[:-1]
        lines = [*lines[: most - 1], last + "…"]
    return lines


class ExactFormatter(Formatter):
    """Tick labels with the fewest decimals (at least ``least``) that show every tick's value exactly: ticks
    0.25 % apart read 26.00% / 26.25% / 26.50%, never 26.0% / 26.2% / 26.5%. ``scale`` turns a fraction into
    percent (100)."""

    def __init__(self, scale: float = 1.0, suffix: str = "%", least: int = 0, most: int = 4) -> None:
        self.scale, self.suffix, self.least, self.most = scale, suffix, least, most
        self.decimals = least

    def set_locs(self, locs: list[float]) -> None:
        super().set_locs(locs)
        self.decimals = exact_decimals([v * self.scale for v in locs], self.least, self.most)

    def __call__(self, x: float, pos: int | None = None) -> str:
        value = x * self.scale
        if abs(value) < 0.5 * 10 ** -self.decimals:
            value = 0.0  # never "-0.00%"
        return f"{value:.{self.decimals}f}{self.suffix}"


def exact_decimals(values: Sequence[float], least: int = 0, most: int = 4) -> int:
    """The fewest decimals, from ``least`` to ``most``, that write every one of ``values`` exactly."""
    finite = [v for v in values if math.isfinite(v)]
    for decimals in range(least, most + 1):
        if all(abs(v - round(v, decimals)) <= 1e-9 * max(1.0, abs(v)) for v in finite):
            return decimals
    return most


def png_bytes(figure: Figure, options: ImageOptions) -> bytes:
    """The figure as an opaque RGB PNG of exactly ``options.size`` pixels, under :data:`MAX_BYTES`."""
    figure.set_dpi(options.dpi)
    canvas = figure.canvas
    canvas.draw()
    pixels = np.asarray(cast(FigureCanvasAgg, canvas).buffer_rgba())[..., :3]  # type: ignore[no-untyped-call]
    if (pixels.shape[1], pixels.shape[0]) != options.size:
        raise RenderError("chart image", f"drew {pixels.shape[1]} × {pixels.shape[0]} px, expected "
                                         f"{options.width} × {options.height}")
    image = Image.fromarray(np.ascontiguousarray(pixels), "RGB")
    data = b""
    # zlib level 1 first: PNG encoding is the largest cost of an image; 9 only when an image would be too large
    for level in (1, 9):
        out = io.BytesIO()
        image.save(out, format="PNG", compress_level=level)
        data = out.getvalue()
        if len(data) < MAX_BYTES:
            return data
    raise RenderError("chart image", f"is {len(data):,} bytes, over the {MAX_BYTES:,}-byte limit; use a smaller --size")


def save_png(figure: Figure, path: Path, options: ImageOptions | None = None) -> None:
    Path(path).write_bytes(png_bytes(figure, options or ImageOptions()))


__all__ = ["COLOURS", "DPI", "FONT_NAME", "ExactFormatter", "bp_text", "chart_style", "decorate", "exact_decimals",
           "level_text", "new_figure", "pct_text", "png_bytes", "save_png", "signed_colours"]
