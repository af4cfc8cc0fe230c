"""What ``charts`` tells the writer about the images' 出所 lines: a CSV folder's series whose provider neither
the folder's index.csv (``source`` column) nor the writer (``--credit`` or the ``credit`` setting) names are
credited to "CSV files", which a post cannot publish."""

from __future__ import annotations

from collections.abc import Iterable

from ...report.model import Report
from . import reading
from .options import ImageOptions


def uncredited_warning(report: Report, options: ImageOptions, served: Iterable[str]) -> str:
    """One line naming the images' series that are credited to "CSV files" ("" when every image names a real
    provider). ``served``: the aliases/tickers the images draw."""
    if options.credit:
        return ""
    sources = reading.table(report, "sources", "sources")
    wanted = set(served)
    tickers = [str(r["ticker"].value) for r in sources.records()
               if (r["alias"].value in wanted or r["ticker"].value in wanted)
               and reading.uncredited(report, [str(r["ticker"].value)])]
    tickers = list(dict.fromkeys(tickers))
    if not tickers:
        return ""
    shown = ", ".join(tickers[:6]) + (f" and {len(tickers) - 6} more" if len(tickers) > 6 else "")
    return (f"the images credit {shown} to \"CSV files\": add a source column to index.csv, or name the provider "
            "with --credit TEXT (or marketreview config --credit TEXT)")


__all__ = ["uncredited_warning"]
