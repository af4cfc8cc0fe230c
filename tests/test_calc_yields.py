"""Yield levels, changes and spreads in basis points (answers in calc_yields.csv, made with integer math)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from answers import cases, series

from marketreview.calc.yields import spread_bp, to_bp, yield_change_bp, yield_level
from marketreview.errors import BadDateError

D = dt.date.fromisoformat


@pytest.mark.parametrize("row", cases("calc_yields", "start", "end"))
def test_yield_answers(row: dict) -> None:
    change = yield_change_bp(series("Y10"), row["start"], row["end"], symbol="DGS10")
    assert change.value == float(row["change_bp"])  # exact: float noise is rounded away
    assert (change.start.date, change.start.value) == (row["start_date"], row["start_value"])
    assert (change.end.date, change.end.value) == (row["end_date"], row["end_value"])
    assert yield_level(series("Y10"), row["end"]).value == row["end_value"]
    spread = spread_bp(series("Y10"), series("Y2"), row["end"], symbols=("DGS10", "DGS2"))
    assert spread.value == float(row["spread_bp"])
    assert spread.parts[1].value == row["short_value"]


def test_hand_check_ten_bp() -> None:
    assert (4.62 - 4.52) * 100 != 10.0  # the float noise this module exists to remove
    assert to_bp(4.62 - 4.52) == 10.0
    assert to_bp(4.52 - 4.62) == -10.0
    assert str(to_bp(0.0)) == "0.0" and str(to_bp(-0.0)) == "0.0"


def test_spread_legs_on_different_dates_warn() -> None:
    long = pd.Series([4.60, 4.62], index=pd.DatetimeIndex([D("2025-10-30"), D("2025-10-31")]))
    short = pd.Series([3.60], index=pd.DatetimeIndex([D("2025-10-30")]))
    figure = spread_bp(long, short, D("2025-10-31"), symbols=("DGS10", "DGS2"))
    assert figure.value == 102.0
    assert figure.warnings == ("DGS10 2025-10-31 and DGS2 2025-10-30: spread legs from different dates",)


def test_change_start_after_end() -> None:
    with pytest.raises(BadDateError):
        yield_change_bp(series("Y10"), D("2024-12-27"), D("2024-12-20"))
