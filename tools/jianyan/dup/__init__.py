"""Duplication and plagiarism detection (查重).

Public API used by the check family (checks/dup.py), the ``jianyan dup`` command and the benchmark:
``Analysis.run(campaign, queries)`` builds the corpus (submissions, published bulletin issues,
reference texts), computes or loads the features, and gives each query item an ``ItemResult``:
its verified matches, how each relates to it, and the CNKI-style figures.
"""
from __future__ import annotations

import multiprocessing
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from .. import forking
from .compare import Figures, copied_chars, figures
from .engine import Entry, Index, Match, build, campaign_entries, reference_entries

# How another text relates to the query item.
SOURCE = "source"      # counted: an earlier item, a bulletin issue or a reference text
SERIES = "series"      # linked through `related`: the same matter followed up (reported as info)
LATER = "later"        # a later item: the query is its original, not its copy (not counted)
DERIVED = "derived"    # a bulletin issue drawn from the query item itself (not counted)
SELF = "self"          # the same id: the item's own earlier version (never compared)

KIND_LABELS = {"submission": "信息", "issue": "专刊", "reference": "参考资料"}


def relation(q: Entry, s: Entry) -> str:
    if s.id == q.id:
        return SELF
    if s.kind == "issue":
        return DERIVED if q.id in s.items else SOURCE
    if s.kind == "submission":
        if s.id in q.related or q.id in s.related:
            return SERIES
        if (s.date, s.id) > (q.date, q.id):
            return LATER
    return SOURCE


@dataclass
class ItemResult:
    entry: Entry
    matches: list[tuple[Match, str]]  # every verified match and its relation
    figures: Figures                  # over the counted sources only

    @property
    def counted(self) -> list[Match]:
        return [m for m, rel in self.matches if rel == SOURCE]

    def ratio_of(self, m: Match, quoted: bool = False) -> float:
        """Copy ratio of this item from one source (quotations excluded unless ``quoted``)."""
        f = self.feats
        mask = m.pair.mask if quoted else (m.pair.mask & ~f.quoted)
        return copied_chars(f, mask) / self.figures.chars if self.figures.chars else 0.0

    feats = None  # set by Analysis


class Analysis:
    """The index over a campaign and the results for the query items."""

    def __init__(self, index: Index, problems: list[str]):
        self.index = index
        self.problems = problems
        self.position = {id(e): i for i, e in index.own()}
        self._found: dict[int, list[Match]] = {}  # matches found ahead by prefetch()
        self._queries = 0

    @classmethod
    def run(cls, campaign, root: Path | None = None, progress: Callable[[str], None] | None = None,
            processes: int | None = None, stored=None, warmup=None) -> "Analysis":
        """``stored``: a snapshot's index and the paths it must not offer (snapshot.py); the campaign
        then holds only the texts read this run, which are indexed beside it. ``warmup``: a
        ``parallel.Warmup`` started before the campaign was read."""
        settings = campaign.registries.settings.dup
        entries = campaign_entries(campaign)
        refs, problems = reference_entries(campaign.root, settings.reference_dir)
        entries.extend(refs)
        root = campaign.root if root is None else root
        index = build(entries, root, settings.min_span_chars, progress, processes, prune=not campaign.partial,
                      store=stored[0].feats.store if stored is not None else None, warmup=warmup)
        if stored is not None:
            from .stored import Layered
            index = Layered(stored[0], stored[1], index)
        return cls(index, problems)

    def entry(self, ident: str) -> Entry | None:
        for _, e in self.index.own():
            if e.id == ident and e.kind == "submission":
                return e
        return None

    def submissions(self, paths: Iterable[str] | None = None) -> list[Entry]:
        """The submissions to query; when there are many, their matches are found on all cores now."""
        wanted = None if paths is None else set(paths)
        out = [e for _, e in self.index.own()
               if e.kind == "submission" and (wanted is None or e.path in wanted)]
        if len(out) >= PARALLEL_QUERIES:
            self.prefetch(out)
        return out

    def _tick(self) -> None:
        """Count a query (in ``result``, or in a worker's ``_find``); now and then give back the mapped
        pages read (tables.release), else every page of the index and of the features would end up in
        this process's memory."""
        self._queries += 1
        if self._queries % RELEASE_EVERY == 0 and hasattr(self.index, "release"):
            self.index.release()

    def _matches(self, i: int) -> list[Match]:
        q = self.index.entries[i]
        entries = self.index.entries

        def skip(j: int) -> bool:
            return j == i or relation(q, entries[j]) in (SELF,)

        if hasattr(self.index, "query_own"):  # a whole campaign's index: its tables say where i is
            return self.index.query_own(i, skip)
        return self.index.query(self.index.feats[i], skip)

    def prefetch(self, queries: list[Entry], processes: int | None = None) -> None:
        """Find the matches of many queries over forked processes (the index is shared, not copied)."""
        global _WORKER
        procs = forking.processes(len(queries), 1, processes)
        if not procs:
            return
        todo = [self.position[id(q)] for q in queries if self.position[id(q)] not in self._found]
        chunk = max(16, min(512, len(todo) // (procs * 8) or 1))
        _WORKER = self
        try:
            with multiprocessing.get_context("fork").Pool(procs) as pool:
                for i, found in pool.imap_unordered(_find, todo, chunksize=chunk):
                    self._found[i] = [Match(self.index.entries[j], j, pair) for j, pair in found]
        except OSError:
            pass  # no processes to be had: results() computes them one by one
        finally:
            _WORKER = None

    def result(self, q: Entry) -> ItemResult:
        i = self.position[id(q)]
        self._tick()
        feats = self.index.feats[i]
        found = self._found.pop(i, None)
        matches = [(m, relation(q, m.entry)) for m in (found if found is not None else self._matches(i))]
        res = ItemResult(q, matches, figures(feats, [m.pair.mask for m, rel in matches if rel == SOURCE]))
        res.feats = feats
        return res


PARALLEL_QUERIES = 400  # below this many queries, forking costs more than it saves
RELEASE_EVERY = 1000   # queries between giving back the mapped pages they read (tables.release)
_WORKER: Analysis | None = None


def _find(i: int) -> tuple[int, list]:
    _WORKER._tick()
    return i, [(m.index, m.pair) for m in _WORKER._matches(i)]


def span_source(entry: Entry, feats, lo: int, hi: int) -> tuple[int, int]:
    """Source [start, end) of token span [lo, hi) of ``entry``."""
    return entry.norm.src_range(int(feats.starts[lo]), int(feats.ends[hi - 1]))


def excerpt(entry: Entry, feats, lo: int, hi: int, limit: int = 40) -> str:
    a, b = span_source(entry, feats, lo, hi)
    text = " ".join(entry.source[a:b].split())
    return text if len(text) <= limit else text[:limit] + "……"


def first_span(res: ItemResult, m: Match) -> tuple[int | None, int | None, str]:
    """File line, column and excerpt of the first copied span of ``m`` in the query item."""
    if not m.pair.spans:
        return None, None, ""
    lo, hi = m.pair.spans[0]
    line, col = res.entry.file_line(int(res.feats.starts[lo]))
    return line, col, excerpt(res.entry, res.feats, lo, hi)


def describe(e: Entry) -> str:
    """“信息 2021-minge-001（submissions/…/2021-minge-001.md，“标题”）”."""
    if e.kind == "reference":
        return f"参考资料 {e.path}（“{e.title}”）"
    return f"{KIND_LABELS[e.kind]} {e.id}（{e.path}，“{e.title}”）"


def pct(x: float) -> str:
    return f"{x * 100:.1f}%"
