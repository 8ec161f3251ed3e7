"""On-disk cache of the findings of per-file check families, so a warm `jianyan check` re-checks only
the documents that changed.

A per-file family's findings on a document depend only on that document, the registries (schema/,
including the phrase list) and the tool's code (``Family.per_file`` in the family table,
checks/__init__.py). So for each such family the cache keeps, per document,
a hash of its text and path and the findings the family yielded on it, under a fingerprint of the
registries and the tool (``_context_fingerprint``): a change to either makes a fresh cache. Layout:
``.jianyan-cache/findings-v<FORMAT>/<family>.bin``, one signed blob per family (blobs.write_blob), its
findings one ``Findings`` table (``_Cache``); anything unreadable or of an unexpected shape is discarded
and computed again.

A check runs the per-file families together (``Together``): over all cores, GROUP documents at a time,
each family in turn on them, so that each body is read once and its Markdown parsed once for all of
them (``markdown.shared_parses``); the workers send back tables, not one pickled object per finding.
"""
from __future__ import annotations

import hashlib
from array import array
from dataclasses import replace
from pathlib import Path

from jianyan.accel.blobs import read_blob, write_blob
from jianyan.accel.loadcache import FORMAT, Packed, fingerprint
from jianyan.accel import pools
from jianyan.campaign.load import Campaign
from jianyan.checks import Context, Family
from jianyan.core.findings import Finding, Findings
from jianyan.text.markdown import shared_parses
from jianyan.core.fsutil import read_regular
from jianyan.campaign.where import CACHE_DIR, cache_enabled, cache_folder, discard, drop_old_versions

PARALLEL_MIN = 256  # below this many documents to check, forking costs more than it saves
CONTEXT_FILE_MAX = 8 << 20  # a registry is refused past 5 MB (campaign/load.py REGISTRY_MAX_BYTES)


def _digest(raw: bytes) -> bytes:
    return hashlib.blake2b(raw, digest_size=16).digest()


def _context_fingerprint(root: Path, registries, family: str) -> str:
    h = hashlib.blake2b(digest_size=16, person=b"jianyan-find")
    h.update(f"{fingerprint()}:{family}".encode())
    files = sorted(p for p in (root / "schema").rglob("*") if p.is_file()) if (root / "schema").is_dir() else []
    phrases = getattr(getattr(registries.settings, "quality", None), "phrases", None) if registries else None
    if phrases:
        files.append(root / phrases)
    for path in files:
        h.update(str(path.relative_to(root) if path.is_relative_to(root) else path).encode() + b"\0")
        try:  # regular files of registry size only (no link followed, no device read)
            h.update(read_regular(path, CONTEXT_FILE_MAX))
        except (OSError, ValueError):
            h.update(b"\0missing")
        h.update(b"\0")
    return h.hexdigest()


def cached_family(family: Family, campaign: Campaign, ctx: Context) -> list[Finding]:
    """Findings of ``family`` (a ``checks.Runner``): a per-file family's reused for unchanged documents,
    computed only for the others.

    The family runs on a copy of the campaign holding just the documents whose text, registries or
    tool changed (and are in scope); findings that are not about a document (e.g. a broken phrase
    list) come from that run every time. Same findings as ``family.check(campaign, ctx)``."""
    if not family.per_file:
        return list(family.check(campaign, ctx))
    return list(_run([family], campaign, ctx)[family.name])


class Together:
    """A ``checks.Runner`` that works out the per-file families among ``families`` together: each
    document's text read and its Markdown parsed once for all of them (``markdown.shared_parses``), over
    all cores, their findings held as ``Findings`` tables. The others run as ``cached_family`` runs them.
    Same findings as ``cached_family`` of each.

    ``start`` sets the workers going at once: the per-file families' runs then give nothing (an empty
    table), the other families (and the duplication check waiting for its features) run in this process
    meanwhile, and ``finish`` gives the per-file families' findings; ``stop`` ends the workers if
    ``finish`` is not reached."""

    def __init__(self, families) -> None:
        self.families = [f for f in families if f.per_file]
        self.running: _Running | None = None

    def start(self, campaign: Campaign, ctx: Context) -> None:
        if self.families:
            self.running = _Running(self.families, campaign, ctx)

    def finish(self) -> dict[str, Findings]:
        """The per-file families' findings (those ``start`` set going; none without it)."""
        running, self.running = self.running, None
        if running is None:
            return {}
        try:
            return running.finish()
        finally:
            running.stop()  # the workers ended even when a chunk failed

    def stop(self) -> None:
        if self.running is not None:
            self.running.stop()
            self.running = None

    def __call__(self, family: Family, campaign: Campaign, ctx: Context):
        if not family.per_file or family not in self.families:
            return cached_family(family, campaign, ctx)
        if self.running is None:
            raise RuntimeError("Together.start comes first")
        return Findings()  # given by ``finish``


class _Cache:
    """One per-file family's stored findings (``path``: its blob), held as they are stored: the documents'
    ``paths`` and ``keys`` (a hash of each one's text and path), and their findings as one ``Findings``
    ``table``, those of ``paths[k]`` at rows ``ends[k - 1]:ends[k]``."""

    def __init__(self, family: Family, campaign: Campaign) -> None:
        self.folder = Path(campaign.root) / CACHE_DIR / f"findings-v{FORMAT}"
        self.path = self.folder / f"{family.name}.bin"
        self.label = f"findings-v{FORMAT}/{family.name}"
        self.context = _context_fingerprint(Path(campaign.root), campaign.registries, family.name)
        payload = read_blob(self.path, self.label) if cache_folder(self.folder) else None
        self.paths: list[str] = []
        self.keys: list[bytes] = []
        self.ends = array("I")
        self.table = Findings()
        self.at: dict[str, int] = {}
        if type(payload) is tuple and len(payload) == 2 and payload[0] == self.context:
            try:
                self._adopt(payload[1])
            except (ValueError, TypeError, KeyError):
                self._forget()
                discard(self.path)
        elif payload is not None and not (type(payload) is tuple and len(payload) == 2):
            discard(self.path)

    def _forget(self) -> None:
        self.paths, self.keys, self.ends, self.table, self.at = [], [], array("I"), Findings(), {}

    def _adopt(self, stored) -> None:
        """Take ``stored`` (what ``write`` stored); ValueError (or TypeError, KeyError) when it is not of its shape."""
        paths, keys, table = stored["paths"], stored["keys"], Findings.from_marshal(stored["table"])
        ends = array("I")
        ends.frombytes(stored["ends"])
        if type(paths) is not list or type(keys) is not list or not len(paths) == len(keys) == len(ends) \
                or any(type(p) is not str for p in paths) or any(type(k) is not bytes for k in keys) \
                or any(a > b for a, b in zip(ends, ends[1:])) or (ends[-1] if ends else 0) != len(table):
            raise ValueError("a damaged findings cache")
        self.paths, self.keys, self.ends, self.table = paths, keys, ends, table
        self.at = {p: k for k, p in enumerate(paths)}

    @property
    def stored(self) -> bool:
        return bool(self.paths)

    def rows(self, k: int) -> tuple[int, int]:
        return (self.ends[k - 1] if k else 0), self.ends[k]

    def hit(self, path: str, key: bytes) -> tuple[int, int] | None:
        """The rows of ``table`` holding the findings of ``path`` when its text is as it was, else None."""
        k = self.at.get(path)
        return None if k is None or self.keys[k] != key else self.rows(k)

    def write(self, found: Findings, fresh: dict[str, bytes], present: set[str]) -> None:
        """Store the findings of the documents in ``fresh`` (path → key), computed as ``found``, beside
        the stored ones of the documents still ``present``. Never raises."""
        if not fresh and all(p in present for p in self.paths):
            return
        runs, paths, keys, ends, n = [], [], [], array("I"), 0
        for k, p in enumerate(self.paths):  # the stored documents still there and not checked again
            if p in present and p not in fresh:
                a, b = self.rows(k)
                runs.append((a, b))
                n += b - a
                paths.append(p)
                keys.append(self.keys[k])
                ends.append(n)
        # the rows of the documents of ``fresh``, in its order: a counting sort (an array a document would
        # cost 100 000 arrays at 100 000 files)
        order = {p: k for k, p in enumerate(fresh)}
        rank = [order.get(p, -1) for p in found.paths]
        counts = [0] * (len(fresh) + 1)  # the last one counts the rows of documents not in ``fresh``
        for p in found.path:
            counts[rank[p]] += 1
        first, at = array("I"), 0
        for c in counts[:-1]:
            first.append(at)
            at += c
        take = array("I", [0]) * at
        for i, p in enumerate(found.path):
            r = rank[p]
            if r >= 0:
                take[first[r]] = i
                first[r] += 1
        for p, k in order.items():
            n += counts[k]
            paths.append(p)
            keys.append(fresh[p])
            ends.append(n)
        # every finding computed, already in the order stored: the table itself, not a copy (a large
        # campaign's quality findings are about 30 MB)
        if not runs and take == array("I", range(len(found))):
            table = found
        else:
            table = Findings()
            table.add(self.table.take_runs(runs))
            table.add(found.take(take))
        self._forget()
        try:
            if cache_folder(self.folder, create=True):
                write_blob(self.path, (self.context, {"paths": paths, "keys": keys, "ends": ends.tobytes(),
                                                      "table": table.to_marshal()}), self.label, large=True)
                drop_old_versions(self.folder, "findings-v")
        except (OSError, ValueError):
            pass


def _key(doc) -> bytes:
    return _digest(doc.parsed.text.encode("utf-8", "surrogatepass") + b"\0" + doc.path.encode("utf-8", "surrogatepass"))


def _run(families: list[Family], campaign: Campaign, ctx: Context) -> dict[str, Findings]:
    """Each per-file family's findings (``cached_family``), worked out together."""
    return _Running(families, campaign, ctx).finish()


GROUP = 128  # documents the families run on in turn (their parses are shared: markdown.SHARED_MAX)
_JOB = None  # (families, campaign, ctx, chunks, keyed) shared with forked workers


class _Running:
    """The per-file families being worked out: the stored findings looked up here, the others computed by
    forked workers (or, with no processes to be had, here when ``finish`` asks for them)."""

    def __init__(self, families: list[Family], campaign: Campaign, ctx: Context) -> None:
        global _JOB
        self.families, self.campaign = families, campaign
        self.caches = caches = None if campaign.partial or not cache_enabled(campaign.root) else \
            {f.name: _Cache(f, campaign) for f in families}
        keyed = caches is not None and any(c.stored for c in caches.values())  # else nothing to look up
        self.hits: dict[str, list[tuple[int, int]]] = {f.name: [] for f in families}  # rows of each cache's table
        self.keys: dict[str, bytes] = {}
        self.todo = todo = []  # (document, is an issue, the families to run on it)
        for doc, issue in [*((d, False) for d in campaign.submissions), *((d, True) for d in campaign.issues)]:
            if not ctx.in_scope(doc.path):
                continue
            wanted = tuple(f.name for f in families)
            if keyed:
                key = self.keys[doc.path] = _key(doc)
                wanted = ()
                for f in families:
                    got = caches[f.name].hit(doc.path, key)
                    if got is None:
                        wanted += (f.name,)
                    else:
                        self.hits[f.name].append(got)
            if wanted:
                todo.append((doc, issue, wanted))
        procs = pools.processes(len(todo), PARALLEL_MIN)
        n = procs * 4 if procs else 1
        # the keys of the documents computed are worked out by the workers, which read them (unless known
        # already, or not wanted)
        job = (families, campaign, replace(ctx, only=None), [todo[k::n] for k in range(n)], keyed or caches is None)
        _JOB = job
        try:
            self.pool = pools.background(_chunk, range(n), procs) if procs else None  # forked here: they see _JOB
        finally:
            _JOB = None
        self.parts = self.pool.results() if self.pool is not None else (_chunk(k, job) for k in range(n))

    def finish(self) -> dict[str, Findings]:
        families, caches = self.families, self.caches
        found = {f.name: Findings() for f in families}
        for tables, more in self.parts:
            for f, table in zip(families, tables):
                found[f.name].add(Findings.from_marshal(table))
            self.keys.update(more)
        self.pool = None
        out = {}
        for f in families:
            found[f.name].settle()
            if not self.hits[f.name]:  # nothing stored taken: the computed table as it is (not a copy)
                out[f.name] = found[f.name]
                continue
            table = out[f.name] = Findings()
            table.add(caches[f.name].table.take_runs(self.hits[f.name]))
            table.add(found[f.name])
            table.settle()
        if caches is not None:
            present = {d.path for d in (*self.campaign.submissions, *self.campaign.issues)}
            for f in families:
                fresh = {d.path: self.keys[d.path] for d, _, wanted in self.todo if f.name in wanted}
                caches[f.name].write(found.pop(f.name), fresh, present)
        return out

    def stop(self) -> None:
        if self.pool is not None:
            self.pool.stop()
            self.pool = None


def _chunk(k: int, job: tuple | None = None) -> tuple[list[tuple], dict[str, bytes]]:
    """Chunk ``k`` of the documents of ``job`` (in a worker: ``_JOB``): each family's findings on them (as
    ``Findings.to_marshal``), run on GROUP documents at a time so that each body is parsed once, and their
    keys unless known (``_Running``)."""
    families, campaign, ctx, chunks, keyed = job or _JOB
    docs = chunks[k]
    found = [Findings() for _ in families]
    keys: dict[str, bytes] = {}
    about = [set() for _ in families]  # findings about no document of the group: each once
    with shared_parses():
        for start in range(0, max(len(docs), 1), GROUP):
            group = docs[start:start + GROUP]
            first = k == 0 and start == 0
            held = [d.parsed for d, _, _ in group if isinstance(d.parsed, Packed) and d.parsed.forgotten]
            for p in held:  # read once for every family, not once each
                p.hold()
            for f, table, seen in zip(families, found, about):
                subs = [d for d, issue, wanted in group if not issue and f.name in wanted]
                issues = [d for d, issue, wanted in group if issue and f.name in wanted]
                if not (subs or issues or first):
                    continue
                part = Campaign(campaign.root, campaign.registries, subs, issues,
                                campaign.unknown_files if first else [], [], campaign.originals if first else [])
                mine = {d.path for d in (*subs, *issues)}
                got = list(f.check(part, ctx))
                if any(x.path not in mine for x in got):
                    got = [x for x in got if x.path in mine or (x not in seen and not seen.add(x))]
                table.extend(got)
            if not keyed:
                for d, _, _ in group:
                    keys[d.path] = _key(d)
            for p in held:
                p.forget(campaign.root)
    return [t.to_marshal() for t in found], keys
