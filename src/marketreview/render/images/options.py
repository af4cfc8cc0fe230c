"""What the writer chooses about the images: their size in pixels, the 出所 credit for data whose provider the
report does not know, and whether the 出所 / 期間 lines are drawn into the picture (they are always in the
caption text).

    ImageOptions()                          # 1600 × 900, credit lines in the image
    ImageOptions.parse("1200x675")          # X / small blogs
    ImageOptions.parse("print")             # 2400 × 1350 (8 × 4.5 in at 300 dpi)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Final

from ...errors import BadArgumentError

#: Every figure is laid out 8 in wide (fonts are in points); the pixel size picks the dpi it is drawn at.
FIGURE_WIDTH_IN: Final = 8.0
#: Named sizes of ``--size``.
NAMED_SIZES: Final = {"blog": (1600, 900), "x": (1200, 675), "print": (2400, 1350)}
DEFAULT_SIZE: Final = NAMED_SIZES["blog"]
#: No image may be larger than this (blog and X upload limits are at or above it).
MAX_BYTES: Final = 1_000_000
_LIMITS: Final = (600, 4000)  # pixels, either side
_ASPECT: Final = (0.5, 2.5)  # width ÷ height
_SIZE = re.compile(r"^\s*(\d{2,5})\s*[x×X*]\s*(\d{2,5})\s*$")


@dataclass(frozen=True)
class ImageOptions:
    width: int = DEFAULT_SIZE[0]
    height: int = DEFAULT_SIZE[1]
    #: the provider to name for series whose source the report cannot name (a CSV folder without a
    #: ``source`` column in its index.csv); None: such series are credited to "CSV files"
    credit: str | None = None
    #: draw the 出所 and 期間 lines into the image (False: only in the caption text)
    credit_in_image: bool = True

    @property
    def dpi(self) -> float:
        return self.width / FIGURE_WIDTH_IN

    @property
    def inches(self) -> tuple[float, float]:
        return FIGURE_WIDTH_IN, self.height / self.dpi

    @property
    def size(self) -> tuple[int, int]:
        return self.width, self.height

    @classmethod
    def parse(cls, size: str | None, credit: str | None = None, *, credit_in_image: bool = True) -> ImageOptions:
        """Options from the command line's ``--size`` (``1200x675`` or a name: blog, x, print)."""
        width, height = parse_size(size) if size else DEFAULT_SIZE
        text = credit.strip() if credit is not None else None
        if text is not None and (not text or len(text) > 120 or any(ch in text for ch in "\r\n\t")):
            raise BadArgumentError("--credit", credit, "must be one line of at most 120 characters")
        return cls(width, height, text or None, credit_in_image)

    def with_credit(self, credit: str | None) -> ImageOptions:
        return replace(self, credit=credit)


def parse_size(text: str) -> tuple[int, int]:
    named = NAMED_SIZES.get(text.strip().lower())
    if named is not None:
        return named
    match = _SIZE.match(text)
    if match is None:
        raise BadArgumentError("--size", text, f"must be WIDTHxHEIGHT in pixels (e.g. 1200x675) or one of "
                                               f"{', '.join(NAMED_SIZES)}")
    width, height = int(match[1]), int(match[2])
    low, high = _LIMITS
    if not (low <= width <= high and low // 2 <= height <= high):
        raise BadArgumentError("--size", text, f"must be {low} to {high} px wide and {low // 2} to {high} px high")
    if not _ASPECT[0] <= width / height <= _ASPECT[1]:
        raise BadArgumentError("--size", text, "is too narrow or too wide for a chart (width ÷ height must be "
                                               f"{_ASPECT[0]} to {_ASPECT[1]})")
    return width, height


__all__ = ["DEFAULT_SIZE", "FIGURE_WIDTH_IN", "MAX_BYTES", "NAMED_SIZES", "ImageOptions", "parse_size"]
