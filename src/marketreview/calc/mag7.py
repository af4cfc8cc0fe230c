"""The Magnificent-7 share of the S&P 500's market capitalisation, estimated between fundamentals snapshots.

Method ("anchored"):

1. Member anchor: the latest snapshot on or before ``when`` with a market cap for every member. Before the
   first snapshot, the earliest one serves as a marked estimate (its warning starts ``ESTIMATE`` and names the
   anchor and the distance) up to ``max_back_days`` (default 400: a year of weekly history from a fresh
   snapshot); further back is an error. Each member's cap on ``when`` is
   ``cap(anchor) * close(when) / close(anchor date)``: the share count is held at the anchor's. Both closes
   come from the same series, so raw or dividend-adjusted prices give the same answer (the adjustment factor
   cancels unless an ex-dividend date falls between the two dates, where it moves the ratio by the dividend
   yield, well under 1% for these companies).
2. Index anchor: the latest snapshot on or before ``when`` with a total: the S&P-reported ``index_total``, or
   else the sum of its caps minus ``duplicate_classes`` (Yahoo reports Alphabet's company cap on both GOOG and
   GOOGL), if it lists at least ``min_constituents`` caps (default 400: a snapshot of the members alone is
   not a total). The total on ``when`` is ``total(anchor) * index(when) / index(anchor date)``.
3. Share = sum of member caps / total.

Members are tickers, one per company: pass GOOGL, not GOOG and GOOGL (Yahoo's cap is company-level).
A fund-holdings snapshot fits the same method: each company's index weight (share classes added) is its "cap"
and 1.0 the total, so the share moves with the members' prices against the index level.

Expected error (a few tenths of a percentage point of share, growing with the distance to the anchors):

- share-count drift between anchors: buybacks (Apple, Alphabet, Meta shrink 1–3% a year) and issuance or
  stock compensation are invisible until the next snapshot;
- the index total follows the index level, which is float-adjusted and divisor-adjusted: constituent changes,
  float changes and issuance move the true total without moving the index;
- S&P-reported totals are full (not float-adjusted) market caps and are rounded (to $0.01 trillion), and a
  Yahoo sum differs from them by constituents' share-class handling (2024-12-31: 51.8 T summed vs 51.86 T);
- Yahoo's company-level caps use its own share counts, which lag filings by up to a quarter.

Warnings always name the anchor dates and their distance from ``when``, so the reader can judge the estimate.

Changes and history ("one anchor per change"): a change between two dates is measured with both ends scaled
from the same snapshots, the later date's (:func:`mag7_share_change`), so a new snapshot never shows as a market
move. The weekly history (:func:`mag7_share_history`) is chain-linked: its newest point is the share on its own
anchors, and each older point is the next newer one times the ratio of the two dates' shares measured on the
newer date's anchors. A history point is therefore the share as the newest snapshots see it, not the estimate
each date would get on its own anchors.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
from functools import partial

import pandas as pd

from ..errors import BadArgumentError, MarketReviewError, NoDataError
from ..types import FundamentalsSnapshot
from .figure import Figure, merge_warnings
from .prices import close_asof

#: Two members whose caps in one snapshot are this close, one a listed duplicate class, are one company.
_SAME_COMPANY_TOLERANCE = 0.01
#: A snapshot summed into an index total must list at least this many caps (the S&P 500 lists ~503).
MIN_CONSTITUENTS = 400
#: How far before the first snapshot an estimate may reach (days); further back is an error.
MAX_BACK_DAYS = 400


def _has_caps(snapshot: FundamentalsSnapshot, members: Sequence[str]) -> bool:
    caps = snapshot.market_caps
    for member in members:
        if member not in caps.index:
            return False
        try:
            cap = float(caps[member])
        except (TypeError, ValueError):
            return False
        if math.isnan(cap) or cap <= 0:
            return False
    return True


def _snapshot_total(snapshot: FundamentalsSnapshot, min_constituents: int) -> float | None:
    if snapshot.index_total is not None and not math.isnan(snapshot.index_total):
        return float(snapshot.index_total)
    caps = snapshot.market_caps
    if caps is None or caps.notna().sum() < min_constituents:  # a few members' caps are not an index total
        return None
    kept = caps.drop(index=[t for t in snapshot.duplicate_classes if t in caps.index])
    total = float(kept.sum(skipna=True))
    return total if total > 0 else None


def _pick(snapshots: Sequence[FundamentalsSnapshot], when: dt.date,
          usable: Callable[[FundamentalsSnapshot], bool], what: str, max_back_days: int = MAX_BACK_DAYS
          ) -> tuple[FundamentalsSnapshot, str | None]:
    """The latest usable snapshot on or before ``when``; before the first, the first one as a marked estimate
    (within ``max_back_days``), else an error."""
    ordered = sorted(snapshots, key=lambda s: s.date)
    good = [s for s in ordered if usable(s)]
    before = [s for s in good if s.date <= when]
    if before:
        return before[-1], None
    if not good:
        raise NoDataError("mag7", when, f"no fundamentals snapshot with {what}")
    first = good[0]
    days = (first.date - when).days
    if days > max_back_days:
        raise NoDataError("mag7", when, f"{when.isoformat()} is before the first snapshot with {what} "
                          f"({first.date.isoformat()}, {days} days later); estimates reach back at most "
                          f"{max_back_days} days")
    return first, (f"mag7: ESTIMATE before the first snapshot with {what}: extrapolated back from "
                   f"{first.date.isoformat()} ({_distance(first.date, when)})")


def _check_members(members: Sequence[str], anchor: FundamentalsSnapshot) -> None:
    if not members:
        raise BadArgumentError("members", members, "is empty")
    if len(set(members)) != len(members):
        raise BadArgumentError("members", tuple(members), "lists a ticker twice")
    caps = anchor.market_caps
    for dup in anchor.duplicate_classes:
        if dup not in members:
            continue
        for other in members:
            if other != dup and abs(caps[other] / caps[dup] - 1.0) < _SAME_COMPANY_TOLERANCE:
                raise BadArgumentError("members", tuple(members),
                                       f"{dup} and {other} are share classes of one company (the cap is "
                                       "company-level); pass one of them")


def mag7_share(member_closes: Mapping[str, pd.Series], index_closes: pd.Series,
               snapshots: Sequence[FundamentalsSnapshot], when: dt.date, *, members: Sequence[str],
               index_symbol: str = "^GSPC", sessions: pd.DatetimeIndex | None = None,
               min_constituents: int = MIN_CONSTITUENTS, max_back_days: int = MAX_BACK_DAYS,
               anchor_at: dt.date | None = None) -> Figure:
    """The members' share of the index's total market cap on ``when`` (0.33 = 33%), estimated by the
    anchored method of this module's docstring. ``start``/``end`` are the index closes at the index anchor
    and on ``when``; ``warnings`` name the anchors and carry the anchors' own notes.

    ``anchor_at`` scales ``when`` from the snapshots that anchor another date (default: ``when`` itself), so
    that two dates can be compared on one anchor; an anchor after ``when`` is scaled back by the closes."""
    members = tuple(members)
    missing = [m for m in members if m not in member_closes]
    if missing:
        raise BadArgumentError("members", members, f"no closes given for {', '.join(missing)}")
    pick_at = when if anchor_at is None else anchor_at
    anchor, late = _pick(snapshots, pick_at, lambda s: _has_caps(s, members), "member caps", max_back_days)
    _check_members(members, anchor)
    has_total = lambda s: _snapshot_total(s, min_constituents) is not None  # noqa: E731
    index_anchor, index_late = _pick(snapshots, pick_at, has_total, "index total", max_back_days)

    warnings: list[str | None] = [late, index_late, *anchor.notes, *index_anchor.notes]
    member_cap = 0.0
    for member in members:
        series = member_closes[member]
        then, warn_then = close_asof(series, anchor.date, symbol=member, sessions=sessions)
        now, warn_now = close_asof(series, when, symbol=member, sessions=sessions)
        warnings += [warn_then, warn_now]
        member_cap += float(anchor.market_caps[member]) * now.value / then.value

    total_then = _snapshot_total(index_anchor, min_constituents)
    assert total_then is not None  # guaranteed by _pick
    index_then, warn_then = close_asof(index_closes, index_anchor.date, symbol=index_symbol,
                                       sessions=sessions)
    index_now, warn_now = close_asof(index_closes, when, symbol=index_symbol, sessions=sessions)
    total = total_then * index_now.value / index_then.value
    basis = "S&P-reported" if index_anchor.index_total is not None else "summed caps"
    warnings += [
        warn_then, warn_now,
        f"mag7: member caps anchored at {anchor.date.isoformat()} ({_distance(anchor.date, when)}), "
        f"index total ({basis}) at {index_anchor.date.isoformat()} ({_distance(index_anchor.date, when)})",
    ]
    return Figure(member_cap / total, index_then, index_now, merge_warnings(warnings))


def mag7_share_change(member_closes: Mapping[str, pd.Series], index_closes: pd.Series,
                      snapshots: Sequence[FundamentalsSnapshot], start: dt.date, end: dt.date, *,
                      members: Sequence[str], index_symbol: str = "^GSPC", sessions: pd.DatetimeIndex | None = None,
                      min_constituents: int = MIN_CONSTITUENTS, max_back_days: int = MAX_BACK_DAYS) -> Figure:
    """``share(end) - share(start)`` as a fraction (0.0012 = +0.12 pt), both ends on ``end``'s anchors, so the
    change is what the members' and the index's prices did between the two dates. ``start``/``end`` are the
    index closes of the two dates; ``warnings`` are both ends'."""
    if start > end:
        raise BadArgumentError("start", start.isoformat(), f"is after the end date {end.isoformat()}")
    share = partial(mag7_share, member_closes, index_closes, snapshots, members=members, index_symbol=index_symbol,
                    sessions=sessions, min_constituents=min_constituents, max_back_days=max_back_days)
    now, then = share(end), share(start, anchor_at=end)
    # the anchors are ``end``'s, named (with their age) once by ``now``; ``then`` adds only its closes' warnings
    own = [w for w in then.warnings if not w.startswith("mag7: ")]
    return Figure(now.value - then.value, then.end, now.end, merge_warnings(now.warnings, own))


def mag7_share_history(member_closes: Mapping[str, pd.Series], index_closes: pd.Series,
                       snapshots: Sequence[FundamentalsSnapshot], dates: Sequence[dt.date], *,
                       members: Sequence[str], index_symbol: str = "^GSPC", sessions: pd.DatetimeIndex | None = None,
                       min_constituents: int = MIN_CONSTITUENTS, max_back_days: int = MAX_BACK_DAYS
                       ) -> list[Figure | MarketReviewError]:
    """The chain-linked share on each of ``dates`` (any order; the answer follows it): the newest date on its
    own anchors, every older one linked to the next newer date on that date's anchors (module docstring).
    Where a step cannot be computed, that date and every older one hold the error."""
    share = partial(mag7_share, member_closes, index_closes, snapshots, members=members, index_symbol=index_symbol,
                    sessions=sessions, min_constituents=min_constituents, max_back_days=max_back_days)
    out: list[Figure | MarketReviewError] = [NoDataError("mag7")] * len(dates)
    newer: tuple[dt.date, Figure, Figure] | None = None  # (date, chained figure, its share on its own anchors)
    broken: MarketReviewError | None = None
    for i in sorted(range(len(dates)), key=lambda k: dates[k], reverse=True):
        when = dates[i]
        try:
            if broken is not None:
                raise broken
            own = share(when)
            if newer is None:
                chained = own
            else:
                newer_date, newer_chained, newer_own = newer
                linked = share(when, anchor_at=newer_date)
                chained = Figure(newer_chained.value * linked.value / newer_own.value, linked.start, linked.end,
                                 linked.warnings)
        except MarketReviewError as exc:
            broken = exc
            out[i] = exc
            continue
        out[i] = chained
        newer = (when, chained, own)
    return out


def _distance(anchor: dt.date, when: dt.date) -> str:
    days = (when - anchor).days
    if days == 0:
        return "same day"
    unit = "day" if abs(days) == 1 else "days"
    return f"{abs(days)} {unit} {'before' if days > 0 else 'after'}"
