"""`marketreview review`: the week's post as Markdown, checked against values recomputed here straight from the
CSV files in ../shared/data/market (never through the code under test), for two weeks and both languages."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from marketreview.app import open_engine
from marketreview.cli import main
from marketreview.render.markdown import render_review
from marketreview.report.build import build_report
from marketreview.report.model import Report

D = dt.date.fromisoformat
#: as-of date -> the previous week's last trading day (both Fridays)
WEEKS = {"2024-12-27": "2024-12-20", "2025-10-31": "2025-10-24"}
#: file, en label, ja label (the table's 名称 column)
INDICES = [
    ("DJI.csv", "Dow Jones Industrial Average", "NYダウ"),
    ("GSPC.csv", "S&P 500", "S&P500"),
    ("NDX.csv", "Nasdaq-100", "ナスダック100"),
    ("IXIC.csv", "Nasdaq Composite", "ナスダック総合"),
    ("RUT.csv", "Russell 2000", "ラッセル2000"),
    ("RUO.csv", "Russell 2000 Growth", "ラッセル2000グロース"),
    # the folder has no ^SPXEW: the ETF serves, named as such (its closes are dividend-adjusted, index.csv)
    ("RSP.csv", "S&P 500 Equal Weight ETF (RSP) (dividend-adjusted)", "S&P500均等加重ETF(RSP)（配当込み）"),
    ("TOPIX.csv", "TOPIX", "TOPIX"),
    ("N225.csv", "Nikkei 225", "日経平均"),
    ("USDJPY.csv", "USD/JPY", "ドル円"),
]
SECTORS = {  # file: (en short, ja short)
    "1617_T.csv": ("Foods", "食品"), "1618_T.csv": ("Energy", "エネルギー資源"),
    "1619_T.csv": ("Construction", "建設・資材"), "1620_T.csv": ("Materials", "素材・化学"),
    "1621_T.csv": ("Pharma", "医薬品"), "1622_T.csv": ("Autos", "自動車・輸送機"),
    "1623_T.csv": ("Steel", "鉄鋼・非鉄"), "1624_T.csv": ("Machinery", "機械"),
    "1625_T.csv": ("Electric & Precision", "電機・精密"), "1626_T.csv": ("IT & Services", "情報通信・サービス"),
    "1627_T.csv": ("Power & Gas", "電力・ガス"), "1628_T.csv": ("Transport & Logistics", "運輸・物流"),
    "1629_T.csv": ("Trading", "商社・卸売"), "1630_T.csv": ("Retail", "小売"),
    "1631_T.csv": ("Banks", "銀行"), "1632_T.csv": ("Financials ex Banks", "金融（除く銀行）"),
    "1633_T.csv": ("Real Estate", "不動産"),
}


@dataclass(frozen=True)
class Closes:
    folder: Path

    def read(self, file: str) -> dict[dt.date, float]:
        with (self.folder / file).open() as fh:
            return {D(row["date"]): float(row["close"]) for row in csv.DictReader(fh)}

    def on_or_before(self, file: str, when: dt.date) -> float | None:
        closes = self.read(file)
        days = [d for d in closes if d <= when]
        return closes[max(days)] if days else None


def r(x: float, places: int) -> Decimal:
    """Half-up rounding of the number as written (the rounding a reader does by hand)."""
    return Decimal(repr(x)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def money(x: float) -> str:
    return f"{r(x, 2):,.2f}"


def pct(x: float) -> str:
    return f"{r(x * 100, 2):+.2f}%"


@pytest.fixture(scope="module")
def data(market_dir: Path) -> Closes:
    return Closes(market_dir)


@pytest.fixture(scope="module")
def reports(market_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Report]:
    engine = open_engine(f"csv:{market_dir}", cache_path=tmp_path_factory.mktemp("md") / "c.sqlite")
    return {(day, lang): build_report(engine, D(day), lang)  # type: ignore[arg-type]
            for day in WEEKS for lang in ("ja", "en")}


CASES = [(day, lang) for day in WEEKS for lang in ("ja", "en")]


@pytest.mark.parametrize(("day", "lang"), CASES)
def test_index_moves_table(reports, data: Closes, day: str, lang: str) -> None:
    text = render_review(reports[day, lang], "md")
    header = "| 名称 | 前週末 | 今週末 | 週間騰落率 |" if lang == "ja" else "| Name | Last week | This week | Week |"
    assert header in text
    for file, en, ja in INDICES:
        prev, end = data.on_or_before(file, D(WEEKS[day])), data.on_or_before(file, D(day))
        assert prev is not None and end is not None
        name = ja if lang == "ja" else en
        assert f"| {name} | {money(prev)} | {money(end)} | {pct(end / prev - 1)} |" in text


@pytest.mark.parametrize(("day", "lang"), CASES)
def test_ytd(reports, data: Closes, day: str, lang: str) -> None:
    text = render_review(reports[day, lang], "md")
    year_end = D(f"{D(day).year - 1}-12-31")
    for file, en, ja in INDICES:
        name = ja if lang == "ja" else en
        base = data.on_or_before(file, year_end)
        if base is None:  # ^RUO starts 2024-11-14: no 2023 close
            assert f"| {name} | —※1 |" in text  # a dash and the post's first footnote, never an error text
            note = ("※1 ラッセル2000グロースのデータは2024年11月14日から" if lang == "ja"
                    else "※1 Russell 2000 Growth: data starts 2024-11-14")
            assert f"- {note}" in text.splitlines()  # under the 注記 / Notes heading
        else:
            assert f"| {name} | {pct(data.on_or_before(file, D(day)) / base - 1)} |" in text


def weekly_ratios(data: Closes, num: str, den: str, day: dt.date, weeks: int) -> list[float]:
    """The last ``weeks`` weekly ratios up to ``day`` (a Friday), each week's closes on or before its Sunday."""
    out = []
    for k in range(weeks):
        sunday = min(day - dt.timedelta(weeks=k) + dt.timedelta(days=2), day)
        a, b = data.on_or_before(num, sunday), data.on_or_before(den, sunday)
        assert a is not None and b is not None
        out.append(a / b)
    return out


@pytest.mark.parametrize(("num", "en", "ja"), [("RUT.csv", "Russell 2000 / S&P 500", "ラッセル2000 / S&P500"),
                                               ("RSP.csv", "S&P 500 Equal Weight ETF (RSP) / S&P 500",
                                                "S&P500均等加重ETF(RSP) / S&P500"),
                                               ("RUO.csv", "Russell 2000 Growth / S&P 500",
                                                "ラッセル2000グロース / S&P500")])
@pytest.mark.parametrize(("day", "lang"), CASES)
def test_relative_ratios_and_deviation_in_pt(reports, data: Closes, day: str, lang: str, num: str, en: str,
                                             ja: str) -> None:
    text = render_review(reports[day, lang], "md")
    name = ja if lang == "ja" else en
    when = D(day)
    ratio = data.on_or_before(num, when) / data.on_or_before("GSPC.csv", when)
    if num == "RUO.csv" and day == "2024-12-27":  # seven weeks of ^RUO: no 26-week average
        assert re.search(rf"\| {re.escape(name)} \| {r(ratio * 100, 2)}% \| —※(\d) \| —※\1 \|", text)
        return
    if num == "RSP.csv":  # index.csv: RSP.csv is dividend-adjusted, ^GSPC a price index: refused, and said why
        found = re.search(rf"\| {re.escape(name)} \| —※(\d) \| —※\1 \| —※\1 \|", text)
        assert found, text
        why = (f"{name}は計算せず（RSPは配当込み、^GSPCは価格指数で基準が異なるため）" if lang == "ja"
               else f"{name}: not computed (RSP is dividend-adjusted, ^GSPC a price index: mixed basis)")
        assert f"- ※{found.group(1)} {why}" in text.splitlines()
        return
    ratios = weekly_ratios(data, num, "GSPC.csv", when, 26)
    ma = sum(ratios) / 26
    assert f"| {name} | {r(ratio * 100, 2)}% | {r(ma * 100, 2)}% | {r((ratio - ma) * 100, 2):+}pt |" in text


@pytest.mark.parametrize(("day", "lang"), CASES)
def test_equal_weight_etf_is_not_divided_by_a_price_index(reports, day: str, lang: str) -> None:
    """RSP.csv is dividend-adjusted (index.csv says so), ^GSPC a price index: the pair is refused, not 2.91%."""
    pairs = next(s for s in reports[day, lang].sheets if s.key == "relative").table("pairs").records()
    ew = pairs[2]
    name = "S&P500均等加重ETF(RSP) / S&P500" if lang == "ja" else "S&P 500 Equal Weight ETF (RSP) / S&P 500"
    assert ew["pair"].value == name
    for key in ("ratio", "ma", "deviation", "rel_deviation", "rebased"):
        assert ew[key].value is None
        error = ew[key].error or ""
        assert "mixed basis" in error and "RSP is dividend-adjusted" in error


@pytest.mark.parametrize(("day", "lang"), CASES)
def test_yields_spread_and_fed_range(reports, data: Closes, day: str, lang: str) -> None:
    text = render_review(reports[day, lang], "md")
    now, before = D(day), D(WEEKS[day])
    for file, en, ja in (("DGS2.csv", "2-year", "米2年債利回り"), ("DGS10.csv", "10-year", "米10年債利回り")):
        prev, end = data.on_or_before(file, before), data.on_or_before(file, now)
        row = f"| {r(prev, 2)}% | {r(end, 2)}% | {r((end - prev) * 100, 0):+}bp |"
        assert any(line.endswith(row) and (ja if lang == "ja" else en) in line for line in text.splitlines())
    spread = (data.on_or_before("DGS10.csv", now) - data.on_or_before("DGS2.csv", now)) * 100
    spread_then = (data.on_or_before("DGS10.csv", before) - data.on_or_before("DGS2.csv", before)) * 100
    change = r(spread - spread_then, 0)
    assert (f"- 米2年-10年スプレッド {r(spread, 0):+}bp（前週比 {change:+}bp）" if lang == "ja"
            else f"- 2s10s spread {r(spread, 0):+}bp (week {change:+}bp)") in text
    lower, upper = data.on_or_before("DFEDTARL.csv", now), data.on_or_before("DFEDTARU.csv", now)
    dash, fed = ("〜", "FF金利誘導目標") if lang == "ja" else ("–", "Fed funds target range")
    assert f"- {fed} {r(lower, 2)}%{dash}{r(upper, 2)}%" in text


@pytest.mark.parametrize(("day", "lang"), CASES)
def test_sectors_top_and_bottom_three(reports, data: Closes, day: str, lang: str) -> None:
    text = render_review(reports[day, lang], "md")
    moves = []
    for file, names in SECTORS.items():
        prev, end = data.on_or_before(file, D(WEEKS[day])), data.on_or_before(file, D(day))
        moves.append((names[0 if lang == "en" else 1], end / prev - 1))
    moves.sort(key=lambda item: -item[1])
    sep = "、" if lang == "ja" else ", "
    best = sep.join(f"{n} {pct(v)}" for n, v in moves[:3])
    worst = sep.join(f"{n} {pct(v)}" for n, v in moves[::-1][:3])
    top, bottom = (("TOPIX-17業種（NEXT FUNDS ETF） 週間上位", "TOPIX-17業種（NEXT FUNDS ETF） 週間下位")
                   if lang == "ja" else ("TOPIX-17 sectors (NEXT FUNDS ETF), best of the week",
                                         "TOPIX-17 sectors (NEXT FUNDS ETF), worst of the week"))
    assert f"- {top}: {best}" in text
    assert f"- {bottom}: {worst}" in text


@pytest.mark.parametrize(("day", "lang"), CASES)
def test_mag7_and_footer(reports, day: str, lang: str) -> None:
    text = render_review(reports[day, lang], "md")
    mag7 = [line for line in text.splitlines() if line.startswith(("- マグニフィセント・セブンのS&P500時価総額比率 ",
                                                                  "- Magnificent Seven share of S&P 500 market cap "))]
    assert len(mag7) == 1 and re.search(r" \d+\.\d% ?[（(](前週比|week) [+-]\d+\.\dpt[）)]", mag7[0])  # one decimal
    footer = text.strip().splitlines()[-1]
    shown = "{}年{}月{}日".format(*map(int, day.split("-"))) if lang == "ja" else day
    assert shown in footer and ("CSVファイル" if lang == "ja" else "CSV files") in footer and "DEMO" not in text


def test_sections_in_the_posts_order(reports) -> None:
    text = render_review(reports["2025-10-31", "ja"], "md")
    heads = [line for line in text.splitlines() if line.startswith("## ")]
    # the previous two calendar years follow the year to date (seed 000's block)
    assert heads[:7] == ["## 今週の指数", "## 年初来", "## 過去2年", "## 対S&P500 相対比（26週平均との乖離）",
                         "## 米国債利回り", "## マグニフィセント・セブン",
                         "## 日本株：TOPIX-17業種（NEXT FUNDS ETF、週間）"]
    assert heads[7:] in ([], ["## 注記"])


@dataclass(frozen=True)
class FakeExhibit:
    path: Path
    title: str
    source: str


@pytest.mark.parametrize(("lang", "caption"), [("ja", "図表"), ("en", "Exhibit ")])
def test_exhibits_numbered_with_relative_paths(reports, tmp_path: Path, lang: str, caption: str) -> None:
    charts = [FakeExhibit(tmp_path / "charts" / "ratio.png", "相対比", "出所：Yahoo Finance"),
              FakeExhibit(tmp_path / "charts" / "yields.png", "利回り", "出所：FRED")]
    text = render_review(reports["2025-10-31", lang], "md", charts, base=tmp_path)
    lines = text.splitlines()
    first = lines.index(f"![{caption}1 相対比](charts/ratio.png)")
    assert lines[first + 1] == "出所：Yahoo Finance"
    assert f"![{caption}2 利回り](charts/yields.png)" in lines


def test_text_format_has_no_markdown(reports) -> None:
    text = render_review(reports["2024-12-27", "en"], "text")
    assert "|" not in text and "##" not in text
    # DJI.csv: 2024-12-20 42840.26, 2024-12-27 42992.21: +151.95 points, +0.35%
    assert "・Dow Jones Industrial Average 42,840.26 → 42,992.21 (week +151.95, +0.35%)" in text


def test_cli_review_writes_the_file(market_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "post" / "review.md"
    code = main(["review", "--source", f"csv:{market_dir}", "--cache", str(tmp_path / "c.sqlite"),
                 "--asof", "2024-12-27", "--lang", "ja", "--out", str(out)])
    assert code == 0 and f"wrote {out}" in capsys.readouterr().out
    assert "| NYダウ | 42,840.26 | 42,992.21 | +0.35% |" in out.read_text(encoding="utf-8")


def test_demo_review_is_marked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["review", "--source", "demo", "--cache", str(tmp_path / "c.sqlite"), "--lang", "en"])
    text = capsys.readouterr().out
    assert code == 0
    assert text.count("DEMO: synthetic data, not market data.") == 2  # under the title and in the footer


@pytest.mark.parametrize(("lang", "shown"), [("ja", "2025年11月3日 08:30 JST"), ("en", "2025-11-02 23:30 UTC")])
def test_footer_time_is_in_the_readers_zone(reports, lang: str, shown: str) -> None:
    built = dt.datetime(2025, 11, 2, 23, 30, tzinfo=dt.timezone.utc)
    report = dataclasses.replace(reports["2025-10-31", lang], generated_at=built)
    assert shown in render_review(report, "md").strip().splitlines()[-1]
