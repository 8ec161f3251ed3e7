"""Exact verification of one candidate pair: Jaccard, containment and the copied spans.

Copied spans: every shingle of the query that also occurs in the other text marks its K tokens as
copied; runs of copied tokens separated by at most GAP tokens are merged (a deleted or swapped word
does not cut a copied sentence in two); spans shorter than the minimum (in countable characters)
are dropped, and so is a span made of stock phrases (most of its fingerprints are common across
the corpus, e.g. 认真学习贯彻……).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from jianyan.dup.features import K, Features, shingles, squeeze

GAP = 3  # tokens


@dataclass
class Pair:
    """The exact comparison of a query with one other text."""

    jaccard: float
    contained: float        # share of the query's shingles found in the other text
    contains: float         # share of the other text's shingles found in the query
    spans: list[tuple[int, int]] = field(default_factory=list)        # query token ranges
    other_spans: list[tuple[int, int]] = field(default_factory=list)  # other text's token ranges
    mask: np.ndarray | None = None  # query tokens inside kept spans

    @property
    def similarity(self) -> float:
        return max(self.jaccard, self.contained, self.contains)


def runs(mask: np.ndarray, gap: int = GAP) -> list[tuple[int, int]]:
    """[lo, hi) runs of True, merging runs separated by at most ``gap`` False values."""
    if not mask.any():
        return []
    padded = np.concatenate(([False], mask, [False])).astype(np.int8)
    d = np.diff(padded)
    starts = np.flatnonzero(d == 1)
    ends = np.flatnonzero(d == -1)
    out: list[tuple[int, int]] = []
    for a, b in zip(starts.tolist(), ends.tolist()):
        if out and a - out[-1][1] <= gap:
            out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


def _token_mask(matched_shingles: np.ndarray, ntok: int) -> np.ndarray:
    if ntok == 0:
        return np.zeros(0, dtype=bool)
    if len(matched_shingles) == 0:
        return np.zeros(ntok, dtype=bool)
    return np.convolve(matched_shingles.astype(np.int8), np.ones(K, dtype=np.int8))[:ntok] > 0


def member(values: np.ndarray, table: np.ndarray) -> np.ndarray:
    """``np.isin(values, table)`` for a sorted ``table`` of distinct values: one binary search each
    (np.isin sorts both arrays together on every call; a query verifies thousands of pairs)."""
    if len(table) == 0:
        return np.zeros(len(values), dtype=bool)
    at = np.searchsorted(table, values)
    at[at == len(table)] = 0
    return table[at] == values


def distinct(values: np.ndarray) -> np.ndarray:
    """``np.unique(values)`` (sorted, distinct), without its bookkeeping."""
    return squeeze(np.sort(values))


def _kept_spans(f: Features, matched: np.ndarray, common: np.ndarray | None,
                min_chars: int) -> list[tuple[int, int]]:
    """The copied spans of ``f`` whose shingles are ``matched``, long enough and not stock phrases
    (``common``: the corpus's common fingerprints, sorted)."""
    spans = []
    lengths = f.ends - f.starts
    for lo, hi in runs(_token_mask(matched, len(f.hashes))):
        if int(lengths[lo:hi].sum()) < min_chars:
            continue
        if common is not None and len(common):
            inside = (f.fp_pos >= lo) & (f.fp_pos < hi - K + 1)
            fps = f.fp_hash[inside]
            if len(fps) and member(fps, common).mean() >= 0.5:
                continue
        spans.append((lo, hi))
    return spans


def compare(q: Features, d: Features, min_chars: int, common: np.ndarray | None = None,
            sq: np.ndarray | None = None, uq: np.ndarray | None = None, inv: np.ndarray | None = None) -> Pair:
    """Compare query ``q`` with ``d`` exactly (``sq``, ``uq``, ``inv``: the query's shingles, their
    distinct values sorted and where each shingle is among them, as ``np.unique(sq, return_inverse=True)``
    gives, precomputed for a query compared with many texts; ``common``: sorted)."""
    sq = shingles(q.hashes) if sq is None else sq
    if uq is None or inv is None:
        uq, inv = np.unique(sq, return_inverse=True)
    sd = shingles(d.hashes)
    ud = distinct(sd)
    if len(uq) == 0 or len(ud) == 0:
        return Pair(0.0, 0.0, 0.0, mask=np.zeros(len(q.hashes), dtype=bool))
    shared = member(uq, ud)
    inter = int(shared.sum())
    pair = Pair(inter / (len(uq) + len(ud) - inter), inter / len(uq), inter / len(ud))
    mask = np.zeros(len(q.hashes), dtype=bool)
    if inter:
        pair.spans = _kept_spans(q, shared[inv], common, min_chars)
        pair.other_spans = _kept_spans(d, member(sd, uq), common, min_chars)
        for lo, hi in pair.spans:
            mask[lo:hi] = True
    pair.mask = mask
    return pair


@dataclass
class Figures:
    """CNKI-style figures of one item against all its sources."""

    chars: int            # countable characters of the item
    copied: int           # 重复字数
    copied_unquoted: int  # 重复字数 outside quotations
    largest: int          # copied characters from the single largest source

    @property
    def ratio(self) -> float:        # 总文字复制比
        return self.copied / self.chars if self.chars else 0.0

    @property
    def ratio_unquoted(self) -> float:  # 去除引用文字复制比
        return self.copied_unquoted / self.chars if self.chars else 0.0

    @property
    def largest_ratio(self) -> float:   # 单篇最大文字复制比
        return self.largest / self.chars if self.chars else 0.0


def copied_chars(q: Features, mask: np.ndarray) -> int:
    return int((q.ends - q.starts)[mask].sum())


def figures(q: Features, masks: list[np.ndarray]) -> Figures:
    lengths = q.ends - q.starts
    union = np.zeros(len(q.hashes), dtype=bool)
    largest = 0
    for m in masks:
        union |= m
        largest = max(largest, int(lengths[m].sum()))
    return Figures(int(lengths.sum()), int(lengths[union].sum()), int(lengths[union & ~q.quoted].sum()), largest)
