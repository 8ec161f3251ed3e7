"""On-disk cache of front-matter parses, so a warm `jianyan check` does not re-read YAML it has seen.

Parsing the YAML front matter (pure-Python PyYAML composing, positions, trap warnings) is most of the
cost of loading a campaign: about 0.28 ms per file against 0.015 ms for validating the model. So the
cache keeps what ``frontmatter.read_markdown`` made of a file — data, key and value positions, where
the body starts, and the reader's findings — and the model is validated again from the cached data
on every run (cheap, and never stale when the models change).

Key: the file's repository path and a hash of its bytes, under a fingerprint of the reader's code
(the package's source files, the PyYAML and Python versions): a change to the tool makes a fresh
cache. Layout: ``.jianyan-cache/load-v<FORMAT>/<fingerprint>/<part>/<shard>.bin`` with SHARDS shards by
path, each a signed blob (``write_blob``), written to a temporary file and renamed (atomic:
concurrent runs never see half a file; the last writer wins, and either version is correct). A
shard that is not a regular file, is too large, fails its signature or has an unexpected shape is
discarded with a note and rebuilt, and an entry is only used when the file's bytes hash to the stored
value: the cache is never trusted blindly and can always be deleted (``make clean``).

A blob (``write_blob``, also the findings cache, findingscache.py, and the snapshots, snapshot.py): a header
(MAGIC, the payload's length, a keyed BLAKE2b of a label, the length and the payload) and
``marshal(obj)``. The key is this machine's (where.cache_key), so a blob copied from another machine or
edited, even with a digest recomputed, is not taken; the label says what the blob is (which snapshot,
which part), so a genuine blob moved to another place is not taken either. marshal is only ever
given bytes that this machine signed.
"""
from __future__ import annotations

import hashlib
import hmac
import marshal
import multiprocessing
import os
import stat
import sys
import tempfile
from pathlib import Path
from typing import Callable

from jianyan.findings import Finding
from jianyan.accel.pools import processes
from jianyan.campaign.frontmatter import Parsed, decode, read_markdown
from jianyan.fsutil import NotRegular, open_regular, read_exactly
from jianyan.where import CACHE_DIR, cache_folder, cache_key, discard, drop_old_versions, remove_entry

FORMAT = 3
SHARDS = 16
_PKG = Path(__file__).resolve().parents[1]  # the whole jianyan package: its source is part of the cache key
_fingerprint: str | None = None


def fingerprint() -> str:
    """Hash of everything a parse depends on besides the file: the package's code and versions."""
    global _fingerprint
    if _fingerprint is None:
        import yaml
        h = hashlib.blake2b(digest_size=10, person=b"jianyan-load")
        h.update(f"{FORMAT}:{yaml.__version__}:{sys.version_info[:2]}:{marshal.version}".encode())
        for path in sorted(_PKG.rglob("*.py")):
            h.update(path.relative_to(_PKG).as_posix().encode() + b"\0")
            try:
                h.update(path.read_bytes())
            except OSError:
                h.update(b"\0unreadable")
        _fingerprint = h.hexdigest()
    return _fingerprint


def _digest(raw: bytes) -> bytes:
    return hashlib.blake2b(raw, digest_size=16).digest()


def _shard_of(relpath: str) -> int:
    return hashlib.blake2b(relpath.encode("utf-8", "surrogatepass"), digest_size=2).digest()[0] % SHARDS


def _record(parsed: Parsed):
    """What is kept of a parse (marshal-able builtins only), or None when it is not worth keeping."""
    packed = parsed.packed() if parsed.text and parsed.text.endswith(parsed.body) else None
    if packed is None:
        return None
    return (packed, len(parsed.text) - len(parsed.body), parsed.body_line,
            [(f.path, f.line, f.column, f.severity, f.code, f.message) for f in parsed.findings])


def _restore(relpath: str, raw: bytes, rec) -> Parsed | None:
    packed, body_start, body_line, findings = rec
    text, _ = decode(relpath, raw)  # deterministic; its findings are among the cached ones
    if text is None or type(packed) is not bytes:
        return None
    return Parsed(relpath, body=text[body_start:], body_line=body_line, text=text,
                  findings=[Finding(*f) for f in findings], packed=packed)


def _parse(item: tuple[str, bytes]):
    relpath, raw = item
    return relpath, _digest(raw), _record(read_markdown(relpath, raw))


PARALLEL_MIN = 256  # below this many files to parse, forking costs more than it saves


class LoadCache:
    """Parses by path and content hash for one campaign root; ``None`` root keeps nothing."""

    def __init__(self, root: Path | None, part: str = "content"):
        """``part``: a separate set of shards (the registries are read on every run, the content
        files not always: each run reads only the shards it needs)."""
        self.folder = Path(root) / CACHE_DIR / f"load-v{FORMAT}" / fingerprint() / part if root else None
        self.shards: list[dict | None] = [None] * SHARDS  # loaded lazily
        self.dirty: set[int] = set()
        self.seen: set[str] = set()
        self.hits = self.misses = 0
        self.usable: bool | None = None  # the folder checked to be a real one (where.cache_folder)

    def _shard(self, k: int) -> dict:
        shard = self.shards[k]
        if shard is None:
            shard = self.shards[k] = self._read(k)
        return shard

    def _read(self, k: int) -> dict:
        if self.folder is None:
            return {}
        if self.usable is None:
            self.usable = cache_folder(self.folder)
        if not self.usable:
            return {}
        path = self.folder / f"{k:02x}.bin"
        payload = read_blob(path, self._label(k))
        if payload is not None and not isinstance(payload, dict):
            discard(path)
        return payload if isinstance(payload, dict) else {}

    def _label(self, k: int) -> str:
        return "/".join(self.folder.parts[-3:] + (f"{k:02x}",))

    def read_markdown(self, relpath: str, raw: bytes) -> Parsed:
        """``frontmatter.read_markdown`` through the cache."""
        return self.read(relpath, raw, read_markdown)

    def read(self, relpath: str, raw: bytes, reader: Callable[[str, bytes], Parsed]) -> Parsed:
        """``reader(relpath, raw)`` through the cache (one reader per cache)."""
        self.seen.add(relpath)
        k = _shard_of(relpath)
        shard = self._shard(k)
        digest = _digest(raw)
        hit = shard.get(relpath)
        if type(hit) is tuple and len(hit) == 2 and hit[0] == digest:
            try:
                parsed = _restore(relpath, raw, hit[1])
            except (TypeError, ValueError, IndexError):
                parsed = None
            if parsed is not None:
                self.hits += 1
                return parsed
        self.misses += 1
        parsed = reader(relpath, raw)
        rec = _record(parsed)
        if rec is not None:
            shard[relpath] = (digest, rec)
        else:
            shard.pop(relpath, None)
        self.dirty.add(k)
        return parsed

    def prefetch(self, items: list[tuple[str, bytes]]) -> None:
        """Parse, over all cores, the files among ``items`` (path, bytes) the cache does not hold."""
        todo = []
        for relpath, raw in items:
            hit = self._shard(_shard_of(relpath)).get(relpath)
            if not (type(hit) is tuple and len(hit) == 2 and hit[0] == _digest(raw)):
                todo.append((relpath, raw))
        procs = processes(len(todo), PARALLEL_MIN)
        if not procs:
            return  # read_markdown parses them one by one
        try:
            with multiprocessing.get_context("fork").Pool(procs) as pool:
                for relpath, digest, rec in pool.imap(_parse, todo, chunksize=64):
                    k = _shard_of(relpath)
                    if rec is not None:
                        self._shard(k)[relpath] = (digest, rec)
                        self.dirty.add(k)
        except OSError:
            pass  # no processes to be had: parsed one by one

    def save(self, prune: bool = True) -> None:
        """Write the shards that changed, dropping entries of files no longer there (``prune``: this run
        saw every file). Never raises."""
        if self.folder is None:
            return
        for k in range(SHARDS if prune else 0):  # a shard holding files that are gone is rewritten too
            shard = self.shards[k]
            if shard is not None and any(p not in self.seen for p in shard):
                for p in [p for p in shard if p not in self.seen]:
                    del shard[p]
                self.dirty.add(k)
        if not self.dirty:
            return
        try:
            if not cache_folder(self.folder, create=True):  # no symlink on the way is followed
                return
            for k in sorted(self.dirty):
                write_blob(self.folder / f"{k:02x}.bin", self.shards[k] or {}, self._label(k))
            for old in self.folder.parent.parent.iterdir():  # caches of other code versions
                if old.name != self.folder.parent.name and (stat.S_ISDIR(os.lstat(old).st_mode) or old.is_symlink()):
                    remove_entry(old)
            drop_old_versions(self.folder.parent.parent, "load-v")
        except (OSError, ValueError):
            pass  # a cache that cannot be written only costs time


MAGIC = b"jianyan-blob-1\0\0"
_HEAD = len(MAGIC) + 8 + 32
MAX_BLOB = 1 << 30  # larger is damage: a load shard of 100 000 files holds about 10 MB, a finding about 300 B


def _sign(key: bytes, label: str, payload: bytes) -> bytes:
    h = hashlib.blake2b(key=key, digest_size=32, person=b"jianyan-blob")
    h.update(label.encode("utf-8", "surrogatepass") + b"\0")
    h.update(len(payload).to_bytes(8, "little"))
    h.update(payload)
    return h.digest()


def read_blob(path: Path, label: str, limit: int = MAX_BLOB):
    """What ``write_blob`` stored at ``path`` under ``label``; None when it is missing, and also (after
    ``where.discard``: removed, with a note) when it is not a regular file, too large, damaged or not
    signed with this machine's key. Never reads more than the header says, nor more than ``limit``."""
    key = cache_key()
    if key is None:
        return None
    try:
        fd = open_regular(path)
    except FileNotFoundError:
        return None
    except (OSError, NotRegular):
        discard(path)
        return None
    try:
        size = os.fstat(fd).st_size
        head = read_exactly(fd, _HEAD) if _HEAD <= size <= limit else b""
        length = int.from_bytes(head[len(MAGIC):len(MAGIC) + 8], "little") if head else -1
        if head[:len(MAGIC)] == MAGIC and length == size - _HEAD:
            payload = read_exactly(fd, length, _HEAD)
            if hmac.compare_digest(head[-32:], _sign(key, label, payload)):
                return marshal.loads(payload)
    except (OSError, ValueError, EOFError, TypeError):
        pass
    finally:
        os.close(fd)
    discard(path)
    return None


def write_blob(path: Path, obj, label: str) -> None:
    """``obj`` (marshal-able) signed under ``label`` to ``path``, via a temporary file and a rename
    (atomic); ValueError when there is no key to sign with."""
    key = cache_key()
    if key is None:
        raise ValueError("no cache key")
    payload = marshal.dumps(obj)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(MAGIC + len(payload).to_bytes(8, "little") + _sign(key, label, payload) + payload)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
