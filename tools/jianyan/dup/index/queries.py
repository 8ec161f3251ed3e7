"""The queries of an index's own texts, one at a time or many over worker processes.

A few hundred queries are answered in this process (starting workers costs more than it saves).
More are spread over forks of this process, which share the index it built; over a large campaign
the workers are fresh processes instead that open the index's files (``engine.Index.worker_state``):
a fork of a process holding 100 000 documents would count all of them in its memory.

(``parallel.py`` computes the features the index is built from; these workers need the built index,
hence a module of their own above ``engine.py``.)
"""
from __future__ import annotations

from typing import Iterator

from jianyan.accel import pools
from jianyan.dup.index.engine import Index, Match, own_matches

PARALLEL_QUERIES = 400  # below this many queries, forking costs more than it saves
FRESH_WORKERS_MIN = 20_000  # texts from which the query workers are fresh processes (``answers``)
RELEASE_EVERY = 1000   # queries between giving back the mapped pages they read (tables.release)


class Asker:
    """``own_matches`` of one index, counting the queries: now and then the mapped pages read are
    given back (tables.release), else every page of the index would end up in this process's memory."""

    def __init__(self, index) -> None:
        self.index = index
        self.asked = 0

    def __call__(self, i: int) -> list[Match]:
        self.asked += 1
        if self.asked % RELEASE_EVERY == 0 and hasattr(self.index, "release"):
            self.index.release()
        return own_matches(self.index, i)


_ASKER: Asker | None = None  # a worker's (set before forking, or by ``_open_worker``)


def answers(index, todo: list[int], processes: int | None = None) -> Iterator[tuple[int, list]] | None:
    """(i, [(j, pair)…]) for each text ``i`` of ``todo``, in order, answered over worker processes and
    each given as soon as it is in (nothing piles up); None when they are to be asked here (few
    queries, one core, no processes to be had). ``processes``: a count asked for instead of the cores."""
    global _ASKER
    procs = pools.processes(len(todo), PARALLEL_QUERIES, processes)
    if not procs:
        return None
    chunk = max(16, min(512, len(todo) // (procs * 8) or 1))
    if len(index.entries) >= FRESH_WORKERS_MIN:
        state = index.worker_state() if hasattr(index, "worker_state") else None
        if state is not None:
            found = pools.imap(_find, todo, procs, chunksize=chunk, fresh=[__name__],
                               initializer=_open_worker, initargs=(state,))
            if found is not None:
                return found
    _ASKER = Asker(index)  # the forked workers see it; this process does not need it after forking
    try:
        return pools.imap(_find, todo, procs, chunksize=chunk)
    finally:
        _ASKER = None


def _open_worker(state) -> None:
    """A fresh query worker: the index opened from its files (engine.Index.worker_state)."""
    global _ASKER
    _ASKER = Asker(Index.from_state(state))


def _find(i: int) -> tuple[int, list]:
    return i, [(m.index, m.pair) for m in _ASKER(i)]
