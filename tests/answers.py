"""The one loader for answer files in ``tests/resources`` (made by ``tests/resources/make_answers.py``).

Columns are converted by name:

- ``date``, ``when``, ``start``, ``end``, ``week`` and ``*_date`` → ``datetime.date``;
- ``value``, ``ratio``, ``ma``, ``difference``, ``relative``, ``*_close`` and ``*_value`` → float;
- ``weeks``, ``count`` and ``*_bp`` → int; ``missing`` → a tuple of dates;
- an empty cell → ``None``; everything else stays text.
"""

from __future__ import annotations

import csv
import datetime as dt
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

RESOURCES = Path(__file__).resolve().parent / "resources"

_DATES = {"date", "when", "start", "end", "week"}
_FLOATS = {"value", "ratio", "ma", "difference", "relative", "close"}
_INTS = {"weeks", "count"}


def _convert(column: str, text: str) -> Any:
    if column == "missing":
        return tuple(dt.date.fromisoformat(t) for t in text.split("|") if t)
    if text == "":
        return None
    if column in _DATES or column.endswith("_date"):
        return dt.date.fromisoformat(text)
    if column in _FLOATS or column.endswith(("_close", "_value")):
        return float(text)
    if column in _INTS or column.endswith("_bp"):
        return int(text)
    return text


@cache
def rows(name: str) -> tuple[dict[str, Any], ...]:
    """Every row of ``resources/<name>.csv`` as a dict of converted values."""
    with (RESOURCES / f"{name}.csv").open(encoding="utf-8", newline="") as fh:
        return tuple({k: _convert(k, v) for k, v in row.items()} for row in csv.DictReader(fh))


def cases(name: str, *id_columns: str, **where: Any) -> list[Any]:
    """The rows of ``name`` (optionally only those matching ``where``) as ``pytest.param``s of one dict each,
    with ids built from ``id_columns``."""
    selected = [r for r in rows(name) if all(r[k] == v for k, v in where.items())]
    return [pytest.param(r, id="-".join(str(r[c]) for c in id_columns)) for r in selected]


@cache
def _fixture() -> dict[str, pd.Series]:
    frame = pd.read_csv(RESOURCES / "calc_fixture_closes.csv", parse_dates=["date"])
    out = {}
    for symbol, part in frame.groupby("symbol", sort=False):
        index = pd.DatetimeIndex(part["date"], name="date")
        out[str(symbol)] = pd.Series(part["close"].to_numpy(dtype="float64"), index=index, name=str(symbol))
    return out


def series(symbol: str) -> pd.Series:
    """A fresh copy of the fixture closes of ``symbol`` ("US", "JP", "JPGAP", "Y10", "Y2")."""
    return _fixture()[symbol].copy()
