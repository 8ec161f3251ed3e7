"""Giving freed memory back to the system, and keeping Python's cycle collector off what lives long.

Reading a large campaign allocates and frees a great deal (file texts, YAML nodes): glibc keeps what was
freed inside the heap for reuse, so the process goes on counting it. ``trim`` hands the free pages back
(``malloc_trim``), on glibc only; elsewhere it does nothing.

The cycle collector walks every object it tracks each time it collects the oldest generation, which it
does whenever that generation has grown by a quarter. A check builds a large campaign (100 000 files: a
million long-lived objects) and its findings, and frees them only at the end; it makes next to no cyclic
garbage (a few dozen objects at each collection, measured on 100 000 drafts). The collector's walks cost
the cold check of 100 000 drafts 9 s of this process's time, and 2 to 4 s in each forked worker, which
walked the parent's objects again and so wrote to (copied) their pages. ``collector_off`` runs a check
with the collector off and collects once at the end; ``forked`` freezes what a new worker inherited
(``gc.freeze``: never walked again), as the ``gc`` documentation advises for processes that fork, and
collects the worker's own objects less often.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import gc
from contextlib import contextmanager
from functools import lru_cache
from typing import Iterator


@lru_cache(maxsize=1)
def _malloc_trim():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc.malloc_trim
    except (OSError, AttributeError):
        return None


def trim() -> None:
    """Return the heap's free pages to the system (a few milliseconds)."""
    fn = _malloc_trim()
    if fn is not None:
        fn(0)


@contextmanager
def collector_off() -> Iterator[None]:
    """Run a batch of work (a check) with the cycle collector off; at the end collect once what it left as
    garbage, so that a caller that runs many checks in one process (the tests, a server) keeps none."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.collect()
        if was:
            gc.enable()


WORKER_THRESHOLD = 20_000  # new objects between a worker's youngest collections (Python's default: 700)


def forked() -> None:
    """In a worker just forked: what it inherited is never walked by its collections (nor its pages copied
    by them), and its own objects are walked less often; the collector is on, even when the worker was
    forked while a check ran with it off (``collector_off``). The parent's collector is not affected."""
    gc.freeze()
    gc.set_threshold(WORKER_THRESHOLD, *gc.get_threshold()[1:])
    gc.enable()
