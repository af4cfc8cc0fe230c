"""The living workbook: figures as portable formulas over a hidden data sheet, driven by ``AsOf``."""

from .writer import write_living

__all__ = ["write_living"]
