"""Proxies by name: without TOPIX itself every TOPIX figure names the 1306 ETF; with J-Quants (mocked in its real
answer shape) they are TOPIX's own closes; a free key is refused and says why; ETF proxies are measured on
distribution-adjusted closes (or marked as raw); the equal-weight pair is compared on one basis and rebased.
Expected numbers come from the CSV files or are worked out here, never from the code under test."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from jquants_fakes import TopixServer, topix_closes

from marketreview.cache import Cache
from marketreview.calc import relative as rel
from marketreview.cli import main
from marketreview.engine import Engine
from marketreview.render.markdown import render_review
from marketreview.report.build import build_report
from marketreview.report.model import Report
from marketreview.sources.base import FunctionSource, make_frame
from marketreview.sources.csvdir import CsvDirSource
from marketreview.sources.jquants import JQuantsSource, is_jquants_symbol
from marketreview.sources.router import Router
from marketreview.substitutes import ADJUSTED, PRICE, RAW, pick_closes

D = dt.date.fromisoformat
#: the engine's clock for J-Quants runs: the Monday after the week reviewed (J-Quants "current" data)
MONDAY = dt.datetime(2024, 12, 30, 12, 0, tzinfo=dt.timezone.utc)


def folder_without_topix(market_dir: Path, target: Path) -> Path:
    """The shared folder as links, without TOPIX.csv and its index.csv row."""
    target.mkdir()
    for path in market_dir.iterdir():
        if path.name not in ("TOPIX.csv", "index.csv"):
            (target / path.name).symlink_to(path)
    rows = (market_dir / "index.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (target / "index.csv").write_text("".join(r for r in rows if not r.startswith("TOPIX.csv,")), encoding="utf-8")
    return target


def closes(path: Path) -> dict[dt.date, float]:
    with path.open(encoding="utf-8") as fh:
        return {D(row["date"]): float(row["close"]) for row in csv.DictReader(fh)}


def half_up(x: float, places: int) -> Decimal:
    return Decimal(repr(x)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def topix_lines(text: str) -> list[str]:
    """Every line naming TOPIX itself or its stand-in (not the TOPIX-17 sector lines or headings)."""
    return [line for line in text.splitlines() if "TOPIX" in line and "TOPIX-17" not in line]


@pytest.fixture(scope="module")
def no_topix(market_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return folder_without_topix(market_dir, tmp_path_factory.mktemp("notopix") / "data")


@pytest.mark.parametrize(("lang", "etf"), [("ja", "TOPIX連動ETF(1306)"), ("en", "TOPIX ETF (1306)")])
@pytest.mark.parametrize("form", ["text", "md"])
def test_review_without_topix_names_the_etf_on_every_topix_line(no_topix: Path, tmp_path: Path, lang: str,
                                                                 etf: str, form: str,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["review", "--source", f"csv:{no_topix}", "--cache", str(tmp_path / "c.sqlite"),
                 "--asof", "2024-12-27", "--lang", lang, "--format", form])
    text = capsys.readouterr().out
    assert code == 0
    lines = topix_lines(text)
    assert len(lines) >= 2  # the week's move and the year to date
    assert all(etf in line for line in lines), lines
    etf_closes = closes(no_topix / "1306_T.csv")
    prev, end = etf_closes[D("2024-12-20")], etf_closes[D("2024-12-27")]  # 2,831 and 2,943 yen
    move = f"{half_up((end / prev - 1) * 100, 2):+}%"
    before, after = f"{half_up(prev, 0):,}", f"{half_up(end, 0):,}"  # whole yen, half up: 2,830.5 → 2,831
    points = f"{half_up(end, 0) - half_up(prev, 0):+,}"  # the shown closes' difference: +112
    # 1306_T.csv has raw closes only: the ETF's returns leave out its distributions, and say so
    raw = "（分配金含まず）" if lang == "ja" else " (distributions not included)"
    if form == "text":
        week = f"（前週比 {points}、{move}）" if lang == "ja" else f" (week {points}, {move})"
        assert f"・{etf} {before} → {after}{week}{raw}" in text.splitlines()
        assert not [line for line in text.splitlines() if line.startswith("・TOPIX ") and etf not in line]
    else:
        assert f"| {etf}{raw} | {before} | {after} | {move} |" in text
        assert "| TOPIX |" not in text and "TOPIX 2," not in text


@pytest.fixture(scope="module")
def etf_report(no_topix: Path, tmp_path_factory: pytest.TempPathFactory) -> Report:
    engine = Engine(Router(CsvDirSource(no_topix)), Cache(tmp_path_factory.mktemp("etf") / "c.sqlite"))
    return build_report(engine, D("2024-12-27"), "ja")


def test_the_etf_is_named_in_every_cell_and_summary_line(etf_report: Report) -> None:
    japan = next(s for s in etf_report.sheets if s.key == "japan_sectors").table("japan_indices").records()
    row = next(r for r in japan if r["ticker"].value == "1306.T")
    assert row["name"].value == "TOPIX連動ETF(1306)"
    warning = row["name"].warning or ""
    assert "fallback for ^TOPX" in warning and "J-Quants key" in warning
    assert "raw closes (distributions not included)" in warning  # 1306_T.csv has no adjusted closes
    sources = next(s for s in etf_report.sheets if s.key == "sources").table("sources").records()
    topix = next(r for r in sources if r["alias"].value == "TOPIX")
    assert topix["name"].value == "TOPIX連動ETF(1306)" and topix["ticker"].value == "1306.T"
    assert "代替ティッカー（本来: ^TOPX）" in str(topix["note"].value)
    summary = "\n".join(str(c.value) for s in etf_report.sheets if s.key == "summary"
                        for t in s.blocks for row in getattr(t, "rows", ()) for c in row)
    summary += "\n".join(line for s in etf_report.sheets if s.key == "summary"
                         for b in s.blocks for line in getattr(b, "lines", ()))
    assert "TOPIX連動ETF(1306)" in summary
    assert not [line for line in topix_lines(summary)  # the sheet has the lines in both languages
                if "TOPIX連動ETF(1306)" not in line and "TOPIX ETF (1306)" not in line]


def test_sector_rows_say_their_returns_are_from_raw_closes(etf_report: Report) -> None:
    sectors = next(s for s in etf_report.sheets if s.key == "japan_sectors").table("sectors").records()
    assert len(sectors) == 17
    for row in sectors:
        assert "returns from raw closes (distributions not included)" in (row["name"].warning or "")


def jquants_engine(folder: Path, cache: Path, server: TopixServer) -> Engine:
    source = JQuantsSource("test-key", get=server, sleep=lambda _s: None, today=lambda: MONDAY.date())
    router = Router(CsvDirSource(folder), [(is_jquants_symbol, source)])
    return Engine(router, Cache(cache), clock=lambda: MONDAY)


def test_with_jquants_the_topix_figures_are_topixs_own_closes(market_dir: Path, no_topix: Path,
                                                             tmp_path: Path) -> None:
    server = TopixServer(topix_closes(market_dir), page=500)
    engine = jquants_engine(no_topix, tmp_path / "c.sqlite", server)
    report = build_report(engine, D("2024-12-27"), "ja")
    text = render_review(report, "text")
    # TOPIX.csv: 2024-12-20 2,701.99, 2024-12-27 2,801.68: +3.69%
    assert f"{half_up((2801.68 / 2701.99 - 1) * 100, 2):+}%" == "+3.69%"
    assert "・TOPIX 2,701.99 → 2,801.68（前週比 +99.69、+3.69%）" in text.splitlines()  # 2801.68 - 2701.99
    assert "1306" not in "\n".join(topix_lines(text))
    assert len(server.calls) >= 2 and all(h == {"x-api-key": "test-key"} for _, h in server.calls)
    provenance = engine.provenance("TOPIX")
    assert (provenance.ticker, provenance.source) == ("^TOPX", "jquants")
    assert engine.substitute("TOPIX") is None and engine.marks("TOPIX") == ()


def test_a_free_key_is_refused_and_the_etf_serves_saying_why(market_dir: Path, no_topix: Path,
                                                              tmp_path: Path) -> None:
    # a free key on 2024-12-30: two years of data ending 12 weeks ago, refused whenever the window goes past it
    server = TopixServer(topix_closes(market_dir), covers=(dt.date(2022, 10, 7), dt.date(2024, 10, 7)))
    engine = jquants_engine(no_topix, tmp_path / "c.sqlite", server)
    report = build_report(engine, D("2024-12-27"), "en")
    assert all("TOPIX ETF (1306)" in line for line in topix_lines(render_review(report, "text")))
    substitute = engine.substitute("TOPIX")
    assert substitute is not None and substitute.ticker == "1306.T"
    assert "refused for current figures" in substitute.reason and "12 weeks late" in substitute.reason
    assert "refused for current figures" in engine.provenance("TOPIX").note


# -- distribution-adjusted closes --------------------------------------------------------------------


def test_an_etf_proxy_is_measured_on_adjusted_closes_when_served() -> None:
    days = pd.DatetimeIndex(["2024-07-08", "2024-07-09", "2024-07-10"])
    raw = pd.Series([2000.0, 1960.0, 1970.0], index=days)  # 40 yen paid out on the 9th: a 2% "fall"
    adjusted = pd.Series([1960.0, 1960.0, 1970.0], index=days)
    frame = make_frame({"1617.T": raw}, {"1617.T": adjusted})
    series, basis = pick_closes(frame, "1617.T", wants_adjusted=True, adjusted_only=False)
    assert basis == ADJUSTED and list(series) == [1960.0, 1960.0, 1970.0]
    partial = make_frame({"1617.T": raw}, {"1617.T": adjusted.iloc[1:]})  # never a mix of the two
    series, basis = pick_closes(partial, "1617.T", wants_adjusted=True, adjusted_only=False)
    assert basis == RAW and list(series) == [2000.0, 1960.0, 1970.0]
    series, basis = pick_closes(frame, "1617.T", wants_adjusted=False, adjusted_only=False)
    assert basis == PRICE and list(series) == [2000.0, 1960.0, 1970.0]


def test_the_engine_serves_a_sector_etf_from_its_adjusted_closes(tmp_path: Path) -> None:
    from conftest import linear_prices

    def prices(symbol: str, dates: pd.DatetimeIndex) -> np.ndarray | None:
        return np.full(len(dates), 2000.0) if symbol == "1617.T" else linear_prices(symbol, dates)

    class WithDistribution(FunctionSource):
        """1617.T pays 40 yen on 2024-07-09: raw closes fall 2%, adjusted ones do not."""

        def fetch(self, symbols, start, end):  # type: ignore[no-untyped-def]
            frame = super().fetch(symbols, start, end)
            if ("close", "1617.T") in frame.columns:
                on_or_after = frame.index >= pd.Timestamp("2024-07-09")
                frame.loc[on_or_after, ("close", "1617.T")] = 1960.0
                frame[("adj_close", "1617.T")] = 1960.0
            return frame

    clock = dt.datetime(2024, 7, 12, 12, tzinfo=dt.timezone.utc)
    engine = Engine(Router(WithDistribution(prices)), Cache(tmp_path / "c.sqlite"), clock=lambda: clock)
    series = engine.series("TOPIX17_FOODS")
    assert series.loc["2024-07-05"] == 1960.0 and series.loc["2024-07-10"] == 1960.0  # no fall on the ex-date
    assert engine.basis("TOPIX17_FOODS") == ADJUSTED
    provenance = engine.provenance("TOPIX17_FOODS")
    assert provenance.adjusted and "distribution-adjusted" in provenance.note
    assert engine.basis("SP500") == PRICE


# -- equal weight: one basis, rebased ----------------------------------------------------------------


def test_rebased_is_the_ratio_over_the_windows_first_weekly_ratio() -> None:
    fridays = pd.date_range("2024-07-05", "2024-12-27", freq="W-FRI")
    assert len(fridays) == 26
    a = pd.Series(np.linspace(100.0, 125.0, 26), index=fridays)
    b = pd.Series(np.linspace(50.0, 55.0, 26), index=fridays)
    figure = rel.rebased(a, b, dt.date(2024, 12, 27))
    # by hand: the window's first ratio 100/50 = 2, the latest 125/55; 100 × (125/55) / 2 = 113.636…
    assert figure.value == pytest.approx(100 * (125 / 55) / 2, rel=1e-12)
    assert figure.start is not None and figure.start.date == dt.date(2024, 7, 5) and figure.start.value == 2.0
    with pytest.raises(Exception, match="26 needed to rebase"):
        rel.rebased(a.iloc[1:], b.iloc[1:], dt.date(2024, 12, 27))


def test_rsp_on_price_basis_is_compared_and_rebased(tmp_path: Path) -> None:
    from conftest import fake_close, linear_prices

    def no_spxew(symbol: str, dates: pd.DatetimeIndex) -> np.ndarray | None:
        return None if symbol == "^SPXEW" else linear_prices(symbol, dates)

    clock = dt.datetime(2024, 12, 30, 12, tzinfo=dt.timezone.utc)
    engine = Engine(Router(FunctionSource(no_spxew)), Cache(tmp_path / "c.sqlite"), clock=lambda: clock)
    report = build_report(engine, D("2024-12-27"), "ja")
    pairs = next(s for s in report.sheets if s.key == "relative").table("pairs").records()
    ew, r2g = pairs[2], pairs[0]
    assert ew["pair"].value == "S&P500均等加重ETF(RSP) / S&P500"
    assert engine.basis("SP500EW") == PRICE == engine.basis("SP500")  # RSP's raw close: price with price
    ratio = fake_close("RSP", "2024-12-27") / fake_close("^GSPC", "2024-12-27")
    first = fake_close("RSP", "2024-07-05") / fake_close("^GSPC", "2024-07-05")
    assert ew["ratio"].value == pytest.approx(ratio, rel=1e-12)
    assert ew["rebased"].value == pytest.approx(100 * ratio / first, rel=1e-12)
    assert r2g["rebased"].value is None and r2g["rebased"].error is None  # the seeds quote R2000G's raw ratio
    assert r2g["ratio"].value == pytest.approx(fake_close("^RUO", "2024-12-27") / fake_close("^GSPC", "2024-12-27"))


def test_a_distribution_after_the_first_fetch_readjusts_the_cached_history(tmp_path: Path) -> None:
    """Yahoo re-adjusts every earlier Adj Close at a distribution: when the new rows' adjusted closes disagree
    with the cached ones, the engine fetches such an ETF whole, so its cached older rows do not keep the old
    adjustment (which would show the payout as a 2% fall); otherwise only the new days are asked for."""
    from conftest import linear_prices

    paid = {"yet": False}

    class Readjusting(FunctionSource):
        readjusts_history = True

        def fetch(self, symbols, start, end):  # type: ignore[no-untyped-def]
            frame = super().fetch(symbols, start, end)
            if ("close", "1617.T") in frame.columns:
                after = frame.index >= pd.Timestamp("2024-07-09")
                frame[("close", "1617.T")] = np.where(after, 1960.0, 2000.0)  # 40 yen paid on the 9th
                frame[("adj_close", "1617.T")] = 1960.0 if paid["yet"] else 2000.0
            return frame

    now = {"t": dt.datetime(2024, 7, 5, 12, tzinfo=dt.timezone.utc)}
    source = Readjusting(lambda s, d: linear_prices(s, d))
    engine = Engine(Router(source), Cache(tmp_path / "c.sqlite"), clock=lambda: now["t"])
    engine.ensure(["TOPIX17_FOODS"])
    assert engine.series("TOPIX17_FOODS").loc["2024-07-05"] == 2000.0
    now["t"] = dt.datetime(2024, 7, 8, 12, tzinfo=dt.timezone.utc)  # no payout yet: only the new days
    assert engine.ensure(["TOPIX17_FOODS"]).requests == {"fake": 1}
    assert source.calls[-1][1] > dt.date(2024, 7, 1)
    paid["yet"], now["t"] = True, dt.datetime(2024, 7, 12, 12, tzinfo=dt.timezone.utc)
    report = engine.ensure(["TOPIX17_FOODS"])
    assert report.requests == {"fake": 2}  # the new days disagree with the cached adjustment: then the whole
    assert source.calls[-1] == (("1617.T",), engine.history_start(dt.date(2024, 7, 12)), dt.date(2024, 7, 12))
    series = engine.series("TOPIX17_FOODS")
    assert series.loc["2024-07-05"] == 1960.0 == series.loc["2024-07-10"]  # no fall on the ex-date


def test_summary_lines_name_the_rsp_leg(tmp_path: Path) -> None:
    from conftest import linear_prices

    def no_spxew(symbol: str, dates: pd.DatetimeIndex) -> np.ndarray | None:
        return None if symbol == "^SPXEW" else linear_prices(symbol, dates)

    clock = dt.datetime(2024, 12, 30, 12, tzinfo=dt.timezone.utc)
    engine = Engine(Router(FunctionSource(no_spxew)), Cache(tmp_path / "c.sqlite"), clock=lambda: clock)
    report = build_report(engine, D("2024-12-27"), "ja")
    lines = [line for s in report.sheets if s.key == "summary" for b in s.blocks for line in getattr(b, "lines", ())]
    assert any(line.startswith("・S&P500均等加重ETF(RSP) / S&P500 ") for line in lines), lines
    assert any(line.startswith("・S&P500均等加重ETF(RSP) ") for line in lines)
    assert not [line for line in lines if "均等加重" in line and "RSP" not in line]


def test_the_rebased_line_starts_at_100_and_ends_at_the_pairs_rebased_figure(tmp_path: Path) -> None:
    from conftest import fake_close, linear_prices

    def no_spxew(symbol: str, dates: pd.DatetimeIndex) -> np.ndarray | None:
        return None if symbol == "^SPXEW" else linear_prices(symbol, dates)

    clock = dt.datetime(2024, 12, 30, 12, tzinfo=dt.timezone.utc)
    engine = Engine(Router(FunctionSource(no_spxew)), Cache(tmp_path / "c.sqlite"), clock=lambda: clock)
    relative = next(s for s in build_report(engine, D("2024-12-27"), "en").sheets if s.key == "relative")
    history = relative.table("ratio_history").records()  # newest week first
    line = [(r["date"].value, r["ew_rebased"].value) for r in history if r["ew_rebased"].value is not None]
    assert len(line) == 26
    assert line[-1] == (dt.date(2024, 7, 5), 100.0)
    week = dt.date(2024, 10, 4)  # by hand: 100 × (RSP/^GSPC on 10-04) ÷ (RSP/^GSPC on 07-05)
    expected = 100 * (fake_close("RSP", week) / fake_close("^GSPC", week)) / (
        fake_close("RSP", "2024-07-05") / fake_close("^GSPC", "2024-07-05"))
    assert dict(line)[week] == pytest.approx(expected, rel=1e-12)
    assert line[0][1] == pytest.approx(relative.table("pairs").records()[2]["rebased"].value, rel=1e-12)
    assert "r2g_rebased" not in history[0] and "r2_rebased" not in history[0]  # the raw ratio, as the seeds


def test_any_other_fallback_is_marked_and_the_sources_sheet_says_why(etf_report: Report) -> None:
    # the shared folder has no DGS3MO.csv: Yahoo's 13-week bill (^IRX, IRX.csv) serves US3M
    rates = next(s for s in etf_report.sheets if s.key == "rates").table("yields").records()
    us3m = next(r for r in rates if r["ticker"].value == "^IRX")
    assert us3m["name"].value == "米13週TB利回り(^IRX)"
    assert "fallback for DGS3MO" in (us3m["name"].warning or "")
    assert "FRED's DGS3MO is not served by this source" in (us3m["name"].warning or "")
    sources = next(s for s in etf_report.sheets if s.key == "sources").table("sources").records()
    note = str(next(r for r in sources if r["alias"].value == "US3M")["note"].value)
    assert "代替ティッカー（本来: DGS3MO）" in note and "DGS3MO is not served" in note
