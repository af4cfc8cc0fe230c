"""Local files behind cached rows (a CSV folder): which version of a file the rows were read from, and what a
figure says when that file is gone, unreadable or invalid now (:class:`~marketreview.errors.StaleFileError`),
so that old rows are never served as current. Used by :class:`marketreview.engine.Engine`."""

from __future__ import annotations

import datetime as dt

from .errors import MarketReviewError, StaleFileError, SymbolNotFoundError
from .sources.base import Source
from .types import Symbol

#: A fetch time later than the clock by more than this is clock skew, not a rounding of "just now".
CLOCK_SKEW = dt.timedelta(minutes=5)


def reads_files(source: Source) -> bool:
    """Whether ``source`` serves tickers from local files it can fingerprint (a CSV folder)."""
    return getattr(source, "revision", None) is not None


def revision(source: Source, ticker: Symbol) -> str | None:
    """The version of the local file(s) serving ``ticker`` (size, mtime and hash), for sources that read files;
    None when none serves it (gone) or the source reads no files."""
    fingerprint = getattr(source, "revision", None)
    if fingerprint is None:
        return None
    try:
        value = fingerprint(ticker)
    except MarketReviewError:
        return None  # the fetch reports the problem, naming the file
    return None if value is None else str(value)


def clock_text(when: dt.datetime, tz: dt.tzinfo | None, today: dt.date) -> str:
    """``12:04`` today, ``2024-12-27 12:04`` on another day, in the user's zone (None: the machine's)."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    local = when.astimezone(tz) if tz is not None else when.astimezone()
    return f"{local:%H:%M}" if local.date() == today else f"{local:%Y-%m-%d %H:%M}"


def file_fault(ticker: Symbol, error: MarketReviewError, since: str, read_at: str | None,
               where: str | None) -> StaleFileError:
    """``MYF: its file is unreadable since 12:04 (…): the values read at 11:58 are not served``; a file that is
    gone (the source no longer finds one) names ``where`` it was looked for."""
    read = f": the values read at {read_at} are not served" if read_at else ""
    if isinstance(error, SymbolNotFoundError):
        why = f"gone since {since} ({where or error})"
    else:
        why = f"unreadable since {since} ({error})"
    return StaleFileError(ticker, f"its file is {why}{read}")


def fetch_age(fetched_at: dt.datetime, now: dt.datetime) -> str:
    """``"fetched 3.2 days ago"``; a fetch time in the future is named as what it is: ``"fetched at
    2030-01-01 00:00 UTC, 1489.4 days ahead of this computer's clock (clock skew: …)"``."""
    age = now - fetched_at
    if age < -CLOCK_SKEW:
        stamp = fetched_at.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        return (f"fetched at {stamp}, {-age.total_seconds() / 86400:.1f} days ahead of this computer's clock "
                "(clock skew: check the computer's date and time, or the clock of the one that fetched it)")
    return f"fetched {max(age.total_seconds(), 0.0) / 86400:.1f} days ago"


__all__ = ["CLOCK_SKEW", "clock_text", "fetch_age", "file_fault", "reads_files", "revision"]
