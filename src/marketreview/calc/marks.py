"""The marks a figure carries, read once from the warnings the calculations and the engine attach to it.

A warning is English text for the cell's note (``^GSPC: no close on trading day 2024-12-27; used 2024-12-26``);
a :class:`Mark` is what that warning means to a reader, so every renderer words it the same way
(:func:`marketreview.calc.summary.mark_text`). Kinds:

- ``missing``: sessions with no close (``days``); the figure used the close of ``used``;
- ``ends``: the series stopped at ``used`` (a stale series);
- ``stale``: the last fetch failed; ``used`` is the last good date (None: nothing cached);
- ``estimate``: MAG7SHARE before its first snapshot, extrapolated back from ``used``;
- ``anchor``: MAG7SHARE's member caps are of ``used``, ``age`` days from the figure's date;
- ``substitute``: the figure comes from ``ticker``, a stand-in for ``of`` (the symbol map's fallback);
- ``adjusted``: the closes are dividend-adjusted (a total return, not a price return);
- ``raw``: an ETF proxy's returns from raw closes (its distributions are not included);
- ``other``: any other warning, shown as it is (``text``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from .figure import Figure

MarkKind = Literal["missing", "ends", "stale", "estimate", "anchor", "substitute", "adjusted", "raw", "other"]


#: the kinds of mark a whole series carries (on its name cell), shown after each of its lines
SERIES_KINDS: tuple[MarkKind, ...] = ("adjusted", "raw", "stale")


@dataclass(frozen=True)
class Mark:
    kind: MarkKind
    #: missing: the sessions without a close
    days: tuple[dt.date, ...] = ()
    #: missing / ends / stale: the date of the close the figure used; estimate / anchor: the snapshot's date
    used: dt.date | None = None
    #: anchor: days from the snapshot to the figure's date (negative: the snapshot is later)
    age: int | None = None
    #: substitute: the ticker that served the figure and the one it stands in for
    ticker: str = ""
    of: str = ""
    #: the warning it was read from
    text: str = ""

    @property
    def names_close(self) -> bool:
        """True when the figure is an older close than the one asked for (the post names the close it used)."""
        return self.kind in ("missing", "ends", "stale") and self.used is not None


_ISO = r"(\d{4}-\d{2}-\d{2})"
_MISSING_RE = re.compile(r"no close on trading days? ((?:\d{4}-\d{2}-\d{2}(?:, )?)+)(?:; used " + _ISO + ")?")
_ENDS_RE = re.compile(r"data ends " + _ISO)
_STALE_RE = re.compile(r"^(?:STALE|NO DATA): (?:last )?fetch failed.*?(?:last good date " + _ISO + ")?$")
_ESTIMATE_RE = re.compile(r"ESTIMATE before the first snapshot.*?extrapolated back from " + _ISO)
_ANCHOR_RE = re.compile(r"member caps anchored at " + _ISO + r"(?: \((\d+) days? (before|after)\))?")
_FALLBACK_RE = re.compile(r"fallback for ([^\s;]+)")
_ADJUSTED_RE = re.compile(r"dividend-adjusted closes")
_RAW_RE = re.compile(r"returns from raw closes")
#: several warnings joined into one cell note ("A: …; used …; B: …") split before the next "SYMBOL: ", or the
#: next "A 2024-12-26 and B 2024-12-27: " (a spread's legs from two dates)
_JOINED_RE = re.compile(r"; (?=[^\s;:]+(?: \d{4}-\d{2}-\d{2} and [^\s;:]+ \d{4}-\d{2}-\d{2})?: )")


def _day(iso: str) -> dt.date:
    return dt.date.fromisoformat(iso)


def parse_warning(warning: str) -> Mark:
    """The mark one warning stands for."""
    missing = _MISSING_RE.search(warning)
    if missing:
        days = tuple(_day(d) for d in missing.group(1).split(", ") if d)
        return Mark("missing", days=days, used=_day(missing.group(2)) if missing.group(2) else None, text=warning)
    stale = _STALE_RE.search(warning)
    if stale:
        return Mark("stale", used=_day(stale.group(1)) if stale.group(1) else None, text=warning)
    estimate = _ESTIMATE_RE.search(warning)
    if estimate:
        return Mark("estimate", used=_day(estimate.group(1)), text=warning)
    anchor = _ANCHOR_RE.search(warning)
    if anchor:
        age = None if anchor.group(2) is None else int(anchor.group(2)) * (1 if anchor.group(3) == "before" else -1)
        return Mark("anchor", used=_day(anchor.group(1)), age=age, text=warning)
    fallback = _FALLBACK_RE.search(warning)
    if fallback:
        return Mark("substitute", ticker=warning.split(":", 1)[0] if ": " in warning else "", of=fallback.group(1),
                    text=warning)
    if _RAW_RE.search(warning):
        return Mark("raw", ticker=warning.split(":", 1)[0] if ": " in warning else "", text=warning)
    if _ADJUSTED_RE.search(warning):
        return Mark("adjusted", ticker=warning.split(":", 1)[0] if ": " in warning else "", text=warning)
    ends = _ENDS_RE.search(warning)
    if ends:
        return Mark("ends", used=_day(ends.group(1)), text=warning)
    return Mark("other", text=warning)


def split_warnings(warnings: Iterable[str | None]) -> list[str]:
    """Warnings one by one: a cell's note that joins several with "; " is split back into them."""
    return [p for w in warnings if w for p in _JOINED_RE.split(w) if p]


def parse_warnings(warnings: Iterable[str | None]) -> tuple[Mark, ...]:
    """The marks of ``warnings`` in order, each once (a MAG7SHARE note holds an estimate and an anchor)."""
    out: dict[Mark, None] = {}
    for part in split_warnings(warnings):
        out.setdefault(parse_warning(part), None)
    return tuple(out)


def marks_for(figure: Figure, part: str = "value") -> tuple[Mark, ...]:
    """The marks of one published part of ``figure``: its ``value`` carries all of them; its ``start`` or ``end``
    close only those about that close (a missing session before the other end is not this close's)."""
    marks = parse_warnings(figure.warnings)
    if part == "value":
        return marks
    point = figure.end if part.startswith("end") else figure.start
    own = point.date if point is not None else None
    return tuple(m for m in marks if not m.names_close or m.used == own)


def substitute_warning(ticker: str, preferred: str) -> str | None:
    """The warning of a figure served by ``ticker`` in place of the symbol map's ``preferred`` ticker."""
    return None if ticker == preferred else f"{ticker}: fallback for {preferred} (a substitute, not the same series)"


def adjusted_warning(ticker: str) -> str:
    """The warning of a figure computed from dividend-adjusted closes (a total return)."""
    return f"{ticker}: dividend-adjusted closes (a total return, not a price return)"


def fallback_of(note: str) -> str | None:
    """The ticker a Sources note says the series stands in for (``fallback for ^TOPX``), else None."""
    found = _FALLBACK_RE.search(note)
    return found.group(1) if found else None
