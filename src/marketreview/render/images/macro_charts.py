"""The seed material's exhibits 3–6 as images: ISM against S&P 500 forward EPS, capex against cash flow (the
Macro sheet's tables), TOPIX with the autos and banks sectors over the year (the report's ``japan_year``
exhibit table) and Japanese buybacks. Each reads its numbers from the report; a chart whose data the report
lacks is not drawn and says which file (or source) would fill it, so the other images are still written.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ...calc.summary import format_number
from ...report.model import Chart, Lines, Report, Sheet, Table
from ..escape import chart_text
from . import caption, reading
from .charts import Drawn, _date_axis, _finish, _w
from .options import ImageOptions
from .style import COLOURS, ExactFormatter, new_figure

_WORDS: dict[str, tuple[str, str]] = {  # key: (en, ja)
    "japan_year": ("TOPIX, autos and banks this year (previous year-end = 100)",
                   "TOPIXと自動車・輸送機、銀行の年初来推移（前年末=100）"),
    "not_listed": ("the macro list has no chart {key}", "マクロ系列リストにチャート {key} がありません"),
    "no_values": ("no values in the report", "レポートに値がありません"),
    "no_macro": ("the report has no Macro sheet", "レポートにマクロシートがありません"),
    "user_file": ("{label}: {note}", "{label}：{note}"),
    "right_axis": ("right axis", "右軸"),
}
#: Line colours in series order.
PALETTE = ("#1F4E79", "#E08214", "#7B3294", "#1B7837", "#C51B7D")
_UNITS = re.compile(r"\s*\[[^\]]*\]\s*$")
_MARK = re.compile(r"^[①-⑨]\s*")


@dataclass(frozen=True)
class NotDrawn:
    """An exhibit the report has no data for, and what would fill it."""

    key: str
    title: str
    reason: str

    def line(self) -> str:
        return f"{self.title}: {self.reason}"


def _hints(text: str) -> str:
    """A Macro-sheet "missing" line (``未取得: ISM: #N/A … — CSV フォルダの ISM.csv … が必要です; …``) as what
    fills each series: ``ISM: CSV フォルダの ISM.csv … が必要です; …``."""
    body = text.split(": ", 1)[1] if text.count(": ") > 1 else text
    parts = []
    for part in body.split("; "):
        series, _, rest = part.partition(": ")
        parts.append(f"{series}: {rest.rsplit(' — ', 1)[-1]}" if rest else part)
    return "; ".join(parts)


def _m(report: Report, key: str) -> str:
    en, ja = _WORDS[key]
    return ja if report.lang == "ja" else en


def _label(header: str) -> str:
    """A Macro-sheet column header without its ① mark and [units] code: the series' own label."""
    return _MARK.sub("", _UNITS.sub("", header))


def _kind(dates: list[dt.date]) -> str:
    """What one point is (daily … annual), from the spacing of the table's dates."""
    gaps = sorted((b - a).days for a, b in itertools.pairwise(dates))
    gap = gaps[len(gaps) // 2] if gaps else 1
    return next(kind for limit, kind in ((4, "daily"), (10, "weekly"), (45, "monthly"), (140, "quarterly"),
                                         (10**6, "annual")) if gap <= limit)


def _macro_parts(report: Report, key: str) -> tuple[Table, Chart] | NotDrawn:
    try:
        sheet: Sheet = report.sheet("macro")
    except KeyError:
        return NotDrawn(key, key, _m(report, "no_macro"))
    table_key = f"macro_{key}"
    for block in sheet.blocks:
        if isinstance(block, Lines) and block.key == table_key:
            return NotDrawn(key, block.title, _hints(" ".join(block.lines)))
    chart = next((c for c in sheet.charts if c.key == table_key), None)
    if chart is None:
        return NotDrawn(key, key, _m(report, "not_listed").format(key=key))
    return sheet.table(table_key), chart


def _series_ids(report: Report, table: Table, columns: tuple[str, ...]) -> list[tuple[str, str, str]]:
    """(column, label, series id) of the chart's series, matched to the Macro overview's rows by label."""
    overview = report.sheet("macro").table("macro_series")
    ids = {str(r["name"].value): str(r["id"].value) for r in overview.records()}
    found = []
    for column in columns:
        label = _label(reading.header(table, column))
        found.append((column, label, ids.get(label, "")))
    return found


def _user_notes(report: Report, ids: list[tuple[str, str, str]]) -> list[str]:
    """Where each of a chart's user-file series came from: the Macro overview's note (the list's note and the
    folder's index.csv notes), with its warning when the folder gives none."""
    overview = report.sheet("macro").table("macro_series")
    notes = []
    for _column, label, series in ids:
        if not series or series.upper().startswith("FRED:"):
            continue
        row = overview.row_by("id", series)
        if row is None:
            continue
        note = "; ".join(str(t) for t in (row["note"].value, row["note"].warning) if t)
        notes.append(_m(report, "user_file").format(label=label, note=note or "—"))
    return notes


def _lines(ax: Any, table: Table, columns: tuple[str, ...], labels: dict[str, str], start: int) -> list[dt.date]:
    dates: list[dt.date] = []
    for i, column in enumerate(columns):
        line = reading.line(table, column)
        if not line.known:
            continue
        ys = [float("nan") if v is None else v for v in line.values]
        ax.plot(list(line.dates), ys, color=PALETTE[(start + i) % len(PALETTE)], label=chart_text(labels[column]),
                gid=column)
        dates += [d for d, _ in line.known]
    return dates


def _line_chart(report: Report, options: ImageOptions, key: str) -> Drawn | NotDrawn:
    parts = _macro_parts(report, key)
    if isinstance(parts, NotDrawn):
        return parts
    table, chart = parts
    columns = (*chart.series, *chart.secondary)
    empty = [c for c in columns if not reading.line(table, c).known]
    if empty:
        return NotDrawn(key, chart.title, reading.reason(table, empty[0]) or _m(report, "no_values"))
    ids = _series_ids(report, table, columns)
    labels = {c: label for c, label, _ in ids}
    for column in chart.secondary:
        labels[column] += f"（{_m(report, 'right_axis')}）" if report.lang == "ja" else f" ({_m(report, 'right_axis')})"
    figure, (ax,) = new_figure(options)
    dates = _lines(ax, table, chart.series, labels, 0)
    handles, names = ax.get_legend_handles_labels()
    ax.yaxis.set_major_formatter(ExactFormatter(1, suffix=""))
    if chart.secondary:
        right = ax.twinx()
        dates += _lines(right, table, chart.secondary, labels, len(chart.series))
        right.yaxis.set_major_formatter(ExactFormatter(1, suffix=""))
        right.grid(False)
        right.spines["right"].set_visible(True)
        more, more_names = right.get_legend_handles_labels()
        handles, names = [*handles, *more], [*names, *more_names]
    ax.legend(handles, names, loc="best", fontsize=8)
    ax.margins(x=0.02, y=0.1)
    _date_axis(ax, report, dates)
    period = caption.period_line(min(dates), max(dates), _kind(sorted(set(dates))), report.lang)
    served = [series for _c, _l, series in ids if series]
    return _finish(report, options, key, figure, _as_of_subtitle(report), served, period,
                   _user_notes(report, ids), title=chart.title)


def _as_of_subtitle(report: Report) -> str:
    return f"{_w(report, 'as_of')} {caption.date_text(report.as_of, report.lang)}"


def ism_eps(report: Report, options: ImageOptions) -> Drawn | NotDrawn:
    return _line_chart(report, options, "ism_eps")


def capex(report: Report, options: ImageOptions) -> Drawn | NotDrawn:
    return _line_chart(report, options, "capex")


def japan_year(report: Report, options: ImageOptions) -> Drawn | NotDrawn:
    title = _m(report, "japan_year")
    try:
        table = report.exhibit_table("japan_year")
    except KeyError:
        return NotDrawn("japan_year", title, _m(report, "no_values"))
    columns = tuple(c.key for c in table.columns[1:])
    aliases = ("TOPIX", "TOPIX17_AUTOS", "TOPIX17_BANKS")
    tickers = reading.tickers(report, aliases)
    missing = [c for c in columns if not reading.line(table, c).known]
    if missing:
        return NotDrawn("japan_year", title, reading.reason(table, missing[0]) or _m(report, "no_values"))
    etf = caption.ETF_MARK[1] if report.lang == "ja" else " " + caption.ETF_MARK[0]
    labels = {}
    for column, alias in zip(columns, aliases, strict=True):
        name = reading.header(table, column)
        shown = reading.shown_name(report, tickers.get(alias), name)
        # the sector labels name the ETF already (TOPIX-17 銀行（NEXT FUNDS ETF）); an override may not
        marked = alias == "TOPIX" or shown != name or etf.strip() in name
        labels[column] = shown if marked else name + etf
    figure, (ax,) = new_figure(options)
    dates = _lines(ax, table, columns, labels, 0)
    ax.axhline(100.0, color="#808080", linewidth=0.8)
    ax.yaxis.set_major_formatter(ExactFormatter(1, suffix=""))
    for i, column in enumerate(columns):
        day, value = reading.line(table, column).known[-1]
        ax.annotate(format_number(value, 1), (day, value), xytext=(4, 0), textcoords="offset points", va="center",
                    color=PALETTE[i % len(PALETTE)], fontsize=9, gid="last_label")
    ax.legend(loc="best", fontsize=8)
    ax.margins(x=0.02, y=0.1)
    _date_axis(ax, report, dates)
    period = caption.period_line(min(dates), max(dates), "daily", report.lang)
    return _finish(report, options, "japan_year", figure, _as_of_subtitle(report), aliases, period, title=title)


def buybacks(report: Report, options: ImageOptions) -> Drawn | NotDrawn:
    parts = _macro_parts(report, "jp_buybacks")
    if isinstance(parts, NotDrawn):
        return parts
    table, chart = parts
    (column,) = chart.series[:1]
    bars = reading.bars(table, "period", column)
    if not bars.values:
        return NotDrawn("jp_buybacks", chart.title, reading.reason(table, column) or _m(report, "no_values"))
    ids = _series_ids(report, table, (column,))
    figure, (ax,) = new_figure(options)
    xs = list(range(len(bars.values)))
    ax.bar(xs, bars.values, color=COLOURS["ew"], width=0.64, gid="bars")
    ax.set_xticks(xs, [chart_text(t) for t in bars.labels])
    for x, value in zip(xs, bars.values, strict=True):
        ax.annotate(format_number(value, 0 if abs(value) >= 100 else 1), (x, value), xytext=(0, 3),
                    textcoords="offset points", ha="center", va="bottom", fontsize=8.5, gid="value_label")
    ax.yaxis.set_major_formatter(ExactFormatter(1, suffix=""))
    ax.grid(axis="x", visible=False)
    ax.set_ylabel(chart_text(ids[0][1]), fontsize=9)
    dates = [d for d, v in zip(reading.line(table, column).dates, reading.line(table, column).values, strict=True)
             if v is not None]
    period = caption.period_line(min(dates), max(dates), "annual", report.lang)
    return _finish(report, options, "jp_buybacks", figure, _as_of_subtitle(report), [ids[0][2]], period,
                   _user_notes(report, ids), title=chart.title)


#: The seed material's exhibits 3–6, after the weekly charts.
MACRO_CHARTS: tuple[Callable[[Report, ImageOptions], Drawn | NotDrawn], ...] = (ism_eps, capex, japan_year,
                                                                                 buybacks)

__all__ = ["MACRO_CHARTS", "NotDrawn", "buybacks", "capex", "ism_eps", "japan_year"]
