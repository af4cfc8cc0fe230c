"""Every error MarketReview raises, under one root.

    MarketReviewError
    ├── InputError              a bad argument from a user (formula, CLI, option)
    │   ├── UnknownSymbolError  symbol or alias not known / not served by any source
    │   ├── BadDateError        unparseable date, bad relative code, start after end, future date
    │   ├── BadArgumentError    any other bad argument (tenor, weeks, lang, interval, unsafe text)
    │   │   └── SettingsError   the settings file cannot be read, decoded or written
    │   └── ErrorValueError     an argument is an Excel error value (#N/A …)
    ├── DataError               the data cannot answer the question
    │   ├── NoDataError         no close on or before the date / empty series
    │   ├── DataFormatError     a malformed file or response (empty CSV, bad header, bad number)
    │   └── StaleFileError      a local file read before is gone or unreadable now: its old values are withheld
    ├── SourceError             a source failed to deliver (network, rate limit, empty answer)
    │   ├── RateLimitError      the source asked us to slow down (retried with backoff first)
    │   ├── NetworkError        the source could not be reached (DNS, connection, timeouts, outage page)
    │   └── SymbolNotFoundError the source answered but had nothing for a symbol
    ├── CacheError              the SQLite cache could not be read or written
    │   ├── CacheCorruptError   the cache file is damaged (it is moved aside and rebuilt)
    │   ├── CacheBusyError      another process held the cache's lock longer than the wait limit
    │   └── ForeignCacheError   the file is not a MarketReview cache (left untouched)
    └── RenderError             a workbook could not be written

Third-party exceptions are translated into these at each boundary (the source adapters, the cache, the renderers).
Every error can say what a worksheet cell should show: ``excel_code`` (an Excel error value) and ``excel_text``
(a short readable reason).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from typing import Any

#: An input echoed back in a message is cut to this many characters (a cell holds at most 32,767).
ECHO_LIMIT = 60


def echo(value: object, *, quoted: bool = True) -> str:
    """``value`` as a message shows it (``repr`` for ``quoted``), cut to :data:`ECHO_LIMIT` characters with ``…``."""
    text = repr(value) if quoted else str(value)
    return text if len(text) <= ECHO_LIMIT else text[: ECHO_LIMIT - 1] + "…"


class MarketReviewError(Exception):
    """Root of every MarketReview error."""

    excel_code = "#VALUE!"

    @property
    def excel_text(self) -> str:
        return f"{self.excel_code} {self}"


# -- input ------------------------------------------------------------------------------------------


class InputError(MarketReviewError):
    """A bad argument from a user."""


class UnknownSymbolError(InputError):
    excel_code = "#N/A"

    def __init__(self, symbol: object, hint: str = "") -> None:
        self.symbol = symbol
        message = f"unknown symbol {echo(symbol, quoted=not isinstance(symbol, str))}"
        super().__init__(message + (f" ({hint})" if hint else ""))


class BadDateError(InputError):
    def __init__(self, value: object, reason: str, argument: str = "date") -> None:
        self.value = value
        self.argument = argument
        super().__init__(f"bad {argument} {echo(value)}: {reason}")


class BadArgumentError(InputError):
    def __init__(self, argument: str, value: object, reason: str) -> None:
        self.argument = argument
        self.value = value
        super().__init__(f"bad {argument} {echo(value)}: {reason}")


class SettingsError(BadArgumentError):
    """The per-user settings file (or its folder) is unusable: ``settings file PATH: why (what to do)``."""

    def __init__(self, path: object, reason: str) -> None:
        super().__init__("settings", str(path), reason)
        self.args = (f"settings file {path}: {reason}",)

    def __str__(self) -> str:
        return str(self.args[0])


class ErrorValueError(InputError):
    """An argument is an Excel error value (``#N/A`` …): the answer is that error, naming the argument."""

    def __init__(self, argument: str, code: str) -> None:
        self.argument = argument
        self.excel_code = code
        super().__init__(f"argument {argument} is {code}")


# -- data -------------------------------------------------------------------------------------------


class DataError(MarketReviewError):
    """The data cannot answer the question."""

    excel_code = "#N/A"


class NoDataError(DataError):
    def __init__(self, symbol: str, when: _dt.date | None = None, reason: str = "") -> None:
        self.symbol = symbol
        self.when = when
        if reason:
            message = f"{symbol}: {reason}"
        elif when is not None:
            message = f"{symbol}: no close on or before {when.isoformat()}"
        else:
            message = f"{symbol}: no data"
        super().__init__(message)


class DataFormatError(DataError):
    def __init__(self, where: str, reason: str) -> None:
        self.where = where
        super().__init__(f"{where}: {reason}")


class StaleFileError(DataError):
    """A local file whose rows the cache holds is gone, unreadable or invalid now: those rows are not served."""

    def __init__(self, symbol: str, reason: str) -> None:
        self.symbol = symbol
        super().__init__(f"{symbol}: {reason}")


# -- sources ----------------------------------------------------------------------------------------


class SourceError(MarketReviewError):
    """A source failed to deliver."""

    excel_code = "#N/A"

    #: what the source did deliver for the other symbols of the batch (the standard frame), if anything
    frame: Any = None

    #: per symbol, the error that cost it (when the symbols of a batch failed for different reasons)
    causes: dict[str, MarketReviewError]

    def __init__(self, source: str, reason: str, symbols: Iterable[str] = ()) -> None:
        self.source = source
        self.symbols = tuple(symbols)
        self.causes = {}
        what = f" for {', '.join(self.symbols)}" if self.symbols else ""
        super().__init__(f"{source}: {reason}{what}")


class RateLimitError(SourceError):
    """The source rate-limited us, even after retries."""


class NetworkError(SourceError):
    """The source could not be reached: ``network unreachable (yahoo): <cause>``. Never an unknown symbol."""

    def __init__(self, source: str, reason: str, symbols: Iterable[str] = ()) -> None:
        super().__init__(source, reason, symbols)
        shown = ", ".join(self.symbols[:5]) + (f" and {len(self.symbols) - 5} more" if len(self.symbols) > 5 else "")
        what = f" for {shown}" if self.symbols else ""
        self.args = (f"network unreachable ({source}): {reason}{what}",)

    def __str__(self) -> str:
        return str(self.args[0])


class DeadlineError(NetworkError):
    """A refresh's deadline passed before the source answered: the previous values are kept."""

    def __init__(self, source: str, seconds: float, symbols: Iterable[str] = ()) -> None:
        super().__init__(source, f"not fetched within the refresh deadline ({seconds:g} s)", symbols)
        self.args = (f"{source}: not fetched within the refresh deadline ({seconds:g} s); previous values kept",)


class SymbolNotFoundError(SourceError):
    """Some symbols of a batch had no data. ``frame`` holds what the source did deliver for the others
    (the standard ``(field, symbol)`` frame), so one bad symbol does not cost the whole batch."""

    def __init__(self, source: str, symbols: Iterable[str], frame: Any = None, note: str = "") -> None:
        super().__init__(source, "returned no data" + (f" ({note})" if note else ""), symbols)
        self.frame = frame


# -- cache and rendering ----------------------------------------------------------------------------


class CacheError(MarketReviewError):
    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        super().__init__(f"cache {path}: {reason}")


class CacheCorruptError(CacheError):
    pass


class CacheBusyError(CacheError):
    pass


class ForeignCacheError(CacheError):
    pass


class RenderError(MarketReviewError):
    def __init__(self, target: str, reason: str) -> None:
        self.target = target
        super().__init__(f"{target}: {reason}")
