"""MarketReview: market-review figures as Excel formulas, a refreshable template and headless workbook builds.

Data flows one way: sources → SQLite cache → calculations → report model → renderers. The names below are the
supported public API; everything else may change.
"""

from .app import open_engine
from .cache import Cache
from .engine import Engine, FetchReport
from .errors import (
    BadArgumentError,
    BadDateError,
    CacheCorruptError,
    CacheError,
    DataError,
    DataFormatError,
    InputError,
    MarketReviewError,
    NoDataError,
    RateLimitError,
    RenderError,
    SourceError,
    SymbolNotFoundError,
    UnknownSymbolError,
)
from .functions import FUNCTIONS, Answer, call
from .report.build import build_report
from .sources.base import FunctionSource, Source
from .symbols import SymbolMap
from .types import DateLike, Symbol

__version__ = "0.1.0"

__all__ = [
    "FUNCTIONS",
    "Answer",
    "BadArgumentError",
    "BadDateError",
    "Cache",
    "CacheCorruptError",
    "CacheError",
    "DataError",
    "DataFormatError",
    "DateLike",
    "Engine",
    "FetchReport",
    "FunctionSource",
    "InputError",
    "MarketReviewError",
    "NoDataError",
    "RateLimitError",
    "RenderError",
    "Source",
    "SourceError",
    "Symbol",
    "SymbolMap",
    "SymbolNotFoundError",
    "UnknownSymbolError",
    "build_report",
    "call",
    "open_engine",
]
