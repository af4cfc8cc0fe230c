"""Sector returns against a benchmark over one period (TOPIX-17 ETFs against TOPIX, US sectors against
the S&P 500). Excess return is the simple difference ``return - benchmark_return`` in return units."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Literal

import numpy as np
import pandas as pd

from ..errors import BadArgumentError, BadDateError, MarketReviewError
from .figure import merge_warnings
from .returns import perf

COLUMNS = ("return", "benchmark_return", "excess", "warnings")


def sector_returns(closes: Mapping[str, pd.Series], benchmark: pd.Series, start: dt.date, end: dt.date, *,
                   benchmark_symbol: str = "", sessions: pd.DatetimeIndex | None = None,
                   benchmark_sessions: pd.DatetimeIndex | None = None,
                   on_error: Literal["raise", "record"] = "raise") -> pd.DataFrame:
    """One row per key of ``closes`` (in order): ``return``, ``benchmark_return``, ``excess`` and
    ``warnings`` (the row's warnings joined with "; ", "" when none).

    A sector whose return cannot be computed raises, or with ``on_error="record"`` gets NaN numbers and the
    error text in ``warnings`` (so one dead ETF does not blank the whole table). The benchmark must work."""
    if on_error not in ("raise", "record"):
        raise BadArgumentError("on_error", on_error, "must be 'raise' or 'record'")
    if start > end:
        raise BadDateError(start, f"start is after end {end.isoformat()}", "start")
    bench = perf(benchmark, start, end, symbol=benchmark_symbol,
                 sessions=benchmark_sessions if benchmark_sessions is not None else sessions)
    rows: list[tuple[float, float, float, str]] = []
    for key, series in closes.items():
        try:
            figure = perf(series, start, end, symbol=key, sessions=sessions)
        except MarketReviewError as exc:
            if on_error == "raise":
                raise
            rows.append((np.nan, bench.value, np.nan, "; ".join(merge_warnings(str(exc), bench.warnings))))
            continue
        warnings = merge_warnings(figure.warnings, bench.warnings)
        rows.append((figure.value, bench.value, figure.value - bench.value, "; ".join(warnings)))
    frame = pd.DataFrame(rows, columns=list(COLUMNS), index=pd.Index(list(closes), name="symbol"))
    return frame.astype({"return": "float64", "benchmark_return": "float64", "excess": "float64"})
