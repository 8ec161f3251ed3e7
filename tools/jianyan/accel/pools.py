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
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Callable, Iterable, Iterator, TypeVar

from jianyan.accel.memory import forked
from jianyan.core.errors import JianyanError

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
    only what ``initializer(*initargs)`` gives them. The pool ends with the iteration; a worker that
    dies (killed for want of memory, say) raises ``WorkersLost`` instead of leaving the caller waiting."""
    running = _pool(fn, items, procs, chunksize, fresh, initializer, initargs)
    return running.results() if running is not None else None


class WorkersLost(JianyanError):
    """A worker process ended before its work was done."""

    def __init__(self) -> None:
        super().__init__("检查用的工作进程意外退出（常见原因：内存不足，被系统终止），检查没有完成。"
                         "请关闭其他占用内存的程序后重试；内存仍不够时，用 --only 分几次检查")


class Background:
    """Work set going in worker processes (``background``, ``imap``): ``results`` in order, each as soon
    as it is in; ``stop`` ends the workers (after ``results`` ran out, or when they are not wanted after
    all).

    ``concurrent.futures``' pool rather than ``multiprocessing.Pool``: when a worker dies, the latter
    starts another and waits for ever for the lost work; the former says so (``BrokenProcessPool``)."""

    def __init__(self, pool: ProcessPoolExecutor, results: Iterator) -> None:
        self.pool, self.running = pool, results

    def results(self) -> Iterator:
        try:
            yield from self.running
        except BrokenProcessPool:
            raise WorkersLost() from None
        finally:
            self.stop()

    def stop(self) -> None:
        pool, self.pool = self.pool, None
        if pool is not None:
            # the executor has no public way to end busy workers before Python 3.14 (terminate_workers)
            for proc in list((getattr(pool, "_processes", None) or {}).values()):
                proc.kill()
            pool.shutdown(wait=True, cancel_futures=True)


def background(fn: Callable[[T], R], items: Iterable[T], procs: int) -> Background | None:
    """``fn(item)`` of each item over forked workers that start on the items at once, while the caller
    does other work; None when no processes are to be had."""
    return _pool(fn, items, procs, 1, None, None, ())


def _pool(fn, items, procs, chunksize, fresh, initializer, initargs) -> Background | None:
    try:
        if fresh is None:
            ctx = multiprocessing.get_context("fork")
        else:
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(fresh)
        pool = ProcessPoolExecutor(procs, mp_context=ctx, initializer=_begin, initargs=(initializer, initargs))
    except (OSError, ValueError):
        return None
    running = Background(pool, iter(()))
    try:
        running.running = pool.map(fn, items, chunksize=chunksize)  # the workers start here (forked: as this process is now)
    except OSError:
        running.stop()
        return None
    return running


def start(target: Callable[..., None], args: Iterable[tuple]) -> list[multiprocessing.Process]:
    """One forked daemon process for each tuple of ``args``, running ``target(*a)``, started and not
    waited for (``join`` them); OSError when one cannot be started (those already started run on)."""
    ctx = multiprocessing.get_context("fork")
    out = []
    for a in args:
        p = ctx.Process(target=_run, args=(target, *a), daemon=True)
        p.start()
        out.append(p)
    return out


def _begin(initializer: Callable | None, initargs: tuple) -> None:
    """A pool worker's first step (memory.forked), then the caller's ``initializer``."""
    forked()
    if initializer is not None:
        initializer(*initargs)


def _run(target: Callable[..., None], *args) -> None:
    forked()
    target(*args)
