"""Features of many texts over all cores, written by the worker processes straight into the cache.

Each worker is forked with its share of the texts (every ``procs``-th one, so the shares are even),
computes their features and writes them as shards of the feature cache (cache.py); the parent only
waits and then opens the new shards, memory-mapped. Nothing is sent back through a pipe: pickling
12 KB of arrays a text cost a fifth of the tokenising time.

A cold ``jianyan check`` starts a ``Warmup`` before it reads the repository: its workers read the
submission files themselves and compute the features while the parent parses the front matter and
validates, so the two overlap instead of one waiting for the other. A body the worker splits off
differently from the loader (a broken file) is simply a cache miss that ``fill`` computes later.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Callable, Iterable

from jianyan.accel import pools
from jianyan.campaign import frontmatter
from jianyan.accel.memory import trim
from jianyan.dup import features as F
from jianyan.dup.index.cache import Store, content_key, write_shard
from jianyan.dup.normalise import normalise
from jianyan.dup.tokens import cut, fast, keep_table, prepare, rust_available

PARALLEL_MIN = 64     # below this many texts to tokenise, one process is faster
SHARD_ITEMS = 4096    # texts a worker holds before writing them as a shard (bounds its memory: ~60 MB)
SHARE_JIEBA_MAX = 20_000  # files beyond which the warm-up's workers load jieba themselves (Warmup)
MAX_FILE_BYTES = 1_000_000  # the warm-up leaves larger files to the loader (it refuses them anyway)

BEFORE, AFTER = "before", "after"  # when a worker writes jieba's table (_work)
STEP = 1024           # texts taken through each stage together (jieba's dictionary stays in the CPU cache)

# One job's text: (content key, source, is Markdown), or None to skip it.
Text = tuple[bytes, str, bool]


def compute(source: str, markdown: bool) -> F.Features:
    n = normalise(source, markdown)
    return F.compute(n.text, n.quoted)


def compute_all(texts: list[tuple[str, bool]]) -> list[F.Features]:
    """``compute`` of each text, stage by stage: all normalised, then all cut, then all features
    (a sixth faster than text by text, measured on 5000 texts)."""
    norms = [normalise(source, markdown) for source, markdown in texts]
    words = [cut(n.text) for n in norms]
    return [F.compute(n.text, n.quoted, w) for n, w in zip(norms, words)]


def _work(jobs: list, read: Callable[[object], Text | None], known: Store, folder: Path,
          root: Path | None, table: str | None) -> None:
    """A worker's share: features of the jobs not in ``known``, written to ``folder`` as shards.
    ``table``: also write jieba's dictionary as a mapped table when the cache has none (for the next pull
    request's check), BEFORE the work (jieba's dictionary is loaded to cut: a cold cache without rjieba),
    or AFTER it (loading jieba's dictionary for it if need be)."""
    if table == BEFORE:  # while this process is small: building the table takes 90 MB
        fast()
        keep_table(root)
        trim()
    _features(jobs, read, known, folder)
    if table == AFTER:  # the features and texts freed, their pages given back
        trim()
        keep_table(root, load=True)


def _features(jobs: list, read: Callable[[object], Text | None], known: Store, folder: Path) -> None:
    batch: dict[bytes, F.Features] = {}
    for start in range(0, len(jobs), STEP):
        step: dict[bytes, tuple[str, bool]] = {}
        for job in jobs[start:start + STEP]:
            got = read(job)
            if got is not None and got[0] not in batch and got[0] not in step and got[0] not in known:
                step[got[0]] = got[1:]
        batch.update(zip(step, compute_all(list(step.values()))))
        if len(batch) >= SHARD_ITEMS:
            write_shard(folder, batch)
            batch = {}
    if batch:
        write_shard(folder, batch)


def _child(k: int, procs: int, *args) -> None:
    try:
        jobs = _JOBS[k::procs]
        _JOBS.clear()  # this worker's share is taken: the rest is not its to hold
        _work(jobs, *args)
    except BaseException:  # noqa: BLE001 - a worker's failure only leaves cache misses: no traceback
        os._exit(1)
    os._exit(0)


_JOBS: list = []  # the jobs being handed to forked workers (_spawn); empty otherwise


def _spawn(jobs: list, read, known: Store, folder: Path, root: Path | None, procs: int,
           table: str | None = AFTER) -> list:
    """Fork ``procs`` workers over ``jobs``; worker 0 also writes jieba's table (``table``: _work).
    The jobs reach the workers through the fork, not as the processes' arguments, so that this process
    does not keep them (100 000 paths: 20 MB) while the workers run."""
    _JOBS[:] = jobs
    try:
        return pools.start(_child, [(k, procs, read, known, folder, root, table if k == 0 else None)
                                    for k in range(procs)])
    finally:
        _JOBS.clear()


def fill(store: Store, todo: dict[bytes, tuple[str, bool]], root: Path | None,
         processes: int | None = None) -> None:
    """Compute the features of ``todo`` (content key → source, is Markdown) into ``store``."""
    if not todo:
        return
    procs = pools.processes(len(todo), PARALLEL_MIN, processes)
    prepare(root, len(todo))  # before forking: the workers share the tokenizer
    if not procs:
        for key, feats in zip(todo, compute_all(list(todo.values()))):
            store.put(key, feats)
        keep_table(root, load=True)  # for the next check of a few texts (once: then it is in the cache)
        return
    scratch = None if store.folder else Path(tempfile.mkdtemp(prefix="jianyan-dup-"))
    folder = store.folder or scratch
    try:
        try:
            workers = _spawn([(k, s, m) for k, (s, m) in todo.items()], _as_is, Store(None), folder, root,
                             procs, table=None)
        except OSError:
            workers = []  # no processes to be had: computed below, in this process
        keep_table(root, load=True)  # while the workers cut
        for p in workers:
            p.join()
        store.adopt(folder)  # memory-mapped: the scratch folder can go at once (Linux keeps the pages)
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
    for key, (source, markdown) in todo.items():  # what a failed worker left undone
        if key not in store:
            store.put(key, compute(source, markdown))


def _as_is(job: Text) -> Text:
    return job


def read_submission(path: Path) -> Text | None:
    """The body of a submission file as the loader splits it (frontmatter.py), with its key."""
    try:
        if path.is_symlink() or path.stat().st_size > MAX_FILE_BYTES:
            return None
        raw = path.read_bytes()
    except OSError:
        return None
    text, _ = frontmatter.decode("", raw)
    if text is None:
        return None
    yaml_text, body, _, _ = frontmatter.split_front_matter("", text)
    return None if yaml_text is None else (content_key(body, True), body, True)


class Warmup:
    """Features of submission files computed in the background while the repository is read.

    With an empty feature cache the tokenizer is loaded here first, so that the workers share it (and,
    without rjieba, this process writes jieba's mapped table while it waits for them); otherwise most
    texts are cached and a worker loads it only if it meets one that is not. Above SHARE_JIEBA_MAX files
    each worker loads it (a second of work against minutes): this process, which holds the campaign,
    then does not carry jieba's dictionary (80 MB) as well. With rjieba, the first worker writes jieba's
    table once its share is cut (``_work``)."""

    def __init__(self, root: Path, paths: Iterable[Path], processes: int | None = None):
        self.workers: list = []
        self.root = root
        store = Store(root)
        jobs = [p for p in paths if p.suffix == ".md"]
        procs = pools.processes(len(jobs), PARALLEL_MIN, processes)
        if store.folder is None or not procs:
            return
        cold = not store.shards
        shared = cold and len(jobs) <= SHARE_JIEBA_MAX
        if shared:
            prepare(root, len(jobs))
        rust = rust_available()
        table = None if shared and not rust else (BEFORE if cold and not rust else AFTER)
        try:
            self.workers = _spawn(jobs, read_submission, store, store.folder, root, procs, table=table)
        except OSError:
            self.workers = []  # no processes to be had: the check computes them itself

    @property
    def busy(self) -> bool:
        """Workers were started and not yet waited for."""
        return bool(self.workers)

    def wait(self) -> None:
        """Let the workers finish (the check then finds their features in the cache)."""
        if self.workers:
            keep_table(self.root)  # meanwhile: jieba's table, if jieba was loaded here
        for p in self.workers:
            p.join()
        self.workers = []

    def stop(self) -> None:
        """The features are not needed after all: end the workers."""
        for p in self.workers:
            p.terminate()
        self.wait()
