"""calc/macro.py against hand-computed values: FRED's units transforms, end-of-period aggregation dated at the
period start, and the as-of rule on quarterly data (missing periods warned about, never filled in)."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from marketreview.calc import macro
from marketreview.errors import BadArgumentError, DataFormatError, NoDataError

D = dt.date


def series(pairs: dict[str, float], name: str = "Q") -> pd.Series:
    return pd.Series(list(pairs.values()), index=pd.DatetimeIndex(pd.to_datetime(list(pairs)), name="date"),
                     name=name, dtype="float64")


#: A quarterly flow dated at the period start, the way FRED dates Z.1 series.
QUARTERLY = series({"2023-01-01": 200.0, "2023-04-01": 210.0, "2023-07-01": 220.0, "2023-10-01": 225.0,
                    "2024-01-01": 250.0, "2024-04-01": 252.0, "2024-07-01": 231.0, "2024-10-01": 270.0,
                    "2025-01-01": 300.0, "2025-04-01": 315.0})
#: A monthly diffusion index for 2024 (negative values included).
MONTHLY = series({f"2024-{m:02d}-01": v for m, v in
                  zip(range(1, 13), (10.0, -5.0, 3.0, 8.0, 12.0, -2.0, 0.0, 4.0, 6.0, 15.0, -7.0, 9.0),
                      strict=True)}, "M")


# -- units ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("units", "when", "expected"), [
    # at 2025-04-01: x = 315, previous quarter 300, a year earlier (2024-04-01) 252
    ("lin", D(2025, 6, 30), 315.0),
    ("chg", D(2025, 6, 30), 15.0),              # 315 - 300
    ("ch1", D(2025, 6, 30), 63.0),              # 315 - 252
    ("pch", D(2025, 6, 30), 5.0),               # (315 / 300 - 1) * 100
    ("pc1", D(2025, 6, 30), 25.0),              # (315 / 252 - 1) * 100
    ("pca", D(2025, 6, 30), 21.550625),         # (1.05 ** 4 - 1) * 100 = (1.21550625 - 1) * 100
    ("log", D(2025, 6, 30), 5.752572638825633),  # ln 315
    # at 2025-01-01 (counted from the quarter's last day, 2025-03-31): x = 300, previous 270, a year earlier 250
    ("chg", D(2025, 3, 31), 30.0),
    ("pc1", D(2025, 3, 31), 20.0),              # (300 / 250 - 1) * 100
    ("pch", D(2025, 3, 31), 100.0 / 9.0),       # (300 / 270 - 1) * 100
    # at 2024-07-01: x = 231 (a fall), a year earlier 220
    ("pc1", D(2024, 9, 30), 5.0),
    ("chg", D(2024, 9, 30), -21.0),
])
def test_units_on_quarterly_data(units, when, expected):
    figure = macro.series_asof(QUARTERLY, when, units=units)
    assert figure.value == pytest.approx(expected, rel=1e-12)


def test_monthly_units_use_the_month_before_and_the_same_month_a_year_before():
    assert macro.series_asof(MONTHLY, D(2024, 12, 31), units="chg").value == 16.0  # 9 - (-7)
    assert macro.series_asof(MONTHLY, D(2024, 3, 31), units="pch").value == pytest.approx(-160.0)  # (3 / -5 - 1) * 100
    with pytest.raises(NoDataError, match="a year earlier"):
        macro.series_asof(MONTHLY, D(2024, 12, 31), units="pc1")  # no 2023 data


def test_weekly_pca_compounds_52_times():
    weekly = series({"2025-01-03": 100.0, "2025-01-10": 101.0, "2025-01-17": 100.0}, "W")
    assert macro.series_asof(weekly, D(2025, 1, 10), units="pca").value == pytest.approx((1.01**52 - 1) * 100)


def test_daily_year_ago_is_the_last_observation_on_or_before_the_same_date():
    days_2024 = pd.bdate_range("2024-02-26", "2024-03-08")
    days_2025 = pd.bdate_range("2025-02-24", "2025-03-07")
    daily = pd.concat([pd.Series(100.0, index=days_2024), pd.Series(110.0, index=days_2025)])
    daily.loc[pd.Timestamp("2024-03-01")] = 88.0
    # 2025-03-03 (Mon) - 1 year = 2024-03-03 (Sun): the Friday 2024-03-01 close (88) is the base
    assert macro.series_asof(daily, D(2025, 3, 3), units="pc1").value == pytest.approx((110 / 88 - 1) * 100)


def test_a_missing_quarter_is_not_replaced_by_an_older_one():
    gappy = QUARTERLY.drop(pd.Timestamp("2024-07-01"))  # FRED's "." for 2024Q3
    with pytest.raises(NoDataError, match="previous period"):
        macro.series_asof(gappy, D(2024, 12, 31), units="chg")  # 2024Q4 against the missing 2024Q3
    assert macro.series_asof(gappy, D(2025, 9, 1), units="pc1").value == 25.0  # its own year-ago is there


def test_log_of_a_non_positive_value_is_an_error():
    with pytest.raises(NoDataError, match="log needs a positive value"):
        macro.series_asof(MONTHLY, D(2024, 2, 29), units="log")  # -5, February's, counted once February ended


@pytest.mark.parametrize(("value", "code"), [(None, "lin"), ("", "lin"), ("PC1", "pc1"), (" pca ", "pca")])
def test_units_codes(value, code):
    assert macro.parse_units(value) == code


@pytest.mark.parametrize("value", ["pct", "percent", 1, "cch"])
def test_unknown_units_name_the_argument(value):
    with pytest.raises(BadArgumentError, match="units"):
        macro.parse_units(value)


# -- frequency --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("data", "expected"), [
    (pd.Series(1.0, index=pd.bdate_range("2025-01-01", periods=30)), "d"),
    (pd.Series(1.0, index=pd.date_range("2025-01-03", periods=20, freq="7D")), "w"),
    (MONTHLY, "m"),
    (QUARTERLY, "q"),
    (series({"2020-01-01": 1.0, "2021-01-01": 2.0, "2022-01-01": 3.0}), "a"),
])
def test_native_frequency(data, expected):
    assert macro.infer_frequency(data) == expected


def test_monthly_to_quarterly_and_annual_take_the_last_month_dated_at_the_period_start():
    quarterly = macro.aggregate(MONTHLY, "q", "m")
    assert quarterly.to_dict() == {pd.Timestamp("2024-01-01"): 3.0, pd.Timestamp("2024-04-01"): -2.0,
                                   pd.Timestamp("2024-07-01"): 6.0, pd.Timestamp("2024-10-01"): 9.0}
    assert macro.aggregate(MONTHLY, "a", "m").to_dict() == {pd.Timestamp("2024-01-01"): 9.0}


def test_daily_to_weekly_and_monthly():
    daily = pd.Series([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0],
                      index=pd.bdate_range("2025-01-27", "2025-02-07"))
    assert macro.aggregate(daily, "w", "d").to_dict() == {pd.Timestamp("2025-01-31"): 5.0,
                                                          pd.Timestamp("2025-02-07"): 10.0}
    assert macro.aggregate(daily, "m", "d").to_dict() == {pd.Timestamp("2025-01-01"): 5.0,
                                                          pd.Timestamp("2025-02-01"): 10.0}
    # as of Tuesday 2025-02-04, February so far ends at that day's value (7): nothing from later days
    assert macro.series_asof(daily, D(2025, 2, 4), frequency="m").value == 7.0


def test_a_frequency_cannot_be_raised():
    with pytest.raises(BadArgumentError, match="quarterly"):
        macro.series_asof(QUARTERLY, D(2025, 6, 30), frequency="m")


def test_quarterly_pc1_at_annual_frequency():
    # the year-end quarters: 2023 → 225 (2023-10-01), 2024 → 270 (2024-10-01); 2025 so far → 315
    assert macro.series_asof(QUARTERLY, D(2024, 12, 31), units="pc1", frequency="a").value == pytest.approx(20.0)
    assert macro.series_asof(QUARTERLY, D(2025, 6, 30), units="pc1", frequency="a").value == pytest.approx(
        (315 / 270 - 1) * 100)


# -- the as-of rule on quarterly data -------------------------------------------------------------------------


@pytest.mark.parametrize(("when", "used", "value"), [
    (D(2025, 4, 1), D(2025, 1, 1), 300.0),    # the second quarter has only begun: the first quarter's value
    (D(2025, 3, 31), D(2025, 1, 1), 300.0),   # the first quarter's last day: it counts
    (D(2025, 6, 30), D(2025, 4, 1), 315.0),   # the second quarter's last day: its observation, no warning
    (D(2023, 3, 31), D(2023, 1, 1), 200.0),   # the first observation, once its quarter ended
])
def test_as_of_uses_the_period_start_dates(when, used, value):
    figure = macro.series_asof(QUARTERLY, when)
    assert figure.end is not None
    assert (figure.end.date, figure.value, figure.warnings) == (used, value, ())


def test_before_the_first_observation_is_an_error():
    with pytest.raises(NoDataError, match="data starts 2023-01-01"):
        macro.series_asof(QUARTERLY, D(2022, 12, 31))
    with pytest.raises(NoDataError, match="data starts 2023-01-01"):  # 2023Q1 is not over on 2023-01-01
        macro.series_asof(QUARTERLY, D(2023, 1, 1))


def test_after_the_last_observation_the_unpublished_quarters_are_named():
    figure = macro.series_asof(QUARTERLY, D(2025, 12, 15), units="pc1")
    assert figure.value == 25.0
    assert figure.warnings == ("Q: latest observation is 2025Q2 (dated 2025-04-01); none yet for 2025Q3",)


def test_a_missing_quarter_inside_the_data_is_warned_about():
    gappy = QUARTERLY.drop(pd.Timestamp("2024-07-01"))
    assert macro.series_asof(gappy, D(2024, 8, 15)).warnings == ()  # 2024Q3 is not over yet: nothing is missing
    figure = macro.series_asof(gappy, D(2024, 10, 15))
    assert figure.value == 252.0
    assert figure.warnings == ("Q: no observation for 2024Q3; used 2024Q2 (dated 2024-04-01)",)


def test_too_many_missing_quarters_is_an_error():
    with pytest.raises(NoDataError, match="no observation for 6 quarterly periods"):  # 2025Q3 to 2026Q4
        macro.series_asof(QUARTERLY, D(2027, 1, 1))


def test_daily_series_keep_the_calendar_day_limit():
    daily = pd.Series([1.0, 2.0], index=pd.DatetimeIndex(["2025-01-02", "2025-01-03"]))
    assert macro.series_asof(daily, D(2025, 1, 6)).value == 2.0
    with pytest.raises(NoDataError, match="data ends 2025-01-03"):
        macro.series_asof(daily, D(2025, 1, 20))


def test_inputs_are_not_changed():
    before = QUARTERLY.copy()
    macro.series_asof(QUARTERLY, D(2025, 6, 30), units="pca", frequency="a")
    pd.testing.assert_series_equal(QUARTERLY, before)
    assert not math.isnan(QUARTERLY.iloc[0])


def test_a_period_in_progress_after_the_last_daily_value_is_named_as_not_yet_published():
    daily = pd.Series([1.0, 2.0, 3.0], index=pd.bdate_range("2025-01-29", "2025-01-31"))
    figure = macro.series_asof(daily, D(2025, 3, 10), frequency="m")
    assert figure.value == 3.0
    assert figure.warnings == ("series: latest observation is 2025-01 (dated 2025-01-01); none yet for 2025-02",)


# -- dates as users have them: frequency from the dates (or a declaration), period-end dates, no look-ahead --------

#: A complete quarterly series dated at a mix of quarter starts and quarter ends (issue 21's MIXQ).
MIXQ = series({"2024-01-01": 190.0, "2024-06-30": 200.0, "2024-07-01": 204.0, "2024-12-31": 207.0,
               "2025-01-01": 209.0, "2025-06-30": 213.0}, "MIXQ")


def test_a_quarterly_series_dated_at_starts_and_ends_is_quarterly():
    assert macro.infer_frequency(MIXQ) == "q"
    figure = macro.series_asof(MIXQ, D(2025, 6, 30), units="pc1")
    assert figure.value == pytest.approx(6.5)  # (213 / 200 - 1) * 100: 2025Q2 on 2024Q2
    assert figure.end is not None and figure.end.date == D(2025, 4, 1)  # dated at its quarter's start
    assert macro.series_asof(MIXQ, D(2025, 6, 30), units="pc1", frequency="q").value == pytest.approx(6.5)


def test_a_quarter_counts_only_once_it_has_ended():
    """FRED dates 2025Q2 at 2025-04-01, but nobody knew it on 2025-05-15: that day's answer is 2025Q1's."""
    figure = macro.series_asof(QUARTERLY, D(2025, 5, 15))
    assert figure.value == 300.0 and figure.end is not None and figure.end.date == D(2025, 1, 1)


def test_month_end_dates_are_the_months_they_end():
    ends = series({"2024-01-31": 1.0, "2024-02-29": 2.0, "2024-03-31": 3.0, "2024-04-30": 4.0}, "ME")
    assert macro.infer_frequency(ends) == "m"
    figure = macro.series_asof(ends, D(2024, 3, 31), units="chg")
    assert figure.value == 1.0 and figure.end is not None and figure.end.date == D(2024, 3, 1)
    assert macro.series_asof(ends, D(2024, 4, 29)).value == 3.0  # April is not over


def test_dates_that_fit_no_frequency_are_an_error_naming_the_file():
    odd = series({"2024-01-15": 1.0, "2024-05-02": 2.0, "2024-08-20": 3.0, "2024-11-09": 4.0}, "ODD")
    with pytest.raises(DataFormatError, match=r"ODD\.csv: its dates fit no frequency .* declare it in index\.csv"):
        macro.series_asof(odd, D(2024, 12, 31), where="ODD.csv")
    # the frequency argument (or a declaration) says what they are: one observation per quarter
    assert macro.series_asof(odd, D(2024, 9, 30), frequency="q").value == 3.0  # 2024Q3; 2024Q4 is not over
    assert macro.series_asof(odd, D(2024, 12, 31), declared="q").value == 4.0


def test_two_observations_of_one_declared_period_are_an_error():
    twice = series({"2024-01-01": 1.0, "2024-02-15": 2.0}, "TW")
    with pytest.raises(DataFormatError, match="two observations for one quarterly period"):
        macro.series_asof(twice, D(2024, 12, 31), declared="q", where="TW.csv")
