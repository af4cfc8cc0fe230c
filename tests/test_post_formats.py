"""`review --format md|text|note|html` on a hand-built report (every number typed in here): note.com's Markdown
subset, HTML for rich-text paste, the blocks other parts of the report may add (Mag7 members, yields against their
YTD range, the previous years, rebased pairs), outside text kept as text, and the heading naming the week."""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from marketreview.render.markdown import render_review
from marketreview.report.model import Cell, Column, Report, Sheet, Table

D = dt.date
HOSTILE = "A|B <script>alert(1)</script> [x](javascript:alert(1)) **bold**"


def table(key: str, columns: tuple[str, ...], rows: list[tuple[object, ...]]) -> Table:
    return Table(key, key, tuple(Column(c, c) for c in columns),
                 tuple(tuple(v if isinstance(v, Cell) else Cell(v) for v in row) for row in rows))  # type: ignore[arg-type]


MEMBERS = [("アップル", 254.49, 255.59), ("マイクロソフト", 436.60, 430.53), ("アルファベット", 191.41, 192.76),
           ("アマゾン", 224.92, 223.75), ("エヌビディア", 134.70, 137.01), ("メタ", 585.25, 599.81),
           ("テスラ", 421.06, 431.66)]


AS_OF = D(2024, 12, 27)


def hand_report(lang: str = "ja", as_of: dt.date = AS_OF) -> Report:
    ja = lang == "ja"
    indices = table("indices", ("name", "ticker", "prev", "close", "w1", "ytd"), [
        ("S&P500" if ja else "S&P 500", "^GSPC", 5930.85, 5970.84, 5970.84 / 5930.85 - 1, 0.2518),
        (HOSTILE, "^X", 1.0, 1.1, 0.1, Cell(error="#N/A ^X: no close on or before 2023-12-31; data starts 2024-11-14")),
        ("# 見出し", "^Y", 2.0, 2.0, 0.0, 0.0),
    ])
    prev_years = table("prev_years", ("name", "year", "start_date", "start", "end_date", "end", "change", "points"), [
        ("NYダウ" if ja else "Dow", 2023, D(2022, 12, 30), 33147.25, D(2023, 12, 29), 37689.54,
         37689.54 / 33147.25 - 1, 4542.29),
        ("NYダウ" if ja else "Dow", 2024, D(2023, 12, 29), 37689.54, D(2024, 12, 31), 42544.22,
         42544.22 / 37689.54 - 1, 4854.68),
    ])
    pairs = table("pairs", ("pair", "num", "den", "ratio", "ma", "deviation", "rel_deviation", "rebased"), [
        ("ラッセル2000グロース / S&P500", "^RUO", "^GSPC", 0.2466, 0.2399, 0.67, 0.028, None),
        ("S&P500均等加重ETF(RSP) / S&P500", "RSP", "^GSPC", 0.0291, 0.0295, -0.04, -0.013, 98.74),
    ])
    yields = table("yields", ("name", "ticker", "prev_week", "level", "w1_bp"),
                   [("米10年債利回り" if ja else "UST 10Y", "DGS10", 4.52, 4.62, 10.0)])
    yield_range = table("yield_range", ("name", "level", "ytd_high", "ytd_high_date", "ytd_low", "ytd_low_date"),
                        [("米10年債利回り" if ja else "UST 10Y", 4.62, 4.70, D(2024, 4, 25), 3.62, D(2024, 9, 16))])
    share = table("share", ("date", "share", "share_w1"), [(as_of, 0.36234, 1.07)])
    members = table("members", ("name", "ticker", "prev", "close", "w1", "ytd"),
                    [(n, "X", a, b, b / a - 1, 0.1) for n, a, b in MEMBERS])
    sectors = table("sectors", ("name", "ticker", "w1"), [("銀行", "1631.T", 0.021), ("小売", "1630.T", -0.005)])
    sheets = (Sheet("us_indices", "us", "", (indices, prev_years)), Sheet("relative", "rel", "", (pairs,)),
              Sheet("rates", "rates", "", (yields, yield_range)), Sheet("mag7", "mag7", "", (share, members)),
              Sheet("japan_sectors", "jp", "", (sectors,)))
    return Report(as_of, lang, sheets, "csv", dt.datetime(2024, 12, 28, 1, 0, tzinfo=dt.timezone.utc))  # type: ignore[arg-type]


@dataclass(frozen=True)
class FakeExhibit:
    """Shaped as render.images.Exhibit: its caption lines are 出所, 期間 and the notes."""

    path: Path
    title: str
    source: str
    period: str = ""
    notes: tuple[str, ...] = ()

    @property
    def caption(self) -> tuple[str, ...]:
        return tuple(line for line in (self.source, self.period, *self.notes) if line)


def test_note_has_no_table_no_bold_and_no_heading_above_h2(tmp_path: Path) -> None:
    period = "期間：2024年1月2日～12月27日（日次）"
    charts = [FakeExhibit(tmp_path / "charts" / "a.png", "相対比", "出所：Yahoo Finance", period),
              FakeExhibit(tmp_path / "charts" / "b.png", "利回り", "出所：FRED")]
    text = render_review(hand_report(), "note", charts, base=tmp_path)
    lines = text.splitlines()
    assert not any(line.lstrip().startswith("|") for line in lines)
    assert "**" not in text
    assert all(re.match(r"#{2,3} ", line) for line in lines if line.startswith("#"))
    assert lines[0] == "## 週間マーケットレビュー（2024年12月23日〜27日）"
    # the seeds' line form; 5970.84 − 5930.85 = 39.99, 39.99 / 5930.85 = 0.674%
    assert "・S&P500 5,930.85 → 5,970.84（前週比 +39.99、+0.67%）" in lines
    # the exhibits: separate images, in order, each with its caption lines under it
    first, second = lines.index("![図表1 相対比](charts/a.png)"), lines.index("![図表2 利回り](charts/b.png)")
    assert first < second
    assert [line for line in lines[first + 1:second] if line] == ["出所：Yahoo Finance", period]


def test_the_blocks_other_tables_add_are_lines_in_every_format() -> None:
    for fmt in ("note", "text", "html"):
        text = html.unescape(re.sub(r"<[^>]+>", "", render_review(hand_report(), fmt)))  # type: ignore[arg-type]
        lines = text.splitlines()
        # seven members: 255.59 − 254.49 = +1.10, 1.10 / 254.49 = +0.43%; 430.53 − 436.60 = −6.07, −1.39%
        assert "・アップル 254.49 → 255.59（前週比 +1.10、+0.43%）" in lines
        assert "・マイクロソフト 436.60 → 430.53（前週比 -6.07、-1.39%）" in lines
        assert sum(1 for line in lines if line.startswith(tuple(f"・{n} " for n, _, _ in MEMBERS))) == 7
        assert "・米10年債利回り 4.62%（年初来高値 4.70% 4/25、年初来安値 3.62% 9/16）" in lines
        # the previous years: 37689.54 / 33147.25 − 1 = 13.70%; 42544.22 / 37689.54 − 1 = 12.88%
        assert "2023年（2022年12月30日〜2023年12月29日）" in text
        assert "・NYダウ 33,147.25 → 37,689.54（年間 +4,542.29、+13.70%）" in lines
        assert "・NYダウ 37,689.54 → 42,544.22（年間 +4,854.68、+12.88%）" in lines
        # a pair whose levels mean nothing side by side: relative performance, not the raw ratio
        assert "・S&P500均等加重ETF(RSP) / S&P500 相対パフォーマンス 98.7（期初=100）" in lines
        assert "・ラッセル2000グロース / S&P500 24.66%（26週平均との乖離 +0.67pt）" in lines
        # MAG7SHARE to one decimal: 36.234% → 36.2%, 1.07pt → +1.1pt
        assert "・マグニフィセント・セブンのS&P500時価総額比率 36.2%（前週比 +1.1pt）" in lines
        assert "・米10年債利回り 4.52% → 4.62%（前週比 +10bp）" in lines


def test_outside_text_stays_text_in_markdown_and_html(tmp_path: Path) -> None:
    charts = [FakeExhibit(tmp_path / "javascript:alert(1).png", "<img src=x onerror=alert(1)>](evil)", "出所：x|y")]
    md = render_review(hand_report(), "md", charts, base=tmp_path)
    row = next(line for line in md.splitlines() if "A\\|B" in line)
    assert row.count("|") - row.count("\\|") == 5  # four columns: the name's "|" does not split the row
    assert "\\<script\\>" in row and "\\[x\\]" in row and "\\*\\*bold\\*\\*" in row
    assert "<script>" not in md and not re.search(r"(?<!\\)\]\((?:\./)?javascript:", md)  # no live link
    assert "](./javascript%3Aalert%281%29.png)" in md
    assert "| \\# 見出し |" in md
    page = render_review(hand_report(), "html", charts, base=tmp_path)
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x" not in page and 'src="./javascript%3Aalert%281%29.png"' in page
    assert "#N/A" not in page and "—※1" in page
    note = render_review(hand_report(), "note")
    assert "<script>" not in note and "**" not in note


def test_an_error_is_a_dash_and_a_footnote_in_the_writers_language() -> None:
    for fmt in ("text", "note", "md"):
        text = render_review(hand_report(), fmt)  # type: ignore[arg-type]
        assert "#N/A" not in text
        assert "※1 " in text and "のデータは2024年11月14日から" in text
    en = render_review(hand_report("en"), "text")
    assert "data starts 2024-11-14" in en and "#N/A" not in en


@pytest.mark.parametrize(("as_of", "lang", "title"), [
    (D(2024, 12, 27), "ja", "週間マーケットレビュー（2024年12月23日〜27日）"),
    (D(2024, 12, 28), "ja", "週間マーケットレビュー（2024年12月23日〜27日）"),  # a Saturday: the week to Friday
    (D(2024, 12, 29), "ja", "週間マーケットレビュー（2024年12月23日〜27日）"),  # a Sunday
    (D(2025, 1, 3), "ja", "週間マーケットレビュー（2024年12月30日〜2025年1月3日）"),
    (D(2025, 2, 4), "ja", "週間マーケットレビュー（2025年2月3日〜4日）"),
    (D(2024, 12, 28), "en", "Weekly market review, 2024-12-23 to 2024-12-27"),
])
def test_the_heading_names_the_week(as_of: dt.date, lang: str, title: str) -> None:
    report = dataclasses.replace(hand_report(lang), as_of=as_of)
    assert render_review(report, "text").splitlines()[0] == title
    assert render_review(report, "md").splitlines()[0] == f"# {title}"
    footer = render_review(report, "text").splitlines()[-1]
    assert (f"基準日 {as_of.year}年{as_of.month}月{as_of.day}日" if lang == "ja" else f"As of {as_of}") in footer


def test_a_bad_format_is_refused() -> None:
    from marketreview.errors import BadArgumentError

    with pytest.raises(BadArgumentError, match="md, text, note, html"):
        render_review(hand_report(), "pdf")  # type: ignore[arg-type]
