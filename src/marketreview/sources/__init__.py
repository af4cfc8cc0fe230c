"""Daily-close sources behind one interface (:class:`~marketreview.sources.base.Source`)."""
