"""Giving freed memory back to the system.

Reading a large campaign allocates and frees a great deal (file texts, YAML nodes): glibc keeps what was
freed inside the heap for reuse, so the process goes on counting it. ``trim`` hands the free pages back
(``malloc_trim``), on glibc only; elsewhere it does nothing.
"""
from __future__ import annotations

import ctypes
import ctypes.util
from functools import lru_cache


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
