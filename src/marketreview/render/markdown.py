"""The week's review, paste-ready, rendered from the same report model as the workbook: index moves, YTD (and
the previous years where the report has them), the relative ratios, yields and the Fed range, Mag7, the Japanese
sectors, charts (exhibits), the ※ footnotes of figures that could not be computed, and a source footer.

Formats: ``md`` (Markdown with tables, for blogs that render them), ``text`` (plain lines), ``note`` (note.com:
``##``/``###`` headings, lines, images, nothing it would show as raw characters) and ``html`` (rich-text paste).
Every figure is in its published form (:mod:`marketreview.report.published`): this module formats no number.

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
from ..calc.marks import Mark
from ..errors import BadArgumentError
from ..report import published
from ..report.cells import JST
from ..report.labels import label
from ..report.model import Cell, Report, Table
from ..report.published import Notes
from ..types import Lang
from . import escape


def _built_at(report: Report) -> dt.datetime:
    """When the report was built, in the reader's zone: JST for a Japanese post, UTC otherwise."""
    when = report.generated_at
    when = when if when.tzinfo is not None else when.replace(tzinfo=dt.timezone.utc)
    return when.astimezone(JST if report.lang == "ja" else dt.timezone.utc)


__all__ = ["FORMATS", "ExhibitLike", "render_review"]

Format = Literal["md", "text", "note", "html"]
FORMATS: tuple[Format, ...] = ("md", "text", "note", "html")
#: how many of the best and worst sectors the review names
SECTOR_COUNT = 3

_WORDS: dict[str, tuple[str, str]] = {
    # key: (en, ja)
    "indices": ("Index moves this week", "今週の指数"),
    "name": ("Name", "名称"),
    "prev": ("Last week", "前週末"),
    "close": ("This week", "今週末"),
    "w1": ("Week", "週間騰落率"),
    "ytd_title": ("Year to date", "年初来"),
    "ytd": ("YTD", "年初来"),
    "relative": ("Relative strength vs the S&P 500 (26-week average)", "対S&P500 相対比（26週平均との乖離）"),
    "pair": ("Pair", "組み合わせ"),
    "ratio": ("Ratio", "比率"),
    "ma": ("26W avg", "26週平均"),
    "dev": ("vs avg", "乖離"),
    "rates": ("US Treasury yields", "米国債利回り"),
    "mag7": ("Magnificent Seven", "マグニフィセント・セブン"),
    "sectors": ("Japan: TOPIX-17 sectors (NEXT FUNDS ETFs) this week", "日本株：TOPIX-17業種（NEXT FUNDS ETF、週間）"),
    "exhibit": ("Exhibit", "図表"),
    "footer": ("Source: {source}. As of {d}. Built {built} UTC by MarketReview.",
               "出所：{source}。基準日 {d}。MarketReviewで作成（{built} JST）。"),
    "demo": ("DEMO: synthetic data, not market data.", "DEMO：合成データです。実際の市場データではありません。"),
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
    """Lays the post out in one format; every figure's text comes from :mod:`marketreview.report.published`,
    every outside text is escaped for the format (:mod:`marketreview.render.escape`)."""

    def __init__(self, report: Report, fmt: Format) -> None:
        self.report, self.fmt, self.lang = report, fmt, report.lang
        self.notes = Notes(report.lang)
        self.out: list[str] = []

    def esc(self, text: str) -> str:
        return escape.html(text) if self.fmt == "html" else escape.markdown(text) if self.fmt in ("md", "note") \
            else escape.plain(text)

    # -- blocks --------------------------------------------------------------------------------------

    def title(self, text: str) -> None:
        self.out.append({"md": f"# {self.esc(text)}", "note": f"## {self.esc(text)}",
                         "html": f"<h2>{self.esc(text)}</h2>"}.get(self.fmt, self.esc(text)))

    def heading(self, text: str) -> None:
        shown = {"md": f"## {self.esc(text)}", "note": f"### {self.esc(text)}",
                 "html": f"<h3>{self.esc(text)}</h3>"}.get(self.fmt, f"■{self.esc(text)}")
        self.out += ["", shown, ""]

    def table(self, headers: Sequence[str], rows: Sequence[Sequence[str]], lines: Sequence[str]) -> None:
        """A table in Markdown; every other format takes the same figures as ``lines``."""
        if self.fmt != "md":
            for text in lines:
                self.line(text)
            return
        self.out.append("| " + " | ".join(escape.markdown(h) for h in headers) + " |")
        self.out.append("|" + "|".join([" --- "] + [" ---: "] * (len(headers) - 1)) + "|")
        self.out += ["| " + " | ".join(escape.markdown(c) for c in row) + " |" for row in rows]

    def line(self, text: str) -> None:
        """One of the post's lines (``・…``): a list item in Markdown, its own paragraph for note.com and HTML."""
        if self.fmt == "md":
            self.out.append(f"- {self.esc(text.removeprefix('・'))}")
        elif self.fmt == "note":
            self.out += [self.esc(text), ""]
        elif self.fmt == "html":
            self.out.append(f"<p>{self.esc(text)}</p>")
        else:
            self.out.append(self.esc(text))

    def tables(self, sheet: str) -> dict[str, Table]:
        try:
            found = self.report.sheet(sheet)
        except KeyError:
            return {}
        return {b.key: b for b in found.blocks if isinstance(b, Table)}

    def value(self, cells: dict[str, Cell], key: str, kind: published.Kind) -> str:
        return published.value_text(cells.get(key), kind, self.lang, self.notes, str(cells["name"].value))


def _price_rows(w: _Writer) -> list[dict[str, Cell]]:
    out = []
    for sheet, key in (("us_indices", "indices"), ("japan_sectors", "japan_indices"), ("japan_sectors", "fx")):
        table = w.tables(sheet).get(key)
        out += table.records() if table else []
    return out


def _moves(w: _Writer) -> None:
    rows = _price_rows(w)
    lang, notes = w.lang, w.notes

    def extra(cells: dict[str, Cell]) -> list[Mark]:
        return published.series_marks(cells.get("name"))

    w.heading(_w("indices", lang))
    w.table([_w("name", lang), _w("prev", lang), _w("close", lang), _w("w1", lang)],
            [[published.name_text(c["name"], lang), w.value(c, "prev", "price"), w.value(c, "close", "price"),
              w.value(c, "w1", "pct")] for c in rows],
            [published.week_line(str(c["name"].value), c, lang, notes, extra=extra(c)) for c in rows])
    w.heading(_w("ytd_title", lang))
    w.table([_w("name", lang), _w("ytd", lang)],
            [[published.name_text(c["name"], lang), w.value(c, "ytd", "pct")] for c in rows],
            [published.ytd_line(str(c["name"].value), c, lang, notes, extra=extra(c)) for c in rows])
    _prev_years(w)


def _prev_years(w: _Writer) -> None:
    """The two previous calendar years, when the report has them (``us_indices/prev_years``)."""
    table = w.tables("us_indices").get("prev_years")
    if table is None or not table.rows:
        return
    w.heading(label("post.prev_years", w.lang))
    years: dict[str, list[dict[str, Cell]]] = {}
    for cells in table.records():
        years.setdefault(str(cells["year"].value), []).append(cells)
    for year, rows in years.items():
        first = rows[0]
        start, end = first["start_date"].value, first["end_date"].value
        span = (published.span_text(start, end, w.lang, long=True)
                if isinstance(start, dt.date) and isinstance(end, dt.date) else year)
        w.line(f"{year}{'年' if w.lang == 'ja' else ''}（{span}）" if w.lang == "ja" else f"{year} ({span})")
        for cells in rows:
            w.line(published.prev_year_line(cells, w.lang, w.notes))


def _relative(w: _Writer) -> None:
    table = w.tables("relative").get("pairs")
    records = table.records() if table else []
    w.heading(_w("relative", w.lang))

    def name(c: dict[str, Cell]) -> str:
        return str(c["pair"].value)

    def ratio(c: dict[str, Cell]) -> str:
        rebased = published.rebased_text(c.get("rebased"), w.lang)
        return rebased if rebased is not None else published.value_text(c.get("ratio"), "share", w.lang, w.notes,
                                                                         name(c))

    w.table([_w("pair", w.lang), _w("ratio", w.lang), _w("ma", w.lang), _w("dev", w.lang)],
            [[name(c), ratio(c), published.value_text(c.get("ma"), "share", w.lang, w.notes, name(c)),
              published.value_text(c.get("deviation"), "pt", w.lang, w.notes, name(c))] for c in records],
            [published.ratio_line(name(c), c, w.lang, w.notes) for c in records])


def _rates(w: _Writer) -> None:
    tables = w.tables("rates")
    lang, notes = w.lang, w.notes
    w.heading(_w("rates", lang))
    rows = tables["yields"].records() if "yields" in tables else []
    w.table([_w("name", lang), _w("prev", lang), _w("close", lang), _w("w1", lang)],
            [[published.name_text(c["name"], lang), w.value(c, "prev_week", "level"), w.value(c, "level", "level"),
              w.value(c, "w1_bp", "bp")] for c in rows],
            [published.week_line(str(c["name"].value), c, lang, notes, yield_=True) for c in rows])
    if w.fmt == "md":
        w.out.append("")
    for c in tables["spread"].records() if "spread" in tables else []:
        w.line(published.spread_line(label("line.spread", lang), c, lang, notes))
    for c in tables["fed"].records() if "fed" in tables else []:
        w.line(published.range_line(label("line.fed", lang), c, lang, notes))
    ranges = tables.get("yield_range")
    for c in ranges.records() if ranges else []:
        w.line(published.yield_range_line(c, lang, notes))


def _mag7(w: _Writer) -> None:
    tables = w.tables("mag7")
    w.heading(_w("mag7", w.lang))
    for c in tables["share"].records() if "share" in tables else []:
        w.line(published.share_line(label("line.mag7", w.lang), c, w.lang, w.notes))
    members = tables.get("members")
    for c in members.records() if members else []:
        w.line(published.week_line(str(c["name"].value), c, w.lang, w.notes,
                                   extra=published.series_marks(c.get("name"))))


def _sectors(w: _Writer) -> None:
    table = w.tables("japan_sectors").get("sectors")
    ranked = sorted(((str(c["name"].value), c["w1"]) for c in (table.records() if table else [])
                     if c["w1"].error is None and isinstance(c["w1"].value, int | float)),
                    key=lambda item: -float(item[1].value))  # type: ignore[arg-type]
    own = {str(c["name"].value): published.series_marks(c.get("name")) for c in (table.records() if table else [])}
    w.heading(_w("sectors", w.lang))
    for key, items in (("line.sectors_best", ranked[:SECTOR_COUNT]), ("line.sectors_worst",
                                                                      ranked[::-1][:SECTOR_COUNT])):
        w.line(published.ranking_line(label(key, w.lang), items, w.lang,
                                      extra=[m for name, _ in items for m in own.get(name, [])]))


def _exhibits(w: _Writer, exhibits: Sequence[ExhibitLike], base: Path | None) -> None:
    """Each image on its own, in order, with its caption lines right under it."""
    for number, exhibit in enumerate(exhibits, start=1):
        caption = f"{_w('exhibit', w.lang)}{'' if w.lang == 'ja' else ' '}{number} {exhibit.title}"
        path = Path(exhibit.path)
        where = escape.link_target(Path(os.path.relpath(path, base)).as_posix() if base is not None
                                   else path.as_posix())
        # 出所, 期間 and notes: a chart image carries them as ``caption``; any other exhibit has a source line
        captions = [caption, *(str(line) for line in (getattr(exhibit, "caption", None) or (exhibit.source,)))]
        captions = [c for c in captions if c]
        w.out.append("")
        if w.fmt == "md":  # the caption lines right under the image, a line each
            w.out += [f"![{escape.markdown(caption)}]({where})", *(f"{escape.markdown(c)}  " for c in captions[1:])]
            w.out[-1] = w.out[-1].rstrip()
        elif w.fmt == "note":  # note.com: the image, then each caption line as its own paragraph
            w.out += [f"![{escape.markdown(caption)}]({where})", ""]
            w.out += [line for c in captions[1:] for line in (escape.markdown(c), "")]
        elif w.fmt == "html":
            w.out.append(f'<figure><img src="{escape.html(where)}" alt="{escape.html(caption)}">'
                         + "".join(f"<figcaption>{escape.html(c)}</figcaption>" for c in captions[:1]) + "</figure>")
            w.out += [f"<p>{escape.html(c)}</p>" for c in captions[1:]]
        else:
            w.out += [f"[{caption}: {where}]", *captions[1:]]


def _footnotes(w: _Writer) -> None:
    lines = w.notes.lines()
    if not lines:
        return
    w.heading(label("post.notes", w.lang))
    for text in lines:
        w.line(text)


def _demo(w: _Writer) -> None:
    text = _w("demo", w.lang)
    w.out += ["", {"md": f"**{escape.markdown(text)}**", "html": f"<p><strong>{escape.html(text)}</strong></p>"}
              .get(w.fmt, text)]


def render_review(report: Report, fmt: Format = "md", exhibits: Sequence[ExhibitLike] = (), *,
                  base: Path | None = None) -> str:
    """The review of ``report`` as Markdown with tables (``md``), plain text (``text``), note.com's Markdown
    (``note``: ``##``/``###`` headings, lines, images; no tables) or HTML for rich-text paste (``html``).
    ``exhibits`` are chart images, numbered in order and linked relative to ``base`` (the file's folder)."""
    if fmt not in FORMATS:
        raise BadArgumentError("format", fmt, "must be one of " + ", ".join(FORMATS))
    w = _Writer(report, fmt)
    start, end = published.week_span(report.as_of)
    w.title(label("post.week_heading", w.lang).format(span=published.span_text(start, end, w.lang, long=True)))
    if report.demo:
        _demo(w)
    _moves(w)
    _relative(w)
    _rates(w)
    _mag7(w)
    _sectors(w)
    _exhibits(w, exhibits, base)
    _footnotes(w)
    names = [SOURCE_NAMES.get(s, (s, s))[w.lang == "ja"] for s in report.source.split("+")]
    built = _built_at(report)
    footer = _w("footer", w.lang).format(
        source=("、" if w.lang == "ja" else ", ").join(names), d=fmt_.long_date(report.as_of, w.lang),
        built=(fmt_.long_date(built.date(), w.lang) + built.strftime(" %H:%M")))
    w.out += ["", {"md": "---", "html": "<hr>"}.get(fmt, "")]
    w.out.append(f"<p>{escape.html(footer)}</p>" if fmt == "html" else w.esc(footer))
    if report.demo:
        _demo(w)
    return "\n".join(w.out).strip() + "\n"
