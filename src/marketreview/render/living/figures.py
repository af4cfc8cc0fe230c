"""Each figure of the tables as a formula over the Calc rows: returns, closes, dates, yields' bp changes,
the 2s10s spread, the Fed range and the TOPIX-17 excess returns, as :mod:`marketreview.report.sheets` computes
them with :mod:`marketreview.calc`."""

from __future__ import annotations

from collections.abc import Callable

from .calc_sheet import CalcSheet

#: the price tables and the period kind of each return column
PRICE_TABLES = ("indices", "stocks", "japan_indices", "sectors", "fx")
RETURN_KINDS = {"w1": "w1", "mtd": "mtd", "ytd": "ytd", "y1": "y1"}
BP_KINDS = {"w1_bp": "w1", "mtd_bp": "mtd", "ytd_bp": "ytd"}
#: the benchmark of the excess-return columns
BENCHMARK = "TOPIX"

#: (table key, alias, column key) → the cell's absolute reference ('Sheet'!$F$7)
Lookup = Callable[[str, str, str], str | None]


def perf(calc: CalcSheet, alias: str, start_kind: str, end_kind: str = "end") -> str:
    """``close(end) / close(start) - 1``, an error when the period has no close although the market was open."""
    start, end = calc.row(alias, start_kind), calc.row(alias, end_kind)
    return f"IF({start.bad},NA(),{end.close}/{start.close}-1)"


def bp_change(calc: CalcSheet, alias: str, start_kind: str) -> str:
    """``(yield(end) - yield(start)) * 100`` rounded to 1e-9 bp, as :func:`calc.yields.to_bp`."""
    start, end = calc.row(alias, start_kind), calc.row(alias, "end")
    return f"IF({start.bad},NA(),ROUND(({end.close}-{start.close})*100,9))"


def price_cell(calc: CalcSheet, alias: str, column: str, here: Callable[[str], str | None],
               find: Lookup) -> str | None:
    """The formula of one price-table cell (``here(column)`` is this row's cell of another column)."""
    end = calc.row(alias, "end")
    if column == "date":
        return f"IF(ISNUMBER({end.close}),{end.used},NA())"
    if column == "close":
        return end.close
    if column == "prev":
        w1 = here("w1")
        return None if w1 is None else f"IF(ISNUMBER({w1}),{calc.row(alias, 'w1').close},NA())"
    if column in RETURN_KINDS:
        return perf(calc, alias, RETURN_KINDS[column])
    if column == "last_year":
        return perf(calc, alias, "ly0", "ytd")
    if column in ("excess_w1", "excess_ytd"):
        own, bench = here(column.removeprefix("excess_")), find("japan_indices", BENCHMARK, column.removeprefix(
            "excess_"))
        return None if own is None or bench is None else f"{own}-{bench}"
    return None


def yield_cell(calc: CalcSheet, alias: str, column: str, here: Callable[[str], str | None]) -> str | None:
    end = calc.row(alias, "end")
    if column in ("date", "prev_week"):
        w1 = here("w1_bp")
        if w1 is None:
            return None
        value = end.used if column == "date" else calc.row(alias, "w1").close
        return f"IF(ISNUMBER({w1}),{value},NA())"
    if column == "level":
        return end.close
    if column in BP_KINDS:
        return bp_change(calc, alias, BP_KINDS[column])
    return None


def spread_at(calc: CalcSheet, kind: str) -> str:
    return f"ROUND(({calc.row('US10Y', kind).close}-{calc.row('US2Y', kind).close})*100,9)"


def spread_cell(calc: CalcSheet, column: str, here: Callable[[str], str | None]) -> str | None:
    if not (calc.has("US10Y") and calc.has("US2Y")):
        return "AsOf_end" if column == "date" else None
    if column == "date":
        return "AsOf_end"
    if column == "spread":
        return spread_at(calc, "end")
    if column == "w1_bp":
        now = here("spread")
        return None if now is None else f"{now}-{spread_at(calc, 'w1')}"
    return None


def fed_cell(calc: CalcSheet, column: str) -> str | None:
    if column == "date":
        return "AsOf_end"
    alias = {"lower": "FEDFUNDS_LOWER", "upper": "FEDFUNDS_UPPER"}.get(column)
    return calc.row(alias, "end").close if alias is not None and calc.has(alias) else None


def warned_by(calc: CalcSheet, alias: str, column: str) -> list[str]:
    """The Calc mark cells whose text means this price-table cell carries a warning (missing sessions at one of
    the figure's ends), for a conditional fill that follows AsOf as the value build's fill marks the build date."""
    ends = {"date": ("end",), "close": ("end",), "prev": ("w1", "end"), "last_year": ("ly0", "ytd"),
            **{key: (kind, "end") for key, kind in RETURN_KINDS.items()}}.get(column, ())
    return [calc.row(alias, kind).mark_ja for kind in ends]

