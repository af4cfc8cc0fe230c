"""MarketReview: market-review figures as Excel formulas."""

__version__ = "0.1.0"
