"""Which formula stands for each line of the Summary sheet, in the order
:func:`marketreview.report.summary_sheet.lines` writes them. A line this module cannot compute (the ratios,
the Mag7 share, the sector ranking) is ``None``: the writer keeps its text behind the as-of guard.

Not called while :data:`~marketreview.render.living.workbook.LINE_FORMULAS` is off: these lines are in the form
before :mod:`marketreview.report.published` (no point change, no close named, no ※ footnotes)."""

from __future__ import annotations

from ...engine import Engine
from ...report import summary_sheet as ss
from ...report.labels import label
from ...report.model import Lines, Report, Table
from ...report.sheets import RELATIVE_PAIRS
from ...types import Lang
from . import lines as lf
from .calc_sheet import CalcSheet
from .mag7 import Mag7Block
from .ranking import RankingBlock

Registry = dict[tuple[str, str, str], str]
_FIND = ("indices", "japan_indices", "fx", "yields")


def _find(registry: Registry, alias: str, column: str) -> str | None:
    for table in _FIND:
        ref = registry.get((table, alias, column))
        if ref is not None:
            return ref
    return None


def _week(engine: Engine, calc: CalcSheet, registry: Registry, alias: str, lang: Lang, demo: bool) -> str | None:
    rate = alias in ss.RATE_LINES
    keys = ("prev_week", "level", "w1_bp") if rate else ("prev", "close", "w1")
    refs = [_find(registry, alias, k) for k in keys]
    if None in refs or not calc.has(alias):
        return None
    start, end, change = (r for r in refs if r is not None)
    mark = lf.marks(calc.row(alias, "w1").mark(lang), calc.row(alias, "end").mark(lang))
    return lf.review_line(engine.resolve(alias).short(lang), start, end, change, lang=lang, period="1W",
                          kind="yield" if rate else "price", mark=mark, ok=f"ISNUMBER({change})", demo=demo)


def _ytd(engine: Engine, calc: CalcSheet, registry: Registry, alias: str, lang: Lang, demo: bool) -> str | None:
    ref = _find(registry, alias, "ytd")
    if ref is None or not calc.has(alias):
        return None
    mark = lf.marks(calc.row(alias, "ytd").mark(lang), calc.row(alias, "end").mark(lang))
    return lf.ytd_line(engine.resolve(alias).short(lang), ref, lang=lang, mark=mark, ok=f"ISNUMBER({ref})",
                       demo=demo)


def _mixed(engine: Engine, calc: CalcSheet, kind: str) -> str:
    """calc.yields.spread_bp's warning when the legs' closes are from different dates ("" when not)."""
    long, short = calc.row("US10Y", kind), calc.row("US2Y", kind)
    text = (f'{lf.lit(engine.ticker("US10Y") + " ")}&TEXT({long.used},"yyyy-mm-dd")&'
            f'{lf.lit(" and " + engine.ticker("US2Y") + " ")}&TEXT({short.used},"yyyy-mm-dd")&'
            f'{lf.lit(": spread legs from different dates")}')
    return f'IF({long.used}={short.used},"",{text})'


def _spread(engine: Engine, calc: CalcSheet, registry: Registry, lang: Lang, demo: bool) -> str | None:
    spread, change = registry.get(("spread", "spread", "spread")), registry.get(("spread", "spread", "w1_bp"))
    if spread is None or change is None or not (calc.has("US10Y") and calc.has("US2Y")):
        return None
    now, then = _mixed(engine, calc, "end"), _mixed(engine, calc, "w1")
    # the spread cell warns with now's note; the change cell with now's and then's joined by "; " (one mark)
    joined = f'IF({now}="",{then},IF({then}="",{now},{now}&"; "&{then}))'
    mark = lf.marks(f'IF({now}="","","※"&{now})', f'IF({joined}="","","※"&{joined})')
    name = label("line.spread", lang)
    return lf.spread_line(name, spread, change, lang=lang, mark=mark,
                          ok=f"AND(ISNUMBER({spread}),ISNUMBER({change}))", demo=demo)


def _ratio(calc: CalcSheet, registry: Registry, key: str, num: str, den: str, lang: Lang,
           demo: bool) -> str | None:
    short = key.removeprefix("pair.")
    ratio, deviation = registry.get(("pairs", short, "ratio")), registry.get(("pairs", short, "deviation"))
    if ratio is None or deviation is None or not (calc.has(num) and calc.has(den)):
        return None
    mark = lf.marks(calc.row(num, "end").mark(lang), calc.row(den, "end").mark(lang))
    return lf.ratio_line(label(f"short.{key}", lang), ratio, deviation, lang=lang, mark=mark,
                         ok=f"AND(ISNUMBER({ratio}),ISNUMBER({deviation}))", demo=demo)


def _share(registry: Registry, shares: Mag7Block, lang: Lang, demo: bool) -> str | None:
    share, change = registry.get(("share", "share", "share")), registry.get(("share", "share", "share_w1"))
    if share is None or change is None or not shares.enabled:
        return None
    return shares.line(label("line.mag7", lang), share, change, lang, demo)


def _fed(registry: Registry, lang: Lang, demo: bool) -> str | None:
    lower, upper = registry.get(("fed", "fed", "lower")), registry.get(("fed", "fed", "upper"))
    if lower is None or upper is None:
        return None
    return lf.range_line(label("line.fed", lang), lower, upper, lang=lang, demo=demo)


def summary_formulas(report: Report, engine: Engine, calc: CalcSheet, registry: Registry, block: Lines,
                     lang: Lang, shares: Mag7Block, ranks: RankingBlock | None) -> list[str | None]:
    """One formula (or None) per line of ``block``; all None when the block's lines are not the ones
    summary_sheet writes (so a changed Summary never gets formulas of the wrong lines)."""
    demo = report.demo
    pairs: Table | None = next((t for s in report.sheets for t in s.blocks
                                if isinstance(t, Table) and t.key == "pairs"), None)
    n_pairs = min(3, len(pairs.rows)) if pairs is not None else 0
    out: list[str | None] = [_week(engine, calc, registry, a, lang, demo) for a in ss.US_LINES]
    out += [_ytd(engine, calc, registry, a, lang, demo) for a in (*ss.US_LINES, "TOPIX", "NIKKEI225")]
    out += [_ratio(calc, registry, key, num, den, lang, demo) for key, num, den in RELATIVE_PAIRS[:n_pairs]]
    out.append(_share(registry, shares, lang, demo))
    out += [_week(engine, calc, registry, a, lang, demo) for a in ss.RATE_LINES]
    out.append(_spread(engine, calc, registry, lang, demo))
    out.append(_fed(registry, lang, demo))
    out += [_week(engine, calc, registry, a, lang, demo) for a in ss.JAPAN_LINES]
    sectors = len(block.lines) - len(out)
    if sectors not in (1, 2):
        return [None] * len(block.lines)
    if ranks is None:
        return out + [None] * sectors
    return out + [ranks.line_ref(lang, part) for part in ("best", "worst")[:sectors]]
