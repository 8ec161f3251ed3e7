"""The duplication engine: corpus → features (cached, in parallel) → index → candidates → exact pairs.

Candidates for a query come from two places and are then verified exactly (compare.py):
  * banded MinHash LSH over the whole-item signatures (near-duplicates, even when lightly edited);
  * the winnowed-fingerprint index (a passage copied into an otherwise different text, or a short
    item wholly inside a long one).
A fingerprint found in many items is a stock phrase: it does not make a candidate and a span made
of such fingerprints is dropped.
"""
from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import shutil
import tempfile
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from jianyan.core.fsutil import process_alive
from jianyan.campaign.where import cache_folder, remove_entry
from jianyan.accel.memory import trim
from jianyan.dup import features as F
from jianyan.dup.index.cache import Store, content_key
from jianyan.dup.compare import Pair, compare
from jianyan.dup.normalise import Normalised, normalise
from jianyan.dup.index.parallel import fill
from jianyan.dup.index.tables import Writer, open_tables, release, runs_by_doc, sort_rows

EXPORT_FORMAT = "jianyan-dup-index"
MAX_FP_CANDIDATES = 60   # fingerprint candidates verified per query (those sharing most fingerprints)
MIN_SHARED_FP = 3        # fingerprints a text must share with the query to be verified (besides LSH) …
MIN_SHARED_SHARE = 0.05  # … and at least this share of the query's fingerprints (about 40 characters)
PUBLISHED = ("signed", "dispatched")


@dataclass(slots=True)
class Entry:
    """One text of the corpus: a submission, a published bulletin issue, or a reference text."""

    kind: str                 # submission | issue | reference
    id: str
    path: str
    title: str
    text: str | Callable[[], str]  # body Markdown or plain text, or what reads it when asked (not held)
    markdown: bool = True
    body_line: int = 1        # file line of source line 0
    date: dt.date | None = None
    status: str = ""
    reason: str | None = None
    related: tuple[str, ...] = ()
    items: tuple[str, ...] = ()   # for an issue: the submissions it draws on
    key: bytes = b""
    _norm: Normalised | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not self.key:
            self.key = content_key(self.source, self.markdown)

    @property
    def source(self) -> str:
        return self.text if isinstance(self.text, str) else self.text()

    @property
    def norm(self) -> Normalised:
        if self._norm is None:
            self._norm = normalise(self.source, self.markdown)
        return self._norm

    def forget(self) -> None:
        """Drop the normalised text (made again when asked for)."""
        self._norm = None

    def file_line(self, norm_offset: int) -> tuple[int, int]:
        line, col = self.norm.line_col(norm_offset)
        return self.body_line + line, col


@dataclass
class Match:
    entry: "Entry"
    index: int
    pair: Pair


# --- the corpus -------------------------------------------------------------------------------

def campaign_entries(campaign, submissions: bool = True, issues: bool = True) -> list[Entry]:
    """Valid submissions and published bulletin issues of a loaded campaign (``submissions``, ``issues``:
    those of each kind, or none)."""
    out: list[Entry] = []
    for doc in campaign.submissions if submissions else ():
        s = doc.model
        if s is None:
            continue
        out.append(Entry("submission", s.id, doc.path, s.title, doc.read_body, True, doc.body_line, s.date,
                         s.status, s.review.reason if s.review else None, tuple(s.related)))
    for doc in campaign.issues if issues else ():
        i = doc.model
        if i is None or i.status not in PUBLISHED:
            continue
        title = f"专刊{i.id}" + (f"（{i.title}）" if i.title else "")
        out.append(Entry("issue", i.id, doc.path, title, doc.read_body, True, doc.body_line, i.date, i.status,
                         items=tuple(i.items)))
    return out


def reference_entries(root: Path, folder: str | None) -> tuple[list[Entry], list[str]]:
    """Outside texts (.md, .txt) and exported indexes (.json.gz) under the reference folder.

    Returns the entries and a list of Chinese problems (unreadable files) to report.
    """
    if not folder:
        return [], []
    base = (Path(root) / folder)
    if not base.is_dir():
        return [], [f"查重参考资料目录 {folder} 不存在。请创建该目录，或删去 schema/settings.yaml 中的 dup.reference_dir"]
    out: list[Entry] = []
    problems: list[str] = []
    for path in sorted(p for p in base.rglob("*") if p.is_file()):
        rel = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
        try:
            if path.name.endswith(".json.gz"):
                out.extend(load_export(path, rel))
                continue
            if path.suffix not in (".md", ".txt"):
                continue
            text = path.read_bytes().decode("utf-8-sig")
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            problems.append(f"{rel}：无法读取（{type(exc).__name__}）。参考资料须为 UTF-8 编码的 .md/.txt 文件或 jianyan dup export 导出的索引")
            continue
        text = text.replace("\r\n", "\n")
        line = 1
        if path.suffix == ".md" and text.startswith("---\n"):
            end = text.find("\n---\n", 4)
            if end > 0:
                line = text[: end + 5].count("\n") + 1
                text = text[end + 5:]
        title = path.stem
        out.append(Entry("reference", f"参考:{path.relative_to(base).as_posix()}", rel, title, text,
                         path.suffix == ".md", line))
    return out, problems


def export_index(entries: Iterable[Entry], campaign_name: str) -> bytes:
    """A campaign's texts as a gzip JSON file another campaign can use as a reference corpus."""
    data = {
        "format": EXPORT_FORMAT, "version": 1, "campaign": campaign_name,
        "entries": [{"kind": e.kind, "id": e.id, "path": e.path, "title": e.title,
                     "date": e.date.isoformat() if e.date else None, "text": e.source,
                     "markdown": e.markdown}
                    for e in sorted(entries, key=lambda e: (e.kind, e.id, e.path))],
    }
    raw = json.dumps(data, ensure_ascii=False, sort_keys=True, indent=0).encode("utf-8")
    return gzip.compress(raw, compresslevel=6, mtime=0)


def load_export(path: Path, rel: str) -> list[Entry]:
    data = json.loads(gzip.decompress(path.read_bytes()).decode("utf-8"))
    if not isinstance(data, dict) or data.get("format") != EXPORT_FORMAT:
        raise ValueError("not a jianyan index")
    camp = data.get("campaign") or ""
    out = []
    for e in data["entries"]:
        title = f"{camp}：{e['title']}" if camp else e["title"]
        out.append(Entry("reference", e["id"], f"{rel}#{e['path']}", title, e["text"],
                         bool(e.get("markdown", True)), 1,
                         dt.date.fromisoformat(e["date"]) if e.get("date") else None))
    return out


# --- the index ----------------------------------------------------------------------------------

def shared_needed(distinct: int) -> int:
    """How many rare fingerprints a text must share with a query of ``distinct`` fingerprints to be
    verified (unless an LSH band makes it a candidate)."""
    return max(MIN_SHARED_FP, int(np.ceil(MIN_SHARED_SHARE * distinct)))


def _band_hashes(sig: np.ndarray) -> np.ndarray:
    """(n, BANDS) uint64 hashes of the ROWS-wide bands of MinHash signatures."""
    s = sig.astype(np.uint64).reshape(len(sig), F.BANDS, F.ROWS)
    with np.errstate(over="ignore"):
        h = np.zeros((len(sig), F.BANDS), dtype=np.uint64)
        for r in range(F.ROWS):
            h = (h ^ s[:, :, r]) * np.uint64(0x100000001B3)
    return h


_BAND_SALT = (np.arange(F.BANDS, dtype=np.uint64) + np.uint64(1)) * np.uint64(0x9E3779B97F4A7C15)


def _ranges(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """The indices lo[0]..hi[0]-1, lo[1]..hi[1]-1, … concatenated (one vectorised step)."""
    n = hi - lo
    total = int(n.sum())
    if not total:
        return np.zeros(0, dtype=np.int64)
    starts = np.repeat(lo - np.concatenate(([0], np.cumsum(n)[:-1])), n)
    return starts + np.arange(total)


class FeatureList:
    """The features of entries by position, taken from the feature store when asked and not held.

    ``located``: find where every entry's features are at the first access, in one pass (an index of
    this run's texts, which reads them all); otherwise each is looked up by key when asked (a stored
    index, of which a query reads a few)."""

    def __init__(self, entries, store: Store, located: bool = False):
        self.entries, self.store = entries, store
        self._where = None if located else False

    def __len__(self) -> int:
        return len(self.entries)

    def _located(self, i: int) -> tuple[object, int] | None:
        if self._where is None:
            self._where = self.store.locate([e.key for e in self.entries])
        if self._where is not False:
            shard = int(self._where[0][i])
            if shard >= 0:
                return self.store.shards[shard], int(self._where[1][i])
        return None

    def __getitem__(self, i: int) -> F.Features | None:
        at = self._located(i)
        if at is not None:
            return at[0].features(at[1])
        return self.store.get(self.entries[i].key)  # None: a stored entry dropped from the cache since

    def part(self, i: int, name: str, count: bool = False):
        """One array of text ``i``'s features (``count``: only its length), reading no more than it."""
        at = self._located(i)
        if at is not None:
            return at[0].part(at[1], name, count)
        arr = getattr(self[i], name)
        return len(arr) if count else arr


ENTRY_CHUNK = 2048  # texts whose rows are gathered at a time while the tables are built
SCRATCH = "index-"  # an index's scratch folder: index-<pid>-<random> beside the feature cache


class _Ref:
    """What a query worker knows of a text: its id (a text is not compared with its own earlier
    version), path (orders matches) and content key (its features)."""

    __slots__ = ("id", "path", "key")

    def __init__(self, ident: str, path: str, key: bytes):
        self.id, self.path, self.key = ident, path, key


def _sweep(where: Path) -> None:
    """Remove the scratch folders of runs that ended without removing them (killed)."""
    for folder in where.glob(f"{SCRATCH}*"):
        pid = folder.name[len(SCRATCH):].partition("-")[0]
        if folder.is_symlink() or process_alive(pid) is not True:  # dead, or no pid of ours (index-²-x)
            remove_entry(folder)  # a link itself, never what it points to


def build_tables(feats: FeatureList, folder: Path) -> dict[str, np.ndarray]:
    """The LSH band table and the fingerprint table of ``feats`` under ``folder`` (tables.py), mapped.

    Band table: (band hash mixed with band number, text), sorted. Fingerprint table: (fingerprint,
    text), sorted, each pair once (a fingerprint counts once per text: document frequency). With
    each, every text's runs of equal keys (tables.runs_by_doc, read by ``Index.candidates_of``)."""
    out = Writer(folder)
    n = len(feats)
    total = [0]

    def bands():
        for a in range(0, n, ENTRY_CHUNK):
            got = [feats.part(i, "sig") for i in range(a, min(n, a + ENTRY_CHUNK))]
            total[0] += sum(feats.part(i, "fp_hash", count=True) for i in range(a, a + len(got)))
            keys = (_band_hashes(np.stack(got)) ^ _BAND_SALT[None, :]).ravel()
            yield keys, np.repeat(np.arange(a, a + len(got), dtype=np.int32), F.BANDS)

    def fingerprints():
        for a in range(0, n, ENTRY_CHUNK):
            got = [feats.part(i, "fp_hash") for i in range(a, min(n, a + ENTRY_CHUNK))]
            counts = np.fromiter(map(len, got), dtype=np.int64, count=len(got))
            yield (np.concatenate(got) if got else np.zeros(0, dtype=np.uint64),
                   np.repeat(np.arange(a, a + len(got), dtype=np.int32), counts))

    sort_rows(out, bands(), n * F.BANDS, 64, values="band_doc", keys="band_keys", runs="band")
    sort_rows(out, fingerprints(), total[0], 64, values="fp_doc", keys="fp", runs="fp", unique=True)
    for name in ("band", "fp"):
        runs_by_doc(out, name, n)
    out.close()
    trim()  # the sort's temporaries
    return open_tables(folder)


class Index:
    """All entries with their features, the LSH band table and the sorted fingerprint table.

    The tables are files (tables.py), memory-mapped: under ``folder`` when given (a snapshot keeps
    them), else in a scratch folder kept while the index lives (fresh query workers open it:
    ``worker_state``) and removed with it; one left by a killed run is removed by the next."""

    def __init__(self, entries: list[Entry], store: Store, min_chars: int, folder: Path | None = None):
        self.entries = entries
        self.min_chars = min_chars
        self.feats = FeatureList(entries, store, located=True)
        self.common_df = max(5, len(entries) // 500)
        scratch = folder is None
        if scratch:
            where = store.folder.parent if store.folder else None
            if where is not None and cache_folder(where, create=True):  # no symlink on the way followed
                _sweep(where)
            else:
                where = None  # the system's temporary folder
            folder = Path(tempfile.mkdtemp(prefix=f"{SCRATCH}{os.getpid()}-", dir=where))
            weakref.finalize(self, shutil.rmtree, folder, True)
        else:
            folder.mkdir(parents=True)
        self.folder = folder
        self._use(build_tables(self.feats, folder))

    def _use(self, tables: dict[str, np.ndarray]) -> None:
        self.tables = tables  # as opened: memmaps (whose pages ``release`` gives back), or a stored index's
        # tables read block by block (stored.py)
        # a memmap's plain view of the same pages for the queries: slicing a numpy.memmap costs a Python-level
        # __getitem__ and __array_finalize__ each time (a third of a query's time at 100 000 texts)
        self.plain = {name: arr.view(np.ndarray) if isinstance(arr, np.memmap) else arr
                      for name, arr in tables.items()}
        for name in ("band_keys", "band_doc", "fp", "fp_doc"):
            setattr(self, name, self.plain[name])

    def worker_state(self) -> tuple | None:
        """What a fresh process needs to answer queries of this index's own texts (``from_state``):
        where the tables and the features are, each text's id, path and content key; None when the
        features are not all in the cache's files."""
        store = self.feats.store
        if store.folder is None:
            return None
        if store.new:  # computed in this process: written to the cache by ``build``, unless that failed
            on_disk = Store.opened(store.folder)
            if not all(k in on_disk for k in store.new):
                return None
        return (str(self.folder), str(store.folder), b"".join(e.key for e in self.entries),
                [(e.id, e.path) for e in self.entries], self.min_chars, self.common_df)

    @classmethod
    def from_state(cls, state: tuple) -> "Index":
        """The index ``worker_state`` describes, opened (not built) in this process."""
        folder, store, keys, names, min_chars, common_df = state
        self = cls.__new__(cls)
        self.entries = [_Ref(ident, path, keys[16 * k:16 * k + 16]) for k, (ident, path) in enumerate(names)]
        self.min_chars, self.common_df, self.folder = min_chars, common_df, Path(folder)
        self.feats = FeatureList(self.entries, Store.opened(Path(store)), located=True)
        self._use(open_tables(self.folder))
        return self

    def release(self) -> None:
        """Give back the pages of the tables read so far (they stay in the page cache)."""
        release(self.tables.values())

    def candidates(self, q: F.Features, skip: Callable[[int], bool]) -> tuple[list[int], np.ndarray]:
        """Texts to verify, and the query's fingerprints that are stock phrases (common)."""
        blo, bhi = self._search("band_keys", np.sort(_band_hashes(q.sig[None, :])[0] ^ _BAND_SALT))
        u = np.unique(q.fp_hash)
        lo, hi = self._search("fp", u)
        return self._pick(blo, bhi, u, lo, hi, skip)

    def candidates_of(self, i: int, q: F.Features, skip: Callable[[int], bool]) -> tuple[list[int], np.ndarray]:
        """``candidates(q, skip)`` for entry ``i`` of this index (``q``: its features): where its band
        keys' and fingerprints' runs lie in the tables is stored by text (``*_lo``, ``*_df`` from
        ``*_ptr``: tables.runs_by_doc), its fingerprints in key order, so nothing is searched."""
        t = self.plain
        band = slice(int(t["band_ptr"][i]), int(t["band_ptr"][i + 1]))
        fp = slice(int(t["fp_ptr"][i]), int(t["fp_ptr"][i + 1]))
        blo, lo = t["band_lo"][band], t["fp_lo"][fp]
        return self._pick(blo, blo + t["band_df"][band], np.unique(q.fp_hash), lo, lo + t["fp_df"][fp], skip)

    def _pick(self, blo: np.ndarray, bhi: np.ndarray, u: np.ndarray, lo: np.ndarray, hi: np.ndarray,
              skip: Callable[[int], bool]) -> tuple[list[int], np.ndarray]:
        """Candidates from the query's LSH buckets [blo, bhi) and from the rare ones among its
        fingerprints ``u`` (sorted, distinct), found at [lo, hi) of the fingerprint table."""
        hit = bhi > blo
        cand = set(self.band_doc[_ranges(blo[hit], bhi[hit])].tolist())
        df = hi - lo
        common = u[df >= self.common_df]
        rare = (df > 0) & (df < self.common_df)
        if rare.any():
            docs, counts = np.unique(self.fp_doc[_ranges(lo[rare], hi[rare])], return_counts=True)
            need = shared_needed(len(u))
            keep = counts >= need
            top, counts = docs[keep], counts[keep]
            if len(top) > MAX_FP_CANDIDATES:
                top = top[np.argsort(-counts, kind="stable")[:MAX_FP_CANDIDATES]]
            cand.update(top.tolist())
        return sorted(i for i in cand if not skip(i)), common

    def _search(self, table: str, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Where each of ``values`` starts and ends in the sorted array ``table``."""
        arr = getattr(self, table)
        return np.searchsorted(arr, values, side="left"), np.searchsorted(arr, values, side="right")

    def own(self) -> Iterable[tuple[int, Entry]]:
        """The entries of this run's texts, with their positions (all of them here)."""
        return enumerate(self.entries)

    def query(self, q: F.Features, skip: Callable[[int], bool], floor: float = 0.2) -> list[Match]:
        """Verified matches of ``q``: similarity at least ``floor`` or at least one copied span."""
        cands, common = self.candidates(q, skip)
        return verify(self, q, cands, common, floor)

    def query_own(self, i: int, skip: Callable[[int], bool], floor: float = 0.2) -> list[Match]:
        """``query(self.feats[i], skip)`` for entry ``i`` of this index."""
        q = self.feats[i]
        cands, common = self.candidates_of(i, q, skip)
        return verify(self, q, cands, common, floor)


def verify(index, q: F.Features, cands: Iterable[int], common: np.ndarray, floor: float) -> list[Match]:
    """Compare ``q`` exactly with each candidate of ``index``; the matches, most copied text first."""
    cands = list(cands)
    if not cands:  # most texts of a campaign: nothing to compare, nothing to prepare
        return []
    sq = F.shingles(q.hashes)
    uq, inv = np.unique(sq, return_inverse=True)
    out = []
    for i in cands:
        pair = compare(q, index.feats[i], index.min_chars, common, sq=sq, uq=uq, inv=inv)
        if pair.spans or pair.similarity >= floor:
            out.append(Match(index.entries[i], i, pair))
    out.sort(key=lambda m: (-(m.pair.mask.sum() if m.pair.mask is not None else 0),
                            -m.pair.similarity, m.entry.path))
    return out


def own_matches(index, i: int) -> list[Match]:
    """Verified matches of text ``i`` of ``index`` (an ``Index`` or a ``stored.Layered``) with every
    other text except its own earlier versions (same id)."""
    entries = index.entries
    ident = entries[i].id

    def skip(j: int) -> bool:
        return j == i or entries[j].id == ident

    if hasattr(index, "query_own"):  # a whole campaign's index: its tables say where i is
        return index.query_own(i, skip)
    return index.query(index.feats[i], skip)


def build(entries: list[Entry], root: Path | None, min_chars: int,
          progress: Callable[[str], None] | None = None, processes: int | None = None,
          prune: bool = True, store: Store | None = None, warmup=None, folder: Path | None = None) -> Index:
    """Features for every entry (from the cache, or computed and cached) and the index over them.

    ``prune``: the entries are the whole corpus, so cached features of other texts may be dropped;
    ``store``: the feature cache of ``root``, if opened already; ``warmup``: a ``parallel.Warmup``
    computing features into the cache, waited for before the cache is opened; ``folder``: where the
    index's tables are kept (default: nowhere, see ``Index``)."""
    if warmup is not None:
        warmup.wait()
    store = Store(root) if store is None else store
    todo: dict[bytes, tuple[str, bool]] = {}
    shard, _ = store.locate([e.key for e in entries])
    for e, s in zip(entries, shard.tolist()):
        if s < 0 and e.key not in store.new and e.key not in todo:
            todo[e.key] = (e.source, e.markdown)
    trim()  # the texts read for the entries' keys are freed: give their pages back
    if todo and progress:
        progress(f"查重：正在分词 {len(todo)} 篇（其余 {len(entries) - len(todo)} 篇使用缓存）…")
    fill(store, todo, root, processes)
    store.save(used={e.key for e in entries} if prune else None)
    return Index(entries, store, min_chars, folder)
