"""Figures the product publishes, each compared with a value worked out here from the CSV files in
``../shared/data/market`` (issue 22): never with the code under test, never a "looks like a figure" check.

- the Mag7 share's weekly change in points, on the sheet, in the written workbook, on the Summary line and in
  the post, in a week with no anchor switch inside it (so ``share(as_of) - share(previous week end)`` is the
  change however a change across a switch is linked);
- the Mag7 history: its dates (the as-of, then each earlier week's Friday, newest first) and its shares;
- the TOPIX-17 sectors' YTD excess over TOPIX and their MTD column;
- REVIEWLINE on a yield (``US10Y``): levels in %, the change in bp, never a % change;
- the 26-week relative-strength deviation on the Summary line and in the post;
- the post's first line: the as-of week's Monday-to-as-of span, and no other.

Lines are read tolerantly (thousands separators, full- or half-width brackets, the number of decimals shown) but
the value must be the one computed here, rounded half-up to the decimals the line shows.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import by_hand
import pytest

from marketreview import functions
from marketreview.app import open_engine
from marketreview.render.markdown import render_review
from marketreview.render.xlsx import render_workbook
from marketreview.report.model import Lines, Report

pytestmark = pytest.mark.realdata

D = dt.date.fromisoformat
AS_OF = D("2025-10-31")
#: the previous week's end (a Sunday: the last close on or before it is Friday 2025-10-24)
WEEK_AGO = D("2025-10-26")
#: two weeks with no anchor switch inside: the share rose by about a point, then fell by about 0.6 point
MAG7_WEEKS = {"2025-10-31": "2025-10-26", "2025-11-07": "2025-11-02"}
#: the snapshot the members' caps are anchored at for every date from 2025-01-31 to 2026-05-13
MEMBER_ANCHOR = D("2025-01-31")
#: the S&P-reported total the index is anchored at from 2025-09-30 on (the next is not in the data)
INDEX_ANCHOR = D("2025-09-30")
SECTORS = tuple(range(1617, 1634))


# -- the Mag7 share by hand (tests/by_hand.py) -------------------------------------------------------


def share(folder: Path, when: dt.date) -> float:
    return by_hand.share(folder, when)


def close(folder: Path, file: str, when: dt.date) -> float:
    return by_hand.close(folder, file, when)


# -- reading lines (tests/by_hand.py) ------------------------------------------------------------------

assert_shows = by_hand.assert_shows
rounded = by_hand.rounded


def summary_lines(report: Report) -> list[str]:
    return [line for block in report.sheet("summary").blocks if isinstance(block, Lines) for line in block.lines]


# -- fixtures ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def engine(market_dir: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return open_engine(f"csv:{market_dir}", cache_path=tmp_path_factory.mktemp("values") / "c.sqlite")


@pytest.fixture(scope="module")
def reports(engine) -> dict[tuple[str, str], Report]:  # type: ignore[no-untyped-def]
    from marketreview.report.build import build_report

    return {(day, lang): build_report(engine, D(day), lang)  # type: ignore[arg-type]
            for day, lang in (("2025-10-31", "ja"), ("2025-10-31", "en"), ("2024-12-27", "ja"), ("2025-11-07", "ja"),
                              ("2025-11-07", "en"), ("2025-11-05", "ja"))}


# -- the Mag7 share's weekly change -----------------------------------------------------------------------


def week_change(folder: Path, day: str) -> float:
    """The share's change over the week to ``day``, in percentage points."""
    return (share(folder, D(day)) - share(folder, D(MAG7_WEEKS[day]))) * 100


def test_the_share_moves_both_ways_and_no_anchor_switches_inside_the_weeks(market_dir: Path) -> None:
    """The fixture weeks are a real test: the share moves by tenths of a point or more, up one week and down
    the next, so neither float noise nor a lost sign can pass."""
    assert week_change(market_dir, "2025-10-31") > 0.5 and week_change(market_dir, "2025-11-07") < -0.3
    for day, before in MAG7_WEEKS.items():
        assert by_hand.anchors(market_dir, D(day))[:2] == (MEMBER_ANCHOR, INDEX_ANCHOR)
        assert by_hand.anchors(market_dir, D(before))[:2] == (MEMBER_ANCHOR, INDEX_ANCHOR)


@pytest.mark.parametrize("day", MAG7_WEEKS)
@pytest.mark.parametrize("lang", ["ja", "en"])
def test_mag7_weekly_change_on_the_sheet(reports, market_dir: Path, lang: str, day: str) -> None:
    row = reports[day, lang].sheet("mag7").table("share").records()[0]
    assert row["date"].value == D(day)
    assert row["share"].value == pytest.approx(share(market_dir, D(day)), rel=1e-12)
    assert row["share_w1"].value == pytest.approx(week_change(market_dir, day), rel=1e-9)  # percentage points


@pytest.mark.parametrize("day", MAG7_WEEKS)
def test_mag7_weekly_change_in_the_written_workbook(reports, market_dir: Path, day: str) -> None:
    report = reports[day, "ja"]
    ws = render_workbook(report)[report.sheet("mag7").title]
    expected = week_change(market_dir, day)
    found = [c.value for row in ws.iter_rows() for c in row
             if isinstance(c.value, float) and c.value == pytest.approx(expected, rel=1e-9)]
    assert len(found) == 1  # in points (1.07), not a fraction (0.0107)


@pytest.mark.parametrize("day", MAG7_WEEKS)
@pytest.mark.parametrize("lang", ["ja", "en"])
def test_mag7_weekly_change_on_the_summary_line(reports, market_dir: Path, lang: str, day: str) -> None:
    lines = [line for line in summary_lines(reports[day, lang])
             if line.startswith(("・マグニフィセント・セブン", "・Magnificent Seven")) and "pt" in line]
    assert len(lines) == 2, summary_lines(reports[day, lang])
    for line in lines:  # the Japanese and the English block of the sheet: the share and its change, one decimal
        assert_shows(line, "%", share(market_dir, D(day)) * 100, decimals=1)
        assert_shows(line, "pt", week_change(market_dir, day), decimals=1)
    ja, en = sorted(lines, key=lambda line: line.startswith("・Magnificent"))
    assert "（前週比 " in ja and "(week " in en, lines


@pytest.mark.parametrize("day", MAG7_WEEKS)
@pytest.mark.parametrize("fmt", ["md", "text"])
@pytest.mark.parametrize("lang", ["ja", "en"])
def test_mag7_weekly_change_in_the_post(reports, market_dir: Path, lang: str, fmt: str, day: str) -> None:
    text = render_review(reports[day, lang], fmt)  # type: ignore[arg-type]
    label = "マグニフィセント・セブンのS&P500時価総額比率 " if lang == "ja" else \
        "Magnificent Seven share of S&P 500 market cap "
    (line,) = [line for line in text.splitlines() if label in line]
    assert_shows(line, "%", share(market_dir, D(day)) * 100, decimals=1)
    assert_shows(line, "pt", week_change(market_dir, day), decimals=1)


# -- the Mag7 history -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("day", "last_friday"), [("2025-10-31", "2025-10-24"), ("2025-11-05", "2025-10-31")],
                         ids=["friday", "wednesday"])
def test_mag7_history_dates_are_the_as_of_then_each_weeks_friday_newest_first(reports, market_dir: Path, day: str,
                                                                              last_friday: str) -> None:
    table = reports[day, "ja"].sheet("mag7").table("share_history")
    dates = table.column_values("date")
    nyse = by_hand.closes(market_dir, "GSPC.csv")  # the days the S&P 500 closed
    assert dates[0] == D(day)  # the as-of itself, mid-week too
    assert len(dates) == 53
    friday = D(last_friday)
    for when in dates[1:]:
        assert isinstance(when, dt.date)
        # the week's Friday; on a holiday Friday (2025-04-18, Good Friday) its last session would do too
        week = [friday - dt.timedelta(days=k) for k in range(5)]
        last_session = max(d for d in week if d in nyse)
        assert when in (friday, last_session), (when, friday)
        friday -= dt.timedelta(weeks=1)
    assert D("2025-04-18") not in nyse and any(d in (D("2025-04-18"), D("2025-04-17")) for d in dates)


def test_mag7_history_shares_while_the_anchors_hold(reports, market_dir: Path) -> None:
    records = reports["2025-10-31", "ja"].sheet("mag7").table("share_history").records()
    checked = 0
    for row in records:
        when = row["date"].value
        assert isinstance(when, dt.date)
        if when < INDEX_ANCHOR:
            break
        assert row["share"].value == pytest.approx(share(market_dir, when), rel=1e-12), when
        checked += 1
    assert checked == 5  # 10-31, 10-24, 10-17, 10-10, 10-03
    assert records[1]["share"].value == pytest.approx(share(market_dir, WEEK_AGO), rel=1e-12)


# -- TOPIX-17: YTD against TOPIX, and MTD ---------------------------------------------------------------


@pytest.mark.parametrize("day", ["2024-12-27", "2025-10-31"])
def test_topix17_ytd_excess_over_topix_and_mtd(reports, market_dir: Path, day: str) -> None:
    now = D(day)
    year_end, month_end = dt.date(now.year - 1, 12, 31), now.replace(day=1) - dt.timedelta(days=1)

    def change(file: str, start: dt.date) -> float:
        return close(market_dir, file, now) / close(market_dir, file, start) - 1

    table = reports[day, "ja"].sheet("japan_sectors").table("sectors")
    topix_ytd = change("TOPIX.csv", year_end)
    assert {str(r["ticker"].value) for r in table.records()} == {f"{c}.T" for c in SECTORS}
    signs = set()
    for r in table.records():
        file = str(r["ticker"].value).replace(".T", "_T.csv")
        assert r["excess_ytd"].error is None and r["mtd"].error is None, file
        expected = change(file, year_end) - topix_ytd
        assert r["excess_ytd"].value == pytest.approx(expected, rel=1e-9, abs=1e-15), file
        assert r["mtd"].value == pytest.approx(change(file, month_end), rel=1e-9, abs=1e-15), file
        assert r["ytd"].value == pytest.approx(change(file, year_end), rel=1e-9, abs=1e-15), file
        signs.add(expected > 0)
    assert signs == {True, False}  # some sectors beat TOPIX, some lag it: a sign flip cannot pass


# -- REVIEWLINE on a yield -------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("day", ["2024-12-27", "2025-10-31"])
def test_reviewline_on_a_yield_gives_levels_and_bp(engine, market_dir: Path, day: str, lang: str) -> None:
    now, week_end = D(day), D(day) - dt.timedelta(days=D(day).weekday() + 1)
    before, after = close(market_dir, "DGS10.csv", week_end), close(market_dir, "DGS10.csv", now)
    assert before != after
    answer = functions.call(engine, "REVIEWLINE", "US10Y", "1W", day, lang)
    assert answer.ok, answer.error
    line = str(answer.value)
    assert f"{rounded(before, 2)}% → {rounded(after, 2)}%" in line, line
    assert_shows(line, "bp", (after - before) * 100)
    assert not re.search(r"[+\-−]\d+\.\d+%", line), line  # a change in %, as a price's would be: wrong


# -- the relative-strength deviation ------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_relative_deviation_on_the_summary_line_and_in_the_post(reports, market_dir: Path, lang: str) -> None:
    report = reports["2025-10-31", lang]
    expected = by_hand.deviation_pt(market_dir, "RUT.csv", "GSPC.csv", AS_OF)
    ratio = close(market_dir, "RUT.csv", AS_OF) / close(market_dir, "GSPC.csv", AS_OF) * 100
    row = report.sheet("relative").table("pairs").row_by("num", "^RUT")
    assert row is not None
    assert row["ratio"].value == pytest.approx(ratio / 100, rel=1e-12)
    assert row["deviation"].value == pytest.approx(expected, rel=1e-9)
    lines = [line for line in summary_lines(report)
             if line.startswith(("・ラッセル2000 / S&P500 ", "・Russell 2000 / S&P 500 "))]
    assert len(lines) == 2, summary_lines(report)  # the Japanese and the English block
    for line in lines:
        assert_shows(line, "%", ratio, at_least=1)
        assert_shows(line, "pt", expected, at_least=1)
    ja, en = sorted(lines, key=lambda line: line.startswith("・Russell"))
    assert "（26週平均との乖離 " in ja and "(vs 26-week avg " in en, lines
    post = [line for line in render_review(report, "md").splitlines()
            if re.match(r"\| (ラッセル2000|Russell 2000) ?/ ?S&P ?500 \|", line)]
    assert len(post) == 1, post
    # | pair | ratio | 26-week average | deviation |: the average is the ratio less the deviation, in %
    cells = [cell.strip() for cell in post[0].strip("|").split("|")]
    assert len(cells) == 4, post
    assert_shows(cells[1], "%", ratio, at_least=1)
    assert_shows(cells[2], "%", ratio - expected, at_least=1)
    assert_shows(cells[3], "pt", expected, at_least=1)


# -- the post's first line ---------------------------------------------------------------------------------


#: the week each review covers, worked out by hand: Monday of the as-of's week to the as-of (a Friday, or the
#: Wednesday of a mid-week review)
WEEKS = {"2025-10-31": (D("2025-10-27"), D("2025-10-31")), "2024-12-27": (D("2024-12-23"), D("2024-12-27")),
         "2025-11-05": (D("2025-11-03"), D("2025-11-05"))}


@pytest.mark.parametrize("fmt", ["md", "text"])
@pytest.mark.parametrize(("day", "lang"), [("2025-10-31", "ja"), ("2025-10-31", "en"), ("2024-12-27", "ja"),
                                           ("2025-11-05", "ja")])
def test_the_posts_first_line_names_the_as_of_week(reports, day: str, lang: str, fmt: str) -> None:
    report = reports[day, lang]
    first = render_review(report, fmt).splitlines()[0]  # type: ignore[arg-type]
    monday, end = WEEKS[day]
    assert monday.weekday() == 0 and end == D(day) and (end - monday).days == end.weekday()
    if lang == "ja":  # both days in one month: the end names its day only
        span = f"{monday.year}年{monday.month}月{monday.day}日〜{end.day}日"
        title = f"週間マーケットレビュー（{span}）"
    else:
        title = f"Weekly market review, {monday.isoformat()} to {end.isoformat()}"
    assert first == ("# " if fmt == "md" else "") + title, first  # this week, never the week before
    assert report.generated_at.date() not in (monday, end)  # so the title's dates cannot be the build day's
