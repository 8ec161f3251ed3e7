"""A snapshot's duplication index on disk (see accel/snapshot.py), and the index a check from a
snapshot queries.

``save_index`` builds an ``engine.Index`` over a campaign's submissions with its tables (LSH band table,
fingerprint table: tables.py) in the snapshot folder, and writes each entry's metadata as one marshal
record with an offsets array. ``StoredIndex`` reads them: a query reads only the blocks it searches
and the records of its candidates, whose features come from the feature cache (cache.py) by content
key. ``Layered`` puts the texts read in this run beside it, hides the stored rows of files
changed or deleted since, and answers as an index built over the whole campaign of now would;
``affected`` says which stored texts' answers a change can alter (a plain check reads those again).
Texts are not kept: a stored entry's ``source`` is empty (only a query's own text is ever shown).

``info.bin`` is a signed blob (accel/blobs.py, under the snapshot's label) that lists the size of
every file a query reads and the digest of each of its blocks of 4 KB (``BLOCK``). A file of another
size or type refuses the index at once (ValueError: the snapshot is not used); each block is read
with ``preadv`` into this process's memory (the file is never mapped) and checked the first time a query needs it (``_File``), so a
check of a few texts reads and checks a few MB of the 300 MB index of 100 000 texts instead of all of
it (0.26 s of CPU on every check of a change), and a damaged, edited or foreign block it reads is never
used: the snapshot is discarded with a note and the check runs without it (``DamagedIndex``). A block
never read cannot change any answer.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import marshal
import mmap
import os
import weakref
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from jianyan.dup import features as F
from jianyan.dup.index.cache import Store
from jianyan.dup.index.engine import (MIN_SHARED_FP, _BAND_SALT, Entry, FeatureList, Index, Match, _band_hashes,
                                      _ranges, build, campaign_entries, shared_needed, verify)
from jianyan.campaign.where import discard
from jianyan.core.fsutil import open_regular
from jianyan.accel.blobs import read_blob, write_blob
from jianyan.dup.index.tables import FENCE, INFO, MAX_INFO

FENCES = {"band_keys": "band_fence", "fp": "fp_fence"}  # searched tables: every FENCE-th value (tables.py)
SEARCHED = ("band_keys", "band_doc", "fp", "fp_doc", *FENCES.values())  # the tables a query reads
CHECKED = ("rows_off.npy", "rows.bin", f"tables/{INFO}", *(f"tables/{t}.bin" for t in SEARCHED))


class Incomplete(ValueError):
    """A stored text's features are no longer in the feature cache (it was deleted or damaged): the
    stored index cannot answer exactly; a check without it can."""


BLOCK = 1 << 12  # bytes of an index file checked at a time: info.bin signs each block's digest


def _block_digest(block) -> bytes:
    """A block's digest: SHA-256 (with the processor's SHA instructions 3 times as fast as BLAKE2b on
    blocks of 4 KB), its first 16 bytes."""
    return hashlib.sha256(block).digest()[:16]


def _block_digests(path: Path) -> tuple[int, bytes]:
    """Size of the regular file ``path`` and the digest of each BLOCK of it, in order."""
    fd = open_regular(path)
    try:
        out, at = bytearray(), 0
        while chunk := os.pread(fd, 1 << 20, at):  # a whole number of blocks
            view = memoryview(chunk)
            for k in range(0, len(chunk), BLOCK):
                out += _block_digest(view[k:k + BLOCK])
            at += len(chunk)
        return at, bytes(out)
    finally:
        os.close(fd)


class DamagedIndex(Incomplete):
    """A block of the stored index read in this run is not as signed: the snapshot holding it was
    discarded (with a note), and the check runs without it."""


class _File:
    """A file of the stored index, read with ``preadv`` (never mapped) a few blocks at a time, each block
    checked against its signed digest (info.bin) the first time it is read: a query of a few texts reads
    a few MB of a 300 MB index, and checks only those. The file must be a regular file of the signed size
    (ValueError). The blocks read are kept in ``data``, an anonymous mapping of the file's size: the system
    gives its pages only when written, 4 KB each (numpy's own large arrays ask for huge pages, and one block
    written would then zero 2 MB)."""

    def __init__(self, path: Path, size: int, digests: bytes, owner: Path | None):
        if type(size) is not int or type(digests) is not bytes or len(digests) != 16 * -(-size // BLOCK):
            raise ValueError("damaged index")
        fd = open_regular(path)  # never a symlink to a device or a FIFO (fsutil)
        try:
            if os.fstat(fd).st_size != size:
                raise ValueError("damaged index")
        except BaseException:
            os.close(fd)
            raise
        self.fd, self.size, self.digests, self.owner = fd, size, digests, owner
        weakref.finalize(self, os.close, fd)
        self.mm = mmap.mmap(-1, size) if size else bytearray()
        self.view = memoryview(self.mm)
        self.data = np.frombuffer(self.mm, dtype=np.uint8)
        self.done = np.zeros(-(-size // BLOCK), dtype=bool)

    def need(self, a: int, b: int) -> None:
        """Bytes ``a:b`` read and checked."""
        if b > a:
            self.load(np.arange(a // BLOCK, (b - 1) // BLOCK + 1))

    def load(self, blocks: np.ndarray) -> None:
        """The ``blocks`` (sorted, distinct, in range) read and checked, those not read before."""
        todo = blocks[~self.done[blocks]]
        if not len(todo):
            return
        cut = np.flatnonzero(np.diff(todo) != 1) + 1  # runs of consecutive blocks: one read each
        digests, size, view, digest = self.digests, self.size, self.view, _block_digest
        for first, last in zip(todo[np.concatenate(([0], cut))].tolist(), todo[np.append(cut - 1, -1)].tolist()):
            a, b = first * BLOCK, min(size, (last + 1) * BLOCK)
            got = 0
            try:
                while got < b - a and (more := os.preadv(self.fd, [view[a + got:b]], a + got)):  # read in place
                    got += more
            except OSError:
                got = -1
            ok = got == b - a
            if ok and first == last:
                ok = digest(view[a:b]) == digests[16 * first:16 * first + 16]
            elif ok:
                ok = all(digest(view[k:min(k + BLOCK, b)]) == digests[16 * j:16 * j + 16]
                         for j, k in zip(range(first, last + 1), range(a, b, BLOCK)))
            if not ok:
                if self.owner is not None:
                    discard(self.owner)
                raise DamagedIndex("a block of the stored index cannot be read or is not as signed")
            self.done[first:last + 1] = True  # only blocks read and checked


class _Table:
    """``n`` values of ``dtype`` at byte ``offset`` of a checked ``_File``, indexed as a numpy array is
    (an int, a slice, an array of ints): the blocks holding the values asked for are read first."""

    def __init__(self, file: _File, dtype, n: int, offset: int = 0):
        self.file, self.dtype, self.n, self.offset = file, np.dtype(dtype), n, offset
        if offset < 0 or offset + n * self.dtype.itemsize > file.size:
            raise ValueError("damaged index")
        self.values = file.data[offset:offset + n * self.dtype.itemsize].view(self.dtype)

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, key):
        size, at = self.dtype.itemsize, self.offset
        if isinstance(key, slice):
            a, b, step = key.indices(self.n)
            if step == 1 and b > a:
                self.file.need(at + a * size, at + b * size)
            elif step != 1:  # strided or reversed: the whole table (no index asks for these)
                self.file.need(at, at + self.n * size)
        elif isinstance(key, (int, np.integer)):
            k = int(key) + (self.n if key < 0 else 0)
            if 0 <= k < self.n:
                self.file.need(at + k * size, at + (k + 1) * size)
        else:
            idx = np.asarray(key)
            if idx.dtype == bool:
                idx = np.flatnonzero(idx)
            elif idx.dtype.kind not in "iu":
                raise TypeError(f"a stored table is indexed by an int, a slice, ints or a mask, not {idx.dtype}")
            idx = idx.astype(np.int64).ravel()
            idx = np.where(idx < 0, idx + self.n, idx)
            idx = idx[(idx >= 0) & (idx < self.n)]
            if len(idx):
                first = (at + idx * size) // BLOCK
                self.file.load(np.unique(np.concatenate([first, (at + idx * size + size - 1) // BLOCK])))
        return self.values[key]

    def __array__(self, dtype=None, copy=None):
        self.file.need(self.offset, self.offset + self.n * self.dtype.itemsize)
        return np.asarray(self.values, dtype=dtype)


def _npy_header(file: _File) -> tuple[tuple, np.dtype, int]:
    """The shape, dtype and data offset of the .npy file ``file`` (its header read and checked)."""
    file.need(0, min(file.size, BLOCK))
    head = io.BytesIO(file.data[:min(file.size, BLOCK)].tobytes())
    try:
        version = np.lib.format.read_magic(head)
        read = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        shape, fortran, dtype = read(head)
    except (ValueError, EOFError, SyntaxError, TypeError) as exc:
        raise ValueError(f"damaged index: {exc}") from None
    if fortran:
        raise ValueError("damaged index")
    return shape, dtype, head.tell()


def record(e: Entry) -> tuple:
    """What a stored row keeps of an entry (its text is not kept: only its content key)."""
    return (e.kind, e.id, e.path, e.title, e.markdown, e.body_line, e.date.isoformat() if e.date else None,
            e.status, e.reason, tuple(e.related), tuple(e.items), e.key)


def save_index(campaign, folder: Path, label: str) -> None:
    """The index over the campaign's valid submissions, under ``folder`` (which must not exist), its
    list of files signed as ``label``."""
    folder.mkdir(parents=True)
    settings = campaign.registries.settings.dup
    entries = campaign_entries(campaign, issues=False)
    index = build(entries, campaign.root, settings.min_span_chars, prune=False, folder=folder / "tables")
    rows = [marshal.dumps(record(e)) for e in entries]
    np.save(folder / "rows_off.npy", np.cumsum([0] + [len(r) for r in rows], dtype=np.int64))
    (folder / "rows.bin").write_bytes(b"".join(rows))
    write_blob(folder / "info.bin", {"version": F.VERSION, "n": len(entries), "common_df": index.common_df,
                                     "blocks": {name: _block_digests(folder / name) for name in CHECKED}}, label)


class _Rows:
    """The stored entries, each decoded when first asked for."""

    def __init__(self, off: _File, blob: _File, n: int):
        shape, dtype, at = _npy_header(off)
        if shape != (n + 1,) or dtype != np.dtype("<i8"):
            raise ValueError("damaged index")
        self.off = _Table(off, dtype, n + 1, at)
        self.blob = blob
        self.n = n
        self.cache: dict[int, Entry] = {}

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> Entry:
        e = self.cache.get(i)
        if e is None:
            a, b = int(self.off[i]), int(self.off[i + 1])
            if not 0 <= a <= b <= self.blob.size:
                raise ValueError("damaged index")
            self.blob.need(a, b)
            kind, ident, path, title, markdown, line, date, status, reason, related, items, key = \
                marshal.loads(self.blob.data[a:b].tobytes())
            e = self.cache[i] = Entry(kind, ident, path, title, "", markdown, line,
                                      dt.date.fromisoformat(date) if date else None, status, reason,
                                      tuple(related), tuple(items), key)
        return e


class StoredIndex(Index):
    """An ``Index`` read from a snapshot folder, not built: ``Index.__init__`` is not called. Its tables are
    read into this process's memory a block at a time, each block checked against its signature once."""

    def __init__(self, folder: Path, root: Path, min_chars: int, label: str, owner: Path | None = None):
        """ValueError (or OSError) when the index at ``folder`` is not the one signed as ``label``: its
        info.bin, the list of tables, a file's size or type; a block read later that is not as signed
        raises ``DamagedIndex`` after discarding ``owner`` (the snapshot holding the index)."""
        info = read_blob(folder / "info.bin", label)
        if not isinstance(info, dict) or info.get("version") != F.VERSION or not isinstance(info.get("blocks"), dict):
            raise ValueError("index of other features, damaged or not signed here")
        try:
            files = {name: _File(folder / name, *info["blocks"][name], owner) for name in CHECKED}
            listed = files[f"tables/{INFO}"]
            if listed.size > MAX_INFO:
                raise ValueError("damaged table list")
            listed.need(0, listed.size)
            meta = marshal.loads(listed.data.tobytes())  # checked: as signed
            tables = {name: _Table(files[f"tables/{name}.bin"], *meta[name]) for name in SEARCHED}
            if any(t.file.size != t.n * t.dtype.itemsize for t in tables.values()):
                raise ValueError("damaged table")
            self._use(tables)
        except (KeyError, TypeError, IndexError, EOFError) as exc:
            raise ValueError(f"damaged index: {exc}") from None
        self.min_chars = min_chars
        self.fences = {name: np.asarray(self.tables[fence]) for name, fence in FENCES.items()}
        self.step = FENCE
        self.common_df = info["common_df"]
        self.entries = _Rows(files["rows_off.npy"], files["rows.bin"], info["n"])
        self.feats = FeatureList(self.entries, Store(root))

    def release(self) -> None:
        """Nothing is given back: a block read was checked against its signature, and reading it again
        would mean checking it again (a check of a change reads a few blocks; a plain check a few per
        changed file)."""

    def row_after(self, path: str) -> int:
        """The first row whose path sorts at or after ``path`` (the rows are in the campaign's order:
        by path, as load.scan sorts the files)."""
        key = tuple(path.split("/"))
        lo, hi = 0, len(self.entries)
        while lo < hi:
            mid = (lo + hi) // 2
            if tuple(self.entries[mid].path.split("/")) < key:
                lo = mid + 1
            else:
                hi = mid
        return lo

    def rows_at(self, paths: Iterable[str]) -> list[int]:
        """The rows of the texts at ``paths`` (those stored)."""
        rows = ((self.row_after(p), p) for p in paths)
        return [i for i, p in rows if i < len(self.entries) and self.entries[i].path == p]

    def _search(self, table: str, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """As ``Index._search``, reading one block of the stored table a value: the fence
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


class _Known:
    """The stored texts' features, each one there (``Incomplete`` otherwise)."""

    def __init__(self, feats: FeatureList):
        self.feats = feats

    def __len__(self) -> int:
        return len(self.feats)

    def __getitem__(self, i: int) -> F.Features:
        got = self.feats[i]
        if got is None:
            raise Incomplete(f"no features for stored text {i}")
        return got


class _Tables:
    """One query's part of the tables: what ``Index._pick`` reads."""

    def __init__(self, band_doc: np.ndarray, fp_doc: np.ndarray, common_df: int):
        self.band_doc, self.fp_doc, self.common_df = band_doc, fp_doc, common_df


class Layered:
    """The stored index without its rows at the ``hidden`` paths, with the index of this run's texts
    (``fresh``: the submissions read in this run, the published bulletin issues, the reference texts)
    beside it. It answers a query exactly as an ``engine.Index`` built over all of those texts would.

    What an answer depends on besides the two texts compared is worked out from both parts, the
    hidden rows left out: how many texts hold each fingerprint (one held by ``common_df`` texts or
    more is a stock phrase), ``common_df`` itself (from the number of texts), which texts share a band
    or enough rare fingerprints with the query, and the order that breaks ties among those (a full
    campaign's: the submissions by path, then the other texts as ``fresh`` lists them). Positions:
    the stored rows first, then the fresh texts; a stored text's features come from the feature
    cache (``Incomplete`` when they are not there)."""

    def __init__(self, stored: StoredIndex, hidden: set[str], fresh: Index):
        self.stored, self.fresh = stored, fresh
        self.n = len(stored.entries)
        self.min_chars = fresh.min_chars
        self.entries = _Chain(stored.entries, fresh.entries)
        self.feats = _Chain(_Known(stored.feats), fresh.feats)
        self.left_out = np.array(sorted(stored.rows_at(hidden)), dtype=np.int64)
        self.common_df = max(5, (self.n - len(self.left_out) + len(fresh.entries)) // 500)
        self._ranks()

    def _ranks(self) -> None:
        """Where each text stands in the full campaign's order, as a number: stored row p is p·K + K − 1;
        the fresh submissions between stored rows q − 1 and q are q·K + 0, 1, … (K: one more than
        their count); the other fresh texts follow every submission."""
        subs = [j for j, e in enumerate(self.fresh.entries) if e.kind == "submission"]
        self.k = k = len(subs) + 1
        ranks = (self.n + 1) * k + np.arange(len(self.fresh.entries), dtype=np.int64)
        at, before = -1, 0
        for j in subs:  # in path order, as the campaign lists them
            q = self.stored.row_after(self.fresh.entries[j].path)
            before = before + 1 if q == at else 0
            at = q
            ranks[j] = q * k + before
        self.fresh_ranks = ranks

    def rank(self, pos: np.ndarray) -> np.ndarray:
        """The ranks (``_ranks``) of the texts at positions ``pos``."""
        pos = pos.astype(np.int64)
        out = pos * self.k + self.k - 1
        fresh = pos >= self.n
        out[fresh] = self.fresh_ranks[pos[fresh] - self.n]
        return out

    def own(self) -> Iterable[tuple[int, Entry]]:
        return ((self.n + i, e) for i, e in enumerate(self.fresh.entries))

    def _shown(self, docs: np.ndarray) -> np.ndarray:
        """Stored rows ``docs`` without the hidden ones."""
        return docs[~np.isin(docs, self.left_out)] if len(self.left_out) else docs

    def candidates(self, q: F.Features, skip: Callable[[int], bool]) -> tuple[list[int], np.ndarray]:
        st, fr, n = self.stored, self.fresh, self.n
        bands = np.sort(_band_hashes(q.sig[None, :])[0] ^ _BAND_SALT)
        band = np.concatenate([self._shown(np.asarray(st.band_doc[_ranges(*st._search("band_keys", bands))])),
                               n + np.asarray(fr.band_doc[_ranges(*fr._search("band_keys", bands))])])
        u = np.unique(q.fp_hash)
        slo, shi = st._search("fp", u)
        flo, fhi = fr._search("fp", u)
        # a fingerprint that common_df texts hold even if every hidden row is among its stored ones is
        # common: its texts are never counted, so they are not gathered
        sure = (shi - slo) - np.minimum(len(self.left_out), shi - slo) + (fhi - flo) >= self.common_df
        some = np.flatnonzero(~sure)
        stored_docs = np.asarray(st.fp_doc[_ranges(slo[some], shi[some])]).astype(np.int64)
        stored_of = np.repeat(some, (shi - slo)[some])
        keep = ~np.isin(stored_docs, self.left_out) if len(self.left_out) else slice(None)
        docs = np.concatenate([stored_docs[keep], n + np.asarray(fr.fp_doc[_ranges(flo[some], fhi[some])])])
        of = np.concatenate([stored_of[keep], np.repeat(some, (fhi - flo)[some])])
        order = np.argsort(of, kind="stable")
        docs, df = docs[order], np.bincount(of, minlength=len(u))
        hi = np.cumsum(df)
        lo = hi - df
        lo[sure], hi[sure] = 0, self.common_df  # never read: common
        ranks = self.rank(np.concatenate([band, docs]))
        back = dict(zip(ranks.tolist(), np.concatenate([band, docs]).tolist()))
        tables = _Tables(ranks[:len(band)], ranks[len(band):], self.common_df)
        picked, common = Index._pick(tables, np.array([0]), np.array([len(band)]), u, lo, hi,
                                     lambda r: skip(back[r]))
        return sorted(back[r] for r in picked), common

    def query(self, q: F.Features, skip: Callable[[int], bool], floor: float = 0.2) -> list[Match]:
        cands, common = self.candidates(q, skip)
        return verify(self, q, cands, common, floor)


def _distinct_count(keys: np.ndarray, texts: list[np.ndarray]) -> np.ndarray:
    """How many of ``texts`` (distinct fingerprints each) hold each of the sorted distinct ``keys``."""
    out = np.zeros(len(keys), dtype=np.int64)
    if texts and len(keys):
        every = np.concatenate(texts)
        at = np.minimum(np.searchsorted(keys, every), len(keys) - 1)
        np.add.at(out, at[keys[at] == every], 1)
    return out


def affected(stored: StoredIndex, removed: list[F.Features], added: list[F.Features],
             unstored: list[F.Features]) -> set[int] | None:
    """The stored rows whose answers may change when the corpus the snapshot was made of — the stored
    rows and the texts ``unstored`` (the bulletin issues and reference texts of then) — loses the texts
    ``removed`` and gains ``added``; None when any answer may (the count of texts that makes a
    fingerprint common changes).

    A stored text keeps its answer unless a changed text shares one of its bands, or shares as many
    fingerprints that were, or are, rare as it needs (``shared_needed``: the changed text could be, or
    have been, one of its candidates, ``Index._pick``), or one of its fingerprints turns common or rare."""
    n_then = len(stored.entries) + len(unstored)
    n_now = n_then - len(removed) + len(added)
    cd = max(5, n_then // 500)
    if max(5, n_now // 500) != cd:
        return None
    gone, new = [np.unique(f.fp_hash) for f in removed], [np.unique(f.fp_hash) for f in added]
    keys = np.unique(np.concatenate([np.zeros(0, dtype=np.uint64), *gone, *new]))
    lo, hi = stored._search("fp", keys)
    df_then = (hi - lo) + _distinct_count(keys, [np.unique(f.fp_hash) for f in unstored])
    df_now = df_then - _distinct_count(keys, gone) + _distinct_count(keys, new)
    common_then, common_now = df_then >= cd, df_now >= cd
    flipped = common_then != common_now
    rows = set(np.asarray(stored.fp_doc[_ranges(lo[flipped], hi[flipped])]).tolist())
    for texts, distinct, common in ((removed, gone, common_then), (added, new, common_now)):
        for f, u in zip(texts, distinct):
            bands = np.sort(_band_hashes(f.sig[None, :])[0] ^ _BAND_SALT)
            rows.update(np.asarray(stored.band_doc[_ranges(*stored._search("band_keys", bands))]).tolist())
            at = np.searchsorted(keys, u)
            rare = at[~common[at]]
            docs, counts = np.unique(np.asarray(stored.fp_doc[_ranges(lo[rare], hi[rare])]), return_counts=True)
            for doc, count in zip(docs[counts >= MIN_SHARED_FP].tolist(), counts[counts >= MIN_SHARED_FP].tolist()):
                if doc not in rows and count >= _needed(stored, doc):
                    rows.add(doc)
    return rows


def _needed(stored: StoredIndex, row: int) -> int:
    """``shared_needed`` of the stored text at ``row`` (the least when its features are not at hand)."""
    feats = stored.feats[row]
    return MIN_SHARED_FP if feats is None else shared_needed(len(np.unique(feats.fp_hash)))
