"""The week's review as paste-ready Markdown (or plain text), rendered from the same report model as the
workbook: index moves, YTD, the relative ratios, yields and the Fed range, Mag7, the Japanese sectors, charts
(exhibits) and a source footer.

    from marketreview.render.markdown import render_review
    text = render_review(report, fmt="md", exhibits=write_charts(report, folder), base=folder)
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Literal, Protocol

from ..calc import summary as fmt_
from ..errors import BadArgumentError
from ..report.cells import JST
from ..report.model import Cell, Report, Table
from ..report.reasons import short_reason
from ..types import Lang
from .escape import markdown_text, one_line


def _built_at(report: Report) -> dt.datetime:
    """When the report was built, in the reader's zone: JST for a Japanese post, UTC otherwise."""
    when = report.generated_at
    when = when if when.tzinfo is not None else when.replace(tzinfo=dt.timezone.utc)
    return when.astimezone(JST if report.lang == "ja" else dt.timezone.utc)


__all__ = ["ExhibitLike", "render_review"]

Format = Literal["md", "text"]
#: how many of the best and worst sectors the review names
SECTOR_COUNT = 3

_WORDS: dict[str, tuple[str, str]] = {
    # key: (en, ja)
    "title": ("Weekly market review — week ending {d}", "週間マーケットレビュー（{d}週）"),
    "indices": ("Index moves this week", "今週の指数"),
    "name": ("Name", "名称"),
    "prev": ("Last week", "前週末"),
    "close": ("This week", "今週末"),
    "w1": ("Week", "週間騰落率"),
    "ytd_title": ("Year to date", "年初来"),
    "ytd": ("YTD", "年初来"),
    "relative": ("Relative strength vs the S&P 500 (26-week average)", "対S&P500 相対比（26週平均比）"),
    "pair": ("Pair", "組み合わせ"),
    "ratio": ("Ratio", "比率"),
    "ma": ("26W avg", "26週平均"),
    "dev": ("vs avg", "平均比"),
    "rates": ("US Treasury yields", "米国債利回り"),
    "bp": ("Week (bp)", "週間（bp）"),
    "spread": ("2s10s spread", "2年-10年スプレッド"),
    "fed": ("Fed funds target range", "FF金利誘導目標"),
    "mag7": ("Magnificent Seven", "マグニフィセント・セブン"),
    "mag7_line": ("Share of S&P 500 market cap", "S&P500時価総額に占める比率"),
    "sectors": ("Japan: TOPIX-17 sectors this week", "日本株：TOPIX-17業種（週間）"),
    "best": ("Best", "上位"),
    "worst": ("Worst", "下位"),
    "exhibit": ("Exhibit", "図表"),
    "footer": ("Source: {source}. As of {d}. Built {built} UTC by MarketReview.",
               "出所：{source}。基準日 {d}。MarketReviewで作成（{built} JST）。"),
    "demo": ("**DEMO: synthetic data, not market data.**",
             "**DEMO：合成データです。実際の市場データではありません。**"),
}


#: How a source is named in the footer.
SOURCE_NAMES: dict[str, tuple[str, str]] = {
    "yahoo": ("Yahoo Finance", "Yahoo Finance"), "fred": ("FRED", "FRED"),
    "csv": ("CSV files", "CSVファイル"), "demo": ("DEMO (synthetic)", "DEMO（合成データ）"),
}


class ExhibitLike(Protocol):
    """A chart image: what :func:`marketreview.render.images.write_charts` returns."""

    @property
    def path(self) -> Path: ...
    @property
    def title(self) -> str: ...
    @property
    def source(self) -> str: ...


def _w(key: str, lang: Lang) -> str:
    en, ja = _WORDS[key]
    return ja if lang == "ja" else en


class _Writer:
    def __init__(self, report: Report, fmt: Format) -> None:
        self.report, self.fmt, self.lang = report, fmt, report.lang
        self.out: list[str] = []

    # -- values --------------------------------------------------------------------------------------

    def shown(self, cell: Cell | None, kind: str) -> str:
        if cell is None:
            return "—"
        if cell.error is not None:
            return short_reason(cell.error, self.lang)
        value = cell.value
        if not isinstance(value, int | float) or isinstance(value, bool):
            return "—" if value is None else str(value)
        if kind == "price":
            return fmt_.format_number(value, 0 if cell.fmt == "price0" else 2, thousands=True)
        if kind == "pct":
            return fmt_.format_pct(value)
        if kind == "level":
            return fmt_.format_level(value)
        if kind == "share":
            return fmt_.format_level(value * 100)
        if kind == "bp":
            return fmt_.format_bp(value)
        if kind == "pt":
            return fmt_.format_pt(value)
        raise BadArgumentError("kind", kind, "unknown value kind")

    def label(self, value: object) -> str:
        """A label from outside (a symbol map, a file): literal text in Markdown, one line in plain text."""
        return markdown_text(value) if self.fmt == "md" else one_line(value)

    # -- blocks --------------------------------------------------------------------------------------

    def heading(self, text: str) -> None:
        self.out += ["", f"## {text}" if self.fmt == "md" else f"■{text}", ""]

    def table(self, headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
        if self.fmt == "md":
            self.out.append("| " + " | ".join(headers) + " |")
            self.out.append("|" + "|".join([" --- "] + [" ---: "] * (len(headers) - 1)) + "|")
            self.out += ["| " + " | ".join(row) + " |" for row in rows]
        else:
            self.out += ["・" + " ".join(row) for row in rows]

    def line(self, text: str) -> None:
        self.out.append(f"- {text}" if self.fmt == "md" else f"・{text}")

    def tables(self, sheet: str) -> dict[str, Table]:
        try:
            found = self.report.sheet(sheet)
        except KeyError:
            return {}
        return {b.key: b for b in found.blocks if isinstance(b, Table)}


def _moves(w: _Writer) -> None:
    lang = w.lang
    rows: list[list[str]] = []
    ytd: list[list[str]] = []
    for sheet, key in (("us_indices", "indices"), ("japan_sectors", "japan_indices"), ("japan_sectors", "fx")):
        table = w.tables(sheet).get(key)
        for cells in table.records() if table else []:
            name = w.label(cells["name"].value)
            if w.fmt == "md":
                rows.append([name, w.shown(cells.get("prev"), "price"), w.shown(cells.get("close"), "price"),
                             w.shown(cells.get("w1"), "pct")])
            else:
                rows.append([name, f"{w.shown(cells.get('prev'), 'price')} → {w.shown(cells.get('close'), 'price')}",
                             f"({w.shown(cells.get('w1'), 'pct')})"])
            ytd.append([name, w.shown(cells.get("ytd"), "pct")])
    w.heading(_w("indices", lang))
    w.table([_w("name", lang), _w("prev", lang), _w("close", lang), _w("w1", lang)], rows)
    w.heading(_w("ytd_title", lang))
    w.table([_w("name", lang), _w("ytd", lang)], ytd)


def _relative(w: _Writer) -> None:
    table = w.tables("relative").get("pairs")
    w.heading(_w("relative", w.lang))
    rows = [[w.label(c["pair"].value), w.shown(c["ratio"], "share"), w.shown(c["ma"], "share"),
             w.shown(c["deviation"], "pt")] for c in (table.records() if table else [])]
    if w.fmt == "text":
        rows = [[r[0], r[1], f"({_w('dev', w.lang)} {r[3]})"] for r in rows]
    w.table([_w("pair", w.lang), _w("ratio", w.lang), _w("ma", w.lang), _w("dev", w.lang)], rows)


def _rates(w: _Writer) -> None:
    tables = w.tables("rates")
    w.heading(_w("rates", w.lang))
    rows = []
    for c in tables["yields"].records() if "yields" in tables else []:
        prev, level = w.shown(c["prev_week"], "level"), w.shown(c["level"], "level")
        rows.append([w.label(c["name"].value), prev, level, w.shown(c["w1_bp"], "bp")] if w.fmt == "md"
                    else [w.label(c["name"].value), f"{prev} → {level}", f"({w.shown(c['w1_bp'], 'bp')})"])
    w.table([_w("name", w.lang), _w("prev", w.lang), _w("close", w.lang), _w("bp", w.lang)], rows)
    w.out.append("")
    for c in tables["spread"].records() if "spread" in tables else []:
        w.line(f"{_w('spread', w.lang)} {w.shown(c['spread'], 'bp')} ({w.shown(c['w1_bp'], 'bp')})")
    for c in tables["fed"].records() if "fed" in tables else []:
        dash = "〜" if w.lang == "ja" else "–"
        w.line(f"{_w('fed', w.lang)} {w.shown(c['lower'], 'level')}{dash}{w.shown(c['upper'], 'level')}")


def _mag7(w: _Writer) -> None:
    table = w.tables("mag7").get("share")
    w.heading(_w("mag7", w.lang))
    for c in table.records() if table else []:
        w.line(f"{_w('mag7_line', w.lang)} {w.shown(c['share'], 'share')} "
               f"({fmt_.period_label('1W', w.lang)} {w.shown(c['share_w1'], 'pt')})")


def _sectors(w: _Writer) -> None:
    table = w.tables("japan_sectors").get("sectors")
    ranked = sorted(((w.label(c["name"].value), float(c["w1"].value)) for c in (table.records() if table else [])
                     if c["w1"].error is None and isinstance(c["w1"].value, int | float)),
                    key=lambda item: -item[1])
    w.heading(_w("sectors", w.lang))
    for key, items in (("best", ranked[:SECTOR_COUNT]), ("worst", ranked[::-1][:SECTOR_COUNT])):
        sep = "、" if w.lang == "ja" else ", "
        w.line(f"{_w(key, w.lang)}: " + sep.join(f"{n} {fmt_.format_pct(v)}" for n, v in items))


def _exhibits(w: _Writer, exhibits: Sequence[ExhibitLike], base: Path | None) -> None:
    for number, exhibit in enumerate(exhibits, start=1):
        caption = f"{_w('exhibit', w.lang)}{'' if w.lang == 'ja' else ' '}{number} {w.label(exhibit.title)}"
        path = Path(exhibit.path)
        where = Path(os.path.relpath(path, base)).as_posix() if base is not None else path.as_posix()
        # the image's caption: 出所, 期間 and notes (chart images carry ``caption``; plain exhibits a source)
        lines = tuple(getattr(exhibit, "caption", None) or (exhibit.source,))
        w.out += ["", f"![{caption}]({where})" if w.fmt == "md" else f"[{caption}: {where}]", *(w.label(line) for line in lines)]


def render_review(report: Report, fmt: Format = "md", exhibits: Sequence[ExhibitLike] = (), *,
                  base: Path | None = None) -> str:
    """The review of ``report`` as Markdown (``fmt="md"``) or plain text. ``exhibits`` are chart images,
    numbered in order and linked relative to ``base`` (the Markdown file's folder)."""
    if fmt not in ("md", "text"):
        raise BadArgumentError("format", fmt, "must be 'md' or 'text'")
    w = _Writer(report, fmt)
    title = _w("title", w.lang).format(d=report.as_of.isoformat())
    w.out.append(f"# {title}" if fmt == "md" else title)
    if report.demo:
        w.out += ["", _w("demo", w.lang) if fmt == "md" else _w("demo", w.lang).replace("**", "")]
    _moves(w)
    _relative(w)
    _rates(w)
    _mag7(w)
    _mag7_members(w)
    _yield_range(w)
    _prev_years(w)
    _sectors(w)
    _exhibits(w, exhibits, base)
    names = [SOURCE_NAMES.get(s, (s, s))[w.lang == "ja"] for s in report.source.split("+")]
    footer = _w("footer", w.lang).format(source=("、" if w.lang == "ja" else ", ").join(names),
                                          d=report.as_of.isoformat(),
                                          built=_built_at(report).strftime("%Y-%m-%d %H:%M"))
    w.out += ["", "---" if fmt == "md" else "", footer]
    if report.demo:
        w.out.append(_w("demo", w.lang) if fmt == "md" else _w("demo", w.lang).replace("**", ""))
    return "\n".join(w.out).strip() + "\n"


# -- the seed material's tables (report/extras.py): mag7/members, rates/yield_range, us_indices/prev_years -----

_SEED_WORDS: dict[str, tuple[str, str]] = {
    # key: (en, ja)
    "members": ("Magnificent Seven: the week's moves", "マグニフィセント・セブンの週間騰落"),
    "yield_range": ("Treasury yields against their year-to-date range", "米国債利回りの年初来レンジ"),
    "high": ("YTD high", "年初来高値"),
    "low": ("YTD low", "年初来安値"),
    "prev_years": ("The two previous years", "過去2年の騰落"),
}


def _seed_word(key: str, lang: Lang) -> str:
    en, ja = _SEED_WORDS[key]
    return ja if lang == "ja" else en


def _seed_date(cell: Cell, lang: Lang) -> str:
    """A date cell in the seeds' style: 2024年12月27日 / 2024-12-27 (an error as its short reason)."""
    if cell.error is not None:
        return short_reason(cell.error, lang)
    day = cell.value
    if not isinstance(day, dt.date):
        return "—"
    return f"{day.year}年{day.month}月{day.day}日" if lang == "ja" else day.isoformat()


def _mag7_members(w: _Writer) -> None:
    """Each member's week: ``・アップル 262.82 → 270.37 (+2.87%)``."""
    table = w.tables("mag7").get("members")
    if table is None:
        return
    w.heading(_seed_word("members", w.lang))
    for c in table.records():
        w.line(f"{c['name'].value} {w.shown(c['prev'], 'price')} → {w.shown(c['close'], 'price')} "
               f"({w.shown(c['w1'], 'pct')})")


def _yield_range(w: _Writer) -> None:
    """``・米10年債利回り 4.11% (年初来高値 4.79%: 2025年1月13日, 年初来安値 3.97%: 2025年10月22日)``."""
    table = w.tables("rates").get("yield_range")
    if table is None:
        return
    w.heading(_seed_word("yield_range", w.lang))
    for c in table.records():
        w.line(f"{c['name'].value} {w.shown(c['level'], 'level')} "
               f"({_seed_word('high', w.lang)} {w.shown(c['ytd_high'], 'level')}: "
               f"{_seed_date(c['ytd_high_date'], w.lang)}, {_seed_word('low', w.lang)} "
               f"{w.shown(c['ytd_low'], 'level')}: {_seed_date(c['ytd_low_date'], w.lang)})")


def _prev_years(w: _Writer) -> None:
    """Per year its dates (``2023年1月3日~2024年1月2日``), then one line per index with the closes, the
    return and the point change."""
    table = w.tables("us_indices").get("prev_years")
    if table is None:
        return
    w.heading(_seed_word("prev_years", w.lang))
    by_year: dict[object, list[dict[str, Cell]]] = {}
    for c in table.records():
        by_year.setdefault(c["year"].value, []).append(c)
    for year, rows in by_year.items():
        dated = next((r for r in rows if r["start_date"].error is None and r["end_date"].error is None), None)
        span = (f"{_seed_date(dated['start_date'], w.lang)}~{_seed_date(dated['end_date'], w.lang)}" if dated
                else str(year))
        w.out += [span] if w.out[-1] == "" else ["", span]
        for c in rows:
            if c["change"].error is not None:
                w.line(f"{c['name'].value}: {short_reason(c['change'].error, w.lang)}")
                continue
            points = c["points"].value
            shown = ("+" if points >= 0 else "") + fmt_.format_number(points, 2, thousands=True) \
                if isinstance(points, int | float) and c["points"].error is None else "—"
            w.line(f"{c['name'].value} {w.shown(c['start'], 'price')} → {w.shown(c['end'], 'price')} "
                   f"({w.shown(c['change'], 'pct')}, {shown})")
