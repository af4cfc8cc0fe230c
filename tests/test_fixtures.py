"""The shared fixtures themselves: every fake symbol has its own prices, so a mixed-up symbol fails a test."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from conftest import fake_close, linear_prices, price_path

from marketreview.symbols import SymbolMap


def test_every_ticker_of_the_default_map_has_its_own_price_path() -> None:
    tickers = sorted({t for info in SymbolMap.default() for t in info.tickers} | {"A", "B"})
    paths = {t: price_path(t) for t in tickers}
    assert None not in paths.values()
    assert len(set(paths.values())) == len(tickers), "two fake symbols share a price path"
    assert len({p[0] for p in paths.values() if p}) > len(tickers) // 2  # levels differ too, not only slopes


def test_the_tenors_and_the_ratio_legs_differ_on_the_same_day() -> None:
    day = "2024-12-27"
    assert fake_close("DGS2", day) != fake_close("DGS10", day)
    assert fake_close("A", day) != fake_close("B", day)
    assert fake_close("^GSPC", day) != fake_close("^DJI", day)


def test_linear_prices_is_the_hand_formula() -> None:
    days = pd.DatetimeIndex(["2020-01-01", "2024-12-27"])
    got = linear_prices("^GSPC", days)
    assert got is not None and list(got) == [157.0, 157.0 + 0.75 * 1822]
    assert fake_close("^GSPC", dt.date(2024, 12, 27)) == 1523.5
    assert linear_prices("XNOPE", days) is None
