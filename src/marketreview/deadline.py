"""A whole refresh has a deadline: RunPython blocks Excel while the Refresh button runs, so no source request may
keep it waiting past :data:`DEFAULT_SECONDS` (the ``MARKETREVIEW_REFRESH_DEADLINE`` setting).

:class:`Pending` runs a source request in a daemon thread (the requests of one batch, one per source, run side
by side, so a hanging source does not use up the others' time) and stops waiting when the time is up. A request
itself cannot be interrupted; its thread is abandoned (a daemon: it does not keep the RunPython process
alive) and its answer, if it ever comes, is ignored. What was not fetched keeps its previous values in the cache,
and the refresh names it (:class:`marketreview.errors.DeadlineError`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

#: Seconds a whole refresh may spend fetching, by default.
DEFAULT_SECONDS = 30.0
#: The most a single request waits for an answer (the sources' own timeouts are at most this).
REQUEST_TIMEOUT = 10.0

_T = TypeVar("_T")


def remaining(deadline: float | None) -> float | None:
    """Seconds left before ``deadline`` (a :func:`time.monotonic` reading); None: no deadline."""
    return None if deadline is None else deadline - time.monotonic()


class Pending:
    """One call running in a daemon thread; :meth:`result` waits for it at most a given time."""

    def __init__(self, fn: Callable[[], Any]) -> None:
        self._box: dict[str, Any] = {}
        self._thread = threading.Thread(target=self._run, args=(fn,), name="marketreview-fetch", daemon=True)
        self._thread.start()

    def _run(self, fn: Callable[[], Any]) -> None:
        try:
            self._box["value"] = fn()
        except BaseException as exc:  # handed to the waiting thread as it is
            self._box["error"] = exc

    def result(self, seconds: float) -> Any:
        """The call's value (or its exception), or :class:`TimeoutError` when it has not returned in time."""
        self._thread.join(max(seconds, 0.0))
        if self._thread.is_alive():
            raise TimeoutError
        if "error" in self._box:
            raise self._box["error"]
        return self._box["value"]


def call_within(fn: Callable[[], _T], seconds: float) -> _T:
    """``fn()``, or :class:`TimeoutError` when it has not returned after ``seconds``."""
    if seconds <= 0:
        raise TimeoutError
    value: _T = Pending(fn).result(seconds)
    return value


__all__ = ["DEFAULT_SECONDS", "REQUEST_TIMEOUT", "Pending", "call_within", "remaining"]
