"""Duplication and plagiarism detection (查重).

Public API used by the check family (checks/dup.py), the ``jianyan dup`` command and the benchmark:
``Analysis.run(campaign)`` builds the corpus (submissions, published bulletin issues, reference
texts), computes or loads the features and indexes them; ``results(queries())`` then gives each query
item an ``ItemResult``: its verified matches, how each relates to it, and the CNKI-style figures.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

from jianyan.dup.compare import Figures, copied_chars, figures
from jianyan.dup.index.engine import Entry, Index, Match, build, campaign_entries, reference_entries
from jianyan.dup.index.queries import Asker, answers
from jianyan.dup.index.stored import Layered

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
        self._position: dict[int, int] | None = None  # id(entry) → position, for ``result``
        self._ask = Asker(index)

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
            index = Layered(stored[0], stored[1], index)
        return cls(index, problems)

    def entry(self, ident: str) -> Entry | None:
        for _, e in self.index.own():
            if e.id == ident and e.kind == "submission":
                return e
        return None

    def queries(self, paths: Iterable[str] | None = None) -> list[int]:
        """Where in the index the submissions to query are (all of this run's, or those at ``paths``)."""
        wanted = None if paths is None else set(paths)
        return [i for i, e in self.index.own() if e.kind == "submission" and (wanted is None or e.path in wanted)]

    def results(self, todo: list[int], processes: int | None = None) -> Iterator[ItemResult]:
        """The result of each query (positions in the index: ``queries``), in order; many are answered
        over all cores (queries.answers), each result given as soon as it is in."""
        found = answers(self.index, todo, processes)
        entries = self.index.entries
        for i in todo:
            got = next(found, None) if found is not None else None
            if got is None:  # one process, or no processes to be had
                matches = self._ask(i)
            else:
                matches = [Match(entries[j], j, pair) for j, pair in got[1]]
            yield self._result(entries[i], i, matches)
            entries[i].forget()  # its normalised text, made for the findings' lines: not needed again

    def result(self, q: Entry) -> ItemResult:
        if self._position is None:
            self._position = {id(e): i for i, e in self.index.own()}
        i = self._position[id(q)]
        return self._result(q, i, self._ask(i))

    def _result(self, q: Entry, i: int, matches: list[Match]) -> ItemResult:
        feats = self.index.feats[i]
        rels = [(m, relation(q, m.entry)) for m in matches]
        res = ItemResult(q, rels, figures(feats, [m.pair.mask for m, rel in rels if rel == SOURCE]))
        res.feats = feats
        return res


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
