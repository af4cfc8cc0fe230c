"""Warnings travel with the figure (issue 10): marks in the lines people paste, WARNINGS() beside a number,
``warning:`` lines from the CLI, an empty period as an error, staleness of "latest", the user's own "today".

The fake data is :func:`conftest.linear_prices` on each symbol's exchange days, with holes cut by hand:

- ^GSPC (SP500) has no close on 2024-12-27 (one missing session);
- ^DJI (DOW) has no close from 2024-12-30 to 2025-01-03 (a whole week without data);
- NVDA stops after 2024-12-31 and AMZN after 2025-01-03 (6 and 4 NYSE sessions behind on 2025-01-10);
  MSFT stops after 2025-01-06 (3 sessions behind: within the allowance, no warning).

"Today" is 2025-01-10, 23:00 UTC (18:00 in New York, so that day's NYSE session has closed).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from conftest import fake_close, linear_prices

from marketreview import calendars, functions
from marketreview.cache import Cache
from marketreview.calc import prices, summary
from marketreview.engine import Engine
from marketreview.errors import BadDateError, NoDataError
from marketreview.report.build import build_report
from marketreview.sources.base import FunctionSource
from marketreview.sources.router import Router
from marketreview.symbols import SymbolMap

UTC = dt.timezone.utc
NOW = dt.datetime(2025, 1, 10, 23, 0, tzinfo=UTC)
_SYMBOLS = SymbolMap.default()
#: the last date each cut series has a close on
ENDS = {"NVDA": "2024-12-31", "AMZN": "2025-01-03", "MSFT": "2025-01-06"}


def exchange_days(symbol: str, start: dt.date, end: dt.date) -> pd.DatetimeIndex:
    calendar = _SYMBOLS.resolve(symbol).calendar
    days = calendars.sessions(calendar, start, end) if calendar else None
    return days if days is not None else pd.bdate_range(start, end, name="date")


def holey_prices(symbol: str, dates: pd.DatetimeIndex) -> pd.Series | None:
    values = linear_prices(symbol, dates)
    if values is None:
        return None
    closes = pd.Series(values, index=dates)
    if symbol == "^GSPC":
        closes = closes.drop(pd.Timestamp("2024-12-27"), errors="ignore")
    if symbol == "^DJI":
        closes = closes[(closes.index < "2024-12-30") | (closes.index > "2025-01-03")]
    if symbol in ENDS:
        closes = closes[closes.index <= ENDS[symbol]]
    return closes


def holey_engine(cache: Cache, *, clock: dt.datetime = NOW, tz: dt.tzinfo | None = None) -> Engine:
    source = FunctionSource(holey_prices, name="fake", calendar=exchange_days)
    return Engine(Router(source), cache, clock=lambda: clock, tz=tz)


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    cache = Cache(tmp_path_factory.mktemp("warnings") / "prices.sqlite")
    yield holey_engine(cache)
    cache.close()


def answer(engine: Engine, name: str, *args: Any) -> functions.Answer:
    result = functions.call(engine, name, *args)
    assert isinstance(result, functions.Answer)
    return result


# -- the marks, in the one line formatter ---------------------------------------------------------------


@pytest.mark.parametrize(("warning", "lang", "mark"), [
    ("^GSPC: no close on trading day 2024-12-27; used 2024-12-26", "ja", "（12/27欠損）"),
    ("^GSPC: no close on trading day 2024-12-27; used 2024-12-26", "en", "(12/27 missing)"),
    ("X: no close on trading days 2025-01-02, 2025-01-03; used 2024-12-30", "ja", "（1/2・1/3欠損）"),
    ("X: no close on trading days 2025-01-02, 2025-01-03; used 2024-12-30", "en", "(1/2, 1/3 missing)"),
    ("X: no close on trading days 2025-01-02, 2025-01-03, 2025-01-06; used 2024-12-30", "ja", "（1/2他2日欠損）"),
    ("X: no close on trading days 2025-01-02, 2025-01-03, 2025-01-06; used 2024-12-30", "en",
     "(1/2 +2 more days missing)"),
    ("NVDA: data ends 2026-02-13 (200 sessions without a close up to 2026-11-27)", "ja", "（2/13でデータ終了）"),
    ("NVDA: data ends 2026-02-13 (200 sessions without a close up to 2026-11-27)", "en", "(data ends 2026-02-13)"),
    ("GOOGL: closes are dividend-adjusted", "en", "※GOOGL: closes are dividend-adjusted"),
    ("mag7: member caps anchored at 2025-09-30 (31 days before), index total (S&P-reported) at 2025-09-30 (31 days "
     "before)", "en", "(caps as of 2025-09-30, 31 days old)"),
    ("mag7: member caps anchored at 2025-09-30 (31 days before), index total at 2025-09-30", "ja",
     "（時価総額は2025年9月30日時点、31日前）"),
    ("mag7: ESTIMATE before the first snapshot with member caps: extrapolated back from 2025-09-30 (40 days after)",
     "en", "(estimate back from the 2025-09-30 caps)"),
    ("mag7: ESTIMATE before the first snapshot with member caps: extrapolated back from 2025-09-30 (40 days after)",
     "ja", "（推計：2025年9月30日の時価総額から遡及）"),
])
def test_each_kind_of_warning_has_a_short_mark(warning: str, lang: Any, mark: str) -> None:
    assert summary.warning_mark(warning, lang) == mark


def test_a_line_carries_its_marks_then_the_demo_tag() -> None:
    warnings = ["^GSPC: no close on trading day 2024-12-27; used 2024-12-26",
                "^GSPC: no close on trading day 2024-12-27; used 2024-12-26"]  # a repeat is marked once
    line = summary.review_line("SP500", 5930.85, 6037.59, 106.74 / 5930.85, lang="ja", period="1W",
                               warnings=warnings, demo=True)
    # 6037.59 − 5930.85 = 106.74 points; 106.74 / 5930.85 = 1.7997% → +1.80%
    assert line == "・SP500 5,930.85 → 6,037.59（前週比 +106.74、+1.80%）（12/27欠損） [DEMO (synthetic)]"
    assert summary.finish_line("・X 1.0%", lang="en", warnings=["X: data ends 2025-01-03 (4 sessions …)"]) == (
        "・X 1.0% (data ends 2025-01-03)")
    assert summary.finish_line("・X 1.0%", lang="en") == "・X 1.0%"


def test_a_real_gap_warning_becomes_the_mark() -> None:
    """The formatter reads the warning calc actually writes, not a copy of its wording."""
    closes = pd.Series([1.0, 2.0], index=pd.DatetimeIndex(["2024-12-24", "2024-12-26"]))
    _, warning = prices.close_asof(closes, dt.date(2024, 12, 27), symbol="X",
                                   sessions=calendars.sessions("XNYS", dt.date(2024, 12, 1), dt.date(2024, 12, 31)))
    assert warning is not None
    assert summary.warning_mark(warning, "ja") == "（12/27欠損）"


# -- REVIEWLINE and the Summary sheet ---------------------------------------------------------------------


def test_reviewline_over_a_missing_session_is_marked_in_both_languages(engine: Engine) -> None:
    start, end = fake_close("^GSPC", "2024-12-20"), fake_close("^GSPC", "2024-12-26")
    assert (start, end) == (1518.25, 1522.75)  # 4.5 / 1518.25 = +0.296…%
    ja = answer(engine, "REVIEWLINE", "SP500", "1W", "2024-12-27")
    # the close used is named beside it; 1522.75 − 1518.25 = +4.50 points
    assert ja.value == "・S&P500 1,518.25 → 1,522.75（12/26終値）（前週比 +4.50、+0.30%）（12/27欠損）"
    assert any("2024-12-27" in w for w in ja.warnings)
    en = answer(engine, "REVIEWLINE", "SP500", "1W", "2024-12-27", "en")
    assert en.value == "・S&P 500 1,518.25 → 1,522.75 (12/26 close) (week +4.50, +0.30%) (12/27 missing)"


def test_a_clean_reviewline_has_no_mark(engine: Engine) -> None:
    clean = answer(engine, "REVIEWLINE", "SP500", "1W", "2025-01-10", "en")
    assert clean.warnings == () and "(" not in clean.value.split("(week")[1].rstrip(")")


def test_summary_lines_carry_the_marks(engine: Engine) -> None:
    report = build_report(engine, dt.date(2024, 12, 27), "en", fetch=False)
    sheet = report.sheet("summary")
    english = next(b for b in sheet.blocks if b.key == "lines").lines  # type: ignore[union-attr]
    japanese = next(b for b in sheet.blocks if b.key == "lines_other").lines  # type: ignore[union-attr]
    assert "・S&P 500 1,518.25 → 1,522.75 (12/26 close) (week +4.50, +0.30%) (12/27 missing)" in english
    assert "・S&P500 1,518.25 → 1,522.75（12/26終値）（前週比 +4.50、+0.30%）（12/27欠損）" in japanese
    # the other kinds of line (issue 11) get their marks from the same formatter
    assert any(line.startswith("・S&P 500 YTD +") and line.endswith("% (12/26 close) (12/27 missing)")
               for line in english)
    assert any(line.startswith("・S&P500 年初来 +") and line.endswith("%（12/26終値）（12/27欠損）")
               for line in japanese)
    assert any(line.startswith("・Russell 2000 Growth / S&P 500 ") and line.endswith("pt) (12/27 missing)")
               for line in english)
    dow = "・Dow Jones Industrial Average YTD"
    assert dow + " +" in "\n".join(english) and not any(line.startswith(dow) and "missing" in line
                                                         for line in english)
    assert any(w.endswith("no close on trading day 2024-12-27; used 2024-12-26") for w in report.warnings())


# -- a period without data is an error, not +0.00% ---------------------------------------------------------


@pytest.mark.parametrize(("name", "args"), [
    ("PERF", ("DOW", "2024-12-29", "2025-01-03")),
    ("PERF", ("DOW", "1W", "2025-01-03")),
    ("PERF", ("DOW", "2024-12-31", "2025-01-02")),
    ("REVIEWLINE", ("DOW", "1W", "2025-01-03", "en")),
])
def test_a_period_with_no_close_is_an_error(engine: Engine, name: str, args: tuple[Any, ...]) -> None:
    got = answer(engine, name, *args)
    assert got.value is None and isinstance(got.error, NoDataError)
    assert "no close between" in str(got.error) and "last close 2024-12-27" in str(got.error)
    ranged = functions.call(engine, name, [[args[0]]], *args[1:])
    assert isinstance(ranged, list) and isinstance(ranged[0][0].error, NoDataError)  # the range path agrees


def test_a_weekend_is_a_true_zero_and_the_week_after_the_hole_is_measured(engine: Engine) -> None:
    assert answer(engine, "PERF", "DOW", "2025-01-04", "2025-01-05").value == 0.0
    after = answer(engine, "PERF", "DOW", "1W", "2025-01-10")  # against 2024-12-27: the hole's week has none
    assert after.value == pytest.approx(fake_close("^DJI", "2025-01-10") / fake_close("^DJI", "2024-12-27") - 1)


def test_summary_line_of_a_week_without_data_is_an_error(engine: Engine) -> None:
    report = build_report(engine, dt.date(2025, 1, 3), "en", fetch=False)
    lines = next(b for b in report.sheet("summary").blocks if b.key == "lines").lines  # type: ignore[union-attr]
    dow = next(line for line in lines if line.startswith("・Dow"))
    assert dow == "・Dow Jones Industrial Average —※1"  # a dash and a footnote; the table's cell has the message
    assert "※1 Dow Jones Industrial Average: no close in the week to 1/3" in lines
    week = report.sheet("us_indices").table("indices").row_by("ticker", "^DJI")["w1"]
    assert week.value is None and week.error is not None
    assert "^DJI: no close between 2024-12-29 and 2025-01-03" in week.error


# -- WARNINGS(): the value stays a number, its warnings are one cell away -----------------------------------


def test_warnings_returns_the_warnings_of_the_same_call(engine: Engine) -> None:
    line = answer(engine, "REVIEWLINE", "SP500", "1W", "2024-12-27")
    assert answer(engine, "WARNINGS", "REVIEWLINE", "SP500", "1W", "2024-12-27").value == "; ".join(line.warnings)
    perf = answer(engine, "PERF", "SP500", "2024-12-20", "2024-12-27")
    assert isinstance(perf.value, float) and perf.warnings
    assert answer(engine, "WARNINGS", "PERF", "SP500", "2024-12-20", "2024-12-27").value == perf.warnings[0]


def test_warnings_is_empty_when_clean_and_the_reason_on_error(engine: Engine) -> None:
    assert answer(engine, "WARNINGS", "PERF", "SP500", "2024-12-20", "2025-01-10").value == ""
    reason = answer(engine, "WARNINGS", "perf", "DOW", "2024-12-29", "2025-01-03").value
    assert reason.startswith("#N/A ^DJI: no close between 2024-12-29 and 2025-01-03")
    assert answer(engine, "WARNINGS", "CLOSE", "XNOPE").value.startswith("#N/A unknown symbol XNOPE")


def test_warnings_over_a_range_is_a_text_per_cell(engine: Engine) -> None:
    got = answer(engine, "WARNINGS", "CLOSE", [["SP500"], ["NVDA"], [""]])
    assert got.value[0] == [""] and got.value[2] == [""]
    assert got.value[1][0].startswith("NVDA: data ends 2024-12-31")


def test_the_warnings_udf(engine: Engine) -> None:
    udfs = pytest.importorskip("marketreview_udfs")
    udfs.set_engine(engine)
    try:
        assert udfs.PERF("SP500", "2024-12-20", "2024-12-27") == pytest.approx(
            fake_close("^GSPC", "2024-12-26") / fake_close("^GSPC", "2024-12-20") - 1)  # still a number
        assert "2024-12-27" in udfs.WARNINGS("PERF", [["SP500"]], "2024-12-20", "2024-12-27")
        assert udfs.WARNINGS("PERF", "SP500", "2024-12-20", "2025-01-10") == ""
        assert udfs.WARNINGS("MAG7SHARE").startswith("#")  # the fake has no fundamentals: the reason, as text
        assert udfs.WARNINGS("CLOSE", [["SP500"], ["NVDA"]])[1][0].startswith("NVDA: data ends 2024-12-31")
        assert udfs.WARNINGS("SUM", "SP500").startswith("#VALUE! bad function 'SUM'")
    finally:
        udfs.set_engine(None)


# -- staleness: "latest" on a series that stopped -------------------------------------------------------------


@pytest.mark.parametrize(("name", "args"), [
    ("CLOSE", ("NVDA",)), ("PERF", ("NVDA", "1W")), ("PERF", ("AMZN", "YTD")), ("CLOSE", ("AMZN", "")),
    ("RELRATIO", ("NVDA", "SP500")), ("RELDEV", ("SP500", "NVDA", None, 1)), ("HISTORY", ("NVDA", "1W")),
])
def test_latest_on_a_stopped_series_warns_and_names_the_last_date(engine: Engine, name: str,
                                                                   args: tuple[Any, ...]) -> None:
    got = answer(engine, name, *args)
    assert got.ok, got.error
    ticker = "AMZN" if "AMZN" in args else "NVDA"
    assert any(w.startswith(f"{ticker}: data ends {ENDS[ticker]}") for w in got.warnings), got.warnings


def test_a_stopped_series_still_answers_its_last_week(engine: Engine) -> None:
    got = answer(engine, "PERF", "NVDA", "1W")  # the week to 2024-12-31, against 2024-12-27
    assert got.value == pytest.approx(fake_close("NVDA", "2024-12-31") / fake_close("NVDA", "2024-12-27") - 1)
    line = answer(engine, "REVIEWLINE", "NVDA", "1W", None, "en").value
    assert line.endswith("(data ends 2024-12-31)")


def test_an_explicit_date_or_a_current_series_does_not_warn(engine: Engine) -> None:
    assert answer(engine, "CLOSE", "NVDA", "2024-12-31").warnings == ()
    assert answer(engine, "CLOSE", "MSFT").warnings == ()  # three sessions behind: within the allowance
    assert answer(engine, "CLOSE", "SP500").warnings == ()


def test_the_range_path_warns_too(engine: Engine) -> None:
    ranged = functions.call(engine, "CLOSE", [["AMZN"], ["MSFT"]])
    assert isinstance(ranged, list)
    assert ranged[0][0].value == fake_close("AMZN", "2025-01-03") and ranged[0][0].warnings
    assert ranged[1][0].value == fake_close("MSFT", "2025-01-06") and ranged[1][0].warnings == ()


@pytest.mark.parametrize(("last", "through", "calendar", "stale"), [
    ("2025-01-06", "2025-01-10", "XNYS", False),  # 01-07, 01-08, 01-10 (01-09 closed): 3
    ("2025-01-03", "2025-01-10", "XNYS", True),   # 4 sessions
    ("2024-12-27", "2025-01-06", "XTKS", False),  # Tokyo: 12-30 and 01-06 only
    ("2025-01-06", "2025-01-09", None, False),    # no calendar: weekdays 01-07..01-09, 3
    ("2025-01-03", "2025-01-09", None, True),     # 01-06..01-09: 4
    ("2025-01-10", "2025-01-10", "XNYS", False),
])
def test_staleness_counts_expected_sessions(last: str, through: str, calendar: str | None, stale: bool) -> None:
    first, final = dt.date.fromisoformat(last), dt.date.fromisoformat(through)
    sessions = calendars.sessions(calendar, dt.date(2024, 12, 1), dt.date(2025, 2, 1))
    warning = prices.staleness(first, final, sessions, symbol="X")
    assert (warning is not None) == stale
    assert (first < prices.fresh_from(final, sessions)) == stale  # the formulas' O(1) check agrees
    if warning:
        assert warning.startswith(f"X: data ends {last}")


# -- "today" is the user's own date -----------------------------------------------------------------------------


def cut_at_dec_27(symbol: str, dates: pd.DatetimeIndex) -> pd.Series | None:
    values = linear_prices(symbol, dates)
    return None if values is None else pd.Series(values, index=dates)[dates <= "2024-12-27"]


@pytest.mark.parametrize(("zone", "today", "future"), [
    ("Asia/Tokyo", dt.date(2024, 12, 30), False),        # 08:00 Monday in Tokyo
    ("America/New_York", dt.date(2024, 12, 29), True),   # 18:00 Sunday in New York
    ("UTC", dt.date(2024, 12, 29), True),                # 23:00 Sunday
])
def test_today_is_the_users_local_date(tmp_cache: Cache, zone: str, today: dt.date, future: bool) -> None:
    clock = dt.datetime(2024, 12, 29, 23, 0, tzinfo=UTC)
    engine = Engine(Router(FunctionSource(cut_at_dec_27, calendar=exchange_days)), tmp_cache,
                    clock=lambda: clock, tz=ZoneInfo(zone))
    assert engine.today() == today
    got = answer(engine, "CLOSE", "SP500", "2024-12-30")
    if future:
        assert isinstance(got.error, BadDateError) and f"today is {today.isoformat()}" in str(got.error)
        return
    # Monday in Tokyo, still Sunday in New York: the close meant is Friday's, and Monday's session (not yet
    # held) is not reported as missing data
    assert got.value == fake_close("^GSPC", "2024-12-27") and got.warnings == ()


def test_the_machine_zone_is_the_default(tmp_cache: Cache, monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    try:
        engine = Engine(Router(FunctionSource(cut_at_dec_27)), tmp_cache,
                        clock=lambda: dt.datetime(2024, 12, 29, 23, 0, tzinfo=UTC))
        assert engine.today() == dt.date(2024, 12, 30)
    finally:
        monkeypatch.setenv("TZ", "UTC")
        time.tzset()


@pytest.mark.parametrize(("calendar", "utc", "through"), [
    ("XNYS", "2025-01-10T20:59", "2025-01-09"),  # 15:59 in New York: today's session still open
    ("XNYS", "2025-01-10T21:00", "2025-01-10"),  # 16:00: closed
    ("XTKS", "2025-01-10T06:29", "2025-01-09"),  # 15:29 in Tokyo
    ("XTKS", "2025-01-10T06:30", "2025-01-10"),
    ("XTKS", "2025-01-09T23:00", "2025-01-09"),  # 08:00 on the 10th in Tokyo
    (None, "2025-01-10T23:00", "2025-01-09"),
])
def test_closes_are_expected_on_each_exchanges_own_clock(calendar: str | None, utc: str, through: str) -> None:
    now = dt.datetime.fromisoformat(utc).replace(tzinfo=UTC)
    assert calendars.closed_through(calendar, now) == dt.date.fromisoformat(through)


# -- the CLI: warning lines on stderr, the cases on the real data --------------------------------------------


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Any:
    from marketreview import cli

    def go(*argv: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = cli.main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return go


def test_cli_reviewline_over_a_deleted_day_is_marked(run: Any, market_dir: Path, tmp_path: Path) -> None:
    """The issue's case: 2024-12-27 deleted from a copy of GSPC.csv."""
    folder = tmp_path / "market"
    folder.mkdir()
    for path in market_dir.glob("*.csv"):
        text = path.read_text(encoding="utf-8")
        if path.name == "GSPC.csv":
            text = "".join(line for line in text.splitlines(keepends=True) if not line.startswith("2024-12-27,"))
        (folder / path.name).write_text(text, encoding="utf-8")
    code, out, err = run("call", "--source", f"csv:{folder}", "--cache", str(tmp_path / "c.sqlite"),
                         "REVIEWLINE", "SP500", "1W", "2024-12-27", "en")
    assert code == 0
    # GSPC.csv: 2024-12-20 5930.85, 2024-12-26 6037.59: +106.74 points, +1.80%
    assert out == "・S&P 500 5,930.85 → 6,037.59 (12/26 close) (week +106.74, +1.80%) (12/27 missing)\n"
    assert "warning: ^GSPC: no close on trading day 2024-12-27; used 2024-12-26" in err


def test_cli_perf_over_missing_sessions_is_an_error(run: Any, market_dir: Path, tmp_path: Path) -> None:
    code, out, err = run("call", "--source", f"csv:{market_dir}", "--cache", str(tmp_path / "c.sqlite"),
                         "PERF", "NVDA", "2025-08-22", "2025-08-27")
    assert code == 2 and out == ""
    assert "NVDA: no close between 2025-08-22 and 2025-08-27 (3 trading sessions without data" in err


def test_cli_latest_on_a_stopped_series_warns_online_and_offline(run: Any, market_dir: Path,
                                                                 tmp_path: Path) -> None:
    """NVDA's file stops on 2026-02-13: "latest" in late 2026 says so, and offline gives the data's age."""
    args = ("--source", f"csv:{market_dir}", "--cache", str(tmp_path / "c.sqlite"))
    code, out, err = run("call", *args, "PERF", "NVDA", "1W")
    assert code == 0 and float(out)
    assert "warning: NVDA: data ends 2026-02-13" in err
    code, out, err = run("call", *args, "--offline", "PERF", "NVDA", "1W")
    assert code == 0 and "warning: NVDA: data ends 2026-02-13" in err
    assert "last fetched" in err and "its data ends 2026-02-13 (" in err and "days ago)" in err


def test_cli_build_of_a_week_without_data(run: Any, market_dir: Path, tmp_path: Path) -> None:
    """``build --asof 2026-08-28``: the shared US files stop on 2026-08-21, so that week has no data at all."""
    import openpyxl

    out_file = tmp_path / "review.xlsx"
    code, _out, err = run("build", "--source", f"csv:{market_dir}", "--cache", str(tmp_path / "c.sqlite"),
                         "--asof", "2026-08-28", "--lang", "en", "--out", str(out_file))
    assert code == 0, err
    assert "warning: " in err
    book = openpyxl.load_workbook(out_file, data_only=True)  # the living file's cached values: the engine's
    lines = [str(c.value) for ws in book for row in ws.iter_rows() for c in row
             if isinstance(c.value, str) and c.value.startswith(("・", "※"))]
    assert "・S&P 500 —※2" in lines  # an error is a dash and a numbered footnote
    assert "※2 S&P 500: no close in the week to 8/28" in lines
    # as of 2026-08-21's close, which the line names, and marked
    assert "・S&P 500 YTD +12.11% (8/21 close) (8/24 +4 more days missing)" in lines
    assert not any("7,674.37 → 7,674.37" in line or "+0.00%" in line for line in lines)
    notes = [c.comment.text for ws in book for row in ws.iter_rows() for c in row
             if c.comment is not None and c.value == "#N/A"]  # a formula's error (the value file: "#N/A data gap")
    assert any("^GSPC: no close between 2026-08-23 and 2026-08-28" in text for text in notes)  # the whole reason
