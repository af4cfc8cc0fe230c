"""The functions a living workbook may use: those that work alike in Excel 2010+ (Windows, Mac, web) and
LibreOffice 7.x. Anything else (XLOOKUP, XMATCH, LET, FILTER, dynamic arrays) is refused when the file is built."""

from __future__ import annotations

import re

from ...errors import RenderError

PORTABLE = frozenset({
    "AND", "AVERAGEIFS", "COUNTIFS", "DATE", "DAY", "EDATE", "IF", "IFERROR", "INDEX", "ISERROR", "ISNUMBER",
    "MATCH", "MONTH", "NA", "NETWORKDAYS", "NOT", "OR", "ROUND", "SUMPRODUCT", "TEXT", "WEEKDAY", "YEAR",
    "ABS", "AVERAGE", "FIND", "MAX", "MIN", "COUNT", "INT", "TRUE", "FALSE",
})
_STRING = re.compile(r'"(?:[^"]|"")*"')
_CALL = re.compile(r"([A-Za-z_][A-Za-z0-9_.]*)\s*\(")


def functions_in(formula: str) -> set[str]:
    """The names of the functions ``formula`` calls (string literals ignored), upper-cased."""
    return {name.upper() for name in _CALL.findall(_STRING.sub('""', formula))}


def check(formula: str, where: str) -> str:
    """``formula`` itself, or a RenderError naming the functions outside :data:`PORTABLE`."""
    bad = functions_in(formula) - PORTABLE
    if bad:
        raise RenderError(where, f"formula uses non-portable functions {sorted(bad)}: {formula}")
    return formula
