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
from matplotlib.ticker import FuncFormatter, PercentFormatter

from ...calc.periods import week_start
from ...calc.summary import format_number
from ...errors import RenderError
from ...report.model import Report
from ..escape import chart_text
from . import reading, series
from .style import COLOURS, TALL, WIDE, bp_text, decorate, new_figure, pct_text, signed_colours

_WORDS: dict[str, tuple[str, str]] = {  # key: (en, ja)
    "index_moves": ("Major stock indices, weekly change", "主要株価指数の週間騰落率"),
    "relative_r2g": ("Russell 2000 Growth ÷ S&P 500 and its 26-week average",
                     "ラッセル2000グロース÷S&P500と26週平均"),
    "relative_others": ("Russell 2000 and equal weight, each ÷ S&P 500", "ラッセル2000、S&P500均等加重の対S&P500比率"),
    "mag7_share": ("Magnificent Seven share of S&P 500 market cap", "マグニフィセント7のS&P500時価総額比率"),
    "yields": ("US 2-year and 10-year Treasury yields", "米2年・10年国債利回り"),
    "mag7_moves": ("Magnificent Seven, weekly change", "マグニフィセント7の週間騰落率"),
    "sectors": ("TOPIX-17 sectors, weekly change against TOPIX", "TOPIX-17業種別の週間騰落率（対TOPIX）"),
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
}


@dataclass(frozen=True)
class Drawn:
    key: str
    figure: Figure
    title: str
    source: str


def _w(report: Report, key: str) -> str:
    en, ja = _WORDS[key]
    return ja if report.lang == "ja" else en


def _date(day: dt.date) -> str:
    return day.isoformat()


def _week_subtitle(report: Report) -> str:
    start = week_start(report.as_of)
    sep = "～" if report.lang == "ja" else " to "
    return (f"{_w(report, 'as_of')} {_date(report.as_of)} · {_w(report, 'week')} "
            f"{_date(start)}{sep}{_date(report.as_of)}")


def _span_subtitle(report: Report, line: reading.Line, kind: str = "weekly") -> str:
    sep = "～" if report.lang == "ja" else " to "
    known = line.known or [(report.as_of, 0.0)]
    return (f"{_w(report, 'as_of')} {_date(report.as_of)} · {_w(report, kind)} "
            f"{_date(known[0][0])}{sep}{_date(known[-1][0])}")


def _finish(report: Report, key: str, figure: Figure, subtitle: str, served: Sequence[str],
            notes: list[str] | None = None, extra: tuple[str, str] | None = None) -> Drawn:
    """Title block, the source line of the ``served`` aliases/tickers (and which of them are dividend-adjusted),
    notes and the DEMO mark."""
    title = _w(report, key)
    source = reading.source_line(report, served, extra=extra)
    adjusted = reading.adjusted(report, served)
    if adjusted:
        notes = [*(notes or []), f"{'、'.join(adjusted)}{_w(report, 'adjusted')}" if report.lang == "ja"
                 else f"{', '.join(adjusted)}{_w(report, 'adjusted')}"]
    decorate(figure, title, subtitle, source, demo=report.demo, demo_text=_w(report, "demo"), notes=notes)
    return Drawn(key, figure, title, source)


def _missing_note(report: Report, missing: tuple[str, ...]) -> list[str]:
    return [f"{_w(report, 'missing')}: " + "; ".join(missing)] if missing else []


def _require(key: str, has_data: bool, reason: str) -> None:
    if not has_data:
        raise RenderError(f"chart {key}", reason)


# -- building blocks ------------------------------------------------------------------------------------


def _hbars(ax: Any, labels: tuple[str, ...], values: tuple[float, ...]) -> None:
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
                    ha="left" if value >= 0 else "right", va="center", fontsize=8.5, gid="value_label")
    ax.axvline(0.0, color="#808080", linewidth=0.8)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.grid(axis="y", visible=False)
    ax.tick_params(axis="y", length=0)


def _date_axis(ax: Any, report: Report, *, most: int = 7) -> None:
    """Month ticks, at most ``most`` of them."""
    first, last = (mdates.num2date(x) for x in ax.get_xlim())  # type: ignore[no-untyped-call]
    months = (last.year - first.year) * 12 + last.month - first.month
    step = next((s for s in (1, 2, 3, 4, 6, 12) if months // s <= most), 24)
    months_shown = range(1, 13, step) if step < 12 else (1,)
    ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=months_shown))  # type: ignore[no-untyped-call]
    pattern = "%Y/%m" if report.lang == "ja" else "%Y-%m"
    ax.xaxis.set_major_formatter(mdates.DateFormatter(pattern))  # type: ignore[no-untyped-call]


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


def _ratio_panel(ax: Any, report: Report, pair: str, label: str, most: int = 7) -> reading.Line:
    ratio, ma = series.ratio(report, pair)
    colour = COLOURS[pair]
    why = _no_ratio_reason(report, pair)
    if why is not None and not ratio.known:  # a pair refused (mixed bases): the panel stays, saying why
        ax.text(0.5, 0.5, why, transform=ax.transAxes, ha="center", va="center", wrap=True, fontsize=9, gid="note")
        ax.set_title(label, fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
        return ratio
    _require(f"relative {pair}", _plot(ax, ratio, "ratio", colour, label), f"the report has no {pair} ratios")
    _plot(ax, ma, "ma", COLOURS["ma"], _w(report, "ma"), linestyle="--", linewidth=1.4)
    _label_last(ax, ratio, colour, _ratio_text)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=1))
    ax.margins(x=0.02, y=0.12)
    _date_axis(ax, report, most=most)
    ax.legend(loc="best")
    return ratio


# -- the charts -----------------------------------------------------------------------------------------


def index_moves(report: Report) -> Drawn:
    us = reading.table(report, "us_indices", "indices")
    japan = reading.table(report, "japan_sectors", "japan_indices")
    a, b = reading.bars(us, "name", "w1"), reading.bars(japan, "name", "w1")
    labels, values = a.labels + b.labels, a.values + b.values
    _require("index_moves", bool(values), "no index has a weekly change in the report")
    figure, (ax,) = new_figure(WIDE)
    _hbars(ax, labels, values)
    tickers = [*reading.texts(us, "ticker"), *reading.texts(japan, "ticker")]
    return _finish(report, "index_moves", figure, _week_subtitle(report), tickers,
                   _missing_note(report, a.missing + b.missing))


def relative_r2g(report: Report) -> Drawn:
    figure, (ax,) = new_figure(WIDE)
    ratio = _ratio_panel(ax, report, "r2g", _w(report, "r2g"))
    return _finish(report, "relative_r2g", figure, _span_subtitle(report, ratio),
                   ("RUSSELL2000G", "SP500"))


def relative_others(report: Report) -> Drawn:
    pairs = series.RATIO_PAIRS[1:]
    figure, axes = new_figure(WIDE, columns=len(pairs))
    ratio = None
    aliases = [a for _pair, num, den in pairs for a in (num, den)]
    served = reading.tickers(report, aliases)
    for ax, (pair, num, den) in zip(axes, pairs, strict=True):
        # the tickers say which series stands for the index (e.g. the RSP ETF for equal weight)
        label = f"{_w(report, pair)}\n({served.get(num, num)}/{served.get(den, den)})"
        ratio = _ratio_panel(ax, report, pair, label, most=4)
        ax.legend(loc="best", fontsize=8)
    assert ratio is not None
    return _finish(report, "relative_others", figure, _span_subtitle(report, ratio),
                   aliases)


def mag7_share(report: Report) -> Drawn:
    history = reading.line(reading.table(report, "mag7", "share_history"), "share")
    figure, (ax,) = new_figure(WIDE)
    _require("mag7_share", _plot(ax, history, "share", COLOURS["mag7"], _w(report, "mag7")),
             "the report's share_history table has no values")
    _label_last(ax, history, COLOURS["mag7"], lambda v: format_number(v * 100, 1) + "%")
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.margins(x=0.02, y=0.12)
    _date_axis(ax, report)
    members = reading.texts(reading.table(report, "mag7", "stocks"), "ticker")
    caps = _WORDS["caps"]
    return _finish(report, "mag7_share", figure, _span_subtitle(report, history),
                   [*members, "SP500"], extra=caps)


def yields(report: Report) -> Drawn:
    levels = reading.table(report, "rates", "yields")
    served = reading.tickers(report, [alias for _key, alias in series.TENORS])
    figure, (left, right) = new_figure(WIDE, columns=2)
    drawn = False
    week = reading.Line((), ())
    for key, alias in series.TENORS:
        colour, name = COLOURS[key], series.yield_name(report, key)
        change = reading.number(reading.row_value(levels, "ticker", served.get(alias), "w1_bp"))
        moved = f"{_w(report, 'week_change')} {bp_text(change)}" if change is not None else "—"
        week = series.yields_week(report, key)
        label = f"{name}（{moved}）" if report.lang == "ja" else f"{name} ({moved})"
        if _plot(left, week, key, colour, label, by_day=True, marker="o", markersize=3):
            drawn = True
            _label_last(left, week, colour, lambda v: format_number(v, 2) + "%", by_day=True)
        _plot(right, series.yields_year(report, key), key, colour, name)
    _require("yields", drawn, "no 2Y or 10Y yield over the week in the report")
    for ax, title in ((left, _w(report, "this_week")), (right, _w(report, "past_year"))):
        ax.set_title(title, fontsize=10)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:.2f}%"))
        ax.margins(x=0.04, y=0.15)
        ax.legend(loc="best", fontsize=8)
    _date_axis(right, report, most=5)
    subtitle = _span_subtitle(report, week, "daily")
    return _finish(report, "yields", figure, subtitle, ("US2Y", "US10Y"))


def mag7_moves(report: Report) -> Drawn:
    stocks = reading.table(report, "mag7", "stocks")
    moves = reading.bars(stocks, "name", "w1")
    _require("mag7_moves", bool(moves.values), "no Magnificent Seven stock has a weekly change in the report")
    figure, (ax,) = new_figure(WIDE)
    _hbars(ax, moves.labels, moves.values)
    tickers = reading.texts(stocks, "ticker")
    return _finish(report, "mag7_moves", figure, _week_subtitle(report), tickers,
                   _missing_note(report, moves.missing))


def sectors(report: Report) -> Drawn:
    table = reading.table(report, "japan_sectors", "sectors")
    moves = reading.bars(table, "name", "w1")
    _require("sectors", bool(moves.values), "no TOPIX-17 sector has a weekly change in the report")
    figure, (ax,) = new_figure(TALL, top=0.86, bottom=0.08)
    _hbars(ax, moves.labels, moves.values)
    topix_ticker = reading.tickers(report, ("TOPIX",)).get("TOPIX")
    japan = reading.table(report, "japan_sectors", "japan_indices")
    topix = reading.number(reading.row_value(japan, "ticker", topix_ticker, "w1"))
    notes = _missing_note(report, moves.missing)
    if topix is not None:
        ax.axvline(topix, color=COLOURS["benchmark"], linestyle="--", linewidth=1.2, gid="benchmark")
        ax.annotate(f"TOPIX {pct_text(topix)}", (topix, 1.0), xycoords=("data", "axes fraction"),
                    xytext=(0, 3), textcoords="offset points", ha="center", va="bottom", fontsize=9,
                    color=COLOURS["benchmark"], gid="benchmark_label")
    else:
        notes.append(f"{_w(report, 'missing')}: TOPIX")
    tickers = [*reading.texts(table, "ticker"), topix_ticker or "TOPIX"]
    return _finish(report, "sectors", figure, _week_subtitle(report), tickers, notes)


#: The images in exhibit order (図表1, 図表2, …).
CHARTS: tuple[Callable[[Report], Drawn], ...] = (index_moves, relative_r2g, relative_others, mag7_share, yields,
                                                 mag7_moves, sectors)

__all__ = ["CHARTS", "Drawn", "index_moves", "mag7_moves", "mag7_share", "relative_others", "relative_r2g",
           "sectors", "yields"]
