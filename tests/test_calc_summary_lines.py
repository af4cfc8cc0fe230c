"""The other lines of a weekly post, written by the same formatter as REVIEWLINE (hand-computed answers)."""

from __future__ import annotations

import pytest

from marketreview.calc import summary
from marketreview.errors import BadArgumentError


@pytest.mark.parametrize(("x", "shown"), [(0.67, "+0.67pt"), (-0.155, "-0.16pt"), (0.0, "+0.00pt"),
                                          (1.005, "+1.01pt")])
def test_format_pt(x: float, shown: str) -> None:
    assert summary.format_pt(x) == shown


@pytest.mark.parametrize(("lang", "line"), [("ja", "・S&P500 年初来 +16.30%"), ("en", "・S&P500 YTD +16.30%")])
def test_ytd_line(lang, line) -> None:
    assert summary.ytd_line("S&P500", 0.163, lang=lang) == line


@pytest.mark.parametrize(("lang", "line"), [
    ("ja", "・ラッセル2000G/S&P500 24.66%（26週平均との乖離 +0.67pt）"),
    ("en", "・ラッセル2000G/S&P500 24.66% (vs 26-week avg +0.67pt)"),
])
def test_ratio_line(lang, line) -> None:
    assert summary.ratio_line("ラッセル2000G/S&P500", 0.2466, 0.67, lang=lang) == line


def test_share_spread_range_and_ranking_lines() -> None:
    # MAG7SHARE to one decimal, half-up on the number as written: 36.65 → 36.7, 1.07 → 1.1
    assert summary.share_line("マグ7比率", 0.3665, 1.07, lang="ja") == "・マグ7比率 36.7%（前週比 +1.1pt）"
    assert summary.share_line("Mag7", 0.3665, -1.07, lang="en") == "・Mag7 36.7% (week -1.1pt)"
    assert summary.spread_line("2s10s", 51.0, -3.0, lang="en") == "・2s10s +51bp (week -3bp)"
    assert summary.spread_line("米2年-10年", 51.0, -3.0, lang="ja") == "・米2年-10年 +51bp（前週比 -3bp）"
    assert summary.range_line("FF金利", 3.75, 4.0, lang="ja") == "・FF金利 3.75%〜4.00%"
    assert summary.range_line("Fed funds", 3.75, 4.0, lang="en") == "・Fed funds 3.75%–4.00%"
    assert summary.ranking_line("上位:", [("銀行", 0.021), ("小売", -0.005)], lang="ja") == \
        "・上位: 銀行 +2.10%、小売 -0.50%"
    assert summary.ranking_line("Best:", [("Banks", 0.021), ("Retail", -0.005)], lang="en") == \
        "・Best: Banks +2.10%, Retail -0.50%"


def test_a_range_upside_down_is_an_error() -> None:
    with pytest.raises(BadArgumentError, match=r"below the lower bound 4\.0"):
        summary.range_line("Fed funds", 4.0, 3.75, lang="en")


def test_bad_language_is_an_error() -> None:
    with pytest.raises(BadArgumentError, match="lang"):
        summary.range_line("x", 1.0, 2.0, lang="fr")  # type: ignore[arg-type]
