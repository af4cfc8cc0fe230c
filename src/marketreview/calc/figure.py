"""The value types every calculation returns: a close with the date it came from, and a figure with the
closes it was computed from and any warnings the reader should see next to it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace


@dataclass(frozen=True, slots=True)
class AsOf:
    """One close: its ``value``, the ``date`` it was observed and the date that was ``requested``.

    ``date`` is on or before ``requested``; they differ on weekends and holidays (Bloomberg's
    Fill=Previous)."""

    value: float
    date: dt.date
    requested: dt.date

    @property
    def filled(self) -> bool:
        """True when the close comes from an earlier day than the one requested."""
        return self.date != self.requested


@dataclass(frozen=True, slots=True)
class Figure:
    """A computed number. ``start``/``end`` are the closes a change was measured between (``None`` when the
    figure is not a change); ``parts`` holds the closes of a composite figure (a ratio's numerator and
    denominator, a spread's two legs) in argument order."""

    value: float
    start: AsOf | None = None
    end: AsOf | None = None
    warnings: tuple[str, ...] = ()
    parts: tuple[AsOf, ...] = ()

    def with_warnings(self, *warnings: str | None) -> Figure:
        """This figure with ``warnings`` appended (``None`` and repeats dropped)."""
        merged = merge_warnings(self.warnings, warnings)
        return self if merged == self.warnings else replace(self, warnings=merged)


def merge_warnings(*groups: Iterable[str | None] | str | None) -> tuple[str, ...]:
    """Concatenate warnings in order, dropping ``None``, empty strings and repeats.

    Each argument is a single warning or an iterable of them:
    ``merge_warnings(w1, fig.warnings, [w2, w3])``."""
    seen: dict[str, None] = {}
    for group in groups:
        items: Iterable[str | None] = (group,) if group is None or isinstance(group, str) else group
        for item in items:
            if item:
                seen.setdefault(item, None)
    return tuple(seen)
