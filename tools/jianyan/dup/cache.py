"""On-disk cache of features, keyed by a hash of the text (so a rename or an unchanged file costs nothing).

Layout: ``.jianyan-cache/dup-v<VERSION>/<shard>.<array>.npy``. A shard is written by one run with
the features it had to compute; its ``keys`` array is written last, so a shard is only seen once
complete. Arrays are memory-mapped: only the pages of the items actually compared are read. When
there are many shards they are merged into one. Anything unreadable is treated as a cache miss:
the cache can always be deleted (``make clean``).
"""
from __future__ import annotations

import hashlib
import os
import uuid
from pathlib import Path

import numpy as np

from ..where import CACHE_DIR, cache_enabled
from .features import PERMS, VERSION, Features
from .tables import release

MAX_SHARDS = 32  # a cold run writes one shard per worker and SHARD_ITEMS texts; merged beyond this
DICT_AFTER = 2000  # lookups by binary search before one dictionary of every key is built
_ARRAYS = ("tok_ptr", "starts", "ends", "hashes", "quoted", "sig", "fp_ptr", "fp_hash", "fp_pos")


def content_key(text: str, markdown: bool) -> bytes:
    h = hashlib.blake2b(digest_size=16, person=b"jianyan-dup")
    h.update(f"{VERSION}:{int(markdown)}:".encode())
    h.update(text.encode("utf-8", "surrogatepass"))
    return h.digest()


class Shard:
    def __init__(self, folder: Path, name: str):
        self.folder, self.name = folder, name
        self.files = [folder / f"{name}.{a}.npy" for a in (*_ARRAYS, "keys")]
        # plain ndarray views of the maps: slicing a np.memmap costs ~4 µs of subclass bookkeeping each time
        self.maps = [np.load(folder / f"{name}.{a}.npy", mmap_mode="r") for a in _ARRAYS]
        self.__dict__.update({a: np.asarray(m) for a, m in zip(_ARRAYS, self.maps)})
        keys = np.load(folder / f"{name}.keys.npy", mmap_mode="r")
        if keys.ndim != 2 or keys.shape[1] != 16 or len(keys) + 1 != len(self.tok_ptr):
            raise ValueError("damaged shard")
        self.n = len(keys)
        self.raw_keys = keys
        # keys are written sorted; as big-endian 64-bit halves they sort the same way, so one is
        # found by binary search without reading every key (a PR run looks up a handful)
        halves = np.asarray(keys).view(">u8").reshape(self.n, 2)
        self.hi, self.lo = halves[:, 0], halves[:, 1]
        if self.n > 1 and not bool(np.all(self.hi[1:] >= self.hi[:-1])):
            raise ValueError("unsorted shard")

    def row(self, key: bytes) -> int | None:
        hi, lo = int.from_bytes(key[:8], "big"), int.from_bytes(key[8:], "big")
        i = int(np.searchsorted(self.hi, hi))
        while i < self.n and int(self.hi[i]) == hi:
            if int(self.lo[i]) == lo:
                return i
            i += 1
        return None

    def keys(self) -> list[bytes]:
        return [self.raw_keys[i].tobytes() for i in range(self.n)]

    def features(self, row: int) -> Features:
        a, b = int(self.tok_ptr[row]), int(self.tok_ptr[row + 1])
        c, d = int(self.fp_ptr[row]), int(self.fp_ptr[row + 1])
        return Features(self.starts[a:b], self.ends[a:b], self.hashes[a:b], self.quoted[a:b],
                        self.sig[row], self.fp_hash[c:d], self.fp_pos[c:d])


class Store:
    """Features by content key, backed by shards on disk (or memory only: ``root`` None, or the
    caches off for it, see ``where.cache_enabled``)."""

    def __init__(self, root: Path | None):
        use = root is not None and cache_enabled(Path(root))
        self.folder = (Path(root) / CACHE_DIR / f"dup-v{VERSION}") if use else None
        self.shards: list[Shard] = []
        self.new: dict[bytes, Features] = {}
        self._where: dict[bytes, tuple[Shard, int]] | None = None  # built once lookups are many
        self._lookups = 0
        if self.folder:
            self.adopt(self.folder)

    def adopt(self, folder: Path) -> None:
        """Open the complete shards in ``folder`` not open yet (written by worker processes)."""
        if not folder.is_dir():
            return
        have = {(s.folder, s.name) for s in self.shards}
        for keys in sorted(folder.glob("*.keys.npy")):
            name = keys.name[: -len(".keys.npy")]
            if (folder, name) in have:
                continue
            try:
                self.shards.append(Shard(folder, name))
            except (OSError, ValueError):
                continue
        self._where, self._lookups = None, 0

    @property
    def where(self) -> dict[bytes, tuple[Shard, int]]:
        """Every stored key → (shard, row); a later shard wins (the features are the same)."""
        if self._where is None:
            self._where = {key: (shard, row) for shard in self.shards for row, key in enumerate(shard.keys())}
        return self._where

    def _find(self, key: bytes) -> tuple[Shard, int] | None:
        if self._where is None and self._lookups < DICT_AFTER:
            self._lookups += 1
            for shard in reversed(self.shards):
                row = shard.row(key)
                if row is not None:
                    return shard, row
            return None
        return self.where.get(key)

    def get(self, key: bytes) -> Features | None:
        if key in self.new:
            return self.new[key]
        hit = self._find(key)
        return hit[0].features(hit[1]) if hit else None

    def __contains__(self, key: bytes) -> bool:
        return key in self.new or self._find(key) is not None

    def release(self) -> None:
        """Give back the pages of the shards read so far (they stay in the page cache)."""
        release(m for shard in self.shards for m in shard.maps)

    def put(self, key: bytes, feats: Features) -> None:
        self.new[key] = feats

    def save(self, used: set[bytes] | None = None) -> None:
        """Write this run's new features as a shard; merge shards when there are too many."""
        if not self.folder or (not self.new and len(self.shards) <= MAX_SHARDS):
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            if len(self.shards) + bool(self.new) > MAX_SHARDS:
                keep = {k: f for k, f in ((k, self.get(k)) for k in self.where if used is None or k in used)}
                keep.update(self.new)
                write_shard(self.folder, keep)
                for shard in self.shards:
                    for f in reversed(shard.files):
                        f.unlink(missing_ok=True)
            else:
                write_shard(self.folder, self.new)
        except OSError:
            pass  # a cache that cannot be written only costs time


def write_shard(folder: Path, items: dict[bytes, Features]) -> None:
    """Write ``items`` as one new shard of ``folder`` (its keys array last: seen only once complete)."""
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{os.getpid()}-{uuid.uuid4().hex[:12]}"
    order = sorted(items)
    feats = [items[k] for k in order]
    data = {
        "tok_ptr": np.concatenate(([0], np.cumsum([len(f.hashes) for f in feats]))).astype(np.int64),
        "starts": _cat([f.starts for f in feats], np.int32),
        "ends": _cat([f.ends for f in feats], np.int32),
        "hashes": _cat([f.hashes for f in feats], np.uint64),
        "quoted": _cat([f.quoted for f in feats], bool),
        "sig": (np.stack([f.sig for f in feats]) if feats else np.zeros((0, PERMS))).astype(np.uint32),
        "fp_ptr": np.concatenate(([0], np.cumsum([len(f.fp_hash) for f in feats]))).astype(np.int64),
        "fp_hash": _cat([f.fp_hash for f in feats], np.uint64),
        "fp_pos": _cat([f.fp_pos for f in feats], np.int32),
        "keys": np.frombuffer(b"".join(order), dtype=np.uint8).reshape(len(order), 16),
    }
    for a, arr in data.items():  # keys last: a shard exists only once complete
        tmp = folder / f".{name}.{a}.tmp.npy"
        np.save(tmp, arr)
        os.replace(tmp, folder / f"{name}.{a}.npy")


def _cat(parts: list[np.ndarray], dtype) -> np.ndarray:
    return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype=dtype)
