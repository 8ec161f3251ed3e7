"""Tokens, shingles, MinHash signatures and winnowed fingerprints of one normalised text.

Tokens come from jieba (tokens.py), loaded only when there is something to tokenise. A token that holds no letter, digit or Han character (punctuation, spaces) is dropped. Each token gets a
stable 64-bit hash (blake2b, the same in every process and run); a shingle is K consecutive token
hashes combined; a fingerprint is a winnowed shingle (the minimum of every window of W shingles),
so any run of W+K-1 shared tokens yields at least one shared fingerprint.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import numpy as np

from jianyan.dup.tokens import cut

K = 3            # tokens per shingle
W = 4            # winnowing window (in shingles)
PERMS = 126      # MinHash permutations = BANDS x ROWS
BANDS, ROWS = 42, 3   # LSH: candidate probability 1-(1-J^3)^42 (J=0.3: 0.68, J=0.5: 0.996)
VERSION = 2      # bump when any of the above or tokenisation changes: cached features are then ignored

_WORDISH = re.compile(r"[^\W_]")
_SALT = np.uint64(0x2021_0222_5D0C_A3E1)
_MUL1 = np.uint64(0x9E3779B97F4A7C15)
_MUL2 = np.uint64(0xC2B2AE3D27D4EB4F)
_MUL3 = np.uint64(0x165667B19E3779F9)



class _TokenHashes(dict):
    """token → stable 64-bit hash, computed once per distinct token; 0 for a token that is dropped
    (no letter, digit or Han character), so one lookup per token both hashes and filters."""

    def __missing__(self, tok: str) -> int:
        if tok.isalnum() or _WORDISH.search(tok):
            h = int.from_bytes(hashlib.blake2b(tok.encode("utf-8"), digest_size=8).digest(), "little") or 1
        else:
            h = 0
        if len(self) < 2_000_000:
            self[tok] = h
        return h


_HASHES = _TokenHashes()


@dataclass
class Features:
    """What comparing needs from one text. Arrays are numpy; offsets index the normalised text."""

    starts: np.ndarray    # int32, token start offsets
    ends: np.ndarray      # int32, token end offsets
    hashes: np.ndarray    # uint64, token hashes
    quoted: np.ndarray    # bool, token lies inside a quotation
    sig: np.ndarray       # uint32[PERMS], MinHash signature of the shingle set
    fp_hash: np.ndarray   # uint64, winnowed fingerprints
    fp_pos: np.ndarray    # int32, shingle index of each fingerprint

    @property
    def chars(self) -> int:
        """Countable characters: the characters of the kept tokens."""
        return int((self.ends - self.starts).sum())


def tokenise(text: str, toks: list[str] | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(starts, ends, hashes) of the word tokens of ``text`` (``toks``: its jieba cut, if made already)."""
    toks = cut(text) if toks is None else toks
    n = len(toks)
    if not n:
        empty = np.zeros(0, dtype=np.int32)
        return empty, empty, np.zeros(0, dtype=np.uint64)
    lens = np.fromiter(map(len, toks), dtype=np.int32, count=n)
    ends = np.cumsum(lens, dtype=np.int32)
    hashes = np.fromiter(map(_HASHES.__getitem__, toks), dtype=np.uint64, count=n)
    keep = hashes != 0
    if not keep.all():  # punctuation and spaces
        lens, ends, hashes = lens[keep], ends[keep], hashes[keep]
    return ends - lens, ends, hashes


def shingles(hashes: np.ndarray) -> np.ndarray:
    """Hash of every K consecutive tokens (uint64, wrapping arithmetic)."""
    n = len(hashes) - K + 1
    if n <= 0:
        return np.zeros(0, dtype=np.uint64)
    with np.errstate(over="ignore"):
        h = hashes[:n] * _MUL1
        for j in range(1, K):
            h = (h ^ (h >> np.uint64(29))) * _MUL2 + hashes[j:j + n]
        h ^= h >> np.uint64(32)
        h *= _MUL3
        h ^= h >> np.uint64(29)
    return h


def minhash(sh: np.ndarray) -> np.ndarray:
    """Densified one-permutation MinHash (uint32[PERMS]) of a shingle array; all-ones when empty.

    Each shingle falls into one of PERMS bins by its hash; a bin keeps its smallest value; an empty
    bin borrows the next non-empty bin's value (rotation), so two signatures agree in a bin with
    probability close to the Jaccard similarity, at the cost of one pass instead of PERMS.
    """
    if len(sh) == 0:
        return np.full(PERMS, 0xFFFFFFFF, dtype=np.uint32)
    with np.errstate(over="ignore"):
        h = (sh ^ _SALT) * _MUL2
    h ^= h >> np.uint64(31)
    bins = (h % np.uint64(PERMS)).astype(np.intp)
    vals = (h >> np.uint64(32)).astype(np.uint32)
    sig = np.full(PERMS, 0xFFFFFFFF, dtype=np.uint32)
    np.minimum.at(sig, bins, vals)
    empty = np.ones(PERMS, dtype=bool)
    empty[bins] = False
    if empty.any():
        full = np.flatnonzero(~empty)
        pos = np.flatnonzero(empty)
        nxt = full[np.searchsorted(full, pos) % len(full)]
        with np.errstate(over="ignore"):
            sig[pos] = sig[nxt] ^ (pos.astype(np.uint32) * np.uint32(0x9E3779B1))
    return sig


def winnow(sh: np.ndarray, w: int = W) -> tuple[np.ndarray, np.ndarray]:
    """(fingerprint hashes, shingle positions): the minimum of each window of ``w`` shingles."""
    n = len(sh)
    if n == 0:
        return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int32)
    if n <= w:
        i = int(np.argmin(sh))
        return sh[i:i + 1].copy(), np.array([i], dtype=np.int32)
    # the leftmost minimum of each window, as np.argmin over a sliding window view gives it, found with
    # w-1 whole-array steps instead of one small argmin a window (a fifth of a text's features)
    m = n - w + 1
    first = np.arange(m)
    best, low = first, sh[:m]
    for j in range(1, w):
        lower = sh[j:j + m] < low  # strictly: on a tie the leftmost stays
        best = np.where(lower, first + j, best)
        low = np.where(lower, sh[j:j + m], low)
    # the windows' minima move right only (a later window's leftmost minimum is never before an
    # earlier one's), so each position's repeats are adjacent
    pos = squeeze(best)
    return sh[pos], pos.astype(np.int32)


def squeeze(values: np.ndarray) -> np.ndarray:
    """``values`` with each run of equal neighbours kept once (sorted values: their distinct ones)."""
    if len(values) < 2:
        return values
    return values[np.concatenate(([True], values[1:] != values[:-1]))]


def quoted_mask(starts: np.ndarray, ends: np.ndarray, ranges: list[tuple[int, int]]) -> np.ndarray:
    mask = np.zeros(len(starts), dtype=bool)
    for a, b in ranges:
        lo = np.searchsorted(starts, a, side="left")
        hi = np.searchsorted(ends, b, side="right")
        mask[lo:hi] = True
    return mask


def compute(text: str, quoted: list[tuple[int, int]] | None = None, toks: list[str] | None = None) -> Features:
    """Features of a normalised text (``toks``: its jieba cut, if made already)."""
    starts, ends, hashes = tokenise(text, toks)
    sh = shingles(hashes)
    fh, fp = winnow(sh)
    return Features(starts, ends, hashes, quoted_mask(starts, ends, quoted or []), minhash(sh), fh, fp)
