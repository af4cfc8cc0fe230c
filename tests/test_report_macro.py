"""The Macro sheet end to end: FRED series through the mocked fredgraph boundary and a user's CSV folder (ISM.csv,
SPX_FWD_EPS.csv with source notes in index.csv) into the report model, the openpyxl file and LibreOffice, which
opens it headless, exports the sheet as shown and saves it again with its charts. Expected values are worked out
by hand from tests/resources/fred_fredgraph_macro.csv and the files written here."""

from __future__ import annotations

import csv
import datetime as dt
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from conftest import linear_prices
from test_fred_series import MACRO, FredAnswers

from marketreview.engine import Engine
from marketreview.errors import DataFormatError
from marketreview.render.xlsx import write_xlsx
from marketreview.report.build import build_report
from marketreview.report.macro import read_macro_list
from marketreview.report.model import Lines, Report, Table
from marketreview.sources.base import FunctionSource
from marketreview.sources.csvdir import CsvDirSource
from marketreview.sources.fred import FredSource, is_prefixed
from marketreview.sources.router import Router
from marketreview.symbols import SymbolMap

AS_OF = dt.date(2025, 6, 30)
NOW = dt.datetime(2025, 7, 15, 12, 0, tzinfo=dt.timezone.utc)
USER = frozenset({"ISM", "SPX_FWD_EPS", "JP_BUYBACKS"})
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
CSV_FILTER = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1"


def user_folder(folder: Path) -> Path:
    """ISM (month-end dates) and S&P 500 forward EPS; no JP_BUYBACKS.csv."""
    folder.mkdir()
    (folder / "index.csv").write_text(
        "file,symbol,kind,adjusted,notes\n"
        "ISM.csv,ISM,macro,no,source: ISM Report On Business (typed in by the user)\n"
        "SPX_FWD_EPS.csv,SPX_FWD_EPS,macro,no,source: the user's broker (12-month forward EPS)\n", encoding="utf-8")
    months = pd.date_range("2023-01-31", "2025-06-30", freq="ME")
    ism = {d: 48.0 + (i % 5) for i, d in enumerate(months)}
    ism[pd.Timestamp("2025-06-30")] = 49.0
    eps = {d: 200.0 + i for i, d in enumerate(months)}
    eps[pd.Timestamp("2024-06-30")], eps[pd.Timestamp("2025-06-30")] = 240.0, 264.0
    for name, values in (("ISM", ism), ("SPX_FWD_EPS", eps)):
        lines = ["date,close", *(f"{d.date().isoformat()},{v}" for d, v in values.items())]
        (folder / f"{name}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def engine_for(folder: Path, cache: Path) -> Engine:
    from marketreview.cache import Cache

    router = Router(FunctionSource(linear_prices, name="fake"),
                    [(is_prefixed, FredSource(get=FredAnswers(MACRO), sleep=None)),
                     (lambda t: t.upper() in USER, CsvDirSource(folder))])
    return Engine(router, Cache(cache), SymbolMap.default(), clock=lambda: NOW)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Report:
    root = tmp_path_factory.mktemp("macro")
    return build_report(engine_for(user_folder(root / "mine"), root / "c.sqlite"), AS_OF, "en")


def rows(table: Table) -> dict[dt.date, list[object]]:
    return {r[0].value: [c.value for c in r[1:]] for r in table.rows}  # type: ignore[misc]


def test_the_macro_sheet_sits_before_sources(report):
    assert [s.key for s in report.sheets][-2:] == ["macro", "sources"]
    assert report.sheet("macro").title == "Macro"
    assert "JP_BUYBACKS" not in report.failed  # a missing user file is the Macro sheet's line, not a failure


def test_overview_labels_each_series_as_what_it_is(report):
    table = report.sheet("macro").table("macro_series")
    by_id = {r[1].value: r for r in table.rows}
    capex = by_id["FRED:BOGZ1FA105050005Q"]
    assert [c.value for c in capex[2:6]] == ["levels", "quarterly", dt.date(2025, 4, 1), 315.0]
    assert "Z.1" in str(capex[6].value) and "not verified online" in str(capex[6].value)
    philly = by_id["FRED:GACDFSA066MSFRBPHI"]
    assert "not the ISM" in str(philly[6].value) and "ISM" not in str(philly[0].value)
    eps = by_id["SPX_FWD_EPS"]
    assert eps[5].value == pytest.approx(10.0)  # pc1: (264 / 240 - 1) * 100
    assert str(eps[6].value).endswith("index.csv: source: the user's broker (12-month forward EPS)")
    assert by_id["ISM"][5].value == 49.0
    assert (by_id["JP_BUYBACKS"][5].value, by_id["JP_BUYBACKS"][5].error) == ("file not found: JP_BUYBACKS.csv", None)


def test_capex_against_internal_funds_and_their_ratio(report):
    table = report.sheet("macro").table("macro_capex")
    assert [c.key for c in table.columns] == ["date", "s1", "s2", "ratio"]
    assert len(table.rows) == 40  # ten years of quarters, a fixed grid ending with the report's quarter
    got = rows(table)
    assert got[dt.date(2025, 4, 1)] == [315.0, 250.0, pytest.approx(1.26)]
    assert got[dt.date(2024, 1, 1)] == [250.0, 200.0, pytest.approx(1.25)]
    assert got[dt.date(2015, 7, 1)] == [None, None, None]  # before the data: blank, not zero


def test_regional_surveys_monthly_with_the_missing_month_blank(report):
    got = rows(report.sheet("macro").table("macro_regional"))
    assert got[dt.date(2025, 6, 1)] == [-4.0, -16.0]
    assert got[dt.date(2025, 5, 1)] == [None, -9.2]  # "." in FRED's answer


def test_ism_against_eps_growth_from_the_users_files(report):
    got = rows(report.sheet("macro").table("macro_ism_eps"))
    assert got[dt.date(2025, 6, 1)] == [49.0, pytest.approx(10.0)]  # month-end dates land on their month


def test_a_missing_user_file_is_one_line_naming_it(report):
    block = next(b for b in report.sheet("macro").blocks if b.key == "macro_jp_buybacks")
    assert isinstance(block, Lines) and len(block.lines) == 1
    assert "JP_BUYBACKS.csv" in block.lines[0] and "index.csv" in block.lines[0]


@pytest.fixture(scope="module")
def report_ja(tmp_path_factory: pytest.TempPathFactory) -> Report:
    root = tmp_path_factory.mktemp("macro-ja")
    return build_report(engine_for(user_folder(root / "mine"), root / "c.sqlite"), AS_OF, "ja")


def test_a_japanese_build_says_everything_in_japanese(report_ja):
    table = report_ja.sheet("macro").table("macro_series")
    by_id = {r[1].value: r for r in table.rows}
    assert [c.value for c in by_id["FRED:BOGZ1FA105050005Q"][2:4]] == ["水準", "四半期"]
    assert [c.value for c in by_id["SPX_FWD_EPS"][2:4]] == ["前年同期比（%）", "月次"]
    assert [c.value for c in by_id["JP_BUYBACKS"][2:4]] == ["水準", "年次"]
    assert by_id["FRED:GACDFSA066MSFRBPHI"][6].value.startswith("フィラデルフィア連銀の製造業景況調査")
    buybacks = by_id["JP_BUYBACKS"]
    assert (buybacks[5].value, buybacks[5].error) == ("ファイルがありません: JP_BUYBACKS.csv", None)
    assert buybacks[4].value is None and buybacks[4].error is None  # no observation date, and no #N/A
    for row in table.rows:
        for cell in row:
            assert cell.error is None or "銘柄不明" not in cell.error
        assert row[2].value not in ("lin", "chg", "ch1", "pch", "pc1", "pca", "log")
        assert row[3].value not in ("d", "w", "m", "q", "a")
    block = next(b for b in report_ja.sheet("macro").blocks if b.key == "macro_jp_buybacks")
    assert block.lines == ("未取得: ファイルがありません: JP_BUYBACKS.csv"
                           "（列は date,close。出所は index.csv の source 列に）",)
    eps = report_ja.sheet("macro").table("macro_ism_eps")
    assert eps.columns[2].header == "S&P500予想EPS（前年比%） [前年同期比（%）]"  # pc1 in words, levels unmarked
    assert eps.columns[1].header == "ISM製造業景況指数"


def test_charts_and_their_axes(report):
    charts = {c.key: c for c in report.sheet("macro").charts}
    assert set(charts) == {"macro_capex", "macro_regional", "macro_ism_eps"}
    assert (charts["macro_capex"].series, charts["macro_capex"].secondary) == (("s1", "s2"), ("ratio",))
    assert (charts["macro_ism_eps"].series, charts["macro_ism_eps"].secondary) == (("s1",), ("s2",))
    assert charts["macro_regional"].secondary == ()


def test_the_sources_sheet_says_when_each_macro_series_was_fetched(report):
    table = report.sheet("sources").table("sources")
    fetched = {r[2].value: r[6].value for r in table.rows}
    assert fetched["FRED:BOGZ1FA105050005Q"] == NOW.replace(tzinfo=None)
    assert fetched["ISM"] == NOW.replace(tzinfo=None)


def test_without_a_csv_folder_every_user_chart_says_which_file_would_fill_it(tmp_path):
    router = Router(FunctionSource(linear_prices, name="yahoo"),
                    [(is_prefixed, FredSource(get=FredAnswers(MACRO), sleep=None))])
    from marketreview.cache import Cache

    engine = Engine(router, Cache(tmp_path / "c.sqlite"), SymbolMap.default(), clock=lambda: NOW)
    sheet = build_report(engine, AS_OF, "en").sheet("macro")
    lines = {b.key: b.lines for b in sheet.blocks if isinstance(b, Lines)}
    assert set(lines) == {"macro_ism_eps", "macro_jp_buybacks"}
    assert "ISM.csv" in lines["macro_ism_eps"][0] and "SPX_FWD_EPS.csv" in lines["macro_ism_eps"][0]
    assert not any("ISM" in t for t, *_ in router.default.calls)  # never looked up on Yahoo by that name


def test_a_users_list_replaces_the_default(tmp_path):
    mine = tmp_path / "macro.csv"
    mine.write_text("chart,title_en,title_ja,kind,ratio,series,label_en,label_ja,units,frequency,axis,note\n"
                    "ism,My ISM,,line,no,ISM,ISM PMI,,lin,m,left,typed in\n", encoding="utf-8")
    charts = read_macro_list(mine)
    assert [(c.key, c.title("ja"), [s.series for s in c.series]) for c in charts] == [("ism", "My ISM", ["ISM"])]
    assert len(read_macro_list()) == 4


@pytest.mark.parametrize(("row", "reason"), [
    ("c,T,,line,no,ISM,L,,pct,m,left,", "line 2.*units"),
    ("c,T,,line,no,ISM,L,,lin,,left,", "line 2.*frequency is required"),
    ("c,T,,pie,no,ISM,L,,lin,m,left,", "kind must be line or bar"),
    ("c,T,,line,yes,ISM,L,,lin,m,left,", "a ratio needs two series"),
    ("c,T,,line,no,=HYPERLINK(1),L,,lin,m,left,", "line 2.*not a valid ticker"),
])
def test_a_bad_list_names_the_line(tmp_path, row, reason):
    bad = tmp_path / "macro.csv"
    bad.write_text("chart,title_en,title_ja,kind,ratio,series,label_en,label_ja,units,frequency,axis,note\n"
                   + row + "\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match=reason):
        read_macro_list(bad)


# -- LibreOffice ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def converted(report: Report, tmp_path_factory: pytest.TempPathFactory) -> Path:
    if SOFFICE is None:
        pytest.skip("LibreOffice (`soffice`) is not on PATH")
    root = tmp_path_factory.mktemp("macro-soffice")
    xlsx = write_xlsx(report, root / "review.xlsx")
    profile = (root / "profile").as_uri()
    for target, outdir in ((CSV_FILTER, root), ("pdf", root), ("xlsx", root / "resaved")):
        subprocess.run([SOFFICE, f"-env:UserInstallation={profile}", "--headless", "--norestore", "--convert-to",
                        target, "--outdir", str(outdir), str(xlsx)], check=True, capture_output=True, timeout=180)
    return root


@pytest.mark.soffice
def test_libreoffice_shows_the_values(converted):
    with (converted / "review-Macro.csv").open(encoding="utf-8", newline="") as handle:
        shown = list(csv.reader(handle))
    with (converted / "review-Data.csv").open(encoding="utf-8", newline="") as handle:
        data = list(csv.reader(handle))  # the charts' tables are on the data sheet, side by side
    capex = ["2025-04-01", "315.00", "250.00", "1.2600"]
    assert any(r[i:i + 4] == capex for r in data for i in range(len(r)))
    assert any(r[:2] == ["ISM manufacturing PMI", "ISM"] and r[5] == "49.00" for r in shown)
    assert any("JP_BUYBACKS.csv" in r[0] for r in shown)


@pytest.mark.soffice
def test_libreoffice_keeps_the_charts_and_the_second_axis(converted):
    assert (converted / "review.pdf").read_bytes().startswith(b"%PDF")
    with zipfile.ZipFile(converted / "resaved" / "review.xlsx") as archive:
        names = archive.namelist()
        book = archive.read("xl/workbook.xml").decode()
        sheets = re.findall(r'<sheet name="([^"]+)"', book)
        macro_part = f"xl/worksheets/sheet{sheets.index('Macro') + 1}.xml"
        rels = archive.read(macro_part.replace("worksheets/", "worksheets/_rels/") + ".rels").decode()
        drawing = "xl/drawings/" + re.search(r'Target="\.\./drawings/([^"]+)"', rels).group(1)  # type: ignore[union-attr]
        drawing_rels = archive.read(drawing.replace("drawings/", "drawings/_rels/") + ".rels").decode()
        charts = [archive.read("xl/charts/" + name).decode()
                  for name in re.findall(r'Target="\.\./charts/([^"]+)"', drawing_rels)]
    assert len(charts) == 3 and all(n in names for n in ("xl/workbook.xml",))
    titles = [" ".join(re.findall(r"<a:t>([^<]*)</a:t>", c)) for c in charts]
    capex = charts[next(i for i, t in enumerate(titles) if "capex" in t)]
    ism = charts[next(i for i, t in enumerate(titles) if "forward EPS" in t)]
    assert capex.count("<c:valAx>") == 2 and ism.count("<c:valAx>") == 2  # dual axes survived LibreOffice


def test_the_excel_refresh_takes_the_users_list_from_the_settings_sheet(tmp_path):
    from fake_book import settings_book

    from marketreview.excel.refresh import read_config, refresh_book

    mine = tmp_path / "macro.csv"
    mine.write_text("chart,title_en,title_ja,kind,ratio,series,label_en,label_ja,units,frequency,axis,note\n"
                    "philly,Philly only,,line,no,FRED:GACDFSA066MSFRBPHI,Philly,,lin,m,left,regional\n",
                    encoding="utf-8")
    book = settings_book(("Lang", "en"), ("MARKETREVIEW_MACRO_LIST", str(mine)))
    assert read_config(book).macro_list == str(mine)
    result = refresh_book(book, engine_for(user_folder(tmp_path / "folder"), tmp_path / "c.sqlite"), as_of=AS_OF)
    assert "Macro" in result.sheets
    shown = {v for v in book.sheets["Macro"].cells.values() if isinstance(v, str)}
    assert "Philly only" in shown and not any("ISM" in v for v in shown)
