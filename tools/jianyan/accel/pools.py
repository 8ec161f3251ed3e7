"""Work spread over worker processes: the one place the tool starts them, and one rule for how many.

Forking shares what the parent has loaded (the campaign, jieba's dictionary, the index) without
copying it; where ``fork`` does not exist, or there is one core, or too little work to repay starting
processes, the work runs in this process instead. A parent that holds much the workers do not need
(a large campaign) starts fresh workers from a fork server instead, which imports only the modules
named and is handed what the workers need (``imap``'s ``fresh``).
"""
from __future__ import annotations

import multiprocessing
import os
from typing import Callable, Iterable, Iterator, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def processes(jobs: int, minimum: int, wanted: int | None = None) -> int:
    """How many processes to fork for ``jobs`` pieces of work; 0 to do it here (fewer than
    ``minimum`` pieces, one core, or no ``fork``). ``wanted``: a count asked for instead of the cores."""
    procs = wanted or os.cpu_count() or 1
    if procs < 2 or jobs < minimum or "fork" not in multiprocessing.get_all_start_methods():
        return 0
    return procs


def imap(fn: Callable[[T], R], items: Iterable[T], procs: int, *, chunksize: int = 1,
         fresh: list[str] | None = None, initializer: Callable | None = None,
         initargs: tuple = ()) -> Iterator[R] | None:
    """``fn(item)`` of each item over ``procs`` worker processes, in order, each as soon as it is in;
    None when no processes are to be had (the caller then does the work itself).

    The workers are forks of this process as it is now (module globals set before the call are
    theirs) or, with ``fresh`` (the modules the fork server imports first), new processes that hold
    only what ``initializer(*initargs)`` gives them. The pool ends with the iteration."""
    try:
        if fresh is None:
            ctx = multiprocessing.get_context("fork")
        else:
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(fresh)
        pool = ctx.Pool(procs, initializer, initargs)
    except (OSError, ValueError):
        return None
    return _results(pool, fn, items, chunksize)


class Background:
    """Work set going in worker processes (``background``): ``results`` in order, each as soon as it is in;
    ``stop`` ends the workers (after ``results`` ran out, or when they are not wanted after all)."""

    def __init__(self, pool, results) -> None:
        self.pool, self.running = pool, results

    def results(self) -> Iterator:
        try:
            yield from self.running
        finally:
            self.stop()

    def stop(self) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool = None


def background(fn: Callable[[T], R], items: Iterable[T], procs: int) -> Background | None:
    """``imap`` of forked workers that start on the items at once, while the caller does other work; None
    when no processes are to be had."""
    try:
        pool = multiprocessing.get_context("fork").Pool(procs)
    except (OSError, ValueError):
        return None
    return Background(pool, pool.imap(fn, items))


def _results(pool, fn: Callable[[T], R], items: Iterable[T], chunksize: int) -> Iterator[R]:
    with pool:
        yield from pool.imap(fn, items, chunksize=chunksize)


def start(target: Callable[..., None], args: Iterable[tuple]) -> list[multiprocessing.Process]:
    """One forked daemon process for each tuple of ``args``, running ``target(*a)``, started and not
    waited for (``join`` them); OSError when one cannot be started (those already started run on)."""
    ctx = multiprocessing.get_context("fork")
    out = []
    for a in args:
        p = ctx.Process(target=target, args=a, daemon=True)
        p.start()
        out.append(p)
    return out
