"""How every chart image looks: one font, fixed sizes, one colour per series, the title block, the source line
and the DEMO mark. Plain settings plus a few helpers; the charts themselves live in :mod:`.charts`.

Output is deterministic: matplotlib's Agg canvas, the IPAexGothic font bundled with ``matplotlib-fontja`` (so
Japanese renders on every OS with no system font) and PNG metadata without the software version.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any, Final, cast

import matplotlib
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ...calc.summary import format_bp, format_pct
from ..escape import chart_text
from ..styles import GREEN, RED, STAMP_GREY

#: Pixels per inch of the written PNG: an 8 × 4.5 in figure is 2400 × 1350 px, a 1200 × 675 blog image at 2×.
DPI: Final = 300
WIDE: Final = (8.0, 4.5)
TALL: Final = (8.0, 6.0)
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


def new_figure(size: tuple[float, float] = WIDE, *, rows: int = 1, columns: int = 1,
               top: float = 0.80, bottom: float = 0.11) -> tuple[Figure, list[Any]]:
    """A figure whose axes fill the band between the title block (top) and the source line (bottom)."""
    figure = Figure(figsize=size, dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)  # Agg, whatever backend pyplot may have chosen elsewhere
    figure.get_layout_engine().set(rect=(0.0, bottom, 1.0, top - bottom), w_pad=0.08, h_pad=0.06)  # type: ignore[union-attr, call-arg]
    axes = figure.subplots(rows, columns, squeeze=False)
    return figure, [ax for row in axes for ax in row]


def decorate(figure: Figure, title: str, subtitle: str, source: str, *, demo: bool, demo_text: str,
             notes: list[str] | None = None) -> None:
    """Title, as-of/period line, the 出所/Source line (plus any notes) and, for synthetic data, DEMO across the
    image."""
    figure.text(0.012, 0.975, chart_text(title), fontsize=14, va="top", ha="left", gid="title")
    figure.text(0.012, 0.895, chart_text(subtitle), fontsize=9.5, color=GREY, va="top", ha="left", gid="subtitle")
    footer = [chart_text(line) for line in (source, *(notes or []))]
    figure.text(0.012, 0.015, "\n".join(footer), fontsize=8.5, color=GREY, va="bottom", ha="left", gid="source")
    # keep the axes clear of the footer: one 8.5-pt line is about 0.16 in
    line = 0.16 / figure.get_size_inches()[1]
    engine = figure.get_layout_engine()
    if engine is not None:
        left, bottom, width, height = engine.get()["rect"]
        needed = 0.03 + line * (len(footer) + 1)
        if needed > bottom:
            engine.set(rect=(left, needed, width, bottom + height - needed))  # type: ignore[call-arg]
    if demo:
        figure.text(0.5, 0.5, "DEMO", fontsize=110, color="#" + RED, alpha=0.22,
                    rotation=20, ha="center", va="center", zorder=10, gid="demo")
        figure.text(0.988, 0.975, demo_text, fontsize=9, color="#" + RED, va="top",
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


def save_png(figure: Figure, path: Path) -> None:
    # zlib level 1: PNG encoding is the largest cost of an image; level 6 saves ~15% of bytes for ~20% more time
    figure.savefig(path, format="png", dpi=DPI, metadata={"Software": None}, facecolor="white",
                   pil_kwargs={"compress_level": 1})


__all__ = ["COLOURS", "DPI", "FONT_NAME", "TALL", "WIDE", "bp_text", "chart_style", "decorate", "level_text",
           "new_figure", "pct_text", "save_png", "signed_colours"]
