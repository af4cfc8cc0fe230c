"""Regenerate the calc answer files: ``python tests/resources/make_answers.py``.

Writes the fixture closes (``calc_fixture_closes.csv``) and the expected results of the calculations on them
(``calc_closes.csv``, ``calc_perf.csv``, ``calc_weekly.csv``, ``calc_reldev.csv``, ``calc_yields.csv``).

The answers are worked out here *independently* of ``marketreview.calc``: plain Python on the fixture's
numbers, walking the calendar day by day the way one would by hand. This script never imports marketreview.

Fixture calendars are hand-listed (weekdays minus the holidays below); ``tests/test_calendars.py`` checks them
against exchange_calendars' XNYS and XTKS so the two cannot drift apart.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

HERE = Path(__file__).resolve().parent
D = dt.date.fromisoformat

US_FIRST, JP_FIRST, LAST = D("2023-12-01"), D("2024-06-03"), D("2025-03-31")
US_HOLIDAYS = {D(s) for s in (
    "2023-12-25", "2024-01-01", "2024-01-15", "2024-02-19", "2024-03-29", "2024-05-27", "2024-06-19",
    "2024-07-04", "2024-09-02", "2024-11-28", "2024-12-25", "2025-01-01",
    "2025-01-09",  # national day of mourning for President Carter: NYSE closed
    "2025-01-20", "2025-02-17",
)}
JP_HOLIDAYS = {D(s) for s in (
    "2024-07-15", "2024-08-12", "2024-09-16", "2024-09-23", "2024-10-14", "2024-11-04",
    "2024-12-31", "2025-01-01", "2025-01-02", "2025-01-03",  # TSE year-end break
    "2025-01-13", "2025-02-11", "2025-02-24", "2025-03-20",
)}
#: JPGAP: a thinly traded Tokyo ETF. One lone missing session and a six-session hole; data ends 2025-03-14.
JPGAP_FIRST, JPGAP_LAST = D("2024-12-02"), D("2025-03-14")
JPGAP_MISSING = {D("2025-03-05")} | {D(s) for s in ("2025-02-03", "2025-02-04", "2025-02-05", "2025-02-06",
                                                    "2025-02-07", "2025-02-10")}
#: Hand-check values: the real S&P 500 closes of 2024-12-20 and 2024-12-27, and a 10Y yield of 4.52 → 4.62.
US_PINNED = {D("2024-12-20"): 5930.85, D("2024-12-27"): 5970.84}
Y10_PINNED = {D("2024-12-20"): 4.52, D("2024-12-27"): 4.62}
MAX_GAP_DAYS = 10
MAX_MISSING = 5


def days(first: dt.date, last: dt.date) -> list[dt.date]:
    out, d = [], first
    while d <= last:
        out.append(d)
        d += dt.timedelta(days=1)
    return out


def trading_days(first: dt.date, last: dt.date, holidays: set[dt.date]) -> list[dt.date]:
    return [d for d in days(first, last) if d.weekday() < 5 and d not in holidays]


US_DAYS = trading_days(US_FIRST, LAST, US_HOLIDAYS)
JP_DAYS = trading_days(JP_FIRST, LAST, JP_HOLIDAYS)
CALENDARS = {"XNYS": set(US_DAYS), "XTKS": set(JP_DAYS)}


def build_fixture() -> dict[str, dict[dt.date, float]]:
    us = {d: round(5000 + 3 * i + (i * 37) % 23 - 11 + (i * 13) % 100 / 100, 2)
          for i, d in enumerate(US_DAYS)}
    us.update(US_PINNED)
    jp = {d: round(2600 + 1.5 * i + (i * 29) % 17 - 8 + (i * 7) % 100 / 100, 2)
          for i, d in enumerate(JP_DAYS)}
    gap_days = [d for d in JP_DAYS if JPGAP_FIRST <= d <= JPGAP_LAST and d not in JPGAP_MISSING]
    gap = {d: round(20000 + 10 * i + (i * 11) % 7 * 5, 1) for i, d in enumerate(gap_days)}
    y10 = {d: round(4.2 + (i % 40) / 100 + (i * 3) % 7 / 100, 2) for i, d in enumerate(US_DAYS)}
    y10.update(Y10_PINNED)
    y2 = {d: round(4.0 + (i % 30) / 100 - (i * 5) % 9 / 100, 2) for i, d in enumerate(US_DAYS)}
    return {"US": us, "JP": jp, "JPGAP": gap, "Y10": y10, "Y2": y2}


# -- the answers, by hand ----------------------------------------------------------------------------


def lookup(closes: dict[dt.date, float], when: dt.date, calendar: str
           ) -> tuple[str, dt.date | None, list[dt.date]]:
    """Walk back from ``when`` to the first day with a close: (outcome, date used, missing sessions)."""
    first = min(closes)
    d = when
    while d not in closes:
        if d < first:
            return "nodata", None, []
        d -= dt.timedelta(days=1)
    if calendar == "none":
        return ("nodata" if (when - d).days > MAX_GAP_DAYS else "value"), d, []
    sessions = CALENDARS[calendar]
    missing = [x for x in days(d + dt.timedelta(days=1), when) if x in sessions]
    if len(missing) > MAX_MISSING:
        return "nodata", d, missing
    return ("warning" if missing else "value"), d, missing


CLOSE_CASES = [  # symbol, when, calendar
    ("US", "2024-12-27", "none"), ("US", "2024-12-28", "none"), ("US", "2024-12-29", "XNYS"),
    ("US", "2024-07-04", "XNYS"), ("US", "2024-07-05", "XNYS"), ("US", "2024-11-28", "XNYS"),
    ("US", "2025-01-09", "XNYS"), ("US", "2025-01-01", "XNYS"), ("US", "2023-11-30", "none"),
    ("US", "2023-12-01", "none"), ("US", "2025-04-11", "none"), ("US", "2025-04-30", "none"),
    ("JP", "2024-12-31", "XTKS"), ("JP", "2025-01-03", "XTKS"), ("JP", "2025-01-05", "XTKS"),
    ("JP", "2025-01-06", "XTKS"), ("JP", "2025-03-20", "XTKS"),
    ("JPGAP", "2025-03-04", "XTKS"), ("JPGAP", "2025-03-05", "XTKS"), ("JPGAP", "2025-03-06", "XTKS"),
    ("JPGAP", "2025-03-05", "none"), ("JPGAP", "2025-02-07", "XTKS"), ("JPGAP", "2025-02-10", "XTKS"),
    ("JPGAP", "2025-02-10", "none"), ("JPGAP", "2025-02-11", "XTKS"), ("JPGAP", "2025-03-31", "XTKS"),
    ("JPGAP", "2025-03-21", "XTKS"), ("JPGAP", "2025-03-31", "none"), ("JPGAP", "2024-12-01", "XTKS"),
]


def close_rows(fixture: dict[str, dict[dt.date, float]]) -> list[dict[str, object]]:
    rows = []
    for symbol, when, calendar in CLOSE_CASES:
        outcome, used, missing = lookup(fixture[symbol], D(when), calendar)
        ok = outcome != "nodata"
        rows.append({"symbol": symbol, "when": when, "calendar": calendar, "outcome": outcome,
                     "date": used.isoformat() if ok and used else "",
                     "value": repr(fixture[symbol][used]) if ok and used else "",
                     "missing": "|".join(m.isoformat() for m in missing)})
    return rows


def start_for(function: str, when: dt.date) -> dt.date:
    if function == "weekly":  # the Sunday before the Monday of when's week
        return when - dt.timedelta(days=when.weekday() + 1)
    if function == "mtd":
        return dt.date(when.year, when.month, 1) - dt.timedelta(days=1)
    if function == "ytd":
        return dt.date(when.year - 1, 12, 31)
    raise ValueError(function)


PERF_CASES = [  # function, symbol, start (or year for calendar_year), end, calendar
    ("perf", "US", "2024-12-20", "2024-12-27", "none"),
    ("perf", "US", "2024-07-03", "2024-07-05", "XNYS"),
    ("perf", "US", "2024-11-27", "2024-11-29", "XNYS"),
    ("perf", "US", "2025-01-08", "2025-01-10", "XNYS"),
    ("perf", "US", "2024-01-01", "2024-06-30", "XNYS"),
    ("perf", "JP", "2024-12-30", "2025-01-06", "XTKS"),
    ("perf", "JPGAP", "2025-03-04", "2025-03-05", "XTKS"),  # no close in the period: an error, not +0.00%
    ("perf", "JPGAP", "2025-02-02", "2025-02-07", "XTKS"),  # a whole week without data: an error
    ("perf", "JPGAP", "2025-02-08", "2025-02-09", "XTKS"),  # a weekend: no session, so a true 0
    ("perf", "US", "2024-12-25", "2024-12-25", "XNYS"),  # start = end: no period at all, 0
    ("weekly", "US", "", "2024-12-27", "XNYS"),
    ("weekly", "US", "", "2024-12-28", "XNYS"),
    ("weekly", "US", "", "2024-07-05", "XNYS"),
    ("weekly", "US", "", "2025-01-10", "XNYS"),
    ("weekly", "JP", "", "2025-01-10", "XTKS"),
    ("weekly", "JP", "", "2025-01-06", "XTKS"),
    ("mtd", "US", "", "2025-01-15", "XNYS"),
    ("mtd", "JP", "", "2024-10-31", "XTKS"),
    ("ytd", "US", "", "2025-03-31", "XNYS"),
    ("ytd", "US", "", "2025-01-02", "XNYS"),
    ("ytd", "JP", "", "2025-01-06", "XTKS"),
    ("ytd", "JP", "", "2025-03-31", "XTKS"),
    ("calendar_year", "US", "2024", "", "XNYS"),
]


def perf_rows(fixture: dict[str, dict[dt.date, float]]) -> list[dict[str, object]]:
    rows = []
    for function, symbol, start_text, end_text, calendar in PERF_CASES:
        if function == "calendar_year":
            start, end = D(f"{int(start_text) - 1}-12-31"), D(f"{start_text}-12-31")
        elif function == "perf":
            start, end = D(start_text), D(end_text)
        else:
            end = D(end_text)
            start = start_for(function, end)
        closes = fixture[symbol]
        _, start_used, missing_start = lookup(closes, start, calendar)
        _, end_used, missing_end = lookup(closes, end, calendar)
        assert start_used and end_used
        first, last = closes[start_used], closes[end_used]
        # a period whose end falls back to a close on or before its start, while the exchange was open in
        # between, has no data of its own: the change is unknown (an error), not zero
        open_days = [d for d in days(start + dt.timedelta(days=1), end) if d in CALENDARS.get(calendar, set())]
        empty = end_used <= start < end and bool(open_days)
        value = last / first - 1
        rows.append({"function": function, "symbol": symbol, "start": start.isoformat(),
                     "end": end.isoformat(), "calendar": calendar, "outcome": "nodata" if empty else "value",
                     "start_date": start_used.isoformat(),
                     "start_close": repr(first),
                     "end_date": end_used.isoformat(), "end_close": repr(last), "value": repr(value),
                     "missing": "|".join(m.isoformat() for m in missing_start + missing_end)})
    return rows


def last_close_on_or_before(closes: dict[dt.date, float], when: dt.date) -> tuple[dt.date, float]:
    d = when
    while d not in closes:
        d -= dt.timedelta(days=1)
    return d, closes[d]


def weekly_rows(fixture: dict[str, dict[dt.date, float]], end: dt.date) -> list[dict[str, object]]:
    """JP / US each week: each side's last close on or before the week's Sunday (or ``end``)."""
    a, b = fixture["JP"], fixture["US"]
    first = max(min(a), min(b))
    monday = first - dt.timedelta(days=first.weekday())
    rows = []
    while monday <= end:
        sunday = monday + dt.timedelta(days=6)
        cut = min(sunday, end)
        a_date, a_close = last_close_on_or_before(a, cut)
        b_date, b_close = last_close_on_or_before(b, cut)
        rows.append({"week": (monday + dt.timedelta(days=4)).isoformat(), "a_date": a_date.isoformat(),
                     "a_close": repr(a_close), "b_date": b_date.isoformat(), "b_close": repr(b_close),
                     "ratio": repr(a_close / b_close)})
        monday += dt.timedelta(days=7)
    return rows


RELDEV_CASES = [("2025-03-31", 26), ("2025-03-28", 26), ("2025-01-03", 4), ("2025-01-09", 1),
                ("2024-12-29", 13)]


def reldev_rows(fixture: dict[str, dict[dt.date, float]]) -> list[dict[str, object]]:
    rows = []
    for when_text, weeks in RELDEV_CASES:
        ratios = [float(r["ratio"]) for r in weekly_rows(fixture, D(when_text))]  # type: ignore[arg-type]
        window = ratios[-weeks:]
        ma = sum(window) / len(window)
        latest = ratios[-1]
        rows.append({"when": when_text, "weeks": weeks, "count": len(ratios), "ratio": repr(latest),
                     "ma": repr(ma), "difference": repr(latest - ma), "relative": repr(latest / ma - 1)})
    return rows


YIELD_CASES = [("2024-12-20", "2024-12-27"), ("2024-12-22", "2024-12-29"), ("2025-01-03", "2025-01-10"),
               ("2024-06-28", "2024-07-05")]


def yield_rows(fixture: dict[str, dict[dt.date, float]]) -> list[dict[str, object]]:
    rows = []
    y10, y2 = fixture["Y10"], fixture["Y2"]
    for start_text, end_text in YIELD_CASES:
        s_date, s_val = last_close_on_or_before(y10, D(start_text))
        e_date, e_val = last_close_on_or_before(y10, D(end_text))
        _, short = last_close_on_or_before(y2, D(end_text))
        # basis points by integer arithmetic on hundredths of a percent: exact, no float noise
        bp = round(e_val * 100) - round(s_val * 100)
        spread = round(e_val * 100) - round(short * 100)
        rows.append({"start": start_text, "end": end_text, "start_date": s_date.isoformat(),
                     "start_value": s_val, "end_date": e_date.isoformat(), "end_value": e_val,
                     "change_bp": bp, "short_value": short, "spread_bp": spread})
    return rows


def write(name: str, rows: list[dict[str, object]]) -> None:
    with (HERE / name).open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main() -> None:
    fixture = build_fixture()
    write("calc_fixture_closes.csv", [{"symbol": s, "date": d.isoformat(), "close": repr(v)}
                                      for s, closes in fixture.items() for d, v in sorted(closes.items())])
    write("calc_closes.csv", close_rows(fixture))
    write("calc_perf.csv", perf_rows(fixture))
    write("calc_weekly.csv", weekly_rows(fixture, D("2025-03-31")))
    write("calc_reldev.csv", reldev_rows(fixture))
    write("calc_yields.csv", yield_rows(fixture))


if __name__ == "__main__":
    main()
