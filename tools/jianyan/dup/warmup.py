"""Tokenise a pull request's changed texts in a second process while the first reads the rest.

Loading jieba's dictionary takes about half a second, and a `check --base` from a snapshot needs it only
for the few texts the pull request changed. So, as soon as git has named the changed files, ``start``
forks one process that loads jieba, reads those files and computes their features; the check meanwhile
imports, reads and runs the other families; ``take`` (called by engine.build) collects the features.
Features are keyed by content, so a text the helper read differently is simply computed again.
Without fork (or with one core) nothing is started and features are computed as usual.
"""
from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

_pool = None     # the helper process, loading jieba from the moment it starts
_pending = None  # its result for the texts given to ``start``


def begin() -> None:
    """Fork the helper now, so jieba loads while git is asked what changed."""
    global _pool
    if _pool is not None or (os.cpu_count() or 1) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return
    try:
        _pool = multiprocessing.get_context("fork").Pool(1, initializer=_ready)
    except OSError:
        _pool = None


def start(root: Path, paths: list[str]) -> None:
    """Have the helper compute the features of the Markdown files ``paths`` (repository-relative)."""
    global _pending
    begin()
    if _pool is not None and _pending is None and paths:
        _pending = _pool.apply_async(_work, (str(root), sorted(paths)))


def stop() -> None:
    """Let the helper go (nothing to tokenise after all)."""
    global _pool, _pending
    if _pool is not None:
        _pool.terminate()
    _pool = _pending = None


def take() -> dict:
    """The features computed by the helper (content key → Features); empty if none or it failed."""
    pending = _pending
    try:
        return pending.get() if pending is not None else {}
    except Exception:  # noqa: BLE001 - a failed helper only means computing here
        return {}
    finally:
        stop()


def _ready() -> None:
    from . import features as F
    F.jieba_ready()


def _work(root: str, paths: list[str]) -> dict:
    from ..frontmatter import read_markdown
    from . import features as F
    from .cache import content_key
    from .normalise import normalise
    F.jieba_ready()
    out = {}
    for rel in paths:
        try:
            raw = (Path(root) / rel).read_bytes()
        except OSError:
            continue
        body = read_markdown(rel, raw).body
        n = normalise(body, True)
        out[content_key(body, True)] = F.compute(n.text, n.quoted)
    return out
