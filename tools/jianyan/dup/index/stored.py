"""A snapshot's duplication index on disk (see accel/snapshot.py), and the index a check from a
snapshot queries.

``save_index`` builds an ``engine.Index`` over a campaign's submissions with its tables (LSH band table,
fingerprint table: tables.py) in the snapshot folder, and writes each entry's metadata as one marshal
record with an offsets array. ``StoredIndex`` memory-maps them: a query reads only the pages it
searches and the records of its candidates, whose features come from the feature cache (cache.py) by
content key. ``Layered`` puts the texts read in this run beside it, hides the stored rows of files
changed or deleted since, and answers as an index built over the whole campaign of now would;
``affected`` says which stored texts' answers a change can alter (a plain check reads those again).
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
import threading
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from jianyan.dup import features as F
from jianyan.dup.index.cache import Store
from jianyan.dup.index.engine import (MIN_SHARED_FP, _BAND_SALT, Entry, FeatureList, Index, Match, _band_hashes,
                                      _ranges, build, campaign_entries, shared_needed, verify)
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


_PREFETCHED: dict[Path, tuple] = {}  # folder → (thread, name → (stat, digest) or the error)


def _stamp(path: Path) -> tuple:
    st = os.lstat(path)
    return st.st_ino, st.st_size, st.st_mtime_ns


def prefetch(folder: Path, label: str) -> None:
    """Start reading the digests of the index at ``folder`` (signed as ``label``) in a thread (hashlib lets
    go of the GIL while it hashes): a ``StoredIndex`` of it made later in this run waits for what is left
    instead of reading it all then, and the work of the check in between overlaps it. Each file is read
    only when it has the size its signed info.bin gives (a sparse 8 GB file is not read); a file changed
    since is read again."""
    if folder in _PREFETCHED:
        return
    got: dict = {}

    def work() -> None:
        info = read_blob(folder / "info.bin", label)
        if not isinstance(info, dict) or not isinstance(info.get("files"), dict):
            return  # StoredIndex finds it so and reports it
        for name in CHECKED:
            try:
                stamp = _stamp(folder / name)
                got[name] = (stamp, _digest(folder / name, tuple(info["files"][name])[0]))
            except (OSError, NotRegular, KeyError, TypeError, IndexError) as exc:
                got[name] = exc

    thread = threading.Thread(target=work, name="jianyan-index-digests", daemon=True)
    thread.start()
    _PREFETCHED[folder] = (thread, got)


def forget() -> None:
    """Let go of the digests ``prefetch`` read that no ``StoredIndex`` asked for."""
    _PREFETCHED.clear()


def _checked(folder: Path, info: dict) -> bool:
    """Whether every file ``info`` lists is as signed (its size and digest), by ``prefetch``'s digests
    when they were read in this run and the file is unchanged since."""
    thread, got = _PREFETCHED.pop(folder, (None, {}))
    if thread is not None:
        thread.join()
    for name in CHECKED:
        want = tuple(info["files"][name])
        pre = got.get(name)
        if isinstance(pre, tuple) and pre[0] == _stamp(folder / name):
            if pre[1] != want:
                return False
        elif _digest(folder / name, want[0]) != want:
            return False
    return True


def record(e: Entry) -> tuple:
    """What a stored row keeps of an entry (its text is not kept: only its content key)."""
    return (e.kind, e.id, e.path, e.title, e.markdown, e.body_line, e.date.isoformat() if e.date else None,
            e.status, e.reason, tuple(e.related), tuple(e.items), e.key)


def save_index(campaign, folder: Path, label: str) -> None:
    """The index over the campaign's valid submissions, under ``folder`` (which must not exist), its
    list of files signed as ``label``."""
    folder.mkdir(parents=True)
    settings = campaign.registries.settings.dup
    entries = [e for e in campaign_entries(campaign) if e.kind == "submission"]
    index = build(entries, campaign.root, settings.min_span_chars, prune=False, folder=folder / "tables")
    rows = [marshal.dumps(record(e)) for e in entries]
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
            if not _checked(folder, info):
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


class Incomplete(ValueError):
    """A stored text's features are no longer in the feature cache (it was deleted or damaged): the
    stored index cannot answer exactly; a check without it can."""


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
