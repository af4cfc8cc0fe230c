"""Paste-ready lines and number formatting: tables of hand-written expected text."""

from __future__ import annotations

import pytest

from marketreview.calc.summary import format_bp, format_number, format_pct, period_label, review_line
from marketreview.errors import BadArgumentError


@pytest.mark.parametrize(("args", "kw", "expected"), [
    (("SP500", 5930.85, 5970.84, 39.99 / 5930.85), {"lang": "ja", "period": "1W"},
     "・SP500 5,930.85 → 5,970.84（前週比 +39.99、+0.67%）"),
    (("S&P 500", 5930.85, 5970.84, 39.99 / 5930.85), {"lang": "en", "period": "1W"},
     "・S&P 500 5,930.85 → 5,970.84 (week +39.99, +0.67%)"),
    (("TOPIX", 2819.08, 2908.57, 0.0317444), {"lang": "ja", "period": "YTD"},
     "・TOPIX 2,819.08 → 2,908.57（年初来 +89.49、+3.17%）"),
    (("Nikkei", 40000.0, 39000.5, -0.025), {"lang": "en", "period": "mtd"},
     "・Nikkei 40,000.00 → 39,000.50 (MTD -999.50, -2.50%)"),
    (("X", 1.0, 1.0, 0.0), {"lang": "ja", "period": "1M"}, "・X 1.00 → 1.00（1カ月 +0.00、+0.00%）"),
    (("X", 1.0, 1.0, 0.0), {"lang": "en", "period": "1Y"}, "・X 1.00 → 1.00 (1Y +0.00, +0.00%)"),
    (("X", 1.0, 2.0, 1.0), {"lang": "ja", "period": "2024-01-01:2024-06-30"},
     "・X 1.00 → 2.00（期間 +1.00、+100.00%）"),
    (("X", 1.0, 2.0, 1.0), {"lang": "en", "period": ""}, "・X 1.00 → 2.00 (period +1.00, +100.00%)"),
    (("1622.T", 18800.0, 19550.0, 0.0398936), {"lang": "ja", "period": "3M", "decimals": 0},
     "・1622.T 18,800 → 19,550（3カ月 +750、+3.99%）"),
    (("米10年債利回り", 4.52, 4.62, 10.000000000000053), {"lang": "ja", "period": "1W", "kind": "yield"},
     "・米10年債利回り 4.52% → 4.62%（前週比 +10bp）"),
    (("UST 10Y", 4.52, 4.62, 10.0), {"lang": "en", "period": "1W", "kind": "yield"},
     "・UST 10Y 4.52% → 4.62% (week +10bp)"),
    (("UST 2Y", 4.25, 4.25, 0.0), {"lang": "en", "period": "YTD", "kind": "yield"},
     "・UST 2Y 4.25% → 4.25% (YTD +0bp)"),
    (("UST 2Y", 4.30, 4.25, -5.0), {"lang": "ja", "period": "MTD", "kind": "yield"},
     "・UST 2Y 4.30% → 4.25%（月初来 -5bp）"),
])
def test_review_line(args: tuple, kw: dict, expected: str) -> None:
    assert review_line(*args, **kw) == expected


@pytest.mark.parametrize(("x", "expected"), [
    (0.00665, "+0.67%"), (-0.00665, "-0.67%"), (0.006649, "+0.66%"), (0.0, "+0.00%"), (-0.0, "+0.00%"),
    (-0.00001, "+0.00%"), (0.12345, "+12.35%"), (1.5, "+150.00%"), (0.001005, "+0.10%"),
])
def test_format_pct(x: float, expected: str) -> None:
    assert format_pct(x) == expected


def test_format_pct_decimals() -> None:
    assert format_pct(0.0067419, 1) == "+0.7%"
    assert format_pct(0.0067419, 3) == "+0.674%"


@pytest.mark.parametrize(("x", "expected"), [
    (10.000000000000053, "+10bp"), (-9.999999999, "-10bp"), (2.5, "+3bp"), (-2.5, "-3bp"), (0.0, "+0bp"),
    (-0.4, "+0bp"), (0.49, "+0bp"), (37.0, "+37bp"),
])
def test_format_bp(x: float, expected: str) -> None:
    assert format_bp(x) == expected


def test_format_number() -> None:
    assert format_number(5970.835) == "5970.84"
    assert format_number(1234567.891, thousands=True) == "1,234,567.89"
    assert format_number(-0.001) == "0.00"


@pytest.mark.parametrize(("code", "ja", "en"), [
    ("1D", "前日比", "day"), ("1W", "週間", "week"), ("mtd", "月初来", "MTD"), ("QTD", "四半期初来", "QTD"),
    ("YTD", "年初来", "YTD"), ("1M", "1カ月", "1M"), ("6M", "6カ月", "6M"), ("1Y", "1年", "1Y"),
    ("5Y", "5年", "5Y"), ("2W", "2週間", "2W"), ("custom", "期間", "period"), (None, "期間", "period"),
])
def test_period_label(code: str | None, ja: str, en: str) -> None:
    assert (period_label(code, "ja"), period_label(code, "en")) == (ja, en)


@pytest.mark.parametrize(("kw", "argument"), [
    ({"lang": "fr", "period": "1W"}, "lang"),
    ({"lang": "ja", "period": "1W", "kind": "fx"}, "kind"),
])
def test_review_line_bad_options(kw: dict, argument: str) -> None:
    with pytest.raises(BadArgumentError, match=f"bad {argument}"):
        review_line("X", 1.0, 2.0, 1.0, **kw)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), None, "1.0", True])
def test_review_line_rejects_non_numbers(bad: object) -> None:
    with pytest.raises(BadArgumentError):
        review_line("X", bad, 2.0, 0.1, lang="ja", period="1W")  # type: ignore[arg-type]
