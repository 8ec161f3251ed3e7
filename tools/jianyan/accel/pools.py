"""When work is spread over forked processes: one rule for every pool in the tool.

Forking shares what the parent has loaded (the campaign, jieba's dictionary, the index) without
copying it; where ``fork`` does not exist, or there is one core, or too little work to repay starting
processes, the work runs in this process instead.
"""
from __future__ import annotations

import multiprocessing
import os


def processes(jobs: int, minimum: int, wanted: int | None = None) -> int:
    """How many processes to fork for ``jobs`` pieces of work; 0 to do it here (fewer than
    ``minimum`` pieces, one core, or no ``fork``). ``wanted``: a count asked for instead of the cores."""
    procs = wanted or os.cpu_count() or 1
    if procs < 2 or jobs < minimum or "fork" not in multiprocessing.get_all_start_methods():
        return 0
    return procs
