"""The blog images, one function per chart. Each reads its numbers from the report model's tables (via
:mod:`.reading`) and makes matplotlib calls over them: no figure is computed here.

Every function returns a :class:`Drawn` — the figure before it is saved, so tests can check what was plotted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from matplotlib import dates as mdates
from matplotlib.figure import Figure
from matplotlib.ticker import MultipleLocator

from ...calc.periods import week_start
from ...calc.summary import format_number
from ...errors import RenderError
from ...report.model import Report
from ..escape import chart_text
from . import caption, reading, series
from .options import ImageOptions
from .style import COLOURS, ExactFormatter, bp_text, decorate, fit_line, new_figure, pct_text, signed_colours

_WORDS: dict[str, tuple[str, str]] = {  # key: (en, ja)
    "index_moves": ("Major stock indices, weekly change", "主要株価指数の週間騰落率"),
    "relative_r2g": ("Russell 2000 Growth ÷ S&P 500 and its 26-week average",
                     "ラッセル2000グロース÷S&P500と26週平均"),
    "relative_others": ("Russell 2000 and equal weight, each ÷ S&P 500", "ラッセル2000、S&P500均等加重の対S&P500比率"),
    "mag7_share": ("Magnificent Seven share of S&P 500 market cap", "マグニフィセント・セブンのS&P500時価総額比率"),
    "yields": ("US 2-year and 10-year Treasury yields", "米2年・10年国債利回り"),
    "mag7_moves": ("Magnificent Seven, weekly change", "マグニフィセント・セブンの週間騰落率"),
    "sectors": ("TOPIX-17 sectors, weekly change (NEXT FUNDS ETF)", "TOPIX-17業種別の週間騰落率（NEXT FUNDS ETF）"),
    "as_of": ("As of", "基準日"),
    "week": ("week", "今週"),
    "weekly": ("weekly", "週次"),
    "daily": ("daily", "日次"),
    "this_week": ("This week (daily)", "今週（日次）"),
    "past_year": ("Past year", "過去1年"),
    "ma": ("26-week average", "26週平均"),
    "r2g": ("Russell 2000 Growth ÷ S&P 500", "ラッセル2000グロース÷S&P500"),
    "r2": ("Russell 2000 ÷ S&P 500", "ラッセル2000÷S&P500"),
    "ew": ("S&P 500 Equal Weight ÷ S&P 500", "S&P500均等加重÷S&P500"),
    "mag7": ("Mag7 share", "マグ7比率"),
    "missing": ("Not shown", "表示なし"),
    "week_change": ("week", "週間"),
    "demo": ("DEMO (synthetic) — not market data", "DEMO（合成データ）— 実際の市場データではありません"),
    "caps": ("S&P 500 constituent market caps", "S&P500構成銘柄の時価総額"),
    "adjusted": (": dividend-adjusted closes (the only series available)", "は配当調整済みの終値（他に系列なし）"),
    "ma_short": ("26-week average not shown: only {n} weeks of the ratio (from {first})",
                 "26週平均は表示なし：比率が{n}週分のみ（{first}以降）"),
    "ma_none": ("26-week average not shown: {reason}", "26週平均は表示なし：{reason}"),
    "benchmark": ("dashed line: {name}", "破線：{name}"),
}
#: The weeks of the moving average the ratio charts draw (report/sheets' ratio_with_ma).
MA_WEEKS = 26


@dataclass(frozen=True)
class Drawn:
    key: str
    figure: Figure
    title: str
    source: str
    #: 期間 / Period line
    period: str = ""
    #: notes under the image (what is not shown and why, adjustments, estimates)
    notes: tuple[str, ...] = ()
    #: the aliases/tickers whose series the image draws (its 出所)
    served: tuple[str, ...] = ()

    @property
    def caption(self) -> tuple[str, ...]:
        """The text that goes under the image in a post: 出所, 期間, then the notes."""
        return tuple(line for line in (self.source, self.period, *self.notes) if line)


def _w(report: Report, key: str) -> str:
    en, ja = _WORDS[key]
    return ja if report.lang == "ja" else en


def _date(report: Report, day: dt.date) -> str:
    return caption.date_text(day, report.lang)


def _week_subtitle(report: Report) -> str:
    start = week_start(report.as_of)
    return (f"{_w(report, 'as_of')} {_date(report, report.as_of)} · {_w(report, 'week')} "
            f"{caption.date_range(start, report.as_of, report.lang)}")


def _week_period(report: Report) -> str:
    return caption.period_line(week_start(report.as_of), report.as_of, "week", report.lang)


def _span_subtitle(report: Report, line: reading.Line, kind: str = "weekly") -> str:
    known = line.known or [(report.as_of, 0.0)]
    return _dates_subtitle(report, known[0][0], known[-1][0], kind)


def _dates_subtitle(report: Report, first: dt.date, last: dt.date, kind: str = "weekly") -> str:
    return (f"{_w(report, 'as_of')} {_date(report, report.as_of)} · {_w(report, kind)} "
            f"{caption.date_range(first, last, report.lang)}")


def _span_period(report: Report, line: reading.Line, kind: str = "weekly") -> str:
    known = line.known or [(report.as_of, 0.0)]
    return caption.period_line(known[0][0], known[-1][0], kind, report.lang)


def _finish(report: Report, options: ImageOptions, key: str, figure: Figure, subtitle: str, served: Sequence[str],
            period: str, notes: list[str] | None = None, extra: tuple[str, str] | None = None,
            title: str | None = None) -> Drawn:
    """Title block, the source and period lines of the ``served`` aliases/tickers (and which of them are
    dividend-adjusted), notes and the DEMO mark."""
    title = title if title is not None else _w(report, key)
    source = reading.source_line(report, served, extra=extra, credit=options.credit)
    adjusted = reading.adjusted(report, served)
    if adjusted:
        notes = [*(notes or []), f"{'、'.join(adjusted)}{_w(report, 'adjusted')}" if report.lang == "ja"
                 else f"{', '.join(adjusted)}{_w(report, 'adjusted')}"]
    credit = [source, period] if options.credit_in_image else []
    decorate(figure, title, subtitle, credit, demo=report.demo, demo_text=_w(report, "demo"), notes=notes)
    return Drawn(key, figure, title, source, period, tuple(notes or ()), tuple(served))


def _marked(labels: tuple[str, ...], bars: reading.Bars, first: int = 1) -> tuple[tuple[str, ...], list[str]]:
    """Labels of values that carry a warning (a gap, data ending early) with a numbered ※, and the notes saying
    what each mark means: ``ラッセル2000グロース※1`` / ``※1 ラッセル2000グロース: ^RUO: no close on …``."""
    shown: list[str] = []
    notes: list[str] = []
    warnings = bars.warnings or (None,) * len(labels)
    for label, warning in zip(labels, warnings, strict=True):
        if warning:
            mark = f"※{first + len(notes)}"
            notes.append(f"{mark} {label}: {warning}")
            label = f"{label}{mark}"
        shown.append(label)
    return tuple(shown), notes


def _missing_note(report: Report, missing: tuple[str, ...]) -> list[str]:
    return [f"{_w(report, 'missing')}: " + "; ".join(missing)] if missing else []


def _require(key: str, has_data: bool, reason: str) -> None:
    if not has_data:
        raise RenderError(f"chart {key}", reason)


# -- building blocks ------------------------------------------------------------------------------------


def _hbars(ax: Any, labels: tuple[str, ...], values: tuple[float, ...], *, fontsize: float = 8.5) -> None:
    """Signed horizontal bars, largest at the top, each labelled with its value as the text shows it."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ys = list(range(len(order)))
    shown = [values[i] for i in order]
    ax.barh(ys, shown, color=signed_colours(shown), height=0.64, gid="bars")
    ax.set_yticks(ys, [chart_text(labels[i]) for i in order])
    ax.set_ylim(-0.6, len(ys) - 0.4)
    low, high = min([*shown, 0.0]), max([*shown, 0.0])
    pad = (high - low or 0.01) * 0.16
    ax.set_xlim(low - (pad if low < 0 else pad / 4), high + (pad if high > 0 else pad / 4))
    for y, value in zip(ys, shown, strict=True):
        ax.annotate(pct_text(value), (value, y), xytext=(3 if value >= 0 else -3, 0), textcoords="offset points",
                    ha="left" if value >= 0 else "right", va="center", fontsize=fontsize, gid="value_label",
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.4, "alpha": 0.85}, zorder=4)
    ax.axvline(0.0, color="#808080", linewidth=0.8)
    ax.xaxis.set_major_formatter(ExactFormatter(100))
    ax.grid(axis="y", visible=False)
    ax.tick_params(axis="y", length=0, labelsize=fontsize + 1)


def date_ticks(first: dt.date, last: dt.date, lang: str, most: int = 7) -> tuple[list[dt.date], list[str]]:
    """At least three and at most ``most`` (≥ 3) dates to label a date axis from ``first`` to ``last``: month
    starts for a long window, else every day / week / fortnight counted back from ``last``."""
    months = [dt.date(y, m, 1) for y in range(first.year, last.year + 1) for m in range(1, 13)
              if first <= dt.date(y, m, 1) <= last]
    sep = "/" if lang == "ja" else "-"
    for step in (1, 2, 3, 4, 6, 12, 24):
        chosen = [d for d in months if ((d.year * 12 + d.month - 1) % step) == 0]
        if len(chosen) <= most:
            break
    if len(chosen) >= 3:
        return chosen, [f"{d.year}{sep}{d.month:02d}" for d in chosen]
    days = (last - first).days
    chosen = [last]
    for step in (1, 2, 3, 7, 14, 28, 56):
        chosen = [last - dt.timedelta(days=k * step) for k in range(days // step + 1)][::-1]
        if len(chosen) <= most:
            break
    while len(chosen) < 3:  # a window of one or two days: label the days before it too
        chosen.insert(0, chosen[0] - dt.timedelta(days=1))
    labels = [f"{d.year}/{d.month}/{d.day}" if i == 0 or d.year != chosen[i - 1].year else f"{d.month}/{d.day}"
              for i, d in enumerate(chosen)]
    return chosen, labels


def _date_axis(ax: Any, report: Report, dates: Sequence[dt.date], *, most: int = 7) -> None:
    """Label the x axis with :func:`date_ticks` over ``dates`` (the plotted points)."""
    ticks, labels = date_ticks(min(dates), max(dates), report.lang, most)
    ax.set_xticks([mdates.date2num(d) for d in ticks], labels)  # type: ignore[no-untyped-call]
    low, high = ax.get_xlim()
    ax.set_xlim(min(low, mdates.date2num(ticks[0])), max(high, mdates.date2num(ticks[-1])))  # type: ignore[no-untyped-call]


def _day_labels(dates: tuple[dt.date, ...]) -> list[str]:
    """Trading days as categories ("10/24", "10/27", …): a week's line without a weekend-shaped hole."""
    return [f"{d.month}/{d.day}" for d in dates]


def _plot(ax: Any, line: reading.Line, gid: str, colour: str, label: str, *, by_day: bool = False,
          **style: Any) -> bool:
    """Plot ``line`` (gaps stay gaps); False, and nothing drawn, if it has no values."""
    if not line.known:
        return False
    ys = [float("nan") if v is None else v for v in line.values]
    xs: list[Any] = _day_labels(line.dates) if by_day else list(line.dates)
    ax.plot(xs, ys, color=colour, label=chart_text(label), gid=gid, **style)
    return True


def _label_last(ax: Any, line: reading.Line, colour: str, text: Callable[[float], str], *,
                by_day: bool = False) -> None:
    day, value = line.known[-1]
    x: Any = _day_labels((day,))[0] if by_day else day
    ax.plot([x], [value], "o", color=colour, markersize=4, gid="last_point")
    ax.annotate(text(value), (x, value), xytext=(4, 6), textcoords="offset points", color=colour,
                fontsize=9, gid="last_label")


def _ratio_text(value: float) -> str:
    return format_number(value * 100, 2) + "%"


def _no_ratio_reason(report: Report, pair: str) -> str | None:
    """Why the model has no ratios for ``pair`` (the warning its history cells carry), if it says."""
    table = reading.table(report, "relative", "ratio_history")
    try:
        column = table.column_index(pair)
    except KeyError:
        return None
    return next((row[column].warning for row in table.rows if row[column].warning), None)


def _ratio_warning(report: Report, pair: str) -> str | None:
    """The warning the relative sheet's latest ratio of ``pair`` carries (a gap, a series ending early)."""
    _pair, num, den = next(p for p in series.RATIO_PAIRS if p[0] == pair)
    served = reading.tickers(report, (num, den))
    try:
        table = reading.table(report, "relative", "pairs")
    except RenderError:
        return None
    for row in table.records():
        if row["num"].value == served.get(num) and row["den"].value == served.get(den):
            return row["ratio"].warning or None
    return None


def _ratio_panel(ax: Any, report: Report, pair: str, label: str,
                 most: int = 7) -> tuple[reading.Line, list[str]]:
    """The pair's weekly ratio and its 26-week average; the notes: why the average is not drawn, if not, and the
    warning the latest ratio carries (its label marked ※)."""
    ratio, ma = series.ratio(report, pair)
    colour = COLOURS[pair]
    why = _no_ratio_reason(report, pair)
    if why is not None and not ratio.known:  # a pair refused (mixed bases): the panel stays, saying why
        # broken to the panel's width (about 0.55 em per half-width character), so it stays inside its panel
        room = max(20, int(ax.get_position().width * ax.figure.get_figwidth() * 72 / (9 * 0.55)))
        ax.text(0.5, 0.5, chart_text("\n".join(fit_line(why, room, most=8))), transform=ax.transAxes, ha="center",
                va="center", fontsize=9, gid="note")
        ax.set_title(chart_text(label), fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_axis_off()  # no empty frame: the panel is its note
        return ratio, []
    _require(f"relative {pair}", _plot(ax, ratio, "ratio", colour, label), f"the report has no {pair} ratios")
    note = None
    if not _plot(ax, ma, "ma", COLOURS["ma"], _w(report, "ma"), linestyle="--", linewidth=1.4):
        known = ratio.known
        if len(known) < MA_WEEKS:
            note = _w(report, "ma_short").format(n=len(known), first=_date(report, known[0][0]))
        else:
            why = reading.reason(reading.table(report, "relative", "ratio_history"), f"{pair}_ma")
            note = _w(report, "ma_none").format(reason=why or "—")
    notes = [note] if note else []
    warning = _ratio_warning(report, pair)
    if warning:
        notes.append(f"※ {_w(report, pair)}: {warning}")
    _label_last(ax, ratio, colour, (lambda v: _ratio_text(v) + "※") if warning else _ratio_text)
    ax.yaxis.set_major_formatter(ExactFormatter(100))
    ax.margins(x=0.02, y=0.12)
    _date_axis(ax, report, [d for d, _ in ratio.known], most=most)
    ax.legend(loc="best")
    return ratio, notes


# -- the charts -----------------------------------------------------------------------------------------


def _index_labels(report: Report, bars: reading.Bars) -> tuple[str, ...]:
    """Bar labels, a substitute series under its own name (TOPIX連動ETF(1306))."""
    tickers = bars.tickers or (None,) * len(bars.labels)
    return tuple(reading.shown_name(report, t, n) for n, t in zip(bars.labels, tickers, strict=True))


def index_moves(report: Report, options: ImageOptions) -> Drawn:
    us = reading.table(report, "us_indices", "indices")
    japan = reading.table(report, "japan_sectors", "japan_indices")
    a, b = reading.bars(us, "name", "w1"), reading.bars(japan, "name", "w1")
    us_labels, us_marks = _marked(_index_labels(report, a), a)
    japan_labels, japan_marks = _marked(_index_labels(report, b), b, 1 + len(us_marks))
    labels, values = us_labels + japan_labels, a.values + b.values
    _require("index_moves", bool(values), "no index has a weekly change in the report")
    figure, (ax,) = new_figure(options)
    _hbars(ax, labels, values)
    tickers = [*reading.texts(us, "ticker"), *reading.texts(japan, "ticker")]
    return _finish(report, options, "index_moves", figure, _week_subtitle(report), tickers, _week_period(report),
                   [*us_marks, *japan_marks, *_missing_note(report, a.missing + b.missing)])


def relative_r2g(report: Report, options: ImageOptions) -> Drawn:
    figure, (ax,) = new_figure(options)
    ratio, notes = _ratio_panel(ax, report, "r2g", _w(report, "r2g"))
    # the title promises the average only when it is drawn
    drawn_ma = any(line.get_gid() == "ma" for line in ax.get_lines())
    title = None if drawn_ma else _w(report, "r2g")
    return _finish(report, options, "relative_r2g", figure, _span_subtitle(report, ratio),
                   ("RUSSELL2000G", "SP500"), _span_period(report, ratio), notes, title=title)


def relative_others(report: Report, options: ImageOptions) -> Drawn:
    pairs = series.RATIO_PAIRS[1:]
    figure, axes = new_figure(options, columns=len(pairs))
    notes: list[str] = []
    aliases = [a for _pair, num, den in pairs for a in (num, den)]
    served = reading.tickers(report, aliases)
    dates: list[dt.date] = []
    drawn: list[str] = []  # the 出所 and the adjusted note are those of the series drawn
    for ax, (pair, num, den) in zip(axes, pairs, strict=True):
        # the tickers say which series stands for the index (e.g. the RSP ETF for equal weight)
        label = f"{_w(report, pair)}\n({served.get(num, num)}/{served.get(den, den)})"
        ratio, panel_notes = _ratio_panel(ax, report, pair, label, most=4)
        notes += [n if n.startswith("※") else f"{_w(report, pair)}: {n}" for n in panel_notes]
        if ax.get_lines():  # a refused pair's panel is its note alone
            ax.legend(loc="best", fontsize=8)
        dates += [d for d, _ in ratio.known]
        drawn += [num, den] if ratio.known else []
    # the span of the panels drawn (a refused pair has no weeks to span)
    if dates:
        subtitle = _dates_subtitle(report, min(dates), max(dates))
        period = caption.period_line(min(dates), max(dates), "weekly", report.lang)
    else:
        subtitle, period = f"{_w(report, 'as_of')} {_date(report, report.as_of)}", ""
    return _finish(report, options, "relative_others", figure, subtitle, list(dict.fromkeys(drawn)) or aliases,
                   period, notes)


def mag7_share(report: Report, options: ImageOptions) -> Drawn:
    history = reading.line(reading.table(report, "mag7", "share_history"), "share")
    figure, (ax,) = new_figure(options)
    _require("mag7_share", _plot(ax, history, "share", COLOURS["mag7"], _w(report, "mag7")),
             "the report's share_history table has no values")
    _label_last(ax, history, COLOURS["mag7"], lambda v: format_number(v * 100, 1) + "%")
    ax.margins(x=0.02, y=0.12)
    low, high = ax.get_ylim()
    # ticks on multiples of 0.1 pt at least, so one decimal writes each exactly
    step = next((s for s in (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1) if (high - low) / s <= 6), 0.2)
    ax.yaxis.set_major_locator(MultipleLocator(step))
    ax.yaxis.set_major_formatter(ExactFormatter(100, least=1, most=1))
    _date_axis(ax, report, [d for d, _ in history.known])
    members = reading.texts(reading.table(report, "mag7", "stocks"), "ticker")
    caps = _WORDS["caps"]
    return _finish(report, options, "mag7_share", figure, _span_subtitle(report, history), [*members, "SP500"],
                   _span_period(report, history), reading.mag7_marks(report), extra=caps)


def yields(report: Report, options: ImageOptions) -> Drawn:
    levels = reading.table(report, "rates", "yields")
    served = reading.tickers(report, [alias for _key, alias in series.TENORS])
    figure, (left, right) = new_figure(options, columns=2)
    drawn = False
    week = reading.Line((), ())
    year_dates: list[dt.date] = []
    notes: list[str] = []
    for key, alias in series.TENORS:
        colour, name = COLOURS[key], series.yield_name(report, key)
        cell = reading.row_value(levels, "ticker", served.get(alias), "w1_bp")
        change = reading.number(cell)
        moved = f"{_w(report, 'week_change')} {bp_text(change)}" if change is not None else "—"
        if change is not None and cell.warning:
            moved += f"※{len(notes) + 1}"
            notes.append(f"※{len(notes) + 1} {name}: {cell.warning}")
        week = series.yields_week(report, key)
        label = f"{name}（{moved}）" if report.lang == "ja" else f"{name} ({moved})"
        if _plot(left, week, key, colour, label, by_day=True, marker="o", markersize=3):
            drawn = True
            _label_last(left, week, colour, lambda v: format_number(v, 2) + "%", by_day=True)
        year = series.yields_year(report, key)
        if _plot(right, year, key, colour, name):
            year_dates += [d for d, _ in year.known]
    _require("yields", drawn, "no 2Y or 10Y yield over the week in the report")
    for ax, title in ((left, _w(report, "this_week")), (right, _w(report, "past_year"))):
        ax.set_title(title, fontsize=10)
        ax.yaxis.set_major_formatter(ExactFormatter(1, least=2))
        ax.margins(x=0.04, y=0.15)
        ax.legend(loc="best", fontsize=8)
    if year_dates:
        _date_axis(right, report, year_dates, most=5)
    subtitle = _span_subtitle(report, week, "daily")
    period = (caption.period_line(min(year_dates), max(year_dates), "daily", report.lang) if year_dates
              else _span_period(report, week, "daily"))
    return _finish(report, options, "yields", figure, subtitle, ("US2Y", "US10Y"), period, notes)


def mag7_moves(report: Report, options: ImageOptions) -> Drawn:
    stocks = reading.table(report, "mag7", "stocks")
    moves = reading.bars(stocks, "name", "w1")
    _require("mag7_moves", bool(moves.values), "no Magnificent Seven stock has a weekly change in the report")
    labels, marks = _marked(moves.labels, moves)
    figure, (ax,) = new_figure(options)
    _hbars(ax, labels, moves.values)
    tickers = reading.texts(stocks, "ticker")
    return _finish(report, options, "mag7_moves", figure, _week_subtitle(report), tickers, _week_period(report),
                   [*marks, *_missing_note(report, moves.missing)])


def sectors(report: Report, options: ImageOptions) -> Drawn:
    table = reading.table(report, "japan_sectors", "sectors")
    moves = reading.bars(table, "name", "w1")
    _require("sectors", bool(moves.values), "no TOPIX-17 sector has a weekly change in the report")
    labels, marks = _marked(moves.labels, moves)
    figure, (ax,) = new_figure(options, top=0.84)
    _hbars(ax, labels, moves.values, fontsize=7.5)
    topix_ticker = reading.tickers(report, ("TOPIX",)).get("TOPIX")
    japan = reading.table(report, "japan_sectors", "japan_indices")
    topix = reading.number(reading.row_value(japan, "ticker", topix_ticker, "w1"))
    topix_name = reading.shown_name(report, topix_ticker, "TOPIX")
    notes = [*marks, *_missing_note(report, moves.missing)]
    subtitle = _week_subtitle(report)
    if topix is not None:
        ax.axvline(topix, color=COLOURS["benchmark"], linestyle="--", linewidth=1.2, gid="benchmark")
        ax.annotate(f"{topix_name} {pct_text(topix)}", (topix, 1.0), xycoords=("data", "axes fraction"),
                    xytext=(0, 3), textcoords="offset points", ha="center", va="bottom", fontsize=9,
                    color=COLOURS["benchmark"], gid="benchmark_label")
        subtitle += " · " + _w(report, "benchmark").format(name=topix_name)
    else:
        notes.append(f"{_w(report, 'missing')}: {topix_name}")
    tickers = [*reading.texts(table, "ticker"), topix_ticker or "TOPIX"]
    return _finish(report, options, "sectors", figure, subtitle, tickers, _week_period(report), notes)


#: The images in exhibit order (図表1, 図表2, …).
CHARTS: tuple[Callable[[Report, ImageOptions], Drawn], ...] = (index_moves, relative_r2g, relative_others,
                                                               mag7_share, yields, mag7_moves, sectors)

__all__ = ["CHARTS", "Drawn", "date_ticks", "index_moves", "mag7_moves", "mag7_share", "relative_others",
           "relative_r2g", "sectors", "yields"]
