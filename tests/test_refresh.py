"""The live renderer and the refresh against tests/fake_book.py (no Excel): what lands where, as text or
number, and what a failed refresh leaves behind. Report values come from tests/sample_report.py."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import marketreview_addin as addin
import pytest
from conftest import linear_prices
from fake_book import Book, settings_book
from sample_report import DJI_WARNING, HOSTILE, NVDA_ERROR, STATUS_MAG7, sample_report

from marketreview import settings as user_settings
from marketreview.engine import Engine
from marketreview.errors import MarketReviewError, NoDataError, RenderError
from marketreview.excel import refresh as refresh_module
from marketreview.excel.book import render_book
from marketreview.excel.refresh import STATUS_SHEET, read_config, refresh_book
from marketreview.render.xlsx import sheet_title
from marketreview.report import layout
from marketreview.report.model import Cell, Report, Table
from marketreview.sources.base import FunctionSource
from marketreview.sources.router import Router

NOW = dt.datetime(2025, 1, 10, 23, 0, tzinfo=dt.timezone.utc)
NAMES_EN = ["US Indices", "Magnificent 7", "Relative", "Rates", "Japan Sectors", "Summary", "Sources"]


def values(sheet, row: int, first: int, last: int) -> list:
    return [sheet.cells.get((row, c)) for c in range(first, last + 1)]


# -- the renderer ------------------------------------------------------------------------------------


def test_every_sheet_written_after_the_existing_ones():
    book = Book("Sheet1")
    assert render_book(sample_report(), book) == NAMES_EN
    assert book.sheets.names == ["Sheet1", *NAMES_EN]
    assert book.app.screen_updating is True  # restored after writing


def test_title_stamp_and_status_rows():
    report = sample_report()
    book = Book()
    render_book(report, book)
    for model in report.sheets:
        sheet = book.sheets[model.title]
        assert sheet.cells[(1, 1)] == model.title
        assert sheet.cells[(2, 1)].startswith("As of 2025-01-10 · source yahoo, fred")
        assert sheet.cells.get((3, 1)) == (STATUS_MAG7 if model.key == "mag7" else None)
    assert book.sheets["Magnificent 7"].styles[(3, 1)]["font.color"] == (192, 0, 0)


def test_values_at_the_layout_addresses():
    book = Book()
    render_book(sample_report(), book)
    indices = book.sheets["US Indices"]
    # first block: title row 5, header row 6, data from row 7 (layout.FIRST_BLOCK_ROW = 5)
    assert indices.cells[(5, 1)] == "US stock indices"
    assert values(indices, 6, 1, 7) == ["Index", "Symbol", "Close", "Date", "1D", "1W", "YTD"]
    assert values(indices, 7, 1, 7) == ["S&P 500", "^GSPC", 5970.84, dt.datetime(2025, 1, 10), 0.0067,
                                        -0.0194, 0.0152]
    assert values(indices, 9, 1, 4) == ["Dow Jones", "^DJI", 42635.2, dt.datetime(2025, 1, 9)]
    rates = book.sheets["Rates"]
    assert values(rates, 8, 1, 5) == ["10Y", "DGS10", 4.77, 17.0, dt.datetime(2025, 1, 9)]
    summary = book.sheets["Summary"]
    assert values(summary, 5, 1, 1) == ["Summary"]
    assert summary.cells[(6, 1)] == "S&P 500 5,970.84 (+0.67%)"
    # the same answers layout.place gives
    model = sample_report().sheet("rates")
    (placement,) = layout.place(model)
    assert (placement.row, placement.header_row, placement.first_data_row, placement.last_row) == (5, 6, 7, 9)


def test_one_assignment_per_block():
    report = sample_report()
    book = Book()
    render_book(report, book)
    for model in report.sheets:
        writes = book.sheets[model.title].writes
        assert len(writes) == 1 + len(model.blocks)
        assert writes[0] == ((1, 1), [[f"'{model.title}"], [f"'{model.stamp}"],
                                      [f"'{model.status}" if model.status else None]])


def test_hostile_text_stays_text():
    book = Book()
    render_book(sample_report(), book)
    sources = book.sheets["Sources"]
    written = sources.writes[1][1]
    # the note column (7) of the five data rows (block rows 2..6): every string goes with an apostrophe
    assert [row[6] for row in written[2:]] == [f"'{text}" for text in HOSTILE]
    assert [sources.cells[(r, 7)] for r in range(7, 12)] == list(HOSTILE)
    assert book.sheets["Summary"].cells[(8, 1)] == HOSTILE[0]
    assert all(not sheet.formulas for sheet in book.sheets)


def test_number_formats_per_column():
    book = Book()
    render_book(sample_report(), book)
    rates = book.sheets["Rates"]
    calls = {(first, last, key): value for first, last, key, value in rates.format_calls
             if key == "number_format"}
    assert calls[((7, 3), (9, 3), "number_format")] == '0.00"%"'
    assert calls[((7, 4), (9, 4), "number_format")] == '[Color10]+0" bp";[Red]-0" bp";0" bp"'
    assert calls[((7, 5), (9, 5), "number_format")] == "yyyy-mm-dd"
    assert ((7, 1), (9, 1), "number_format") not in calls  # text columns stay General
    indices = book.sheets["US Indices"]
    assert indices.styles[(8, 5)]["number_format"] == "[Color10]+0.00%;[Red]-0.00%;0.00%"
    assert book.sheets["Sources"].styles[(7, 6)]["number_format"] == "yyyy-mm-dd hh:mm"


def test_errors_red_and_warnings_noted():
    book = Book()
    render_book(sample_report(), book)
    mag7 = book.sheets["Magnificent 7"]
    # a short reason that fits the column, as in the built file; the full message is the cell's note
    assert values(mag7, 9, 1, 5) == ["NVDA", "NVIDIA", "#N/A no data", "#N/A no data", 0.0655]
    assert mag7.styles[(9, 3)]["font.color"] == (192, 0, 0) and mag7.styles[(9, 3)]["font.italic"] is True
    assert mag7.notes[(9, 3)].text == NVDA_ERROR and "color" not in mag7.styles[(9, 3)]
    indices = book.sheets["US Indices"]
    assert indices.notes[(9, 3)].text == DJI_WARNING
    assert indices.styles[(9, 3)]["color"] == (255, 242, 204)


def test_demo_stamp():
    report = sample_report()
    sheets = tuple(replace(s, stamp="As of 2025-01-10") for s in report.sheets)
    demo = replace(report, demo=True, sheets=sheets)
    book = Book()
    render_book(demo, book)
    assert book.sheets["Rates"].cells[(2, 1)] == "DEMO (synthetic) · As of 2025-01-10"
    assert book.sheets["Rates"].styles[(2, 1)]["font.bold"] is True


def _with_rows(report: Report, key: str, rows: tuple) -> Report:
    sheets = []
    for sheet in report.sheets:
        if sheet.key == key:
            table = sheet.blocks[0]
            assert isinstance(table, Table)
            sheet = replace(sheet, blocks=(replace(table, rows=rows),))
        sheets.append(sheet)
    return replace(report, sheets=tuple(sheets))


def test_rerender_clears_the_previous_rows():
    book = Book()
    report = sample_report()
    render_book(report, book)
    indices = book.sheets["US Indices"]
    assert indices.notes and (9, 1) in indices.cells
    shorter = report.sheet("us_indices").blocks[0].rows[:1]
    render_book(_with_rows(report, "us_indices", shorter), book)
    assert indices.cells[(7, 1)] == "S&P 500"
    assert (8, 1) not in indices.cells and (9, 1) not in indices.cells and not indices.notes
    assert book.sheets.names == ["Sheet1", *NAMES_EN]  # the same sheets, reused


def test_a_bad_sheet_leaves_the_book_untouched():
    book = Book()
    report = sample_report()
    render_book(report, book)
    before = {sheet.name: (dict(sheet.cells), len(sheet.writes)) for sheet in book.sheets}
    broken = _with_rows(report, "sources", ((Cell("only one cell"),),))  # the last sheet fails to prepare
    with pytest.raises(RenderError, match="row 1 has 1 cells for 7 columns"):
        render_book(broken, book)
    assert {sheet.name: (dict(sheet.cells), len(sheet.writes)) for sheet in book.sheets} == before


# -- settings --------------------------------------------------------------------------------------


def test_read_config_from_the_conf_sheet():
    book = settings_book(("UDF Modules", "MarketReview"), ("marketreview_source", "demo"), ("Lang", " EN "),
                         ("MARKETREVIEW_OFFLINE", "true"))
    book.sheets["xlwings.conf"].range((7, 1)).value = [["MARKETREVIEW_CACHE", "ignored: after a blank row"]]
    config = read_config(book)
    assert (config.source, config.lang, config.cache, config.offline) == ("demo", "en", None, True)
    assert read_config(Book()) == refresh_module.BookConfig()


# -- the refresh -----------------------------------------------------------------------------------


@pytest.fixture
def engine(fake_source, tmp_cache):
    return Engine(Router(fake_source), tmp_cache, clock=lambda: NOW)


@pytest.fixture
def built(monkeypatch):
    """build_report replaced by one that returns the sample report (with ``failed`` as set by the test)."""
    calls: list[tuple] = []
    state: dict = {"failed": {}, "error": None}

    def build(engine, as_of, lang, **_options):
        calls.append((as_of, lang))
        if state["error"] is not None:
            raise state["error"]
        return replace(sample_report(lang=lang), failed=dict(state["failed"]))

    monkeypatch.setattr(refresh_module, "build_report", build)
    monkeypatch.setattr(refresh_module, "needed_symbols", lambda engine: ["SP500", "^DJI"])
    state["calls"] = calls
    return state


def test_refresh_writes_and_recalculates(engine, built):
    book = settings_book(("Lang", "en"))
    result = refresh_book(book, engine)
    assert result.ok and result.sheets == tuple(NAMES_EN) and result.as_of == dt.date(2025, 1, 10)
    assert built["calls"] == [(None, "en")]
    # non-volatile UDFs with unchanged arguments recalculate only in a full recalculation
    assert (book.app.full_calculations, book.app.calculations) == (1, 0)
    assert book.sheets["Rates"].cells[(3, 1)] == "Refreshed 2025-01-10 23:00 UTC"
    assert book.sheets["Magnificent 7"].cells[(3, 1)] == STATUS_MAG7  # a sheet's own status wins
    state = book.sheets[STATUS_SHEET]
    assert state.visible is False
    assert state.cells[(3, 2)] == "2025-01-10 23:00 UTC" and state.cells[(4, 2)] == "|".join(NAMES_EN)


def test_partial_failure_writes_and_names_the_failed(engine, built):
    built["failed"] = {"SP500": "yahoo: returned no data for ^GSPC"}
    book = Book()
    result = refresh_book(book, engine, lang="en", as_of=dt.date(2025, 1, 10))
    assert not result.ok and result.failed == {"SP500": "yahoo: returned no data for ^GSPC"}
    assert built["calls"] == [(dt.date(2025, 1, 10), "en")]
    rates = book.sheets["Rates"]
    assert rates.cells[(3, 1)] == ("Refreshed 2025-01-10 23:00 UTC · failed to fetch: "
                                   "SP500 (yahoo: returned no data for ^GSPC)")
    assert rates.styles[(3, 1)]["font.color"] == (192, 0, 0)
    assert rates.cells[(8, 1)] == "10Y"


def test_total_failure_keeps_the_values_and_says_since_when(engine, built):
    book = Book()
    refresh_book(book, engine, lang="en")
    kept = {sheet.name: {k: v for k, v in sheet.cells.items() if k != (3, 1)} for sheet in book.sheets}

    built["failed"] = {"SP500": "yahoo: timed out", "DOW": "yahoo: timed out"}
    engine.clock = lambda: NOW + dt.timedelta(hours=2)
    first = refresh_book(book, engine, lang="en")
    engine.clock = lambda: NOW + dt.timedelta(hours=3)
    second = refresh_book(book, engine, lang="en")

    assert not first.ok and not second.ok and book.app.full_calculations == 1
    for name in NAMES_EN:
        sheet = book.sheets[name]
        assert {k: v for k, v in sheet.cells.items() if k != (3, 1)} == kept[name]
        assert sheet.cells[(3, 1)] == (
            "Refresh failed 2025-01-11 02:00 UTC: every fetch failed (2 symbols): SP500 (yahoo: timed out); "
            "DOW (yahoo: timed out) (failing since 2025-01-11 01:00 UTC; the values below are from the last "
            "good refresh: 2025-01-10 23:00 UTC)")
    assert second.message == book.sheets["Rates"].cells[(3, 1)]

    built["failed"] = {}
    engine.clock = lambda: NOW + dt.timedelta(hours=4)
    assert refresh_book(book, engine, lang="en").ok
    state = book.sheets[STATUS_SHEET]
    assert (1, 2) not in state.cells and state.cells[(3, 2)] == "2025-01-11 03:00 UTC"
    assert book.sheets["Rates"].cells[(3, 1)] == "Refreshed 2025-01-11 03:00 UTC"


def test_build_failure_is_reported_in_japanese_by_default(engine, built):
    built["error"] = NoDataError("^GSPC", reason="not in the cache (offline)")
    book = Book("表紙")
    result = refresh_book(book, engine)
    assert not result.ok
    # no report sheet is known yet: the first sheet carries the status
    assert book.sheets["表紙"].cells[(3, 1)] == (
        "更新失敗 2025-01-10 23:00 UTC: ^GSPC: not in the cache (offline) (失敗開始 2025-01-10 23:00 UTC; "
        "以下は前回成功時の値: なし)")
    assert book.sheets.names == ["表紙", STATUS_SHEET]


def test_bad_lang_setting_is_a_failure(engine, built):
    book = settings_book(("Lang", "fr"))
    result = refresh_book(book, engine)
    assert not result.ok and "bad Lang 'fr'" in result.message
    assert built["calls"] == []


def test_refresh_with_a_real_engine_then_a_dead_source(fake_source, tmp_cache):
    book = Book()
    result = refresh_book(book, Engine(Router(fake_source), tmp_cache, clock=lambda: NOW), lang="en")
    assert result.ok, result.message
    assert len(fake_source.calls) == 1  # one batch for the one source
    indices = book.sheets[result.sheets[0]]
    assert indices.cells[(2, 1)].startswith("As of: 2025-01-10")
    assert all(not book.sheets[name].formulas for name in result.sheets)
    kept = dict(indices.cells)

    dead = FunctionSource(lambda _symbol, _dates: None, name="fake")  # the same source, now failing
    later = NOW + dt.timedelta(hours=2)
    failed = refresh_book(book, Engine(Router(dead), tmp_cache, clock=lambda: later), lang="en")
    assert not failed.ok and len(dead.calls) == 2  # the first-choice tickers, then the fallbacks
    assert failed.message.startswith("Refresh failed 2025-01-11 01:00 UTC: every fetch failed (")
    assert {k: v for k, v in indices.cells.items() if k != (3, 1)} == {k: v for k, v in kept.items()
                                                                        if k != (3, 1)}


# -- the add-in --------------------------------------------------------------------------------------


def test_addin_refresh_shares_the_workbook_settings(monkeypatch, built, tmp_cache):
    """The conf sheet's settings go to the per-user file the UDF server reads; the engine opens from them."""
    opened: list[tuple] = []
    engine = Engine(Router(FunctionSource(linear_prices)), tmp_cache, clock=lambda: NOW)

    def open_engine(source, *, offline, settings):
        opened.append((source, offline, settings))
        return engine

    monkeypatch.setattr(addin, "open_engine", open_engine)
    book = settings_book(("MARKETREVIEW_SOURCE", "demo"), ("Lang", "en"), ("MARKETREVIEW_CACHE", "/tmp/x.db"))
    result = addin.refresh(book)
    shared = user_settings.Settings(source="demo", cache="/tmp/x.db", offline=False, lang="en")
    assert result.ok and opened == [(None, None, shared)]
    assert user_settings.load() == shared  # what the UDF process will open
    assert built["calls"] == [(None, "en")]
    addin.refresh(book, source="yahoo", offline=True)  # a one-off override is not saved
    assert opened[-1] == ("yahoo", True, shared) and user_settings.load() == shared
    assert not hasattr(addin, "_share")  # the engine is never handed to a module of the wrong process


def test_addin_never_raises(monkeypatch):
    def broken(*_args, **_kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(addin, "open_engine", broken)
    book = Book("Cover")
    result = addin.refresh(book)
    assert not result.ok
    assert book.sheets["Cover"].cells[(3, 1)].startswith("更新失敗 ")
    assert "OSError: disk full" in result.message
    book.fail_writes = True  # not even the status can be written
    assert "could not be written" in addin.refresh(book).message
    with pytest.raises(MarketReviewError, match="no calling workbook"):
        addin.main()  # outside Excel: raised, so xlwings' error dialog shows it


def test_switching_lang_renames_the_sheets_in_place(engine, built):
    book = settings_book(("Lang", "en"))
    assert refresh_book(book, engine).ok
    before = list(book.sheets.names)
    rates = book.sheets["Rates"]
    assert refresh_book(book, engine, lang="ja").ok
    names_ja = [sheet_title(sheet.title) for sheet in sample_report(lang="ja").sheets]
    assert names_ja != NAMES_EN
    assert book.sheets.names == [n if n not in NAMES_EN else names_ja[NAMES_EN.index(n)] for n in before]
    assert book.sheets[names_ja[NAMES_EN.index("Rates")]] is rates  # the same sheet, renamed


def test_on_macos_a_plain_recalculation_is_the_equivalent(engine, built):
    from fake_book import App

    book = Book()
    book.app = App(windows=False)  # no UDF server on macOS: nothing is non-volatile-and-stale
    assert refresh_book(book, engine, lang="en").ok
    assert (book.app.full_calculations, book.app.calculations) == (0, 1)


def test_error_cells_of_a_japanese_book_show_the_japanese_short_reason():
    from marketreview.excel.book import plan_sheet

    plan = plan_sheet(sample_report().sheet("mag7"), lang="ja")
    shown = {(row + r, column + c): value for row, column, block in plan.blocks
             for r, line in enumerate(block) for c, value in enumerate(line)}
    assert shown[(9, 3)] == "'#N/A データなし"  # text, never parsed: the apostrophe prefix
    assert (9, 3, NVDA_ERROR) in plan.error_notes


def test_a_cells_own_format_wins_over_its_columns():
    """A yen ETF's price (whole yen) in a column of index levels (two decimals), as in the built file."""
    from marketreview.excel.book import plan_sheet
    from marketreview.report.model import Column, Sheet

    table = Table("t", "T", (Column("close", "Close", "price"),), ((Cell(5970.84),), (Cell(2840.0, fmt="price0"),)))
    plan = plan_sheet(Sheet("s", "S", "stamp", (table,)))
    first = layout.place(Sheet("s", "S", "stamp", (table,)))[0].first_data_row
    column_format, own_format = plan.formats
    assert column_format == (first, first + 1, 1, "#,##0.00")
    assert own_format == (first + 1, first + 1, 1, "#,##0")
