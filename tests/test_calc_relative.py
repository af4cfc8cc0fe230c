"""Relative strength: relratio across calendars, weekly ratios (calc_weekly.csv), reldev (calc_reldev.csv)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from answers import cases, rows, series

from marketreview import calendars
from marketreview.calc.relative import ratio_with_ma, reldev, relratio, weekly_ratio
from marketreview.errors import BadArgumentError, NoDataError

D = dt.date.fromisoformat
XNYS = calendars.sessions("XNYS", D("2023-01-01"), D("2026-12-31"))
XTKS = calendars.sessions("XTKS", D("2023-01-01"), D("2026-12-31"))


@pytest.mark.parametrize(("when", "jp_date", "us_date"), [
    ("2025-01-02", "2024-12-30", "2025-01-02"),   # Tokyo's year-end break, New York open
    ("2025-01-09", "2025-01-09", "2025-01-08"),   # New York closed (Carter), Tokyo open
    ("2024-07-04", "2024-07-04", "2024-07-03"),
    ("2025-01-13", "2025-01-10", "2025-01-13"),   # Tokyo holiday (Coming of Age Day)
])
def test_relratio_each_on_its_own_calendar(when: str, jp_date: str, us_date: str) -> None:
    jp, us = series("JP"), series("US")
    figure = relratio(jp, us, D(when), sessions_a=XTKS, sessions_b=XNYS, symbols=("1306.T", "^GSPC"))
    a, b = figure.parts
    assert (a.date, b.date) == (D(jp_date), D(us_date))
    assert figure.value == a.value / b.value
    assert a.value == jp.loc[jp_date] and b.value == us.loc[us_date]
    assert figure.warnings == ()


def test_relratio_warns_for_a_missing_session() -> None:
    figure = relratio(series("JPGAP"), series("US"), D("2025-03-05"), sessions_a=XTKS, sessions_b=XNYS,
                      symbols=("1619.T", "^GSPC"))
    assert figure.warnings == ("1619.T: no close on trading day 2025-03-05; used 2025-03-04",)


def test_weekly_ratio_answers() -> None:
    expected = rows("calc_weekly")
    got = weekly_ratio(series("JP"), series("US"), D("2025-03-31"))
    assert [d.date() for d in got.index] == [r["week"] for r in expected]
    np.testing.assert_allclose(got.to_numpy(), [r["ratio"] for r in expected], rtol=1e-13)
    assert all(d.weekday() == 4 for d in got.index)


@pytest.mark.parametrize("row", cases("calc_reldev", "when", "weeks"))
def test_reldev_answers(row: dict) -> None:
    jp, us = series("JP"), series("US")
    diff = reldev(jp, us, row["when"], weeks=row["weeks"], sessions_a=XTKS, sessions_b=XNYS)
    rel = reldev(jp, us, row["when"], weeks=row["weeks"], relative=True)
    assert diff.value == pytest.approx(row["difference"], rel=1e-9, abs=1e-15)
    assert rel.value == pytest.approx(row["relative"], rel=1e-9, abs=1e-15)
    assert diff.parts[0].value / diff.parts[1].value == pytest.approx(row["ratio"], rel=1e-15)


def _constant_weeks(values_a: list[float], value_b: float, first_friday: str) -> tuple[pd.Series, pd.Series]:
    fridays = pd.date_range(first_friday, periods=len(values_a), freq="7D")
    return pd.Series(values_a, index=fridays), pd.Series(value_b, index=fridays)


def test_reldev_hand_check() -> None:
    # 25 weeks at 24.48/100 = 0.2448 and this week 25.00/100 = 0.2500:
    # MA26 = (25 * 0.2448 + 0.2500) / 26 = 6.37 / 26 = 0.2450,
    # so ratio - MA = +0.0050 and ratio / MA - 1 = +2.0408%
    a, b = _constant_weeks([24.48] * 25 + [25.00], 100.0, "2025-01-03")
    when = D("2025-06-27")
    assert reldev(a, b, when, weeks=26).value == pytest.approx(0.0050, abs=1e-12)
    assert reldev(a, b, when, weeks=26, relative=True).value == pytest.approx(0.25 / 0.245 - 1, rel=1e-12)
    frame = ratio_with_ma(a, b, when, weeks=26)
    assert list(frame.columns) == ["ratio", "ma", "deviation"]
    assert frame["ma"].iloc[-1] == pytest.approx(0.245, rel=1e-12)
    assert frame["ma"].iloc[:25].isna().all()
    assert frame["deviation"].iloc[-1] == pytest.approx(0.0050, abs=1e-12)


def test_reldev_needs_enough_weeks() -> None:
    a, b = _constant_weeks([1.0, 2.0, 3.0], 1.0, "2025-01-03")
    with pytest.raises(NoDataError, match="only 3 weekly ratios up to 2025-01-17, 4 needed"):
        reldev(a, b, D("2025-01-17"), weeks=4, symbols=("A", "B"))
    assert reldev(a, b, D("2025-01-17"), weeks=3).value == pytest.approx(3.0 - 2.0)


@pytest.mark.parametrize("weeks", [0, -1, 2.5, True, "26"])
def test_reldev_bad_weeks(weeks: object) -> None:
    a, b = _constant_weeks([1.0, 2.0], 1.0, "2025-01-03")
    with pytest.raises(BadArgumentError, match="weeks"):
        reldev(a, b, D("2025-01-10"), weeks=weeks)  # type: ignore[arg-type]


def test_inputs_are_not_modified() -> None:
    jp, us = series("JP"), series("US")
    reldev(jp, us, D("2025-03-31"))
    ratio_with_ma(jp, us, D("2025-03-31"))
    pd.testing.assert_series_equal(jp, series("JP"))
    pd.testing.assert_series_equal(us, series("US"))
