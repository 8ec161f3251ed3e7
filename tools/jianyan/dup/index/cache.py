"""On-disk cache of features, keyed by a hash of the text (so a rename or an unchanged file costs nothing).

Layout: ``.jianyan-cache/<FOLDER>/<shard>.{data.bin,index.npy,keys.npy}``. A shard is written by one run
with the features it had to compute: ``data.bin`` holds each text's arrays one after another (one
record a text), ``index.npy`` each record's offset, sizes and signature (a keyed BLAKE2b of its content
key, sizes and bytes, with this machine's key: where.cache_key), ``keys.npy`` (written last, so a shard
is only seen once complete) the sorted content keys and, as a last row, the signature of the keys and
the index. Opening a shard checks that its files are regular
files whose sizes agree with their headers and with each other, without reading the records; a
record's signature is checked the first time this process reads it, or ``locate`` finds it. A shard
that fails is discarded with a note (where.discard) and its texts computed again: edited, damaged or
foreign features are never used. A text's features are one ``pread`` of its record:
nothing is mapped, so reading the features of a whole corpus leaves them in the page cache, not in the
process's memory. When there are many shards they are merged into one (records copied as they are).
Anything unreadable is treated as a cache miss: the cache can always be deleted (``make clean``).
"""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import uuid
from pathlib import Path
from typing import Iterable

import numpy as np

from jianyan.core.fsutil import NotRegular, atomic_file, open_regular, read_exactly
from jianyan.campaign.where import CACHE_DIR, cache_enabled, cache_folder, cache_key, discard, drop_old_versions
from jianyan.dup.features import PERMS, VERSION, Features

LAYOUT = 3         # bump when the shard files change (the folder name carries it)
FOLDER = f"dup-v{VERSION}.{LAYOUT}"
MAX_SHARDS = 32    # a cold run writes one shard per worker and SHARD_ITEMS texts; merged beyond this
DICT_AFTER = 2000  # lookups by binary search before one dictionary of every key is built
# A record: (name, dtype, length as a multiple of (tokens, fingerprints, 1)); the 8-byte arrays first,
# so that each array is aligned when the record starts on a multiple of 8.
_RECORD = tuple((name, np.dtype(dtype), per) for name, dtype, per in (
    ("hashes", np.uint64, (1, 0, 0)), ("fp_hash", np.uint64, (0, 1, 0)), ("sig", np.uint32, (0, 0, PERMS)),
    ("starts", np.int32, (1, 0, 0)), ("ends", np.int32, (1, 0, 0)), ("fp_pos", np.int32, (0, 1, 0)),
    ("quoted", np.bool_, (1, 0, 0))))


def _layout(tokens: int, fps: int) -> tuple[tuple[tuple[str, np.dtype, int, int], ...], int]:
    """Each array of a record as (name, dtype, count, byte offset), and the record's padded size."""
    out, at = [], 0
    for name, dtype, (a, b, c) in _RECORD:
        count = a * tokens + b * fps + c
        out.append((name, dtype, count, at))
        at += count * dtype.itemsize
    return tuple(out), -(-at // 8) * 8


_SCRATCH_KEY = secrets.token_bytes(32)  # signs shards that only this run's processes (forked) read


def signing_key() -> bytes:
    """This machine's key for the caches (where.cache_key); without one, a key of this run, for the
    scratch shards of a run whose caches are off."""
    return cache_key() or _SCRATCH_KEY


def _sizes(tokens: np.ndarray, fps: np.ndarray) -> np.ndarray:
    """``_layout(t, f)[1]`` for arrays of token and fingerprint counts."""
    per = [sum(dtype.itemsize * p[k] for _, dtype, p in _RECORD) for k in range(3)]
    return -(-(per[0] * tokens + per[1] * fps + per[2]) // 8) * 8


def _sign(key: bytes, content: bytes, tokens: int, fps: int, record: bytes) -> np.ndarray:
    """A record's signature, as the two int64 it is stored as in ``index.npy``."""
    h = hashlib.blake2b(key=key, digest_size=16, person=b"jianyan-feat")
    h.update(content + tokens.to_bytes(8, "little") + fps.to_bytes(8, "little"))
    h.update(record)
    return np.frombuffer(h.digest(), dtype="<i8")


def _sign_shard(key: bytes, keys: np.ndarray, index: np.ndarray) -> bytes:
    """The signature of a shard's keys and index (the last row of ``keys.npy``)."""
    h = hashlib.blake2b(key=key, digest_size=16, person=b"jianyan-shard")
    h.update(np.ascontiguousarray(keys).tobytes())
    h.update(np.ascontiguousarray(index).tobytes())
    return h.digest()


def read_npy(path: Path, dtype: str, shape: tuple[int | None, int]) -> np.ndarray:
    """A 2-D .npy file written by ``np.save``, read whole: a regular file whose header gives ``dtype``
    and ``shape`` (None: any number of rows) and whose size agrees with it, or ValueError. np.load
    would read a FIFO, follow a symlink to /dev/zero, or take a huge shape on trust."""
    fd = open_regular(path)
    with os.fdopen(fd, "rb") as fh:
        version = np.lib.format.read_magic(fh)
        if version not in ((1, 0), (2, 0)):
            raise ValueError("unknown .npy version")
        read = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        got, fortran, got_dtype = read(fh)
        if got_dtype != np.dtype(dtype) or fortran or len(got) != 2 or got[1] != shape[1] \
                or shape[0] is not None and got[0] != shape[0]:
            raise ValueError("unexpected .npy shape")
        count = got[0] * got[1]
        if os.fstat(fd).st_size - fh.tell() != count * got_dtype.itemsize:
            raise ValueError("damaged .npy file")
        return np.frombuffer(read_exactly(fd, count * got_dtype.itemsize, fh.tell()), dtype=got_dtype).reshape(got)


def content_key(text: str, markdown: bool) -> bytes:
    h = hashlib.blake2b(digest_size=16, person=b"jianyan-dup")
    h.update(f"{VERSION}:{int(markdown)}:".encode())
    h.update(text.encode("utf-8", "surrogatepass"))
    return h.digest()


class Shard:
    """One shard's records, read with ``os.pread``; keys and index held (56 B a text)."""

    def __init__(self, folder: Path, name: str, key: bytes, trusted: bool = False):
        """ValueError (or OSError) when the shard's files are not regular files of agreeing sizes.
        ``trusted``: the records need no checking (the process that started this one checked them)."""
        self.folder, self.name, self.key = folder, name, key
        self.files = [folder / f"{name}.{part}" for part in ("data.bin", "index.npy", "keys.npy")]
        keys = read_npy(self.files[2], "u1", (None, 16))
        keys, sign = keys[:-1], keys[-1:].tobytes()
        self.index = read_npy(self.files[1], "<i8", (len(keys), 5))
        if not hmac.compare_digest(sign, _sign_shard(key, keys, self.index)):
            raise ValueError("shard not signed here")
        self.fd = open_regular(self.files[0])
        size = os.fstat(self.fd).st_size
        at, tokens, fps = self.index[:, 0], self.index[:, 1], self.index[:, 2]
        ends = at + _sizes(tokens, fps)
        if len(keys) and (np.any(tokens < 0) or np.any(fps < 0) or np.any(tokens > size) or np.any(fps > size)
                          or at[0] != 0 or np.any(at[1:] != ends[:-1]) or ends[-1] != size) or not len(keys) and size:
            os.close(self.fd)
            raise ValueError("damaged shard")
        self.n = len(keys)
        self.raw_keys = keys
        self.checked = np.full(self.n, trusted, dtype=bool)  # records whose signature was checked
        # keys are written sorted; as big-endian 64-bit halves they sort the same way, so one is
        # found by binary search (a PR run looks up a handful)
        halves = keys.view(">u8").reshape(self.n, 2)
        self.hi, self.lo = halves[:, 0], halves[:, 1]
        if self.n > 1 and not bool(np.all(self.hi[1:] >= self.hi[:-1])):
            os.close(self.fd)
            raise ValueError("unsorted shard")

    def __del__(self) -> None:
        try:
            os.close(self.fd)
        except (AttributeError, OSError):
            pass

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

    def record(self, row: int) -> tuple[bytes, int, int]:
        """The raw record of ``row``, its token and fingerprint counts; ValueError when it is not the
        one signed."""
        return self._record(row)[:3]

    def _record(self, row: int) -> tuple[bytes, int, int, tuple]:
        """``record(row)`` and the record's layout (``_layout``)."""
        at, tokens, fps = self.index[row, :3].tolist()
        layout, size = _layout(tokens, fps)
        data = os.pread(self.fd, size, at)
        if not self.checked[row]:
            sign = _sign(self.key, self.raw_keys[row].tobytes(), tokens, fps, data)
            if not hmac.compare_digest(sign.tobytes(), self.index[row, 3:].tobytes()):
                raise ValueError("damaged shard")
            self.checked[row] = True
        return data, tokens, fps, layout

    def check(self, row: int) -> bool:
        """Whether ``row``'s record is the one signed (read once a process)."""
        try:
            return self.checked[row] or self.record(row) is not None
        except (OSError, ValueError):
            return False

    def part(self, row: int, name: str, count: bool = False):
        """One array of ``row``'s record (``count``: its length only, nothing read)."""
        at, tokens, fps = (int(x) for x in self.index[row, :3])
        for array, dtype, n, offset in _layout(tokens, fps)[0]:
            if array == name:
                if count:
                    return n
                if not self.checked[row]:
                    self.record(row)
                data = os.pread(self.fd, n * dtype.itemsize, at + offset)
                if len(data) != n * dtype.itemsize:
                    raise ValueError("damaged shard")
                return np.frombuffer(data, dtype, n)
        raise KeyError(name)

    def features(self, row: int) -> Features:
        data, _, _, layout = self._record(row)
        arrays = {name: np.frombuffer(data, dtype, count, at) for name, dtype, count, at in layout}
        return Features(**arrays)


class Store:
    """Features by content key, backed by shards on disk (or memory only: ``root`` None, or the
    caches off for it, see ``where.cache_enabled``)."""

    def __init__(self, root: Path | None):
        use = root is not None and cache_enabled(Path(root))
        self.folder = (Path(root) / CACHE_DIR / FOLDER) if use else None
        self.key = signing_key()
        self.trusted = False
        self.shards: list[Shard] = []
        self.new: dict[bytes, Features] = {}
        self._where: dict[bytes, tuple[Shard, int]] | None = None  # built once lookups are many
        self._lookups = 0
        if self.folder:
            drop_old_versions(self.folder, "dup-v")
            self.adopt(self.folder)

    @classmethod
    def opened(cls, folder: Path) -> "Store":
        """The store whose shards are in ``folder`` (a fresh query worker's: engine.Index.from_state),
        opened by a process that located, and so checked, the records this one reads."""
        store = cls(None)
        store.folder, store.trusted = folder, True
        store.adopt(folder)
        return store

    def adopt(self, folder: Path) -> None:
        """Open the complete shards in ``folder`` not open yet (written by worker processes)."""
        if not cache_folder(folder):  # a symlink there is removed, never followed
            return
        have = {(s.folder, s.name) for s in self.shards}
        for keys in sorted(folder.glob("*.keys.npy")):
            name = keys.name[: -len(".keys.npy")]
            if name.startswith("."):
                continue
            if (folder, name) in have:
                continue
            try:
                self.shards.append(Shard(folder, name, self.key, self.trusted))
            except FileNotFoundError:
                continue  # removed meanwhile by a run merging the shards
            except (OSError, NotRegular, ValueError):
                self.drop(folder, name)
        self._where, self._lookups = None, 0

    @staticmethod
    def drop(folder: Path, name: str) -> None:
        """Discard a damaged shard (its texts' features are computed again)."""
        for part in ("keys.npy", "index.npy", "data.bin"):  # keys first: the shard is no longer seen
            discard(folder / f"{name}.{part}")

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

    def locate(self, keys: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
        """Where the features of many keys are: (shard number, row) arrays, shard -1 for a key in no
        shard. One sorted pass over every shard's keys, no dictionary (16 MB at 100 000 texts)."""
        shard = np.full(len(keys), -1, dtype=np.int32)
        row = np.zeros(len(keys), dtype=np.int64)
        if not keys or not self.shards:
            return shard, row
        hi = np.concatenate([s.hi for s in self.shards])
        lo = np.concatenate([s.lo for s in self.shards])
        owner = np.repeat(np.arange(len(self.shards), dtype=np.int32), [s.n for s in self.shards])
        rows = np.concatenate([np.arange(s.n) for s in self.shards])
        order = np.lexsort((lo, hi))
        hi, lo, owner, rows = hi[order], lo[order], owner[order], rows[order]
        want = np.frombuffer(b"".join(keys), dtype=">u8").reshape(len(keys), 2)
        at = np.searchsorted(hi, want[:, 0])  # then lo among equal hi (equal hi: about never)
        at = np.minimum(at, len(hi) - 1)
        for k in np.flatnonzero((hi[at] == want[:, 0]) & (lo[at] != want[:, 1])).tolist():
            j = at[k]
            while j < len(hi) - 1 and hi[j] == want[k, 0] and lo[j] != want[k, 1]:
                j += 1
            at[k] = j
        found = (hi[at] == want[:, 0]) & (lo[at] == want[:, 1])
        shard[found], row[found] = owner[at[found]], rows[at[found]]
        for k in np.flatnonzero(found).tolist():  # a record that is not the one signed is not there
            s = self.shards[shard[k]]
            if not s.checked[row[k]] and not s.check(int(row[k])):
                shard[k] = -1
                self.drop(s.folder, s.name)
        return shard, row

    def get(self, key: bytes) -> Features | None:
        if key in self.new:
            return self.new[key]
        hit = self._find(key)
        if hit and not hit[0].check(hit[1]):
            self.drop(hit[0].folder, hit[0].name)
            return None
        return hit[0].features(hit[1]) if hit else None

    def __contains__(self, key: bytes) -> bool:
        return key in self.new or self._find(key) is not None

    def put(self, key: bytes, feats: Features) -> None:
        self.new[key] = feats

    def save(self, used: set[bytes] | None = None) -> None:
        """Write this run's new features as a shard; merge shards when there are too many."""
        if not self.folder or (not self.new and len(self.shards) <= MAX_SHARDS):
            return
        try:
            if not cache_folder(self.folder, create=True):
                return
            if len(self.shards) + bool(self.new) > MAX_SHARDS:
                where = {k: hit for k, hit in self.where.items() if k not in self.new and (used is None or k in used)}
                records = ((k, self.new[k]) if k in self.new else (k, where[k][0].record(where[k][1]))
                           for k in sorted(where.keys() | self.new.keys()))
                write_records(self.folder, records, self.key)
                for shard in self.shards:
                    for f in reversed(shard.files):
                        f.unlink(missing_ok=True)
            else:
                write_shard(self.folder, self.new, self.key)
        except OSError:
            pass  # a cache that cannot be written only costs time


def write_shard(folder: Path, items: dict[bytes, Features], key: bytes | None = None) -> None:
    """Write ``items`` as one new shard of ``folder``, signed with ``key`` (default: ``signing_key()``)."""
    write_records(folder, ((k, items[k]) for k in sorted(items)), key)


def _record(feats: Features) -> tuple[bytes, int, int]:
    layout, size = _layout(len(feats.hashes), len(feats.fp_hash))
    buf = bytearray(size)
    for name, dtype, count, at in layout:
        arr = np.asarray(getattr(feats, name), dtype=dtype)
        if len(arr) != count:
            raise ValueError(f"features: {name} has {len(arr)} values, not {count}")
        buf[at:at + arr.nbytes] = arr.tobytes()
    return bytes(buf), len(feats.hashes), len(feats.fp_hash)


def write_records(folder: Path, items: Iterable[tuple[bytes, Features | tuple[bytes, int, int]]],
                  key: bytes | None = None) -> None:
    """A new shard of ``folder`` from (content key, features or raw record) in key order, written as it
    comes (a merge copies records without holding them), signed with ``key`` (default:
    ``signing_key()``); its keys file last: seen only once complete."""
    key = key or signing_key()
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{os.getpid()}-{uuid.uuid4().hex[:12]}"
    keys: list[bytes] = []
    index: list[tuple[int, int, int, int, int]] = []
    at = 0
    with atomic_file(folder / f"{name}.data.bin", durable=False) as fh:
        for content, item in items:
            record, tokens, fps = _record(item) if isinstance(item, Features) else item
            fh.write(record)
            keys.append(content)
            index.append((at, tokens, fps, *_sign(key, content, tokens, fps, record).tolist()))
            at += len(record)
    index_arr = np.array(index, dtype=np.int64).reshape(len(index), 5)
    keys_arr = np.frombuffer(b"".join(keys), dtype=np.uint8).reshape(len(keys), 16)
    sign = np.frombuffer(_sign_shard(key, keys_arr, index_arr), dtype=np.uint8).reshape(1, 16)
    parts = {"index": index_arr, "keys": np.concatenate([keys_arr, sign])}  # signature: the last row
    for part, arr in parts.items():  # keys last
        with atomic_file(folder / f"{name}.{part}.npy", durable=False) as fh:
            np.save(fh, arr)
