"""close_asof and friends against the answer file calc_closes.csv and small hand-made cases."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from answers import cases, series

from marketreview import calendars
from marketreview.calc.figure import AsOf, Figure, merge_warnings
from marketreview.calc.prices import close_asof, close_pair, first_date, last_date, series_slice
from marketreview.errors import BadDateError, DataFormatError, NoDataError

D = dt.date.fromisoformat


def _sessions(calendar: str) -> pd.DatetimeIndex | None:
    return None if calendar == "none" else calendars.sessions(calendar, D("2023-01-01"), D("2026-12-31"))


@pytest.mark.parametrize("row", cases("calc_closes", "symbol", "when", "calendar"))
def test_close_asof_answers(row: dict) -> None:
    closes = series(row["symbol"])
    before = closes.copy()
    sessions = _sessions(row["calendar"])
    if row["outcome"] == "nodata":
        with pytest.raises(NoDataError) as info:
            close_asof(closes, row["when"], symbol=row["symbol"], sessions=sessions)
        assert str(info.value).startswith(f"{row['symbol']}: ")
        assert row["when"].isoformat() in str(info.value)
    else:
        asof, warning = close_asof(closes, row["when"], symbol=row["symbol"], sessions=sessions)
        assert asof == AsOf(row["value"], row["date"], row["when"])
        if row["outcome"] == "warning":
            assert warning is not None
            assert warning.startswith(f"{row['symbol']}: no close on trading day")
            assert warning.endswith(f"; used {row['date'].isoformat()}")
            for day in row["missing"]:
                assert day.isoformat() in warning
        else:
            assert warning is None
    pd.testing.assert_series_equal(closes, before)


def test_warning_text_names_symbol_and_dates() -> None:
    _, warning = close_asof(series("JPGAP"), D("2025-03-05"), symbol="1619.T", sessions=_sessions("XTKS"))
    assert warning == "1619.T: no close on trading day 2025-03-05; used 2025-03-04"
    _, warning = close_asof(series("JPGAP"), D("2025-02-06"), symbol="1619.T", sessions=_sessions("XTKS"))
    assert warning == ("1619.T: no close on trading days 2025-02-03, 2025-02-04, 2025-02-05, 2025-02-06; "
                       "used 2025-01-31")


def test_data_end_message_without_sessions() -> None:
    ruo = pd.Series([1672.0, 1680.5], index=pd.DatetimeIndex([D("2025-12-15"), D("2025-12-16")]))
    with pytest.raises(NoDataError, match=r"^\^RUO: data ends 2025-12-16, no close near 2026-01-09$"):
        close_asof(ruo, D("2026-01-09"), symbol="^RUO")
    with pytest.raises(NoDataError, match=r"^\^RUO: data ends 2025-12-16, no close near 2026-01-09 \(16 tr"):
        close_asof(ruo, D("2026-01-09"), symbol="^RUO", sessions=_sessions("XNYS"))
    # ten calendar days is still fine without a calendar; eleven is not
    assert close_asof(ruo, D("2025-12-26"), symbol="^RUO")[0].date == D("2025-12-16")
    with pytest.raises(NoDataError):
        close_asof(ruo, D("2025-12-27"), symbol="^RUO")
    assert close_asof(ruo, D("2025-12-31"), symbol="^RUO", max_gap_days=15)[0].value == 1680.5


def test_gap_inside_the_data_is_named_as_such() -> None:
    with pytest.raises(NoDataError, match="no close between 2025-01-31 and 2025-02-10"):
        close_asof(series("JPGAP"), D("2025-02-10"), symbol="1619.T", sessions=_sessions("XTKS"))


def test_before_first_close_names_first_date() -> None:
    with pytest.raises(NoDataError, match=r"^\^GSPC: no close on or before 2023-11-30; data starts 2023-12"):
        close_asof(series("US"), D("2023-11-30"), symbol="^GSPC")


def test_empty_series() -> None:
    empty = pd.Series([], index=pd.DatetimeIndex([]), dtype="float64")
    with pytest.raises(NoDataError, match="X: no data"):
        close_asof(empty, D("2025-01-02"), symbol="X")
    with pytest.raises(NoDataError):
        last_date(empty)


def test_nan_close_counts_as_missing() -> None:
    index = pd.DatetimeIndex([D("2025-03-03"), D("2025-03-04"), D("2025-03-05")])
    closes = pd.Series([1.0, 2.0, np.nan], index=index)
    asof, warning = close_asof(closes, D("2025-03-05"), symbol="S", sessions=_sessions("XNYS"))
    assert (asof.value, asof.date) == (2.0, D("2025-03-04"))
    assert warning == "S: no close on trading day 2025-03-05; used 2025-03-04"
    nan_first = pd.Series([np.nan, 5.0], index=pd.DatetimeIndex([D("2025-03-03"), D("2025-03-04")]))
    with pytest.raises(NoDataError):
        close_asof(nan_first, D("2025-03-03"), symbol="S")
    assert last_date(closes) == D("2025-03-04")
    assert first_date(nan_first) == D("2025-03-04")


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
def test_any_datetime_unit(unit: str) -> None:
    index = pd.DatetimeIndex([D("2024-12-20"), D("2024-12-27")]).as_unit(unit)
    closes = pd.Series([5930.85, 5970.84], index=index)
    assert close_asof(closes, D("2024-12-26"))[0] == AsOf(5930.85, D("2024-12-20"), D("2024-12-26"))
    assert close_asof(closes, D("2024-12-29"))[0] == AsOf(5970.84, D("2024-12-27"), D("2024-12-29"))


def test_datetime_and_timestamp_requests_give_dates() -> None:
    for when in (dt.datetime(2024, 12, 28, 15, 30), pd.Timestamp("2024-12-28")):
        asof, _ = close_asof(series("US"), when)
        assert asof.requested == D("2024-12-28") and type(asof.requested) is dt.date
        assert asof.filled


def test_bad_inputs() -> None:
    with pytest.raises(BadDateError):
        close_asof(series("US"), "2024-12-27")  # type: ignore[arg-type]
    tz = pd.Series([1.0], index=pd.DatetimeIndex(["2024-12-27"]).tz_localize("America/New_York"))
    with pytest.raises(DataFormatError, match="timezone-naive"):
        close_asof(tz, D("2024-12-27"), symbol="T")
    with pytest.raises(DataFormatError, match="indexed by dates"):
        close_asof(pd.Series([1.0, 2.0]), D("2024-12-27"), symbol="T")


def test_close_pair_merges_warnings() -> None:
    first, last, warnings = close_pair(series("JPGAP"), D("2025-03-05"), D("2025-03-05"), symbol="G",
                                       sessions=_sessions("XTKS"))
    assert first == last
    assert warnings == ("G: no close on trading day 2025-03-05; used 2025-03-04",)


def test_series_slice_is_inclusive_and_new() -> None:
    closes = series("US")
    part = series_slice(closes, D("2024-12-21"), D("2024-12-27"))
    assert [d.date() for d in part.index] == [D(s) for s in ("2024-12-23", "2024-12-24", "2024-12-26",
                                                             "2024-12-27")]
    part.iloc[0] = -1.0
    assert closes.loc["2024-12-23"] != -1.0
    assert len(series_slice(closes, None, D("2023-12-04"))) == 2
    with pytest.raises(BadDateError):
        series_slice(closes, D("2025-01-02"), D("2025-01-01"))


def test_figure_helpers() -> None:
    assert merge_warnings("a", None, ("b", "a", ""), ["c"]) == ("a", "b", "c")
    figure = Figure(1.0, warnings=("a",))
    assert figure.with_warnings(None, "a") is figure
    assert figure.with_warnings("b").warnings == ("a", "b")
    assert not AsOf(1.0, D("2025-01-02"), D("2025-01-02")).filled
