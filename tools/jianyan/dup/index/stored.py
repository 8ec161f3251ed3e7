"""A snapshot's duplication index on disk (see snapshot.py), and the index a pull request queries.

``save_index`` builds an ``engine.Index`` over a campaign's submissions with its tables (LSH band table,
fingerprint table: tables.py) in the snapshot folder, and writes each entry's metadata as one marshal
record with an offsets array. ``StoredIndex`` memory-maps them: a query reads only the pages it
searches and the records of its candidates, whose features come from the feature cache (cache.py) by
content key. ``Layered``
puts the texts read in this run beside it and hides the stored rows of files changed or deleted since.
Texts are not kept: a stored entry's ``source`` is empty (only a query's own text is ever shown).

``info.bin`` is a signed blob (accel/blobs.py, under the snapshot's label) that lists the size and
BLAKE2b digest of every file a query reads; ``StoredIndex`` checks them all before mapping anything
(about 1 s a GB, read with ``pread``: nothing stays mapped), so a damaged, edited or foreign index is
refused as a whole (ValueError: the snapshot is not used) instead of failing or lying halfway through a
check.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import marshal
import os
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from jianyan.dup import features as F
from jianyan.dup.index.cache import Store
from jianyan.dup.index.engine import Entry, FeatureList, Index, Match, build, campaign_entries, verify
from jianyan.fsutil import NotRegular, open_regular
from jianyan.accel.blobs import read_blob, write_blob
from jianyan.dup.index.tables import FENCE, INFO, open_tables

FENCES = {"band_keys": "band_fence", "fp": "fp_fence"}  # searched tables: every FENCE-th value (tables.py)
SEARCHED = ("band_keys", "band_doc", "fp", "fp_doc", *FENCES.values())  # the tables a query reads
CHECKED = ("rows_off.npy", "rows.bin", f"tables/{INFO}", *(f"tables/{t}.bin" for t in SEARCHED))


def _digest(path: Path, size: int | None = None) -> tuple[int, bytes]:
    """Size and BLAKE2b digest of the regular file ``path``, read in pieces (see fsutil); when it is
    not ``size`` bytes long, that size and no digest (nothing read)."""
    fd = open_regular(path)
    try:
        if size is not None and os.fstat(fd).st_size != size:
            return os.fstat(fd).st_size, b""
        h, at = hashlib.blake2b(digest_size=32), 0
        while chunk := os.pread(fd, 1 << 20, at):
            h.update(chunk)
            at += len(chunk)
        return at, h.digest()
    finally:
        os.close(fd)


def _record(e: Entry) -> tuple:
    return (e.kind, e.id, e.path, e.title, e.markdown, e.body_line, e.date.isoformat() if e.date else None,
            e.status, e.reason, tuple(e.related), tuple(e.items), e.key)


def save_index(campaign, folder: Path, label: str) -> None:
    """The index over the campaign's valid submissions, under ``folder`` (which must not exist), its
    list of files signed as ``label``."""
    folder.mkdir(parents=True)
    settings = campaign.registries.settings.dup
    entries = [e for e in campaign_entries(campaign) if e.kind == "submission"]
    index = build(entries, campaign.root, settings.min_span_chars, prune=False, folder=folder / "tables")
    rows = [marshal.dumps(_record(e)) for e in entries]
    np.save(folder / "rows_off.npy", np.cumsum([0] + [len(r) for r in rows], dtype=np.int64))
    (folder / "rows.bin").write_bytes(b"".join(rows))
    write_blob(folder / "info.bin", {"version": F.VERSION, "n": len(entries), "common_df": index.common_df,
                                     "files": {name: _digest(folder / name) for name in CHECKED}}, label)


class _Rows:
    """The stored entries, each decoded when first asked for."""

    def __init__(self, folder: Path, n: int):
        self.off = np.load(folder / "rows_off.npy", mmap_mode="r")
        self.blob = np.memmap(folder / "rows.bin", dtype=np.uint8, mode="r") if n else b""
        self.n = n
        self.cache: dict[int, Entry] = {}
        if len(self.off) != n + 1:
            raise ValueError("damaged index")

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> Entry:
        e = self.cache.get(i)
        if e is None:
            a, b = int(self.off[i]), int(self.off[i + 1])
            kind, ident, path, title, markdown, line, date, status, reason, related, items, key = \
                marshal.loads(bytes(self.blob[a:b]))
            e = self.cache[i] = Entry(kind, ident, path, title, "", markdown, line,
                                      dt.date.fromisoformat(date) if date else None, status, reason,
                                      tuple(related), tuple(items), key)
        return e


class StoredIndex(Index):
    """An ``Index`` read from a snapshot folder (memory-mapped), not built: ``Index.__init__`` is not called."""

    def __init__(self, folder: Path, root: Path, min_chars: int, label: str):
        """ValueError when the index at ``folder`` is not the one signed as ``label``, whole."""
        info = read_blob(folder / "info.bin", label)
        if not isinstance(info, dict) or info.get("version") != F.VERSION:
            raise ValueError("index of other features, damaged or not signed here")
        try:
            if any(_digest(folder / name, info["files"][name][0]) != tuple(info["files"][name]) for name in CHECKED):
                raise ValueError("damaged index")
        except (OSError, NotRegular, KeyError, TypeError):
            raise ValueError("damaged index") from None
        self.min_chars = min_chars
        self._use(open_tables(folder / "tables", SEARCHED))
        self.fences = {name: np.asarray(self.tables[fence]) for name, fence in FENCES.items()}
        self.step = FENCE
        self.common_df = info["common_df"]
        self.entries = _Rows(folder, info["n"])
        self.feats = FeatureList(self.entries, Store(root))

    def _search(self, table: str, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """As ``Index._search``, reading one block of the memory-mapped table a value: the fence
        says which block, so a query touches a few pages instead of a binary search's dozens."""
        arr, fence = getattr(self, table), self.fences[table]
        n = len(arr)
        out = []
        for side in ("left", "right"):
            if n == 0 or len(values) == 0:
                out.append(np.zeros(len(values), dtype=np.int64))
                continue
            k = np.searchsorted(fence, values, side=side)
            lo = np.maximum(k - 1, 0) * self.step       # the answer lies in [lo, hi]
            hi = np.minimum(k * self.step, n)
            idx = lo[:, None] + np.arange(self.step)    # each value's block, gathered at once
            block = arr[np.minimum(idx, n - 1)]
            inside = idx < hi[:, None]
            below = block < values[:, None] if side == "left" else block <= values[:, None]
            out.append(lo + (below & inside).sum(axis=1))
        return out[0], out[1]


class _Chain:
    """Two sequences read as one."""

    def __init__(self, a, b):
        self.a, self.b = a, b

    def __len__(self) -> int:
        return len(self.a) + len(self.b)

    def __getitem__(self, i: int):
        n = len(self.a)
        return self.a[i] if i < n else self.b[i - n]


class Layered:
    """The stored index (minus ``hidden`` paths) with the index of this run's texts after it."""

    def __init__(self, stored: StoredIndex, hidden: set[str], fresh: Index):
        self.stored, self.fresh, self.hidden = stored, fresh, hidden
        self.n = len(stored.entries)
        self.min_chars = fresh.min_chars
        self.entries = _Chain(stored.entries, fresh.entries)
        self.feats = _Chain(stored.feats, fresh.feats)

    def own(self) -> Iterable[tuple[int, Entry]]:
        return ((self.n + i, e) for i, e in enumerate(self.fresh.entries))

    def candidates(self, q: F.Features, skip: Callable[[int], bool]) -> tuple[list[int], np.ndarray]:
        def hide(j: int) -> bool:
            return self.stored.entries[j].path in self.hidden or skip(j) or self.stored.feats[j] is None

        old, common = self.stored.candidates(q, hide)
        new, _ = self.fresh.candidates(q, lambda j: skip(self.n + j))
        return old + [self.n + j for j in new], common

    def query(self, q: F.Features, skip: Callable[[int], bool], floor: float = 0.2) -> list[Match]:
        cands, common = self.candidates(q, skip)
        return verify(self, q, cands, common, floor)
