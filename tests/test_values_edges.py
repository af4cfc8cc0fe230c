"""Behaviours no other test compared with a value (issue 22), each on data written here with its own numbers:

- basis points from yields quoted to three decimals (``^TNX``-style: 4.518 → 4.523 is +0.5 bp, not 0 or 1);
- two sources in one cache file: one source's coverage never deletes the other's, and the Sources sheet's
  first/last/fetched belong to the source that serves the figure;
- another program's damaged SQLite file is refused and left byte-identical, never moved aside;
- a cell note joining several symbols' warnings (``A: …; B: …``) gives one mark for each;
- a daily series with no observation within a week of the year-ago date has no ``pc1``/``ch1`` (never an
  older observation);
- a mostly-kanji UTF-16 file, with either byte-order mark, decodes and says ``utf-16``.
"""

from __future__ import annotations

import codecs
import datetime as dt
import math
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import linear_prices

from marketreview import cli, functions
from marketreview.app import open_engine
from marketreview.cache import Cache
from marketreview.calc import macro, summary, yields
from marketreview.engine import Engine
from marketreview.errors import ForeignCacheError, NoDataError
from marketreview.render.markdown import render_review
from marketreview.report.build import build_report
from marketreview.report.cells import CellMaker
from marketreview.report.model import Lines
from marketreview.report.sheets import sources as sources_sheet
from marketreview.sources.base import FunctionSource, make_frame
from marketreview.sources.csvdir import CsvDirSource
from marketreview.sources.router import Router
from marketreview.textfiles import decode, read_text

D = dt.date.fromisoformat
UTC = dt.timezone.utc


# -- basis points from three-decimal yields ---------------------------------------------------------------

#: a ^TNX-style 10-year yield in percent, to three decimals (Yahoo quotes it so)
TNX = {"2025-03-03": 4.161, "2025-03-07": 4.518, "2025-03-10": 4.301, "2025-03-14": 4.523, "2025-03-21": 4.518,
       "2025-03-28": 4.514}


@pytest.fixture
def tnx_engine(tmp_path: Path) -> Engine:
    folder = tmp_path / "closes"
    folder.mkdir()
    (folder / "TNX.csv").write_text("date,close\n" + "".join(f"{d},{v}\n" for d, v in TNX.items()), encoding="utf-8")
    return open_engine(f"csv:{folder}", cache_path=tmp_path / "c.sqlite")


@pytest.mark.parametrize(("start", "end", "bp", "shown"), [
    ("2025-03-07", "2025-03-14", 0.5, "+1bp"),     # half a basis point: half-up, not float noise (0.4999…)
    ("2025-03-14", "2025-03-21", -0.5, "-1bp"),
    ("2025-03-21", "2025-03-28", -0.4, "+0bp"),
    ("2025-03-03", "2025-03-07", 35.7, "+36bp"),
    ("2025-03-10", "2025-03-14", 22.2, "+22bp"),
], ids=["+0.5", "-0.5", "-0.4", "+35.7", "+22.2"])
def test_basis_points_from_three_decimal_yields(tnx_engine: Engine, start: str, end: str, bp: float,
                                                shown: str) -> None:
    series = pd.Series(list(TNX.values()), index=pd.DatetimeIndex(list(TNX)))
    figure = yields.yield_change_bp(series, D(start), D(end), symbol="^TNX")
    assert figure.value == pytest.approx(bp, abs=1e-9)
    answer = functions.call(tnx_engine, "YIELDCHG", "10Y", start, end)
    assert answer.ok, answer.error
    assert answer.value == pytest.approx(bp, abs=1e-9)
    assert summary.format_bp(answer.value) == shown


def test_the_weeks_line_of_a_three_decimal_yield(tnx_engine: Engine) -> None:
    ja = functions.call(tnx_engine, "REVIEWLINE", "US10Y", "1W", "2025-03-14", "ja")
    en = functions.call(tnx_engine, "REVIEWLINE", "US10Y", "1W", "2025-03-14", "en")
    assert ja.ok and en.ok, (ja.error, en.error)
    # 4.518 → 4.523: both levels round to 4.52%, the change is +0.5bp, shown half-up as +1bp
    assert "4.52% → 4.52%" in str(ja.value) and "+1bp" in str(ja.value).replace(" ", ""), ja.value
    assert "4.52% → 4.52%" in str(en.value) and "+1bp" in str(en.value).replace(" ", ""), en.value


def test_the_rates_sheet_summary_and_post_of_a_three_decimal_yield(tmp_path: Path) -> None:
    folder = tmp_path / "closes"
    folder.mkdir()
    (folder / "TNX.csv").write_text("date,close\n" + "".join(f"{d},{v}\n" for d, v in TNX.items()), encoding="utf-8")
    (folder / "GSPC.csv").write_text("date,close\n2025-03-07,5770.20\n2025-03-14,5638.94\n", encoding="utf-8")
    report = build_report(open_engine(f"csv:{folder}", cache_path=tmp_path / "c.sqlite"), D("2025-03-14"), "en")
    row = report.sheet("rates").table("yields").row_by("ticker", "^TNX")
    assert row is not None
    assert (row["prev_week"].value, row["level"].value) == (4.518, 4.523)
    assert row["w1_bp"].value == pytest.approx(0.5, abs=1e-9)
    english = next(b for b in report.sheet("summary").blocks if isinstance(b, Lines) and b.key == "lines").lines
    # ^TNX serves US10Y here, so it is named as itself
    (line,) = [line for line in english if line.startswith("・US 10-year yield (Cboe ^TNX) ")]
    assert "4.52% → 4.52%" in line and line.replace(" ", "").endswith("+1bp)"), line
    (post,) = [line for line in render_review(report, "md").splitlines()
               if line.startswith("| US 10-year yield (Cboe ^TNX) |")]
    assert post.replace(" ", "").endswith("|4.52%|4.52%|+1bp|"), post


# -- two sources in one cache -----------------------------------------------------------------------------


def _weekdays(start: str, end: str) -> pd.DatetimeIndex:
    return pd.bdate_range(start, end, name="date")


def _frame(symbol: str, dates: pd.DatetimeIndex, level: float) -> pd.DataFrame:
    return make_frame({symbol: pd.Series(level + np.arange(len(dates), dtype=float), index=dates)})


@pytest.mark.parametrize(("a_range", "b_range"), [
    (("2024-01-01", "2024-06-30"), ("2024-07-01", "2024-12-31")),   # touching
    (("2024-01-01", "2024-06-30"), ("2024-06-01", "2024-12-31")),   # overlapping
    (("2024-03-01", "2024-06-30"), ("2024-01-01", "2024-12-31")),   # B's range holds A's
], ids=["touching", "overlapping", "containing"])
def test_one_sources_coverage_never_deletes_anothers(tmp_cache: Cache, a_range: tuple[str, str],
                                                     b_range: tuple[str, str]) -> None:
    a_days, b_days = _weekdays(*a_range), _weekdays(*b_range)
    tmp_cache.write(_frame("^GSPC", a_days, 1000.0), source="alpha", start=D(a_range[0]), end=D(a_range[1]),
                    fetched_at=dt.datetime(2025, 1, 2, tzinfo=UTC))
    tmp_cache.write(_frame("^GSPC", b_days, 5000.0), source="beta", start=D(b_range[0]), end=D(b_range[1]),
                    fetched_at=dt.datetime(2025, 1, 3, tzinfo=UTC))
    now, ttl = dt.datetime(2025, 1, 4, tzinfo=UTC), dt.timedelta(days=1)
    for source, (lo, hi), days, level in (("alpha", a_range, a_days, 1000.0), ("beta", b_range, b_days, 5000.0)):
        assert tmp_cache.missing("^GSPC", D(lo), D(hi), now=now, ttl=ttl, source=source) == [], source
        closes = tmp_cache.read(["^GSPC"], source=source)[("close", "^GSPC")]
        assert list(closes.index) == list(days), source
        assert closes.tolist() == (level + np.arange(len(days))).tolist(), source
    # what alpha never fetched is still missing for alpha, whatever beta holds
    assert tmp_cache.missing("^GSPC", D("2024-01-01"), D("2024-12-31"), now=now, ttl=ttl, source="alpha") == [
        r for r in [(D("2024-01-01"), D(a_range[0]) - dt.timedelta(days=1)),
                    (D(a_range[1]) + dt.timedelta(days=1), D("2024-12-31"))] if r[0] <= r[1]]


def _alpha(symbol: str, dates: pd.DatetimeIndex) -> np.ndarray:
    return 1000.0 + (dates - pd.Timestamp("2020-01-01")).days.to_numpy(dtype=float)


def _beta(symbol: str, dates: pd.DatetimeIndex) -> np.ndarray:
    """Beta's own prices, and only from 2018 on (so its first date differs from alpha's too)."""
    values = 5000.0 + (dates - pd.Timestamp("2020-01-01")).days.to_numpy(dtype=float)
    return np.where(dates >= pd.Timestamp("2018-01-02"), values, np.nan)


def test_the_sources_sheet_describes_the_source_that_serves_the_figure(tmp_cache: Cache) -> None:
    a_clock = dt.datetime(2024, 6, 28, 23, 0, tzinfo=UTC)
    b_clock = dt.datetime(2024, 12, 31, 23, 0, tzinfo=UTC)  # fetched later, over a longer range
    alpha_source, beta_source = FunctionSource(_alpha, name="alpha"), FunctionSource(_beta, name="beta")
    alpha = Engine(Router(alpha_source), tmp_cache, clock=lambda: a_clock, tz=UTC)
    beta = Engine(Router(beta_source), tmp_cache, clock=lambda: b_clock, tz=UTC)
    alpha.ensure(["SP500"])
    beta.ensure(["SP500"])
    alpha.ensure(["SP500"])  # nothing alpha fetched went missing when beta wrote its overlapping range
    assert (len(alpha_source.calls), len(beta_source.calls)) == (1, 1)
    assert functions.call(alpha, "CLOSE", "SP500", "2024-06-28").value == 1000.0 + 1640  # 2024-06-28: day 1640
    assert functions.call(beta, "CLOSE", "SP500", "2024-12-31").value == 5000.0 + 1826
    for engine, source, first, last, fetched in ((alpha, "alpha", D("2013-01-01"), D("2024-06-28"), a_clock),
                                                 (beta, "beta", D("2018-01-02"), D("2024-12-31"), b_clock)):
        p = engine.provenance("SP500")
        assert (p.source, p.first, p.last, p.fetched_at) == (source, first, last, fetched)
        sheet = sources_sheet(CellMaker(engine, last, "en", {}), ["SP500"])
        row = sheet.table("sources").row_by("alias", "SP500")
        assert row is not None
        assert (row["source"].value, row["first"].value, row["last"].value) == (source, first, last)
        assert row["fetched"].value == fetched.replace(tzinfo=None)


# -- another program's damaged SQLite file ------------------------------------------------------------------


def _other_programs_database(path: Path, application_id: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA application_id = {application_id}")
    conn.execute("CREATE TABLE bookmarks (id INTEGER PRIMARY KEY, url TEXT, title TEXT)")
    conn.executemany("INSERT INTO bookmarks (url, title) VALUES (?, ?)",
                     [(f"https://example.org/{i}", "x" * 200) for i in range(3000)])
    conn.commit()
    conn.close()


@pytest.mark.parametrize("application_id", [0, 0x4C49534C], ids=["no-id", "another-id"])
@pytest.mark.parametrize("damage", ["truncated", "schema-page", "tail-pages"])
def test_another_programs_damaged_sqlite_file_is_refused_and_left_byte_identical(
        cache_path: Path, application_id: int, damage: str) -> None:
    _other_programs_database(cache_path, application_id)
    whole = cache_path.read_bytes()
    if damage == "truncated":
        damaged = whole[: len(whole) // 2]
    elif damage == "schema-page":  # the header is intact, the schema behind it is garbage
        damaged = whole[:100] + b"\xa5" * 3996 + whole[4096:]
    else:
        damaged = whole[:8192] + b"garbage!" * ((len(whole) - 8192) // 8)
    cache_path.write_bytes(damaged)
    with pytest.raises(ForeignCacheError) as caught:
        Cache(cache_path)
    assert str(cache_path) in str(caught.value)
    assert cache_path.read_bytes() == damaged
    assert sorted(p.name for p in cache_path.parent.iterdir()) == ["prices.sqlite"]  # nothing moved aside


def test_the_cli_refuses_another_programs_damaged_file_and_leaves_it(cache_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    _other_programs_database(cache_path, 0)
    whole = cache_path.read_bytes()
    damaged = whole[:100] + b"\xa5" * 3996 + whole[4096:]
    cache_path.write_bytes(damaged)
    assert cli.main(["call", "CLOSE", "SP500", "--source", "demo", "--cache", str(cache_path)]) == 2
    err = capsys.readouterr().err
    assert str(cache_path) in err and "Traceback" not in err and "moved" not in err, err
    assert cache_path.read_bytes() == damaged
    assert sorted(p.name for p in cache_path.parent.iterdir()) == ["prices.sqlite"]


# -- a note joining several symbols' warnings --------------------------------------------------------------

GAP = "^GSPC: no close on trading day 2024-12-27; used 2024-12-26"
ENDS = "^RUO: data ends 2024-12-20 (5 sessions without a close up to 2024-12-27)"
ANCHOR = ("mag7: member caps anchored at 2024-12-31 (4 days after), index total (S&P-reported) at 2024-09-30 "
          "(88 days before)")


@pytest.mark.parametrize(("lang", "marks"), [
    ("ja", "・X（12/27欠損）（12/20でデータ終了）（時価総額は2024年12月31日時点）"),
    ("en", "・X (12/27 missing) (data ends 2024-12-20) (caps as of 2024-12-31)"),
])
def test_a_joined_note_gives_a_mark_for_each_warning(lang: str, marks: str) -> None:
    note = "; ".join([GAP, ENDS, ANCHOR])  # how a cell joins its figure's warnings
    assert summary.finish_line("・X", lang=lang, warnings=[note]) == marks  # type: ignore[arg-type]
    # the same warnings one by one give the same marks
    assert summary.finish_line("・X", lang=lang, warnings=[GAP, ENDS, ANCHOR]) == marks  # type: ignore[arg-type]


def test_a_joined_note_with_a_warning_naming_two_symbols_marks_both() -> None:
    gap = "DGS10: no close on trading day 2024-12-27; used 2024-12-26"
    mixed = "DGS10 2024-12-26 and DGS2 2024-12-27: spread legs from different dates"
    expected = "・S +51bp（12/27欠損）※DGS10 2024-12-26 and DGS2 2024-12-27: spread legs from different dates"
    assert summary.finish_line("・S +51bp", lang="ja", warnings=[gap, mixed]) == expected
    assert summary.finish_line("・S +51bp", lang="ja", warnings=[f"{gap}; {mixed}"]) == expected  # a cell's note


def test_a_joined_note_of_two_gaps_marks_both_days() -> None:
    note = "^RUT: no close on trading day 2024-12-24; used 2024-12-23; ^GSPC: no close on trading day 2024-12-27; " \
           "used 2024-12-26"
    assert summary.finish_line("・R", lang="ja", warnings=[note]) == "・R（12/24欠損）（12/27欠損）"
    assert summary.finish_line("・R", lang="en", warnings=[note]) == "・R (12/24 missing) (12/27 missing)"


def _with_holes(symbol: str, dates: pd.DatetimeIndex) -> np.ndarray | None:
    """Each symbol's own straight line (conftest), with ^RUT missing 12/26 and 12/27, ^GSPC 12/27 and DGS10 12/20
    and 12/27."""
    values = linear_prices(symbol, dates)
    if values is None:
        return None
    holes = {"^RUT": ("2024-12-26", "2024-12-27"), "^GSPC": ("2024-12-27",), "DGS10": ("2024-12-20", "2024-12-27")}.get(
        symbol, ())
    return np.where(dates.isin(pd.DatetimeIndex(holes)), np.nan, values)


def test_a_summary_line_over_two_symbols_warnings_marks_each(tmp_cache: Cache) -> None:
    clock = dt.datetime(2025, 1, 10, 23, 0, tzinfo=UTC)
    engine = Engine(Router(FunctionSource(_with_holes, name="fake")), tmp_cache, clock=lambda: clock)
    report = build_report(engine, D("2024-12-27"), "en")
    row = report.sheet("relative").table("pairs").row_by("num", "^RUT")
    assert row is not None and row["ratio"].warning is not None
    assert row["ratio"].warning.startswith("^RUT: ") and "; ^GSPC: " in row["ratio"].warning  # one joined note
    english = next(b for b in report.sheet("summary").blocks if isinstance(b, Lines) and b.key == "lines").lines
    (line,) = [line for line in english if line.startswith("・Russell 2000 / S&P 500 ")]
    # each leg's last close before its holes (^RUT 12/25, ^GSPC 12/26), then each symbol's missing days
    assert " (Russell 2000: 12/25 close) (S&P 500: 12/26 close) " in line, line
    assert line.endswith("pt) (12/26, 12/27 missing) (12/27 missing)"), line
    # the 2s10s spread and its week: legs from two dates this week and last (warnings naming two symbols each)
    (spread,) = [line for line in english if line.startswith("・2s10s spread ")]
    assert spread.endswith("bp) ※DGS10 2024-12-26 and DGS2 2024-12-27: spread legs from different dates "
                           "※DGS10 2024-12-19 and DGS2 2024-12-20: spread legs from different dates"), spread


# -- year-ago values with a gap ---------------------------------------------------------------------------


def _daily_with_a_gap() -> pd.Series:
    days = pd.bdate_range("2023-01-02", "2024-12-31")
    days = days[(days < "2023-06-01") | (days > "2023-06-20")]  # nothing from 2023-06-01 to 2023-06-20
    return pd.Series(100.0 + np.arange(len(days), dtype=float), index=days, name="DAILY")


def test_year_ago_within_a_week_takes_the_last_observation_on_or_before() -> None:
    x = _daily_with_a_gap()
    pc1 = macro.transform(x, "pc1", "d")
    ch1 = macro.transform(x, "ch1", "d")
    # 2024-06-07: a year earlier is 2023-06-07; the last observation on or before is 2023-05-31 (7 days)
    assert pc1[pd.Timestamp("2024-06-07")] == pytest.approx((x["2024-06-07"] / x["2023-05-31"] - 1) * 100)
    assert ch1[pd.Timestamp("2024-06-07")] == x["2024-06-07"] - x["2023-05-31"]
    # 2024-06-24: 2023-06-24 is a Saturday; Friday 2023-06-23 is used, never the later Monday
    assert ch1[pd.Timestamp("2024-06-24")] == x["2024-06-24"] - x["2023-06-23"]


@pytest.mark.parametrize("day", ["2024-06-10", "2024-06-12", "2024-06-20"])
def test_no_observation_within_a_week_of_the_year_ago_date_gives_no_pc1(day: str) -> None:
    x = _daily_with_a_gap()
    for units in ("pc1", "ch1"):
        assert math.isnan(macro.transform(x, units, "d")[pd.Timestamp(day)]), (units, day)  # type: ignore[arg-type]
        with pytest.raises(NoDataError, match="a year earlier"):
            macro.series_asof(x, D(day), units=units, symbol="DAILY")  # type: ignore[arg-type]
    # the level is there: only the year-ago comparison is missing
    assert macro.series_asof(x, D(day), symbol="DAILY").value == x[day]


def test_series_pc1_over_a_gap_is_an_error_not_an_older_value(tmp_path: Path) -> None:
    x = _daily_with_a_gap()
    folder = tmp_path / "macro"
    folder.mkdir()
    (folder / "DAILY.csv").write_text("date,close\n" + "".join(f"{d:%Y-%m-%d},{v}\n" for d, v in x.items()),
                                      encoding="utf-8")
    engine = open_engine(f"csv:{folder}", cache_path=tmp_path / "c.sqlite")
    within = functions.call(engine, "SERIES", "DAILY", "2024-06-07", "pc1")
    assert within.ok and within.value == pytest.approx((x["2024-06-07"] / x["2023-05-31"] - 1) * 100)
    for day in ("2024-06-10", "2024-06-12"):
        beyond = functions.call(engine, "SERIES", "DAILY", day, "pc1")
        assert not beyond.ok and "a year earlier" in str(beyond.error), day


# -- UTF-16 text files ----------------------------------------------------------------------------------

KANJI = ("日付,終値,備考\n"
         "2024/12/27,5970.84,年末最終売買日前営業日終値東証株価指数連動型上場投資信託受益証券銘柄備考欄記載事項\n"
         "2024/12/30,5906.94,大納会当日終値東京証券取引所日本取引所グループ公表値確認済銘柄備考欄記載事項\n")


@pytest.mark.parametrize("bom", ["le", "be"])
def test_a_mostly_kanji_utf16_file_decodes_with_either_byte_order_mark(tmp_path: Path, bom: str) -> None:
    data = (codecs.BOM_UTF16_LE + KANJI.encode("utf-16-le")) if bom == "le" else (
        codecs.BOM_UTF16_BE + KANJI.encode("utf-16-be"))
    # mostly kanji: too few zero bytes for the no-BOM heuristic; only the mark tells the encoding
    half = len(data) // 2
    assert max(data[0::2].count(0), data[1::2].count(0)) < 0.4 * half
    assert decode(data, "f") == (KANJI, "utf-16")
    path = tmp_path / "GSPC.csv"
    path.write_bytes(data)
    assert read_text(path) == (KANJI, "utf-16")
    source = CsvDirSource(tmp_path)
    frame = source.fetch(["^GSPC"], D("2024-12-27"), D("2024-12-30"))
    assert frame[("close", "^GSPC")].tolist() == [5970.84, 5906.94]
    assert source.describe("^GSPC") == "GSPC.csv (read as utf-16)"
