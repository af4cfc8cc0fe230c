"""JQuantsSource against answers in J-Quants v2's real shape (``{"data": [{"Date", "O", "H", "L", "C"}],
"pagination_key"}``), its HTTP 400 plan message, and requests-shaped errors. No network."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import requests
from jquants_fakes import FREE_PLAN, LIGHT_PLAN, TopixServer, bar, http_error, topix_closes

from marketreview.errors import NetworkError, RateLimitError, SourceError, SymbolNotFoundError
from marketreview.sources.jquants import JQuantsSource, covered_dates, is_jquants_symbol, parse_topix

D = dt.date


WEEK_AFTER = D(2024, 12, 30)


def source(server: TopixServer, today: dt.date = WEEK_AFTER, **kwargs: Any) -> JQuantsSource:
    return JQuantsSource("test-key-1234", get=server, sleep=lambda _s: None, today=lambda: today, **kwargs)


def test_topix_closes_are_the_answers_c_column_with_the_key_in_the_header(market_dir: Path) -> None:
    server = TopixServer(topix_closes(market_dir))
    frame = source(server).fetch(["^TOPX"], D(2024, 12, 20), D(2024, 12, 27))
    closes = frame[("close", "^TOPX")]
    # from TOPIX.csv: 2024-12-20 2701.99 … 2024-12-27 2801.68
    assert closes.loc["2024-12-20"] == 2701.99
    assert closes.loc["2024-12-27"] == 2801.68
    assert list(closes.index.strftime("%m-%d")) == ["12-20", "12-23", "12-24", "12-25", "12-26", "12-27"]
    assert frame[("adj_close", "^TOPX")].isna().all()
    query, headers = server.calls[0]
    assert headers == {"x-api-key": "test-key-1234"}
    assert query == {"from": "2024-12-20", "to": "2024-12-27"}


def test_pages_are_followed_by_pagination_key(market_dir: Path) -> None:
    closes = topix_closes(market_dir)
    server = TopixServer(closes, page=100)
    frame = source(server, today=D(2025, 1, 6)).fetch(["^TOPX"], D(2024, 1, 1), D(2024, 12, 31))
    expected = {d: c for d, c in closes.items() if d.year == 2024}
    assert len(frame) == len(expected) > 200
    assert len(server.calls) == (len(expected) + 99) // 100
    assert server.calls[1][0]["pagination_key"] == "100"
    assert frame[("close", "^TOPX")].loc["2024-07-01"] == expected[D(2024, 7, 1)]


def test_rows_without_a_close_are_left_out_and_text_numbers_read() -> None:
    rows = [bar("2024-12-26", "2766.78"), bar("2024-12-27", None), bar("2024-12-30", 2784.92)]
    series = parse_topix(rows)
    assert list(series.index.strftime("%Y-%m-%d")) == ["2024-12-26", "2024-12-30"]
    assert list(series) == [2766.78, 2784.92]


def test_a_bad_close_names_the_row() -> None:
    from marketreview.errors import DataFormatError

    with pytest.raises(DataFormatError, match=r"row 2.*C is not a number"):
        parse_topix([bar("2024-12-26", 2766.78), bar("2024-12-27", "n/a")])


def test_free_plan_is_refused_for_current_figures_and_says_why() -> None:
    server = TopixServer({}, errors=[http_error(400, {"message": FREE_PLAN})])
    with pytest.raises(SourceError) as caught:
        source(server, today=D(2026, 12, 3)).fetch(["^TOPX"], D(2015, 1, 1), D(2026, 12, 3))
    text = str(caught.value)
    assert "refused for current figures" in text
    assert "2024-09-10 to 2026-09-10" in text
    assert "12 weeks late" in text and "Light plan" in text
    assert not isinstance(caught.value, SymbolNotFoundError)
    assert len(server.calls) == 1  # a plan refusal is not retried


def test_an_answer_weeks_behind_a_current_window_is_refused() -> None:
    closes = {D(2026, 9, 7): 2900.0, D(2026, 9, 8): 2910.5}  # a delayed plan that answers 200 with old rows
    server = TopixServer(closes)
    with pytest.raises(SourceError, match=r"data ends 2026-09-08, 12 weeks before 2026-12-03.*12 weeks late"):
        source(server, today=D(2026, 12, 3)).fetch(["^TOPX"], D(2026, 9, 1), D(2026, 12, 3))


def test_a_paid_plan_is_asked_again_from_the_first_day_it_covers() -> None:
    closes = {D(2021, 12, 6): 1990.0, D(2021, 12, 7): 1995.5, D(2024, 12, 27): 2801.68}
    server = TopixServer(closes, errors=[http_error(400, {"message": LIGHT_PLAN})])
    frame = source(server).fetch(["^TOPX"], D(2014, 1, 1), D(2024, 12, 27))
    assert [q["from"] for q, _ in server.calls] == ["2014-01-01", "2021-12-07"]
    assert list(frame[("close", "^TOPX")]) == [1995.5, 2801.68]


def test_a_refused_key_is_named_and_not_retried() -> None:
    server = TopixServer({}, errors=[http_error(401, {"message": "The incoming token is invalid or expired."})])
    with pytest.raises(SourceError, match=r"HTTP 401: the API key was refused \(The incoming token is invalid"):
        source(server).fetch(["^TOPX"], D(2024, 12, 20), D(2024, 12, 27))
    assert len(server.calls) == 1


def test_rate_limits_are_retried_then_reported() -> None:
    ok = TopixServer({D(2024, 12, 27): 2801.68}, errors=[http_error(429)])
    assert source(ok).fetch(["^TOPX"], D(2024, 12, 20), D(2024, 12, 27)).shape[0] == 1
    busy = TopixServer({}, errors=[http_error(429)] * 3)
    with pytest.raises(RateLimitError, match="after 3 attempts"):
        source(busy, retries=2).fetch(["^TOPX"], D(2024, 12, 20), D(2024, 12, 27))


def test_no_connection_is_a_network_error() -> None:
    server = TopixServer({}, errors=[requests.ConnectionError("DNS failed")])
    with pytest.raises(NetworkError):
        source(server).fetch(["^TOPX"], D(2024, 12, 20), D(2024, 12, 27))


def test_other_tickers_are_not_served() -> None:
    server = TopixServer({D(2024, 12, 27): 2801.68})
    with pytest.raises(SymbolNotFoundError) as caught:
        source(server).fetch(["^TOPX", "1306.T"], D(2024, 12, 20), D(2024, 12, 27))
    assert caught.value.symbols == ("1306.T",)
    assert is_jquants_symbol("^topx") and not is_jquants_symbol("1306.T")


def test_covered_dates_reads_both_forms() -> None:
    assert covered_dates(FREE_PLAN) == (D(2024, 9, 10), D(2026, 9, 10))
    assert covered_dates(LIGHT_PLAN) == (D(2021, 12, 7), None)
    assert covered_dates("This API requires at least 1 parameter") is None


def test_no_key_is_refused_and_the_key_is_never_shown() -> None:
    with pytest.raises(SourceError, match="--jquants-key"):
        JQuantsSource("  ")
    assert "secret" not in repr(JQuantsSource("secret-key"))
