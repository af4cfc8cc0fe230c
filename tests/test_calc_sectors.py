"""Sector returns against a benchmark: a hand-made table."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from marketreview.calc.sectors import sector_returns
from marketreview.errors import NoDataError

D = dt.date.fromisoformat
INDEX = pd.DatetimeIndex([D("2025-01-06"), D("2025-01-10")])


def _closes() -> tuple[dict[str, pd.Series], pd.Series]:
    closes = {
        "1622.T": pd.Series([100.0, 110.0], index=INDEX),   # +10%
        "1631.T": pd.Series([50.0, 45.0], index=INDEX),     # -10%
        "1617.T": pd.Series([80.0, 80.0], index=INDEX),     # 0%
    }
    return closes, pd.Series([200.0, 210.0], index=INDEX)   # benchmark +5%


def test_sector_returns_table() -> None:
    closes, bench = _closes()
    table = sector_returns(closes, bench, D("2025-01-06"), D("2025-01-10"), benchmark_symbol="TOPIX")
    assert list(table.index) == ["1622.T", "1631.T", "1617.T"]
    assert list(table.columns) == ["return", "benchmark_return", "excess", "warnings"]
    np.testing.assert_allclose(table["return"], [0.10, -0.10, 0.0], atol=1e-15)
    np.testing.assert_allclose(table["benchmark_return"], [0.05] * 3, atol=1e-15)
    np.testing.assert_allclose(table["excess"], [0.05, -0.15, -0.05], atol=1e-15)
    assert list(table["warnings"]) == ["", "", ""]
    pd.testing.assert_series_equal(closes["1622.T"], pd.Series([100.0, 110.0], index=INDEX))


def test_a_dead_sector_raises_or_is_recorded() -> None:
    closes, bench = _closes()
    closes["1619.T"] = pd.Series([30.0], index=pd.DatetimeIndex([D("2024-10-01")]))
    with pytest.raises(NoDataError, match=r"1619\.T"):
        sector_returns(closes, bench, D("2025-01-06"), D("2025-01-10"))
    table = sector_returns(closes, bench, D("2025-01-06"), D("2025-01-10"), on_error="record")
    assert np.isnan(table.loc["1619.T", "return"]) and np.isnan(table.loc["1619.T", "excess"])
    assert "1619.T" in table.loc["1619.T", "warnings"]
    assert table.loc["1622.T", "excess"] == pytest.approx(0.05)


def test_sector_warnings_are_carried() -> None:
    closes, bench = _closes()
    sessions = pd.DatetimeIndex([D("2025-01-06"), D("2025-01-07"), D("2025-01-08"), D("2025-01-09"),
                                 D("2025-01-10"), D("2025-01-13")])
    table = sector_returns(closes, bench, D("2025-01-06"), D("2025-01-13"), sessions=sessions,
                           benchmark_symbol="TOPIX")
    assert table.loc["1622.T", "warnings"] == ("1622.T: no close on trading day 2025-01-13; used 2025-01-10; "
                                               "TOPIX: no close on trading day 2025-01-13; used 2025-01-10")
