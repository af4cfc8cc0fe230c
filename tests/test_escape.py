"""The one escaping module (render/escape.py): outside text lands as text in Markdown, HTML, CSV and charts.
Expected strings are written by hand from CommonMark/GFM's backslash escapes and OWASP's CSV-injection rule."""

from __future__ import annotations

import pytest

from marketreview.render.escape import chart_text, csv_cell, html_text, markdown_text


@pytest.mark.parametrize(("text", "expected"), [
    ("Dow | Jones", r"Dow \| Jones"),
    ("<script>alert(1)</script>", r"\<script\>alert(1)\</script\>"),
    ("[click](javascript:alert(1))", r"\[click\](javascript:alert(1))"),
    ("# Heading", r"\# Heading"),
    ("- item", r"\- item"),
    ("1. first", r"1\. first"),
    ("*bold* _it_ `code` ~~x~~", r"\*bold\* \_it\_ \`code\` \~\~x\~\~"),
    ("&lt;b&gt;", "&amp;lt;b&amp;gt;"),
    ("a\\b", r"a\\b"),
    ("two\nlines", "two lines"),
    ("S&P 500", "S&P 500"),                       # ordinary labels are left as they are
    ("Russell 2000 Growth (R2G)", "Russell 2000 Growth (R2G)"),
    ("日経平均", "日経平均"),
])
def test_markdown_text(text: str, expected: str) -> None:
    assert markdown_text(text) == expected


def test_html_text() -> None:
    assert html_text('<a href="javascript:x">S&P</a>') == "&lt;a href=&quot;javascript:x&quot;&gt;S&amp;P&lt;/a&gt;"


@pytest.mark.parametrize(("text", "expected"), [
    ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"), ("+1+1", "'+1+1"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("S&P 500", "S&P 500"), ("^GSPC", "^GSPC"),
])
def test_csv_cell(text: str, expected: str) -> None:
    assert csv_cell(text) == expected


def test_chart_text() -> None:
    assert chart_text(r"$\frac{1$ cost") == r"\$\frac{1\$ cost"
    assert chart_text("Pair\n(^RUO/^GSPC)") == "Pair\n(^RUO/^GSPC)"  # a chart's own line break is kept
