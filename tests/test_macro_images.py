"""Exhibits 3–6 of the seed material as images (issue 18): ISM against S&P 500 forward EPS, capex against cash
flow, TOPIX with the autos and banks sectors over the year, Japanese buybacks. From a CSV folder holding the
user's ISM, EPS and buyback files (small files with known values, made here) beside the shared closes; the
capex series are absent, and ``charts`` says which files would fill them and writes the rest."""

from __future__ import annotations

import csv
import datetime as dt
import math
from pathlib import Path

import pandas as pd
import pytest

from marketreview.app import open_engine
from marketreview.calc.rebase import rebased
from marketreview.cli import main
from marketreview.errors import NoDataError
from marketreview.render.images import Drawn, NotDrawn, draw_all
from marketreview.report.build import build_report
from marketreview.report.model import Report

AS_OF = dt.date(2024, 12, 27)
MONTHS = [dt.date(2023 + (m - 1) // 12, (m - 1) % 12 + 1, 1) for m in range(1, 24)]  # 2023-01 … 2024-11
ISM = {d: round(48.0 + 0.1 * i, 1) for i, d in enumerate(MONTHS)}
EPS = {d: 200.0 + 2 * i for i, d in enumerate(MONTHS)}
BUYBACKS = {dt.date(2021, 12, 31): 9.5, dt.date(2022, 12, 31): 9.7, dt.date(2023, 12, 31): 13.6}


def write_series(path: Path, values: dict[dt.date, float]) -> None:
    path.write_text("date,close\n" + "".join(f"{d.isoformat()},{v}\n" for d, v in values.items()), encoding="utf-8")


@pytest.fixture(scope="module")
def folder(market_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shared closes (as links) plus the user's three files, listed in index.csv with a source column."""
    target = tmp_path_factory.mktemp("macro") / "data"
    target.mkdir()
    for path in market_dir.iterdir():
        if path.name != "index.csv":
            (target / path.name).symlink_to(path)
    write_series(target / "ISM.csv", ISM)
    write_series(target / "SPX_FWD_EPS.csv", EPS)
    write_series(target / "JP_BUYBACKS.csv", BUYBACKS)
    with (market_dir / "index.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    rows += [{"file": "ISM.csv", "symbol": "ISM", "kind": "macro", "adjusted": "no",
              "notes": "ISM Report On Business, typed in", "source": "ISM"},
             {"file": "SPX_FWD_EPS.csv", "symbol": "SPX_FWD_EPS", "kind": "macro", "adjusted": "no",
              "notes": "FactSet Earnings Insight, typed in", "source": "FactSet"},
             {"file": "JP_BUYBACKS.csv", "symbol": "JP_BUYBACKS", "kind": "macro", "adjusted": "no",
              "notes": "", "source": "東証"}]
    with (target / "index.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, ["file", "symbol", "kind", "adjusted", "notes", "source"])
        writer.writeheader()
        writer.writerows(rows)
    return target


@pytest.fixture(scope="module")
def report(folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Report:
    engine = open_engine(f"csv:{folder}", cache_path=tmp_path_factory.mktemp("mc") / "c.sqlite")
    return build_report(engine, AS_OF, "ja")


@pytest.fixture(scope="module")
def drawn(report: Report) -> tuple[dict[str, Drawn], list[NotDrawn]]:
    charts, missing = draw_all(report)
    return {d.key: d for d in charts}, missing


def known(line) -> list[tuple[dt.date, float]]:  # type: ignore[no-untyped-def]
    return [(pd.Timestamp(x).date(), float(y)) for x, y in zip(line.get_xdata(), line.get_ydata(), strict=True)
            if not math.isnan(float(y))]


@pytest.mark.realdata
def test_ism_against_forward_eps_growth_from_the_users_files(drawn: tuple[dict[str, Drawn], list[NotDrawn]]) -> None:
    chart = drawn[0]["ism_eps"]
    assert chart.title == "ISM製造業景況指数とS&P500予想EPS成長率"
    left, right = chart.figure.axes
    (ism,) = left.get_lines()
    assert known(ism)[-12:] == [(d, v) for d, v in ISM.items()][-12:]
    (eps,) = right.get_lines()
    # % change from a year ago, by hand: (200 + 2i) / (200 + 2(i - 12)) - 1
    expected = [(MONTHS[i], ((200 + 2 * i) / (200 + 2 * (i - 12)) - 1) * 100) for i in range(12, 23)]
    assert [d for d, _ in known(eps)] == [d for d, _ in expected]
    assert all(math.isclose(a, b, rel_tol=1e-12) for (_, a), (_, b) in zip(known(eps), expected, strict=True))
    assert math.isclose(known(eps)[-1][1], 244 / 220 * 100 - 100, rel_tol=1e-12)
    assert chart.source == "出所：ISM、FactSetのデータを基に作成"
    assert chart.period == "期間：2023年1月～2024年11月（月次）"
    assert any("ISM.csv" in n and "ISM Report On Business, typed in" in n for n in chart.notes)
    assert any("SPX_FWD_EPS.csv" in n and "FactSet Earnings Insight" in n for n in chart.notes)


@pytest.mark.realdata
def test_topix_with_autos_and_banks_over_the_year(drawn: tuple[dict[str, Drawn], list[NotDrawn]],
                                                  market_dir: Path) -> None:
    chart = drawn[0]["japan_year"]
    lines = {ln.get_gid(): ln for ln in chart.figure.axes[0].get_lines() if ln.get_gid() in ("topix", "autos",
                                                                                               "banks")}
    for gid, file in (("topix", "TOPIX.csv"), ("autos", "1622_T.csv"), ("banks", "1631_T.csv")):
        with (market_dir / file).open() as fh:
            closes = {row["date"]: float(row["close"]) for row in csv.DictReader(fh)}
        base, last = closes["2023-12-29"], closes["2024-12-27"]  # the last close of 2023, the as-of close
        points = known(lines[gid])
        assert points[0] == (dt.date(2023, 12, 29), 100.0)
        assert points[-1][0] == AS_OF and math.isclose(points[-1][1], last / base * 100, rel_tol=1e-12), gid
    legend = [t.get_text() for t in chart.figure.axes[0].get_legend().get_texts()]
    assert legend == ["TOPIX", "TOPIX-17 自動車・輸送機（NEXT FUNDS ETF）", "TOPIX-17 銀行（NEXT FUNDS ETF）"]
    assert chart.period == "期間：2023年12月29日～2024年12月27日（日次）"


@pytest.mark.realdata
def test_buybacks_as_bars_from_the_users_file(drawn: tuple[dict[str, Drawn], list[NotDrawn]]) -> None:
    chart = drawn[0]["jp_buybacks"]
    ax = chart.figure.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2021", "2022", "2023"]
    assert [p.get_height() for p in ax.patches] == list(BUYBACKS.values())
    assert chart.source == "出所：東証のデータを基に作成" and chart.period == "期間：2021年～2023年（年次）"
    assert any("JP_BUYBACKS.csv" in n for n in chart.notes)


@pytest.mark.realdata
def test_charts_writes_what_it_can_and_names_the_files_for_the_rest(
        folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "charts"
    assert main(["charts", "--source", f"csv:{folder}", "--asof", AS_OF.isoformat(), "--cache",
                 str(tmp_path / "c.sqlite"), "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert sorted(p.name for p in out.iterdir()) == sorted(
        f"{k}.png" for k in ("index_moves", "relative_r2g", "relative_others", "mag7_share", "yields", "mag7_moves",
                             "sectors", "ism_eps", "japan_year", "jp_buybacks"))
    (line,) = [text for text in captured.err.splitlines() if text.startswith("not drawn:")]
    assert line.startswith("not drawn: 米国非金融法人の設備投資と内部資金")
    assert "BOGZ1FA105050005Q.csv" in line and "BOGZ1FA106000105Q.csv" in line and "#N/A" not in line
    assert "ism_eps.png: ISM製造業景況指数とS&P500予想EPS成長率" in captured.out


def test_rebased_closes_start_at_100_on_the_base_close() -> None:
    closes = pd.Series([50.0, 40.0, 44.0, 55.0],
                       index=pd.to_datetime(["2024-12-27", "2024-12-30", "2025-01-06", "2025-01-07"]))
    out = rebased(closes, dt.date(2024, 12, 31), dt.date(2025, 1, 6))
    assert list(out.index.date) == [dt.date(2024, 12, 30), dt.date(2025, 1, 6)]
    assert list(out) == [100.0, 110.00000000000001]  # 44 / 40 * 100 in floating point
    with pytest.raises(NoDataError):
        rebased(closes, dt.date(2024, 12, 1), dt.date(2025, 1, 6))


def test_a_dollar_in_a_sector_label_is_drawn_as_text(tmp_path: Path) -> None:
    """A symbol map's label reaches the year chart's legend: ``$x^$`` is text there, not broken mathtext."""
    (tmp_path / "map.csv").write_text("alias,tickers,group,label_en,label_ja\n"
                                      "TOPIX17_BANKS,1631.T,topix17,$\\frac{1$ Banks,$x^$ 銀行\n", encoding="utf-8")
    engine = open_engine("demo", cache_path=tmp_path / "c.sqlite", symbols_file=tmp_path / "map.csv")
    drawn, _missing = draw_all(build_report(engine, AS_OF, "ja"))
    chart = {d.key: d for d in drawn}["japan_year"]
    chart.figure.canvas.draw()  # mathtext is parsed here: an unescaped label raised
    legend = [t.get_text() for t in chart.figure.axes[0].get_legend().get_texts()]
    assert legend[2] == r"\$x^\$ 銀行（NEXT FUNDS ETF）"
