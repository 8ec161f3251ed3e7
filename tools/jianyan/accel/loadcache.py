"""The fast path of loading a campaign: ``load_fast`` is ``load.load_campaign`` with a
``load.ParseSource`` (``CachedSource``) that keeps the parses on disk, parses what is not kept over all
cores and holds the documents compactly; the campaign is the same as a plain load's.

The parse cache, so that a warm `jianyan check` does not re-read YAML it has seen. Parsing the YAML front matter (pure-Python PyYAML composing, positions, trap warnings) is most of the
cost of loading a campaign: about 0.28 ms per file against 0.015 ms for validating the model. So the
cache keeps what ``frontmatter.read_markdown`` made of a file — data, key and value positions, where
the body starts, and the reader's findings — and the model is validated again from the cached data
on every run (cheap, and never stale when the models change).

Key: the file's repository path and a hash of its bytes, under a fingerprint of the reader's code
(the package's source files, the PyYAML and Python versions): a change to the tool makes a fresh
cache. Layout: ``.jianyan-cache/load-v<FORMAT>/<fingerprint>/<part>/<shard>.bin`` with SHARDS shards by
path, each a signed blob (blobs.py), written to a temporary file and renamed (atomic:
concurrent runs never see half a file; the last writer wins, and either version is correct). A
shard that is not a regular file, is too large, fails its signature or has an unexpected shape is
discarded with a note and rebuilt, and an entry is only used when the file's bytes hash to the stored
value: the cache is never trusted blindly and can always be deleted (``make clean``).

Held compactly (``Packed``, ``share``): a campaign of 100 000 files holds each document's parse as one
deflated marshal record (about 90 bytes), its model's common values once and its fields in a key-sharing
dictionary, and with ``lean`` not even the texts, read again from the files when a check asks for one.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import marshal
import os
import stat
import sys
import zlib
from functools import cache, partial
from pathlib import Path
from typing import Callable, Iterable, Iterator

import yaml
from pydantic import BaseModel

from jianyan.accel import pools
from jianyan.accel.blobs import read_blob, write_blob
from jianyan.accel.memory import trim
from jianyan.campaign.frontmatter import ChangedWhileChecking, Parsed, decode, read_markdown, read_yaml
from jianyan.campaign.load import Campaign, Doc, Reader, Registries, content_digest, load_campaign, load_registries
from jianyan.core.findings import Finding
from jianyan.campaign.where import CACHE_DIR, cache_enabled, cache_folder, discard, drop_old_versions, find_root, remove_entry

FORMAT = 3
SHARDS = 16
_PKG = Path(__file__).resolve().parents[1]  # the whole jianyan package: its source is part of the cache key
_fingerprint: str | None = None


def fingerprint() -> str:
    """Hash of everything a parse depends on besides the file: the package's code and versions."""
    global _fingerprint
    if _fingerprint is None:
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


def _shard_of(relpath: str) -> int:
    return hashlib.blake2b(relpath.encode("utf-8", "surrogatepass"), digest_size=2).digest()[0] % SHARDS


# --- documents held compactly ------------------------------------------------------------------

_DECODED: list = [None, None]  # the Packed decoded last, and its values (Packed._values)
_READ: list = [None, ""]  # the Packed whose text was read again last, and that text (Packed.text)


class Packed(Parsed):
    """A file's parse held compactly, with the same answers as the ``Parsed`` it stands for.

    The values and positions are one marshal record, deflated with a preset dictionary (``_preset``:
    what every record of a file laid out as ``jianyan new`` writes it has in common), about 90 bytes
    against 500 bytes plain and 5 KB of dictionaries and tuples; decoded again when a check asks for
    them (3 µs): the last one decoded is kept (checks ask for several lines of one file in a row), not
    every one (decoded, they are 3 KB). Once ``forget`` let
    the text go, it is read again from the file when asked for: a campaign of many thousand files is
    not held in memory twice, and a file changed since raises ChangedWhileChecking; the text read last is
    kept (the checks ask for a file's body several times in a row: read once, not each time)."""

    __slots__ = ("record", "_ok", "_text", "_root", "_digest")

    def __init__(self, path: str, record: bytes, text: str, body_start: int, body_line: int,
                 findings: Iterable[Finding]) -> None:
        self.path, self.record, self._text = path, record, text
        # a tuple: most files have no reader's findings, and the empty tuple is one object for them all
        self.body_start, self.body_line, self.findings = body_start, body_line, tuple(findings)
        self._ok: bool | None = None
        self._root = self._digest = None  # set by ``forget``

    def _values(self) -> tuple:
        """(data, key_pos, value_pos), decoded from the record unless this was the last one decoded."""
        if _DECODED[0] is not self:
            _DECODED[:] = [self, marshal.loads(zlib.decompressobj(zdict=_preset()).decompress(self.record))]
        return _DECODED[1]

    @property
    def data(self):
        return self._values()[0]

    @property
    def key_pos(self):
        return self._values()[1]

    @property
    def value_pos(self):
        return self._values()[2]

    @property
    def ok(self) -> bool:
        if self._ok is None:  # once known, answered without decoding
            self._ok = self.data is not None
        return self._ok

    @property
    def text(self) -> str:
        """The file's text as read (read again from the file when ``forget`` let it go)."""
        if self._root is None:
            return self._text
        if _READ[0] is self:  # the checks ask for one file's text several times in a row
            return _READ[1]
        try:
            with open(os.path.join(self._root, self.path), "rb") as fh:  # not pathlib: it interns every part
                raw = fh.read()
        except OSError:
            raise ChangedWhileChecking(self.path) from None
        text, _ = decode(self.path, raw)
        if text is None or hash(text) != self._digest:
            raise ChangedWhileChecking(self.path)
        _READ[:] = [self, text]
        return text

    @property
    def forgotten(self) -> bool:
        """``forget`` let the text go (it is read again when asked for)."""
        return self._root is not None

    def hold(self) -> None:
        """Hold the text again (read once more, when ``forget`` let it go) until the next ``forget``: for
        several checks in a row that each ask for it (accel/findingscache.py)."""
        if self._root is not None:
            self._text, self._root = self.text, None

    def forget(self, root: Path) -> None:
        """Let the text go: it is read again from ``root / path`` when asked for."""
        if self._text and self._root is None:
            self._digest, self._root, self._text = hash(self._text), os.fspath(root), ""


def pack(parsed: Parsed) -> Parsed:
    """``parsed`` as a ``Packed``; as it is when its values are not all builtins (marshal refuses them)
    or it holds no text (the bytes could not be decoded: nothing worth keeping)."""
    if isinstance(parsed, Packed) or not parsed.text:
        return parsed
    values = (parsed.data, parsed.key_pos, parsed.value_pos)
    try:
        record = marshal.dumps(values, RECORD_MARSHAL)
    except ValueError:
        return parsed
    deflate = zlib.compressobj(zdict=_preset())
    record = deflate.compress(record) + deflate.flush()
    packed = Packed(parsed.path, record, parsed.text, parsed.body_start, parsed.body_line, parsed.findings)
    _DECODED[:] = [packed, values]  # just made: validating it next needs no decoding
    return packed


# marshal's version 2 for the records and their preset: it writes neither back-references nor interned
# strings (version 3 and later do both, and how many references a value has and whether a string is
# interned depend on what the process ran before: the preset must be the same bytes in every process), and
# a record repeats the preset's bytes wherever it has what the preset has (deflated, 90 bytes where
# version 4 gives 160)
RECORD_MARSHAL = 2


@cache
def _preset() -> bytes:
    """The preset dictionary the records are deflated with: the record of a submission as ``jianyan new``
    lays it out (its keys, their order, the positions of its values), so that a record spends its bytes
    on what is its own. Fixed by the code (the load cache is keyed by the code): records written by one
    run are read by the next, and by the workers that parse for this one: the same bytes in every
    process (RECORD_MARSHAL). A stored record deflated with another preset is parsed again (``_restore``)."""
    from jianyan.campaign.scaffold import render  # lazy: the scaffold is only wanted for this
    text = render("2021-unit-001", "关于的建议", ["某某"], "unit", 1, "suggestion", dt.date(2021, 3, 1), None,
                  "submitted")
    parsed = read_markdown("submissions/2021/unit/2021-unit-001.md", text.encode("utf-8"))
    return marshal.dumps((parsed.data, parsed.key_pos, parsed.value_pos), RECORD_MARSHAL)


@cache
def _preset_id() -> bytes:
    """What a record deflated with ``_preset`` holds at bytes 2 to 6 (zlib's DICTID: the preset's Adler-32)."""
    return zlib.adler32(_preset()).to_bytes(4, "big")


SHARED_MAX_CHARS = 12  # strings up to this long (units, statuses, kinds, names; not ids) are kept once
_SHARED: dict = {}
_PYDANTIC_SLOTS = ("__pydantic_extra__", "__pydantic_private__")


def share(model: BaseModel) -> BaseModel:
    """``model`` held compactly, equal to it: the values many models have (short strings, dates, the set
    of fields given) as one object each instead of a copy each, and its fields in a dictionary that
    shares its keys with every other model of its class (CPython's key-sharing instance dictionaries:
    each model keeps only its values, 190 bytes less than the dictionary pydantic builds). About 1.2 KB
    less a submission in all. Models are read-only once loaded; the set of fields given becomes a
    frozenset, so an attribute set later fails loudly instead of changing every model's set."""
    cls = type(model)
    out = object.__new__(cls)
    for name, value in model.__dict__.items():  # the same order for every model: the keys stay shared
        if isinstance(value, list):
            value = [_shared(v) for v in value]
        elif isinstance(value, BaseModel):
            value = share(value)
        else:
            value = _shared(value)
        object.__setattr__(out, name, value)
    fields = frozenset(model.__pydantic_fields_set__)
    object.__setattr__(out, "__pydantic_fields_set__", _SHARED.setdefault(fields, fields))
    for slot in _PYDANTIC_SLOTS:
        object.__setattr__(out, slot, getattr(model, slot, None))
    return out


def _shared(value):
    """The one object kept for ``value`` when it is a date or a short string; else ``value``."""
    if isinstance(value, dt.date) or (isinstance(value, str) and len(value) <= SHARED_MAX_CHARS):
        return _SHARED.setdefault((type(value), value), value)
    return value


# --- the cache --------------------------------------------------------------------------------

def _record(parsed: Parsed):
    """What is kept of a parse (marshal-able builtins only), or None when it is not worth keeping."""
    packed = pack(parsed)
    if not isinstance(packed, Packed):
        return None
    return (packed.record, packed.body_start, packed.body_line,
            [(f.path, f.line, f.column, f.severity, f.code, f.message) for f in packed.findings])


def _restore(relpath: str, raw: bytes, rec) -> Packed | None:
    record, body_start, body_line, findings = rec
    text, _ = decode(relpath, raw)  # deterministic; its findings are among the cached ones
    if text is None or type(record) is not bytes or record[2:6] != _preset_id():
        return None  # (deflated with another preset: inflating it would fail at the first question)
    return Packed(relpath, record, text, body_start, body_line, [Finding(*f) for f in findings])


def _parse(reader: Reader, item: tuple[str, bytes, bytes]):
    relpath, raw, digest = item
    return relpath, digest, _record(reader(relpath, raw))


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

    def read(self, relpath: str, raw: bytes, reader: Reader, digest: bytes | None = None) -> Parsed:
        """``reader(relpath, raw)`` through the cache (one reader per cache), ``Packed`` when it can be;
        ``digest``: ``content_digest(raw)``, if the caller has it (the file's key in the cache)."""
        self.seen.add(relpath)
        k = _shard_of(relpath)
        shard = self._shard(k)
        digest = content_digest(raw) if digest is None else digest
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
        parsed = pack(reader(relpath, raw))
        rec = _record(parsed)
        if rec is not None:
            shard[relpath] = (digest, rec)
        else:
            shard.pop(relpath, None)
        self.dirty.add(k)
        return parsed

    def prefetch(self, items: list[tuple[str, bytes, bytes]], reader: Reader = read_markdown) -> None:
        """Parse, over all cores, the files among ``items`` (path, bytes, their ``content_digest``) the
        cache does not hold."""
        todo = []
        for relpath, raw, digest in items:
            hit = self._shard(_shard_of(relpath)).get(relpath)
            if not (type(hit) is tuple and len(hit) == 2 and hit[0] == digest):
                todo.append((relpath, raw, digest))
        procs = pools.processes(len(todo), PARALLEL_MIN)
        parsed = pools.imap(partial(_parse, reader), todo, procs, chunksize=64) if procs else None
        for relpath, digest, rec in parsed or ():  # none: ``read`` parses them one by one
            k = _shard_of(relpath)
            if rec is not None:
                self._shard(k)[relpath] = (digest, rec)
                self.dirty.add(k)

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


# --- the fast load ----------------------------------------------------------------------------

# Beyond this many content files `check` does not hold the texts once read: a check that wants one reads
# the file again (``Packed.forget``), 2.3 KB a file less — 230 MB at 100 000 files.
LEAN_FILES = 20_000
_PARTS = {read_markdown: "content", read_yaml: "schema"}  # the cache's set of shards for each reader


class CachedSource:
    """The fast path's ``load.ParseSource``: parses from the load cache of ``root`` (with ``cache`` off,
    from this run's memory only), those it does not hold made over all cores (``parallel``); documents
    held ``Packed`` with their models' common values shared, and with ``lean``, in a campaign of more
    than LEAN_FILES files, without their texts (read again when asked for)."""

    def __init__(self, root: Path, cache: bool = True, parallel: bool = True, lean: bool = False) -> None:
        self.root, self.cache, self.parallel, self.lean = root, cache, parallel, lean
        self.stores: dict[Reader, LoadCache] = {}
        self.forgot = False  # some text was let go

    def store(self, reader: Reader) -> LoadCache:
        if reader not in self.stores:
            self.stores[reader] = LoadCache(self.root if self.cache else None, part=_PARTS[reader])
        return self.stores[reader]

    def parse(self, files: list[tuple[str, bytes, bytes]], reader: Reader) -> Iterator[Parsed]:
        store = self.store(reader)
        if self.parallel:
            store.prefetch(files, reader)
        return (store.read(relpath, raw, reader, digest) for relpath, raw, digest in files)

    def keep(self, doc: Doc, total: int) -> Doc:
        if doc.model is not None:
            doc.model = share(doc.model)
        if self.lean and total > LEAN_FILES and isinstance(doc.parsed, Packed):
            doc.parsed.forget(self.root)
            self.forgot = True
        return doc

    def save(self, complete: bool = True) -> None:
        """Write what the cache learnt (``complete``: every file was read, so entries of files that are
        no longer there go). Never raises."""
        for store in self.stores.values():
            store.save(prune=complete)


def load_fast(root: Path | None = None, progress: Callable[[int, int], None] | None = None, *,
              cache: bool | None = None, parallel: bool = True, lean: bool = False,
              submissions: Iterable[str] | None = None,
              registries: tuple[Registries | None, list[Finding]] | None = None) -> Campaign:
    """``load.load_campaign`` (whose arguments these are too) through ``CachedSource``: the same campaign.

    ``cache``: keep the parses in .jianyan-cache/ (None decides by ``where.cache_enabled``);
    ``parallel``: parse over all cores (False when other work keeps them busy already); ``lean``: beyond
    LEAN_FILES files, do not hold the texts — for a command that only reads (``check``): one that writes
    files and then looks at them again would find them changed."""
    root = find_root(root)
    source = CachedSource(root, cache_enabled(root) if cache is None else cache, parallel, lean)
    campaign = load_campaign(root, progress, submissions=submissions, registries=registries, source=source)
    source.save(complete=submissions is None)
    if source.forgot:
        trim()  # the texts and parse temporaries freed: give the pages back
    return campaign


def load_registries_fast(root: Path) -> tuple[Registries | None, list[Finding]]:
    """``load.load_registries`` through the load cache (the registries are read on every run)."""
    source = CachedSource(root, cache_enabled(root), parallel=False)
    try:
        return load_registries(root, source)
    finally:
        source.save()
