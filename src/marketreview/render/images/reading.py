"""Reading the numbers a chart draws out of the report model, and the words around them. Nothing here
computes a figure: values are the model's cells, missing ones are reported with the cell's own reason."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass

from ...errors import RenderError
from ...report.labels import label
from ...report.model import Cell, Lines, Report, Table
from ...types import Lang
from . import caption

#: How each source of the Sources sheet is named in a 出所 / Source line: (en, ja).
PROVIDERS: dict[str, tuple[str, str]] = {
    "yahoo": ("Yahoo Finance", "Yahoo Finance"),
    "fred": ("FRED", "FRED"),
    "jquants": ("JPX (J-Quants)", "JPX（J-Quants）"),
    "csv": ("CSV files", "CSVファイル"),
    "demo": ("DEMO synthetic data", "DEMO（合成）"),  # 「出所：DEMO（合成）のデータを基に作成」
}
#: Sources whose rows a 出所 line names by provider only when the report (or the writer) says who that is.
UNNAMED = frozenset({"csv"})


@dataclass(frozen=True)
class Bars:
    """Named values of one column, with the rows that had no value and why."""

    labels: tuple[str, ...]
    values: tuple[float, ...]
    missing: tuple[str, ...]
    #: the ``ticker`` column of the drawn rows, where the table has one
    tickers: tuple[str | None, ...] = ()
    #: the warning each drawn value carries (a gap, a stale series, …), None when clean
    warnings: tuple[str | None, ...] = ()


@dataclass(frozen=True)
class Line:
    """One column over dates; ``None`` where the model has a gap."""

    dates: tuple[dt.date, ...]
    values: tuple[float | None, ...]

    @property
    def known(self) -> list[tuple[dt.date, float]]:
        return [(d, v) for d, v in zip(self.dates, self.values, strict=True) if v is not None]


def table(report: Report, sheet: str, key: str) -> Table:
    try:
        return report.sheet(sheet).table(key)
    except KeyError as exc:
        raise RenderError(f"chart over {sheet}/{key}", f"the report has no such table ({exc.args[0]})") from None


def _index(source: Table, key: str) -> int:
    try:
        return source.column_index(key)
    except KeyError:
        raise RenderError(f"chart over table {source.key}", f"the table has no column {key!r}") from None


def _number(cell: Cell) -> float | None:
    value = cell.value
    if cell.error is not None or isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def _reason(cell: Cell) -> str:
    return cell.error or cell.warning or "no value"


def bars(source: Table, label: str, value: str) -> Bars:
    """The ``value`` column by the ``label`` column, in table order; rows without a number go to ``missing``."""
    li, vi = _index(source, label), _index(source, value)
    ki = next((i for i, c in enumerate(source.columns) if c.key == "ticker"), None)
    labels: list[str] = []
    values: list[float] = []
    missing: list[str] = []
    tickers: list[str | None] = []
    warnings: list[str | None] = []
    for row in source.rows:
        name = str(row[li].value)
        number = _number(row[vi])
        if number is None:
            missing.append(f"{name}: {_reason(row[vi])}")
        else:
            labels.append(name)
            values.append(number)
            tickers.append(str(row[ki].value) if ki is not None and row[ki].value is not None else None)
            warnings.append(row[vi].warning or None)
    return Bars(tuple(labels), tuple(values), tuple(missing), tuple(tickers), tuple(warnings))


def reason(source: Table, column: str) -> str | None:
    """The first warning or error among a column's cells (why a column has no values), or None."""
    i = _index(source, column)
    return next((row[i].error or row[i].warning for row in source.rows if row[i].error or row[i].warning), None)


def line(source: Table, value: str, date: str = "date") -> Line:
    """The ``value`` column over the ``date`` column, oldest first whatever order the table prints in."""
    di, vi = _index(source, date), _index(source, value)
    points: list[tuple[dt.date, float | None]] = []
    for row in source.rows:
        day = row[di].value
        if isinstance(day, dt.datetime):
            day = day.date()
        if isinstance(day, dt.date):
            points.append((day, _number(row[vi])))
    points.sort(key=lambda point: point[0])
    return Line(tuple(d for d, _ in points), tuple(v for _, v in points))


def between(series: Line, first: dt.date, last: dt.date) -> Line:
    """The points dated ``first`` to ``last`` inclusive."""
    kept = [(d, v) for d, v in zip(series.dates, series.values, strict=True) if first <= d <= last]
    return Line(tuple(d for d, _ in kept), tuple(v for _, v in kept))



def row_value(source: Table, match: str, match_value: object, column: str) -> Cell:
    """The ``column`` cell of the row whose ``match`` column equals ``match_value``."""
    mi, ci = _index(source, match), _index(source, column)
    for row in source.rows:
        if row[mi].value == match_value:
            return row[ci]
    return Cell(error=f"#N/A no row {match_value} in {source.key}")


def texts(source: Table, column: str) -> list[str]:
    """A column's values as text (e.g. the tickers of a table), skipping cells with an error."""
    i = _index(source, column)
    return [str(row[i].value) for row in source.rows if row[i].error is None and row[i].value is not None]


def header(source: Table, column: str) -> str:
    return source.columns[_index(source, column)].header


def number(cell: Cell) -> float | None:
    return _number(cell)


def tickers(report: Report, aliases: Iterable[str]) -> dict[str, str]:
    """Alias → the ticker that served it, from the Sources sheet."""
    sources = table(report, "sources", "sources")
    ai, ti = _index(sources, "alias"), _index(sources, "ticker")
    wanted = set(aliases)
    return {str(r[ai].value): str(r[ti].value) for r in sources.rows
            if r[ai].value in wanted and r[ti].error is None}


def source_line(report: Report, names_or_tickers: Iterable[str], extra: tuple[str, str] | None = None,
                credit: str | None = None) -> str:
    """「出所：Yahoo Finance、FRED（DGS2、DGS10）のデータを基に作成」 / "Source: Yahoo Finance, FRED (DGS2, DGS10)",
    naming who published the series that served these aliases or tickers (the Sources sheet), in the order
    first met: FRED with its series ids; a CSV folder's series by the ``source`` column of its index.csv, else
    by ``credit`` (the writer's ``--credit``), else as CSV files."""
    sources = table(report, "sources", "sources")
    ai, ti, si = _index(sources, "alias"), _index(sources, "ticker"), _index(sources, "source")
    wanted = set(names_or_tickers)
    names: dict[str, list[str]] = {}  # provider → FRED series ids
    for r in sources.rows:
        if (r[ai].value in wanted or r[ti].value in wanted) and r[si].error is None and r[si].value:
            source, ticker = str(r[si].value), str(r[ti].value)
            provider = report.providers.get(ticker) or (credit if source in UNNAMED and credit else "")
            ids = names.setdefault(provider or _provider(source, report.lang), [])
            if source == "fred" and not provider:
                ids.append(ticker.removeprefix("FRED:"))
    if not names:  # no provenance for these aliases: name what the report was built from
        names = {_provider(s, report.lang): [] for s in report.source.split("+") if s}
    if extra is not None:
        names.setdefault(extra[1] if report.lang == "ja" else extra[0], [])
    ja = report.lang == "ja"
    shown = [name + ((f"（{'、'.join(dict.fromkeys(ids))}）" if ja else f" ({', '.join(dict.fromkeys(ids))})")
                     if ids else "") for name, ids in names.items()]
    if ja:
        return f"出所：{'、'.join(shown)}のデータを基に作成"
    return f"Source: {', '.join(shown)}"


def uncredited(report: Report, names_or_tickers: Iterable[str]) -> bool:
    """True when some of these series come from a source whose provider the report cannot name (a CSV folder
    without a ``source`` column): the writer should name it (``--credit``)."""
    sources = table(report, "sources", "sources")
    ai, ti, si = _index(sources, "alias"), _index(sources, "ticker"), _index(sources, "source")
    wanted = set(names_or_tickers)
    return any((r[ai].value in wanted or r[ti].value in wanted) and r[si].value in UNNAMED
               and str(r[ti].value) not in report.providers for r in sources.rows)


def substitutes(report: Report) -> dict[str, str]:
    """Ticker → the ticker it stands in for, from the Sources sheet's fallback notes (1306.T → ^TOPX)."""
    sources = table(report, "sources", "sources")
    ti = _index(sources, "ticker")
    try:
        ni = sources.column_index("note")
    except KeyError:
        return {}
    found: dict[str, str] = {}
    for r in sources.rows:
        primary = caption.fallback_for(str(r[ni].value or ""))
        if primary is not None and r[ti].error is None:
            found[str(r[ti].value)] = primary
    return found


def mag7_marks(report: Report) -> list[str]:
    """What the MAG7 share carries: the warnings of the share figure (an estimate, the anchor's age) and the
    snapshots it was anchored on (the Mag7 sheet's anchor lines, without the method line)."""
    sheet = report.sheet("mag7")
    marks: list[str] = []
    try:
        share = sheet.table("share")
        cell = share.rows[0][share.column_index("share")] if share.rows else None
    except KeyError:
        cell = None
    if cell is not None and (cell.warning or cell.error):
        marks.append(str(cell.warning or cell.error))
    anchors = next((b for b in sheet.blocks if isinstance(b, Lines) and b.key == "mag7_anchors"), None)
    if anchors is not None and len(anchors.lines) > 1:
        # "基準 2024-09-30: file: source" lines → "基準 2023-12-29, 2024-09-30" (the sheet names each source)
        heads = [line.split(": ", 1)[0] for line in anchors.lines[:-1]]
        word = heads[0].rsplit(" ", 1)[0]
        dates = [head.rsplit(" ", 1)[-1] for head in heads]
        marks.append(f"{word} {('、' if report.lang == 'ja' else ', ').join(dates)}")
    return marks


def shown_name(report: Report, ticker: str | None, name: str) -> str:
    """``name`` as a chart shows it: a substitute series under its own name (TOPIX連動ETF(1306), never TOPIX)."""
    if ticker is not None and ticker in substitutes(report):
        return caption.substitute_name(name, ticker, report.lang)
    return name


def adjusted(report: Report, names_or_tickers: Iterable[str]) -> list[str]:
    """The tickers among these aliases/tickers that the Sources sheet marks as dividend-adjusted."""
    sources = table(report, "sources", "sources")
    ai, ti, di = _index(sources, "alias"), _index(sources, "ticker"), _index(sources, "adjusted")
    wanted, yes = set(names_or_tickers), label("yes", report.lang)
    found = [str(r[ti].value) for r in sources.rows
             if (r[ai].value in wanted or r[ti].value in wanted) and r[di].value == yes]
    return list(dict.fromkeys(found))


def _provider(name: str, lang: Lang) -> str:
    en, ja = PROVIDERS.get(name, (name, name))
    return ja if lang == "ja" else en


__all__ = ["Bars", "Line", "adjusted", "bars", "between", "header", "line", "mag7_marks", "number", "reason",
           "row_value", "shown_name", "source_line", "substitutes", "table", "texts", "tickers", "uncredited"]
