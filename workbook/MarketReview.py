"""The module named after MarketReview.xlsm, beside it (xlwings' quickstart convention).

The workbook's Refresh button runs ``SampleCall``, which does
``RunPython "import MarketReview;MarketReview.main()"``; the xlwings.conf sheet names this module under
"UDF Modules", so "Import Functions" finds the UDFs here.
It only re-exports: the UDFs live in ``udfs/`` and the refresh in ``addin/``.
"""

from __future__ import annotations

import sys
from pathlib import Path

_REPO = Path(__file__).resolve().parent.parent
for _folder in (_REPO / "udfs", _REPO / "addin"):
    if _folder.is_dir() and str(_folder) not in sys.path:
        sys.path.insert(0, str(_folder))

from marketreview_addin import main  # noqa: E402, F401
from marketreview_udfs import *  # noqa: E402, F403
