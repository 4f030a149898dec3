"""Timing a stretch of computation by the wall clock, with Python's cycle collector paused.

`brkdoc simulate` reports the model's speed this way: the model's objects hold no reference
cycles, so on a long trace the collector's passes over millions of live objects would only add
time, and the figure would measure the collector as much as the model.

>>> result, seconds = timed_without_gc(lambda: sum(range(1000)))
>>> result, seconds >= 0
(499500, True)
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from typing import TypeVar

__all__ = ["timed_without_gc"]

T = TypeVar("T")


def timed_without_gc(work: Callable[[], T]) -> tuple[T, float]:
    """Run `work()` with the cycle collector off; return its result and the seconds it took
    (`time.perf_counter`). The collector is switched back on afterwards, on an exception too,
    if it was on before."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        started = time.perf_counter()
        result = work()
        return result, time.perf_counter() - started
    finally:
        if collecting:
            gc.enable()
