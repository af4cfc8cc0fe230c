"""The public API is exposed on purpose: ``marketreview.__all__`` is sorted, importable and does not drift."""

from __future__ import annotations

import marketreview

EXPECTED = {
    "FUNCTIONS", "Answer", "BadArgumentError", "BadDateError", "Cache", "CacheCorruptError", "CacheError",
    "DataError", "DataFormatError", "DateLike", "Engine", "FetchReport", "FunctionSource", "InputError",
    "MarketReviewError", "NoDataError", "RateLimitError", "RenderError", "Source", "SourceError", "Symbol",
    "SymbolMap", "SymbolNotFoundError", "UnknownSymbolError", "build_report", "call", "open_engine",
}


def isort_key(name: str) -> tuple[int, str]:
    """The order ruff keeps ``__all__`` in: CONSTANTS, then Classes, then functions, each alphabetical."""
    return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)


def test_all_is_sorted_and_complete():
    assert marketreview.__all__ == sorted(marketreview.__all__, key=isort_key)
    assert set(marketreview.__all__) == EXPECTED


def test_every_name_resolves():
    for name in marketreview.__all__:
        assert getattr(marketreview, name) is not None


def test_errors_share_one_root():
    errors = [getattr(marketreview, n) for n in marketreview.__all__ if n.endswith("Error")]
    assert all(issubclass(e, marketreview.MarketReviewError) for e in errors)
