"""Linear time measured as a ratio: the same work on a text and on one four times as long, in CPU
seconds of this thread (pytest-xdist's own thread in a worker is not charged). Linear work takes about four times as long, a quadratic step sixteen times:
the ratio tells them apart at any size, so the texts can be small enough for a fast suite while a
quadratic step still shows (issue 18's linear-time attacks)."""
from __future__ import annotations

import gc
import time
from typing import Callable

FACTOR = 4   # the long text is this many times the short one
RATIO = 8    # linear: about 4; quadratic: about 16


def cpu_seconds(work: Callable[[], object]) -> float:
    """CPU seconds of ``work()``, the garbage collector held off: a collection set off by the earlier
    allocations would be charged to whichever run it fell in, and make a ratio of fast runs noise (a
    full collection first would cost a tenth of a second in a worker that has run many tests)."""
    was = gc.isenabled()
    gc.disable()
    try:
        start = time.thread_time()
        work()
        return time.thread_time() - start
    finally:
        if was:
            gc.enable()


def short_and_long(work: Callable[[int], object], size: int, floor: float) -> tuple[float, float]:
    """CPU seconds of ``work(size)`` and ``work(FACTOR * size)``: (short, long), the short one at least
    ``floor`` (below it a ratio is timer and cache noise). A long run that looks quadratic is measured
    once more with the short one, keeping the least of each: a burst of load on a shared machine slows
    one run, a quadratic step slows every run."""
    work(min(size, 1024))  # warm-up: tables built once per process are not the text's cost
    short = max(cpu_seconds(lambda: work(size)), floor)
    long = cpu_seconds(lambda: work(FACTOR * size))
    if long >= RATIO * short:
        short = max(min(short, cpu_seconds(lambda: work(size))), floor)
        long = min(long, cpu_seconds(lambda: work(FACTOR * size)))
    return short, long
