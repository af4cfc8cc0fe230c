"""Published figures worked out by hand from the CSV files in ``../shared/data/market``, never with the code
under test, for the tests that compare the product's figures with them:

- the Magnificent-7 share of the S&P 500 and its weekly change (the method of :mod:`marketreview.calc.mag7`'s
  docstring, written again here from the files);
- a ratio's deviation from its 26-week average (the relative-strength lines);

and :func:`assert_shows`, which reads a number out of a published line tolerantly (thousands separators, the
brackets, the decimals shown) but compares its value."""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path

D = dt.date.fromisoformat
MEMBERS = ("AAPL", "MSFT", "GOOGL", "AMZN", "NVDA", "META", "TSLA")
_CONSTITUENTS = re.compile(r"^sp500_constituents_financials_asof_(\d{4}-\d{2}-\d{2})\.csv$")


@cache
def closes(folder: Path, file: str) -> dict[dt.date, float]:
    with (folder / file).open(encoding="utf-8") as fh:
        return {D(row["date"]): float(row["close"]) for row in csv.DictReader(fh)}


def close(folder: Path, file: str, when: dt.date) -> float:
    """The last close in ``file`` on or before ``when``."""
    found = closes(folder, file)
    return found[max(d for d in found if d <= when)]


@cache
def constituent_caps(folder: Path) -> dict[dt.date, dict[str, float]]:
    """{snapshot date: {symbol: Market Cap}} of every constituents file (blank caps left out)."""
    out: dict[dt.date, dict[str, float]] = {}
    for path in sorted((folder / "fundamentals").iterdir()):
        match = _CONSTITUENTS.match(path.name)
        if match:
            with path.open(encoding="utf-8") as fh:
                out[D(match.group(1))] = {r["Symbol"]: float(r["Market Cap"]) for r in csv.DictReader(fh)
                                          if r["Market Cap"].strip()}
    return out


@cache
def reported_totals(folder: Path) -> dict[dt.date, float]:
    with (folder / "fundamentals" / "sp500_total_market_cap.csv").open(encoding="utf-8") as fh:
        return {D(r["date"]): float(r["total_market_cap_usd"]) for r in csv.DictReader(fh)}


def anchors(folder: Path, when: dt.date) -> tuple[dt.date, dt.date, float]:
    """(member anchor, index anchor, the index total there): the latest snapshot on or before ``when`` with
    every member's cap (before the first: the first), and the latest S&P-reported total or 400+ caps summed
    (Alphabet once: GOOG dropped) on or before ``when``."""
    caps = constituent_caps(folder)
    with_members = sorted(d for d, c in caps.items() if all(m in c for m in MEMBERS))
    before = [d for d in with_members if d <= when]
    member_anchor = before[-1] if before else with_members[0]
    totals = dict(reported_totals(folder))
    for day, c in caps.items():
        if day not in totals and len(c) >= 400:
            totals[day] = sum(v for s, v in c.items() if s != "GOOG")
    index_anchor = max(d for d in totals if d <= when)
    return member_anchor, index_anchor, totals[index_anchor]


def share(folder: Path, when: dt.date) -> float:
    """Members' caps at their anchor moved with their closes, over the total at its anchor moved with the S&P
    500 (0.3665 = 36.65%)."""
    member_anchor, index_anchor, total = anchors(folder, when)
    caps = constituent_caps(folder)[member_anchor]
    members = sum(caps[m] * close(folder, f"{m}.csv", when) / close(folder, f"{m}.csv", member_anchor)
                  for m in MEMBERS)
    value = members / (total * close(folder, "GSPC.csv", when) / close(folder, "GSPC.csv", index_anchor))
    assert math.isfinite(value)
    return value


def week_change_pt(folder: Path, when: dt.date) -> float:
    """``share(when) - share(previous week end)`` in percentage points, for a week with no anchor switch."""
    week_end = when - dt.timedelta(days=when.weekday() + 1)
    assert anchors(folder, when)[:2] == anchors(folder, week_end)[:2], f"an anchor switches in the week to {when}"
    return (share(folder, when) - share(folder, week_end)) * 100


def deviation_pt(folder: Path, num: str, den: str, end: dt.date, weeks: int = 26) -> float:
    """(this week's ratio - the average of the last ``weeks`` weekly ratios, this week's included) in points;
    each week's ratio is of the last closes on or before its Sunday (this week: on or before ``end``)."""
    ratios = [close(folder, num, end) / close(folder, den, end)]
    sunday = end - dt.timedelta(days=end.weekday() + 1)
    while len(ratios) < weeks:
        ratios.append(close(folder, num, sunday) / close(folder, den, sunday))
        sunday -= dt.timedelta(weeks=1)
    return (ratios[0] - sum(ratios) / weeks) * 100


# -- reading lines ------------------------------------------------------------------------------------

_NUMBER = r"([+\-−]?\d[\d,]*(?:\.\d+)?)"


def number_before(unit: str, text: str) -> Decimal:
    """The (signed) number written right before ``unit`` in ``text`` ("+1.07pt" → 1.07, "−3 bp" → -3)."""
    found = re.findall(_NUMBER + r"\s*" + re.escape(unit), text)
    assert len(found) == 1, f"expected one number before {unit!r} in {text!r}"
    return Decimal(found[0].replace(",", "").replace("−", "-"))


def places(number: Decimal) -> int:
    exponent = number.as_tuple().exponent
    assert isinstance(exponent, int)
    return -exponent


def rounded(x: float, decimals: int) -> Decimal:
    return Decimal(repr(x)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def assert_shows(text: str, unit: str, expected: float, *, at_least: int = 0, decimals: int | None = None) -> None:
    """``text`` shows ``expected`` before ``unit``, rounded half-up to the decimals it shows (at least
    ``at_least`` of them; exactly ``decimals`` when given)."""
    shown = number_before(unit, text)
    assert places(shown) >= at_least, text
    assert decimals is None or places(shown) == decimals, (text, decimals)
    assert shown == rounded(expected, places(shown)), (text, expected)
