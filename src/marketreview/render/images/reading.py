"""Reading the numbers a chart draws out of the report model, and the words around them. Nothing here
computes a figure: values are the model's cells, missing ones are reported with the cell's own reason."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass

from ...errors import RenderError
from ...report.labels import label
from ...report.model import Cell, Report, Table
from ...types import Lang

#: How each source of the Sources sheet is named in a 出所 / Source line: (en, ja).
PROVIDERS: dict[str, tuple[str, str]] = {
    "yahoo": ("Yahoo Finance", "Yahoo Finance"),
    "fred": ("FRED", "FRED"),
    "csv": ("CSV files", "CSVファイル"),
    "demo": ("DEMO synthetic data", "DEMO合成データ"),
}


@dataclass(frozen=True)
class Bars:
    """Named values of one column, with the rows that had no value and why."""

    labels: tuple[str, ...]
    values: tuple[float, ...]
    missing: tuple[str, ...]


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
    labels: list[str] = []
    values: list[float] = []
    missing: list[str] = []
    for row in source.rows:
        name = str(row[li].value)
        number = _number(row[vi])
        if number is None:
            missing.append(f"{name}: {_reason(row[vi])}")
        else:
            labels.append(name)
            values.append(number)
    return Bars(tuple(labels), tuple(values), tuple(missing))


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


def source_line(report: Report, names_or_tickers: Iterable[str], extra: tuple[str, str] | None = None) -> str:
    """「出所：Yahoo Finance、FREDのデータを基に作成」 / "Source: Yahoo Finance, FRED", naming the
    sources that served these aliases or tickers (the Sources sheet), in the order first met."""
    sources = table(report, "sources", "sources")
    ai, ti, si = _index(sources, "alias"), _index(sources, "ticker"), _index(sources, "source")
    wanted = set(names_or_tickers)
    names: list[str] = []
    for r in sources.rows:
        if (r[ai].value in wanted or r[ti].value in wanted) and r[si].error is None and r[si].value:
            names.append(_provider(str(r[si].value), report.lang))
    if not names:  # no provenance for these aliases: name what the report was built from
        names = [_provider(s, report.lang) for s in report.source.split("+") if s]
    if extra is not None:
        names.append(extra[1] if report.lang == "ja" else extra[0])
    unique = list(dict.fromkeys(names))
    if report.lang == "ja":
        return f"出所：{'、'.join(unique)}のデータを基に作成"
    return f"Source: {', '.join(unique)}"


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


__all__ = ["Bars", "Line", "adjusted", "bars", "between", "header", "line", "number", "row_value",
           "source_line", "table", "texts", "tickers"]
