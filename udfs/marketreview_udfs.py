"""The design card's UDF module, kept as a thin shim: it *is* the installed :mod:`marketreview.udfs` (the same
module object, so both names share one engine). Excel's "UDF Modules" names ``marketreview.udfs`` directly."""

import sys

from marketreview import udfs as _udfs

sys.modules[__name__] = _udfs
