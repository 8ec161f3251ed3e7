"""The index's sorted tables, built out of core and memory-mapped.

An index over 100 000 texts has 4 million LSH band rows and about 18 million fingerprint rows; sorted
in memory with their temporaries that was 0.8 GB. Here rows are sorted the way a database sorts a
big table: they are spread by the top bits of their key over partition files of about PART_ROWS rows,
then each partition is sorted in memory and appended to the table (the partitions follow each other
in key order, so the appended runs make one sorted table). What a query needs besides the sorted
keys — for each text, where the runs of its keys start and how long they are, stored text by text
(``runs_by_doc``) — is written by a second sort of the same kind. Everything is a flat file under a
folder, mapped read-only afterwards: a query reads only the pages it touches, and ``release`` gives
those back (they stay in the page cache, not in this process's memory).

Files: ``<name>.bin`` (raw little-endian values) and ``tables.bin`` (marshal: name → dtype, length).
They are opened as regular files of exactly the size ``tables.bin`` gives; a snapshot's tables are
also checked against its signed list of files first (stored.py), as ``tables.bin`` is marshal.
"""
from __future__ import annotations

import marshal
import mmap
import os
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from jianyan.core.fsutil import open_regular, read_regular

PART_ROWS = 1 << 18   # rows sorted in memory at a time (3 MB of records, 15 MB with the sort's temporaries)
CHUNK_ROWS = 1 << 18  # rows read at a time when a table is passed over again
FENCE = 64            # every FENCE-th key of a searched table is kept in a small array (stored.py)
INFO = "tables.bin"
_REC = np.dtype([("k", "<u8"), ("v", "<i4")])


class Writer:
    """Arrays appended piece by piece to files of one folder."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.files: dict[str, object] = {}
        self.meta: dict[str, tuple[str, int]] = {}

    def append(self, name: str, values: np.ndarray) -> None:
        if name not in self.meta:
            self.files[name] = open(self.folder / f"{name}.bin", "wb")
            self.meta[name] = (values.dtype.newbyteorder("<").str, 0)
        dtype, n = self.meta[name]
        np.ascontiguousarray(values, dtype=dtype).tofile(self.files[name])
        self.meta[name] = (dtype, n + len(values))

    def read(self, name: str) -> np.ndarray:
        """The array written so far under ``name`` (no more can be appended to it), mapped."""
        fh = self.files.pop(name, None)
        if fh is not None:
            fh.close()
        return _map(self.folder / f"{name}.bin", *self.meta[name])

    def drop(self, name: str) -> None:
        """Remove the array ``name`` (a step of the build, not part of the result)."""
        fh = self.files.pop(name, None)
        if fh is not None:
            fh.close()
        del self.meta[name]
        (self.folder / f"{name}.bin").unlink()

    def close(self) -> None:
        for fh in self.files.values():
            fh.close()
        self.files = {}
        (self.folder / INFO).write_bytes(marshal.dumps(self.meta))


MAX_INFO = 1 << 20  # tables.bin names a few dozen arrays


def _map(path: Path, dtype: str, n: int) -> np.ndarray:
    """``path`` mapped as ``n`` values of ``dtype``: a regular file of exactly that size (ValueError else)."""
    dtype = np.dtype(dtype)
    fd = open_regular(path)  # never a symlink to a device or a FIFO (fsutil)
    with os.fdopen(fd, "rb") as fh:
        if os.fstat(fd).st_size != n * dtype.itemsize:
            raise ValueError(f"damaged table {path.name}")
        return np.memmap(fh, dtype=dtype, mode="r", shape=(n,)) if n else np.zeros(0, dtype=dtype)


def open_tables(folder: Path, names: Iterable[str] | None = None) -> dict[str, np.ndarray]:
    """The arrays under ``folder`` (``names``: only these), memory-mapped read-only (an empty one as an
    empty array); ValueError (or OSError) when one is missing, damaged or not a regular file."""
    meta = marshal.loads(read_regular(folder / INFO, MAX_INFO))
    if not isinstance(meta, dict):
        raise ValueError("damaged table list")
    wanted = meta if names is None else {name: meta[name] for name in names}
    try:
        return {name: _map(folder / f"{name}.bin", dtype, n) for name, (dtype, n) in wanted.items()}
    except (TypeError, KeyError) as exc:
        raise ValueError(f"damaged table list: {exc}") from None


def release(arrays: Iterable[np.ndarray]) -> None:
    """Drop the pages of memory-mapped ``arrays`` from this process (the files keep them)."""
    for arr in arrays:
        m = getattr(arr, "_mmap", None)
        if m is not None:
            try:
                m.madvise(mmap.MADV_DONTNEED)
            except (AttributeError, OSError, ValueError):
                pass


def sort_rows(out: Writer, pieces: Iterable[tuple[np.ndarray, np.ndarray]], total: int, bits: int, *,
              values: str, keys: str | None = None, runs: str | None = None, unique: bool = False,
              low_keys: str | None = None) -> None:
    """Sort (key, value) rows by key, then value, and write the values as ``values``.

    ``pieces``: (keys below 2**bits, int32 values) arrays; ``total``: about how many rows they hold
    (sets the number of partitions); ``keys``: also write the sorted keys (uint64) under this name;
    ``unique``: drop repeated (key, value) rows; ``runs``: also write ``<runs>_group`` (row → its run
    of equal keys), ``<runs>_start`` (run → its first row, then the row count) and ``<runs>_fence``
    (every FENCE-th key); ``low_keys``: write the low 32 bits of the sorted keys (int32) under this name."""
    pbits = min(bits, max(0, int(np.ceil(np.log2(max(total, 1) / PART_ROWS)))))
    shift = np.uint64(bits - pbits)
    names = [out.folder / f".{values}.part{p}" for p in range(1 << pbits)]
    files = [open(p, "wb") for p in names]
    try:
        for k, v in pieces:
            part = (k.astype(np.uint64) >> shift).astype(np.intp) if pbits else np.zeros(len(k), dtype=np.intp)
            order = np.argsort(part, kind="stable")
            bounds = np.searchsorted(part[order], np.arange(len(files) + 1))
            rec = np.empty(len(k), dtype=_REC)
            rec["k"], rec["v"] = k[order], v[order]
            for p, fh in enumerate(files):
                if bounds[p + 1] > bounds[p]:
                    rec[bounds[p]:bounds[p + 1]].tofile(fh)
    finally:
        for fh in files:
            fh.close()
    rows = groups = 0
    for path in names:
        rec = np.fromfile(path, dtype=_REC)
        path.unlink()
        rec = rec[np.lexsort((rec["v"], rec["k"]))]
        k, v = rec["k"], rec["v"]
        if unique and len(k):
            keep = np.ones(len(k), dtype=bool)
            keep[1:] = (k[1:] != k[:-1]) | (v[1:] != v[:-1])
            k, v = k[keep], v[keep]
        out.append(values, v.astype(np.int32))
        if keys:
            out.append(keys, k.astype(np.uint64))
        if low_keys:
            out.append(low_keys, (k & np.uint64(0xFFFFFFFF)).astype(np.int32))
        if runs:
            first = np.ones(len(k), dtype=bool)
            first[1:] = k[1:] != k[:-1]
            out.append(f"{runs}_group", (np.cumsum(first, dtype=np.int64) - 1 + groups).astype(np.int32))
            out.append(f"{runs}_start", (np.flatnonzero(first) + rows).astype(np.int32))
            out.append(f"{runs}_fence", k[np.arange(-rows % FENCE, len(k), FENCE)].astype(np.uint64))
            groups += int(first.sum())
        rows += len(k)
    if runs:
        out.append(f"{runs}_start", np.array([rows], dtype=np.int32))


def runs_by_doc(out: Writer, name: str, n: int) -> None:
    """For each of the ``n`` texts, in text order, the runs of equal keys its rows of table ``name``
    are in: ``<name>_lo`` (the run's first row) and ``<name>_df`` (its length: how many texts share the
    key), each text's in table order (by key), and ``<name>_ptr`` (where each text's runs start, then
    their count). A query of the index's own text reads three short contiguous slices instead of
    gathering a row's run across the whole table. ``<name>_group`` and ``<name>_start``, needed only
    for this, are dropped."""
    docs, group, start = out.read(f"{name}_doc"), out.read(f"{name}_group"), out.read(f"{name}_start")
    counts = np.zeros(n, dtype=np.int64)
    bits = max(1, int(n).bit_length())

    def pieces() -> Iterator[tuple[np.ndarray, np.ndarray]]:
        for a in range(0, len(docs), CHUNK_ROWS):
            d = np.asarray(docs[a:a + CHUNK_ROWS])
            g = np.asarray(group[a:a + CHUNK_ROWS])
            lo = start[g].astype(np.uint64)  # ascending: the runs are read in order
            df = (start[g + 1] - start[g]).astype(np.int32)
            counts[:] += np.bincount(d, minlength=n)[:n]
            keys = (d.astype(np.uint64) << np.uint64(32)) | lo
            release((docs, group, start))  # read once, in order: not kept in this process
            yield keys, df

    sort_rows(out, pieces(), len(docs), bits + 32, values=f"{name}_df", low_keys=f"{name}_lo")
    out.append(f"{name}_ptr", np.concatenate(([0], np.cumsum(counts))).astype(np.int64))
    out.drop(f"{name}_group")
    out.drop(f"{name}_start")
