"""The Summary sheet is the week's post in lines, in both languages, over the real closes (expected values read
here straight from the CSV files)."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import by_hand
import pytest

from marketreview.app import open_engine
from marketreview.report.build import build_report
from marketreview.report.model import Lines, Report

D = dt.date.fromisoformat
WEEKS = {"2024-12-27": "2024-12-20", "2025-10-31": "2025-10-24"}


def close(market_dir: Path, file: str, when: str) -> float:
    with (market_dir / file).open() as fh:
        rows = [(D(r["date"]), float(r["close"])) for r in csv.DictReader(fh)]
    return max((d, c) for d, c in rows if d <= D(when))[1]


def r(x: float, places: int = 2) -> Decimal:
    return Decimal(repr(x)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


@pytest.fixture(scope="module")
def reports(market_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Report]:
    engine = open_engine(f"csv:{market_dir}", cache_path=tmp_path_factory.mktemp("sum") / "c.sqlite")
    return {day: build_report(engine, D(day), "ja") for day in WEEKS}


def lines(report: Report) -> tuple[list[str], list[str]]:
    ja, en = report.sheet("summary").blocks
    assert isinstance(ja, Lines) and isinstance(en, Lines)
    assert (ja.title, en.title) == ("コピー用サマリー", "コピー用サマリー（英語）")
    return list(ja.lines), list(en.lines)


@pytest.mark.parametrize("day", WEEKS)
def test_index_week_and_ytd_lines(reports, market_dir: Path, day: str) -> None:
    ja, en = lines(reports[day])
    before, now = close(market_dir, "GSPC.csv", WEEKS[day]), close(market_dir, "GSPC.csv", day)
    week, points = r((now / before - 1) * 100), r(now) - r(before)
    assert f"・S&P500 {r(before):,} → {r(now):,}（前週比 {points:+,}、{week:+}%）" in ja
    assert f"・S&P 500 {r(before):,} → {r(now):,} (week {points:+,}, {week:+}%)" in en
    base = close(market_dir, "GSPC.csv", f"{D(day).year - 1}-12-31")
    assert f"・S&P500 年初来 {r((now / base - 1) * 100):+}%" in ja
    assert f"・S&P 500 YTD {r((now / base - 1) * 100):+}%" in en


@pytest.mark.parametrize("day", WEEKS)
def test_ratio_rates_and_fed_lines(reports, market_dir: Path, day: str) -> None:
    ja, en = lines(reports[day])
    ratio = close(market_dir, "RUT.csv", day) / close(market_dir, "GSPC.csv", day)
    (line,) = [line for line in ja if line.startswith("・ラッセル2000 / S&P500 ")]
    by_hand.assert_shows(line, "%", ratio * 100, at_least=1)
    by_hand.assert_shows(line, "pt", by_hand.deviation_pt(market_dir, "RUT.csv", "GSPC.csv", D(day)), at_least=1)
    ten, two = close(market_dir, "DGS10.csv", day), close(market_dir, "DGS2.csv", day)
    ten0, two0 = close(market_dir, "DGS10.csv", WEEKS[day]), close(market_dir, "DGS2.csv", WEEKS[day])
    assert f"・米10年債利回り {r(ten0)}% → {r(ten)}%（前週比 {r((ten - ten0) * 100, 0):+}bp）" in ja
    spread, change = (ten - two) * 100, (ten - two - ten0 + two0) * 100
    assert f"・2s10s spread {r(spread, 0):+}bp (week {r(change, 0):+}bp)" in en
    lower, upper = close(market_dir, "DFEDTARL.csv", day), close(market_dir, "DFEDTARU.csv", day)
    assert f"・FF金利誘導目標 {r(lower)}%〜{r(upper)}%" in ja
    (line,) = [line for line in ja if line.startswith("・マグニフィセント・セブンのS&P500時価総額比率 ")]
    by_hand.assert_shows(line, "%", by_hand.share(market_dir, D(day)) * 100, at_least=1)
    by_hand.assert_shows(line, "pt", by_hand.week_change_pt(market_dir, D(day)), at_least=1)


@pytest.mark.parametrize("day", WEEKS)
def test_japan_lines_and_sector_extremes(reports, market_dir: Path, day: str) -> None:
    ja, _ = lines(reports[day])
    for file, name in (("TOPIX.csv", "TOPIX"), ("N225.csv", "日経平均"), ("USDJPY.csv", "ドル円")):
        before, now = close(market_dir, file, WEEKS[day]), close(market_dir, file, day)
        points = r(now) - r(before)
        assert f"・{name} {r(before):,} → {r(now):,}（前週比 {points:+,}、{r((now / before - 1) * 100):+}%）" in ja
    moves = {code: close(market_dir, f"{code}_T.csv", day) / close(market_dir, f"{code}_T.csv", WEEKS[day]) - 1
             for code in range(1617, 1634)}
    best = max(moves, key=lambda code: moves[code])
    names = {1617: "食品", 1618: "エネルギー資源", 1619: "建設・資材", 1620: "素材・化学", 1621: "医薬品",
             1622: "自動車・輸送機", 1623: "鉄鋼・非鉄", 1624: "機械", 1625: "電機・精密", 1626: "情報通信・サービス",
             1627: "電力・ガス", 1628: "運輸・物流", 1629: "商社・卸売", 1630: "小売", 1631: "銀行",
             1632: "金融（除く銀行）", 1633: "不動産"}
    top = next(line for line in ja if line.startswith("・TOPIX-17業種（NEXT FUNDS ETF） 週間上位: "))
    assert top.startswith(f"・TOPIX-17業種（NEXT FUNDS ETF） 週間上位: {names[best]} {r(moves[best] * 100):+}%、")
    worst = min(moves, key=lambda code: moves[code])
    assert f"{names[worst]} {r(moves[worst] * 100):+}%" in next(line for line in ja if "週間下位" in line)


def test_a_missing_figure_is_a_dash_and_a_localised_footnote(reports) -> None:
    ja, en = lines(reports["2024-12-27"])  # ^RUO has no 2023 close (RUO.csv starts 2024-11-14), only seven weeks
    assert "・ラッセル2000グロース 年初来 —※1" in ja
    assert "※1 ラッセル2000グロースのデータは2024年11月14日から" in ja
    assert "・Russell 2000 Growth YTD —※1" in en
    assert "※1 Russell 2000 Growth: data starts 2024-11-14" in en
    ratio = next(line for line in ja if line.startswith("・ラッセル2000グロース / S&P500 "))
    assert ratio.endswith("（26週平均との乖離 —※2）")
    assert "※2 ラッセル2000グロース / S&P500は26週平均に必要なデータが不足" in ja
    assert not any("#N/A" in line for line in ja + en)
