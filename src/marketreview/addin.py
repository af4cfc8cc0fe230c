"""``marketreview.addin``, the name the Refresh button's VBA runs (``import marketreview.addin;
marketreview.addin.main()``): the same module object as :mod:`marketreview.excel.addin`."""

import sys

from marketreview.excel import addin as _addin

sys.modules[__name__] = _addin
