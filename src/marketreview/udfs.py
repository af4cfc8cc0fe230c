"""``marketreview.udfs``, the name the workbook's "UDF Modules" setting imports: the same module object as
:mod:`marketreview.excel.udfs` (one engine, one set of functions; patching either name patches both)."""

import sys

from marketreview.excel import udfs as _udfs

sys.modules[__name__] = _udfs
