"""The Macro sheet: macro series charted against each other, driven by a list file (``data/macro.csv``).

Each row of the list is one series of one chart::

    chart,title_en,title_ja,kind,ratio,series,label_en,label_ja,units,frequency,axis,note[,note_ja]

``series`` is what SERIES takes (``FRED:ID`` or a symbol of the user's CSV folder), ``units``/``frequency`` are
FRED's codes (every series of a chart shares the frequency), ``axis`` is ``left`` or ``right`` (a dual-axis chart),
``ratio`` (``yes`` on a chart's rows) adds the first series divided by the second, on the right axis; ``note_ja``
(optional) is the note of a Japanese build. A user passes their own list with the same columns
(``marketreview build --macro-list FILE``). A Japanese build names units and frequencies in words (水準, 四半期).

Series that no free source publishes (the ISM PMI, S&P 500 forward EPS, Japanese buybacks) are read only from a
CSV folder (or the demo source), never looked up on Yahoo under a name that may mean something else there; when
they are missing the chart's place holds one line naming the file that would fill it
(``ファイルがありません: ISM.csv``), and so does every other series a CSV folder has no file for.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

import pandas as pd

from ..calc import macro as macro_calc
from ..calc.figure import Figure
from ..engine import Engine
from ..errors import BadArgumentError, DataFormatError, MarketReviewError
from ..symbols import check_ticker
from ..types import Lang
from .cells import CellMaker
from .labels import label
from .model import Cell, Chart, Column, Lines, Sheet, Table

#: Rows of each chart's table: a fixed grid of periods ending at the report date, so the ranges a template's
#: charts point at keep their size from one refresh to the next.
SHOWN_PERIODS: dict[macro_calc.Frequency, int] = {"d": 260, "w": 104, "m": 60, "q": 40, "a": 15}
#: Sources a non-FRED series may come from: the user's own files, or the labelled synthetic demo.
USER_SOURCES = ("csv", "demo")
_PERIOD_CODES: dict[macro_calc.Frequency, str] = {"d": "D", "w": "W-FRI", "m": "M", "q": "Q", "a": "Y"}
_COLUMNS = ("chart", "title_en", "title_ja", "kind", "ratio", "series", "label_en", "label_ja", "units",
            "frequency", "axis", "note")


@dataclass(frozen=True)
class MacroSeries:
    series: str
    label_en: str
    label_ja: str
    units: macro_calc.Units
    frequency: macro_calc.Frequency
    axis: str
    note: str
    note_ja: str = ""

    def label(self, lang: Lang) -> str:
        return self.label_ja if lang == "ja" else self.label_en

    def note_in(self, lang: Lang) -> str:
        return self.note_ja or self.note if lang == "ja" else self.note

    @property
    def is_fred(self) -> bool:
        return self.series.upper().startswith("FRED:")

    @property
    def file(self) -> str:
        """The CSV file that serves the series from a folder (``ISM.csv``, ``BOGZ1FA105050005Q.csv``)."""
        return f"{self.series.removeprefix('FRED:')}.csv"


@dataclass(frozen=True)
class MacroChart:
    key: str
    title_en: str
    title_ja: str
    kind: str
    ratio: bool
    series: tuple[MacroSeries, ...]

    def title(self, lang: Lang) -> str:
        return self.title_ja if lang == "ja" else self.title_en

    @property
    def frequency(self) -> macro_calc.Frequency:
        return self.series[0].frequency


def default_list() -> Traversable:
    return resources.files("marketreview") / "data" / "macro.csv"


def read_macro_list(path: Path | Traversable | None = None) -> tuple[MacroChart, ...]:
    """The charts of a list file (default: the packaged ``data/macro.csv``), in file order."""
    source = path if path is not None else default_list()
    try:
        text = source.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataFormatError(str(source), f"cannot read the macro list ({exc})") from exc
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [c for c in _COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise DataFormatError(str(source), f"missing columns {', '.join(missing)}")
    rows = list(enumerate(reader, start=2))
    charts: dict[str, list[tuple[dict[str, str], MacroSeries]]] = {}
    for line, row in rows:
        where = f"{source} line {line}"
        cells = {k: (row.get(k) or "").strip() for k in (*_COLUMNS, "note_ja")}
        if not cells["chart"]:
            raise DataFormatError(where, "chart is required")
        charts.setdefault(cells["chart"], []).append((cells, _series(cells, where)))
    return tuple(_chart(key, members, str(source)) for key, members in charts.items())


def _series(cells: dict[str, str], where: str) -> MacroSeries:
    try:
        series = check_ticker(cells["series"])
        units = macro_calc.parse_units(cells["units"])
        frequency = macro_calc.parse_frequency(cells["frequency"])
    except BadArgumentError as exc:
        raise DataFormatError(where, str(exc)) from None
    if frequency is None:
        raise DataFormatError(where, "frequency is required (d, w, m, q or a)")
    axis = cells["axis"].lower() or "left"
    if axis not in ("left", "right"):
        raise DataFormatError(where, f"axis must be left or right, got {cells['axis']!r}")
    label_en = cells["label_en"] or series
    return MacroSeries(series, label_en, cells["label_ja"] or label_en, units, frequency, axis, cells["note"],
                       cells["note_ja"])


def _chart(key: str, members: list[tuple[dict[str, str], MacroSeries]], where: str) -> MacroChart:
    first = members[0][0]
    kind = first["kind"].lower() or "line"
    if kind not in ("line", "bar"):
        raise DataFormatError(where, f"chart {key}: kind must be line or bar, got {first['kind']!r}")
    ratio = first["ratio"].lower() in ("yes", "y", "true", "1")
    series = tuple(s for _, s in members)
    if len({s.frequency for s in series}) > 1:
        raise DataFormatError(where, f"chart {key}: its series must share one frequency")
    if ratio and len(series) < 2:
        raise DataFormatError(where, f"chart {key}: a ratio needs two series")
    title_en = first["title_en"] or key
    return MacroChart(key, title_en, first["title_ja"] or title_en, kind, ratio, series)


def macro_names(engine: Engine, charts: tuple[MacroChart, ...]) -> list[str]:
    """The series of the list that the engine can be asked for (FRED ids, and user series its router sends to
    a CSV folder or the demo)."""
    names = [s.series for chart in charts for s in chart.series if _servable(engine, s)]
    return list(dict.fromkeys(names))


def _servable(engine: Engine, series: MacroSeries) -> bool:
    return series.is_fred or engine.router.route(engine.ticker(series.series)).name in USER_SOURCES


def missing_file(engine: Engine, name: str) -> str | None:
    """The file a CSV folder would serve ``name`` from, when the folder is where ``name`` is routed and has no
    such file (a series that is only missing, not one that failed); None otherwise."""
    try:
        ticker = engine.ticker(name)
        source = engine.router.route(ticker)
        revision = getattr(source, "revision", None)
        if source.name != "csv" or revision is None or revision(ticker) is not None:
            return None
    except MarketReviewError:
        return None
    return f"{ticker.removeprefix('FRED:')}.csv"


def unfilled_status(m: CellMaker, names: list[str]) -> str:
    """A sheet's status line: the series only missing from the folder by file name (``ファイルがありません: ISM.csv``),
    then the fetch failures of the rest as :meth:`CellMaker.status` gives them."""
    files = [f for f in dict.fromkeys(missing_file(m.engine, n) for n in names) if f]
    missing = {n for n in names if missing_file(m.engine, n)}
    parts = [m.t("unfilled.files").format(n=len(files), files=", ".join(files))] if files else []
    failed = m.status([n for n in names if n not in missing])
    return "; ".join([*parts, failed] if failed else parts)


def units_words(units: str, lang: Lang) -> str:
    """FRED's units code in words (lin → 水準 / levels)."""
    return label(f"macro.units.{units}", lang)


def frequency_words(frequency: str, lang: Lang) -> str:
    """A frequency code in words (q → 四半期 / quarterly)."""
    return label(f"macro.frequency.{frequency}", lang)


def _fill_hint(engine: Engine, series: MacroSeries, lang: Lang) -> str:
    if series.is_fred:
        if lang == "ja":
            return f"FRED（--source auto / fred）または CSV フォルダの {series.file} が必要です"
        return f"needs FRED (--source auto or fred) or {series.file} in your CSV folder"
    if lang == "ja":
        return f"CSV フォルダ（--source csv:DIR）の {series.file}（date,close、index.csv に source 注記）が必要です"
    return f"needs {series.file} (date,close) in your CSV folder (--source csv:DIR), with a source note in index.csv"



def macro_sheet(m: CellMaker, charts: tuple[MacroChart, ...]) -> Sheet:
    """The overview table of every listed series, then one table (and chart) per chart of the list; a chart
    whose series cannot be had is one line naming the file that would fill it."""
    lang = m.lang
    overview: list[tuple[Cell, ...]] = []
    blocks: list[Table | Lines] = []
    made: list[Chart] = []
    fetched: list[str] = []
    for chart in charts:
        values: dict[str, pd.Series] = {}
        problems: list[str] = []
        files: list[str] = []  # series only missing from the folder: named together, with how to fill them
        for s in chart.series:
            problem, transformed = _load(m, s)
            file = missing_file(m.engine, s.series)
            if transformed is not None:
                values[s.series] = transformed
                fetched.append(s.series)
            elif file is not None:
                files.append(file)
            else:
                problems.append(f"{s.series}: {problem}")
            overview.append(_overview_row(m, s, problem))
        if files:
            how = m.t("macro.fill_fred" if all(s.is_fred for s in chart.series) else "macro.fill_file")
            problems.insert(0, m.t("macro.no_file").format(files=", ".join(files)) + how)
        if problems:
            blocks.append(Lines(f"macro_{chart.key}", chart.title(lang),
                                (f"{m.t('macro.missing')}: " + "; ".join(problems),)))
            continue
        table, drawn = _chart_table(m, chart, values)
        blocks.append(table)
        made.append(drawn)
    columns = (Column("name", m.t("macro.name"), "text", 44), Column("id", m.t("macro.id"), "text", 24),
               Column("units", m.t("macro.units"), "text", 7), Column("frequency", m.t("macro.frequency"), "text", 6),
               Column("date", m.t("macro.date"), "date", 12), Column("value", m.t("macro.value"), "price", 14),
               Column("note", m.t("macro.note"), "text", 60))
    first = Table("macro_series", m.t("macro.overview"), columns, tuple(overview))
    fred = [s.series for chart in charts for s in chart.series if s.is_fred or missing_file(m.engine, s.series)]
    return Sheet("macro", m.t("macro.sheet"), m.stamp(list(dict.fromkeys(fetched))), (first, *blocks),
                 tuple(made), unfilled_status(m, list(dict.fromkeys(fred))))


def _load(m: CellMaker, s: MacroSeries) -> tuple[str, pd.Series | None]:
    """(why not, None) or ("", the series as SERIES transforms it as of the report date)."""
    if not _servable(m.engine, s):
        return _fill_hint(m.engine, s, m.lang), None
    file = missing_file(m.engine, s.series)
    if file is not None:
        how = m.t("macro.fill_fred" if s.is_fred else "macro.fill_file")
        return m.t("macro.no_file").format(files=file) + how, None
    try:
        raw = m.series(s.series)
        where, declared = m.engine.series_origin(s.series)
        values, _ = macro_calc.prepare(raw, m.as_of, s.units, s.frequency, symbol=m.engine.ticker(s.series),
                                       declared=macro_calc.parse_frequency(declared), where=where)
    except MarketReviewError as exc:
        return f"{exc.excel_text} — {_fill_hint(m.engine, s, m.lang)}", None
    return "", values


def _overview_row(m: CellMaker, s: MacroSeries, problem: str) -> tuple[Cell, ...]:
    head = (Cell(s.label(m.lang)), Cell(s.series), Cell(units_words(s.units, m.lang)),
            Cell(frequency_words(s.frequency, m.lang)))
    file = missing_file(m.engine, s.series)
    if file is not None:  # only missing: named as missing, not as an error of the series
        return (*head, Cell(None), Cell(m.t("macro.no_file").format(files=file)), Cell(s.note_in(m.lang)))
    if problem:
        return (*head, Cell(error="#N/A"), Cell(error=f"#N/A {problem}"), Cell(s.note_in(m.lang)))

    def figure() -> Figure:
        where, declared = m.engine.series_origin(s.series)
        return macro_calc.series_asof(m.series(s.series), m.as_of, units=s.units, frequency=s.frequency,
                                      symbol=m.engine.ticker(s.series), declared=macro_calc.parse_frequency(declared),
                                      where=where)

    return (*head, m.figure(figure, part="end_date"), m.figure(figure), _note_cell(m, s))


def _note_cell(m: CellMaker, s: MacroSeries) -> Cell:
    """The list's note, and for a user's series the source note of the folder's index.csv (warned when absent)."""
    note = s.note_in(m.lang)
    if s.is_fred:
        return Cell(note)
    reader = getattr(m.engine.router.route(m.engine.ticker(s.series)), "source_note", None)
    if reader is None:
        return Cell(note)
    source = str(reader(m.engine.ticker(s.series)))
    if not source:
        return Cell(note, warning=m.t("macro.no_source_note").format(series=s.series, file=s.file))
    return Cell(f"{note} — index.csv: {source}" if note else source)


def _chart_table(m: CellMaker, chart: MacroChart, values: dict[str, pd.Series]) -> tuple[Table, Chart]:
    frequency = chart.frequency
    code = _PERIOD_CODES[frequency]
    grid = pd.period_range(end=pd.Period(m.as_of, code), periods=SHOWN_PERIODS[frequency], freq=code)
    columns: list[Column] = [Column("date", m.t("macro.date"), "date", 12)]
    if chart.kind == "bar":
        columns.append(Column("period", m.t("macro.period"), "text", 10))
    keys = [f"s{i + 1}" for i in range(len(chart.series))]
    marks = "①②③④⑤⑥⑦⑧⑨"
    for i, (key, s) in enumerate(zip(keys, chart.series, strict=True)):
        mark = f"{marks[i]} " if chart.ratio and i < 2 else ""
        unit = "" if s.units == "lin" else f" [{units_words(s.units, m.lang)}]"
        columns.append(Column(key, f"{mark}{s.label(m.lang)}{unit}", "price", 16))
    on_grid = [_on_grid(values[s.series], code, grid) for s in chart.series]
    if chart.ratio:
        columns.append(Column("ratio", m.t("macro.ratio"), "ratio", 12))
    rows: list[tuple[Cell, ...]] = []
    for position, period in enumerate(grid):
        day = (period.end_time if frequency == "w" else period.start_time).date()
        row: list[Cell] = [Cell(day)]
        if chart.kind == "bar":
            row.append(Cell(str(period)))
        points = [column[position] for column in on_grid]
        row.extend(Cell(p) for p in points)
        if chart.ratio:
            a, b = points[0], points[1]
            row.append(Cell(a / b) if a is not None and b is not None and b != 0 else Cell(None))
        rows.append(tuple(row))
    table_key = f"macro_{chart.key}"
    table = Table(table_key, chart.title(m.lang), tuple(columns), tuple(rows))
    left = tuple(k for k, s in zip(keys, chart.series, strict=True) if s.axis == "left")
    right = tuple(k for k, s in zip(keys, chart.series, strict=True) if s.axis == "right")
    if chart.ratio:
        right = (*right, "ratio")
    drawn = Chart(table_key, "bar" if chart.kind == "bar" else "line", chart.title(m.lang), table_key,
                  "period" if chart.kind == "bar" else "date", left or right, secondary=right if left else ())
    return table, drawn


def _on_grid(values: pd.Series, code: str, grid: pd.PeriodIndex) -> list[float | None]:
    """The value of each grid period (matched by period, so a user's month-end dates land on their month)."""
    periods = pd.DatetimeIndex(values.index).to_period(code)
    by_period = pd.Series(values.to_numpy(dtype=float), index=periods)
    by_period = by_period[~by_period.index.duplicated(keep="last")].reindex(grid)
    return [None if pd.isna(v) else float(v) for v in by_period.to_numpy()]


__all__ = ["SHOWN_PERIODS", "MacroChart", "MacroSeries", "default_list", "frequency_words", "macro_names",
           "macro_sheet", "missing_file", "read_macro_list", "unfilled_status", "units_words"]
