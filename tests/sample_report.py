"""A hand-built :class:`Report` with every sheet the real builder makes, for renderer tests.

Small and known: each number below is typed in, so a test can say what a cell must show. It has Japanese text
(lang="ja"), an error cell, a warning cell, a red status, a line chart with two series, a bar chart, and
hostile strings that must stay text.
"""

from __future__ import annotations

import datetime as dt

from marketreview.report.model import Cell, CellValue, Chart, Column, Lines, Report, Sheet, Table
from marketreview.types import Lang

AS_OF = dt.date(2025, 1, 10)
GENERATED_AT = dt.datetime(2025, 1, 11, 7, 30)
SHEET_KEYS = ("us_indices", "mag7", "relative", "rates", "japan_sectors", "summary", "sources")
#: Text that a careless writer would turn into a formula or an error value.
HOSTILE = ('=HYPERLINK("http://x","y")', "+1+1", "@SUM(A1)", "-2+3", "#N/A")
NVDA_ERROR = "#N/A NVDA: no close on or before 2025-01-10"
DJI_WARNING = "close from 2025-01-09: no print on 2025-01-10"
STATUS_MAG7 = "NVDA: no close on or before 2025-01-10"
#: Weekly dates and values of the relative sheet (ratio of two closes and its 4-week average).
RELATIVE_DATES = tuple(dt.date(2024, 11, 15) + dt.timedelta(weeks=i) for i in range(9))
RELATIVE_RATIO = (1.2031, 1.2105, 1.1987, 1.2250, 1.2311, 1.2402, 1.2378, 1.2456, 1.2520)
RELATIVE_MA = (None, None, None, 1.2093, 1.2163, 1.2238, 1.2335, 1.2387, 1.2439)

_TITLES: dict[str, dict[str, str]] = {
    "en": {"us_indices": "US Indices", "mag7": "Magnificent 7", "relative": "Relative", "rates": "Rates",
           "japan_sectors": "Japan Sectors", "summary": "Summary", "sources": "Sources"},
    "ja": {"us_indices": "米国指数", "mag7": "マグニフィセント7", "relative": "相対比較", "rates": "金利",
           "japan_sectors": "日本業種", "summary": "サマリー", "sources": "出典"},
}
_SECTORS = (
    ("1617.T", "Foods", "食品", -0.0123, 0.0045),
    ("1618.T", "Energy Resources", "エネルギー資源", 0.0231, 0.0310),
    ("1619.T", "Construction & Materials", "建設・資材", 0.0, -0.0102),
    ("1620.T", "Raw Materials & Chemicals", "素材・化学", -0.0054, -0.0200),
    ("1621.T", "Pharmaceutical", "医薬品", 0.0178, 0.0095),
)


def _cells(values: tuple[CellValue | Cell, ...]) -> tuple[Cell, ...]:
    return tuple(v if isinstance(v, Cell) else Cell(v) for v in values)


def _table(key: str, title: str, columns: tuple[Column, ...],
           rows: tuple[tuple[CellValue | Cell, ...], ...]) -> Table:
    return Table(key, title, columns, tuple(_cells(row) for row in rows))


def _signed(key: str, header: str) -> Column:
    return Column(key, header, "pct_signed", 10, signed=True)


def _us_indices(ja: bool) -> Table:
    columns = (
        Column("name", "指数" if ja else "Index", "text", 22),
        Column("symbol", "シンボル" if ja else "Symbol", "text", 10),
        Column("close", "終値" if ja else "Close", "price", 12),
        Column("date", "日付" if ja else "Date", "date", 11),
        _signed("chg_1d", "前日比" if ja else "1D"),
        _signed("chg_1w", "前週比" if ja else "1W"),
        _signed("ytd", "年初来" if ja else "YTD"),
    )
    rows: tuple[tuple[CellValue | Cell, ...], ...] = (
        ("S&P 500", "^GSPC", 5970.84, AS_OF, 0.0067, -0.0194, 0.0152),
        ("NASDAQ Composite", "^IXIC", 19621.68, AS_OF, -0.0125, -0.0234, 0.0161),
        ("Dow Jones", "^DJI", Cell(42635.2, warning=DJI_WARNING), dt.date(2025, 1, 9), 0.0, -0.0186, 0.0021),
    )
    return _table("indices", "米国株価指数" if ja else "US stock indices", columns, rows)


def _mag7(ja: bool) -> Table:
    columns = (
        Column("ticker", "ティッカー" if ja else "Ticker", "text", 10),
        Column("name", "銘柄" if ja else "Company", "text", 18),
        Column("close", "終値" if ja else "Close", "price", 12),
        _signed("chg_1d", "前日比" if ja else "1D"),
        Column("weight", "S&P500比率" if ja else "Weight in S&P 500", "pct", 12),
    )
    rows: tuple[tuple[CellValue | Cell, ...], ...] = (
        ("AAPL", "Apple", 236.85, -0.0241, 0.0712),
        ("MSFT", "Microsoft", 418.95, -0.0127, 0.0621),
        ("NVDA", "NVIDIA", Cell(error=NVDA_ERROR), Cell(error=NVDA_ERROR), 0.0655),
        ("AMZN", "Amazon", 218.94, 0.0044, 0.0411),
    )
    return _table("mag7", "マグニフィセント7" if ja else "Magnificent 7", columns, rows)


def _relative(ja: bool) -> tuple[Table, Chart]:
    columns = (
        Column("date", "日付" if ja else "Date", "date", 11),
        Column("ratio", "比率" if ja else "Ratio", "ratio", 10),
        Column("ma", "4週平均" if ja else "4-week average", "ratio", 12),
    )
    rows = tuple(zip(RELATIVE_DATES, RELATIVE_RATIO, RELATIVE_MA, strict=True))
    table = _table("ratio", "S&P 500 / TOPIX", columns, rows)
    chart = Chart("ratio_chart", "line", "S&P 500 / TOPIX", "ratio", "date", ("ratio", "ma"),
                  "比率" if ja else "ratio")
    return table, chart


def _rates(ja: bool) -> Table:
    columns = (
        Column("tenor", "年限" if ja else "Tenor", "text", 10),
        Column("symbol", "シンボル" if ja else "Symbol", "text", 10),
        Column("level", "利回り" if ja else "Yield", "level_pct", 10),
        Column("chg_1w", "前週差" if ja else "1W change", "bp", 10, signed=True),
        Column("date", "日付" if ja else "Date", "date", 11),
    )
    rows: tuple[tuple[CellValue | Cell, ...], ...] = (
        ("2Y", "DGS2", 4.38, 10.0, dt.date(2025, 1, 9)),
        ("10Y", "DGS10", 4.77, 17.0, dt.date(2025, 1, 9)),
        ("30Y", "DGS30", 4.96, -3.0, dt.date(2025, 1, 9)),
    )
    return _table("yields", "米国債利回り" if ja else "US Treasury yields", columns, rows)


def _japan_sectors(ja: bool) -> tuple[Table, Chart]:
    columns = (
        Column("code", "コード" if ja else "Code", "text", 10),
        Column("sector", "業種" if ja else "Sector", "text", 26),
        _signed("chg_1w", "前週比" if ja else "1W"),
        _signed("ytd", "年初来" if ja else "YTD"),
    )
    rows = tuple((code, jp if ja else en, week, ytd) for code, en, jp, week, ytd in _SECTORS)
    table = _table("sectors", "TOPIX-17 業種別" if ja else "TOPIX-17 sectors", columns, rows)
    chart = Chart("sector_chart", "bar", "業種別 前週比" if ja else "Sectors, 1W", "sectors", "sector",
                  ("chg_1w",))
    return table, chart


def _summary(ja: bool) -> Lines:
    lines = (
        "S&P 500 5,970.84 (+0.67%)" if not ja else "S&P 500 は 5,970.84（前日比 +0.67%）",
        "US 10Y 4.77% (+17 bp w/w)" if not ja else "米10年債利回り 4.77%（前週差 +17 bp）",
        HOSTILE[0],
    )
    return Lines("summary", "要約" if ja else "Summary", lines)


def _sources(ja: bool) -> Table:
    columns = (
        Column("alias", "別名" if ja else "Alias", "text", 10),
        Column("ticker", "ティッカー" if ja else "Ticker", "text", 10),
        Column("source", "取得元" if ja else "Source", "text", 10),
        Column("first", "初日" if ja else "First", "date", 11),
        Column("last", "最終日" if ja else "Last", "date", 11),
        Column("fetched", "取得日時" if ja else "Fetched", "datetime", 16),
        Column("note", "注記" if ja else "Note", "text", 30),
    )
    fetched = dt.datetime(2025, 1, 11, 7, 5)
    first = dt.date(2020, 1, 2)
    rows = tuple(
        (alias, ticker, source, first, AS_OF, fetched, note)
        for (alias, ticker, source), note in zip(
            (("SPX", "^GSPC", "yahoo"), ("NDX", "^IXIC", "yahoo"), ("DJI", "^DJI", "yahoo"),
             ("US10Y", "DGS10", "fred"), ("TOPIX", "1306.T", "yahoo")),
            HOSTILE,
            strict=True,
        )
    )
    return _table("sources", "データ出典" if ja else "Data sources", columns, rows)


def sample_report(demo: bool = False, lang: Lang = "en") -> Report:
    """The seven sheets, in the order the builder makes them."""
    ja = lang == "ja"
    titles = _TITLES[lang]
    stamp = (f"{'基準日' if ja else 'As of'} {AS_OF.isoformat()} · "
             f"{'出典' if ja else 'source'} yahoo, fred · {'取得' if ja else 'fetched'} 2025-01-11 07:05")
    if demo:
        stamp = f"DEMO (synthetic) · {stamp}"
    relative, relative_chart = _relative(ja)
    sectors, sector_chart = _japan_sectors(ja)
    blocks: dict[str, tuple[Table | Lines, ...]] = {
        "us_indices": (_us_indices(ja),),
        "mag7": (_mag7(ja),),
        "relative": (relative,),
        "rates": (_rates(ja),),
        "japan_sectors": (sectors,),
        "summary": (_summary(ja),),
        "sources": (_sources(ja),),
    }
    charts = {"relative": (relative_chart,), "japan_sectors": (sector_chart,)}
    sheets = tuple(
        Sheet(key, titles[key], stamp, blocks[key], charts.get(key, ()), STATUS_MAG7 if key == "mag7" else "")
        for key in SHEET_KEYS
    )
    return Report(AS_OF, lang, sheets, "yahoo, fred", GENERATED_AT, demo=demo)
