"""The design card's refresh module, kept as a thin shim: it *is* the installed :mod:`marketreview.addin` (the
same module object). The workbook's button runs ``import marketreview.addin;marketreview.addin.main()``."""

import sys

from marketreview import addin as _addin

sys.modules[__name__] = _addin
