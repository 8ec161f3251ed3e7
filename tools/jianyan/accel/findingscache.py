"""On-disk cache of the findings of per-file check families, so a warm `jianyan check` re-checks only
the documents that changed.

A per-file family's findings on a document depend only on that document, the registries (schema/,
including the phrase list) and the tool's code (``Family.per_file`` in the family table,
checks/__init__.py). So for each such family the cache keeps, per document,
a hash of its text and path and the findings the family yielded on it, under a fingerprint of the
registries and the tool (``_context_fingerprint``): a change to either makes a fresh cache. Layout:
``.jianyan-cache/findings-v<FORMAT>/<family>.bin``, one signed blob per family (blobs.write_blob);
anything unreadable or of an unexpected shape is discarded and computed again.
"""
from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

from jianyan.accel.blobs import read_blob, write_blob
from jianyan.accel.loadcache import FORMAT, fingerprint
from jianyan.accel import pools
from jianyan.campaign.load import Campaign
from jianyan.checks import Context, Family
from jianyan.findings import Finding
from jianyan.fsutil import read_regular
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
    name, check = family.name, family.check
    if not family.per_file:
        return list(check(campaign, ctx))
    if campaign.partial or not cache_enabled(campaign.root):
        return per_file(check, campaign, ctx)
    folder = Path(campaign.root) / CACHE_DIR / f"findings-v{FORMAT}"
    path = folder / f"{name}.bin"
    context = _context_fingerprint(Path(campaign.root), campaign.registries, name)
    label = f"findings-v{FORMAT}/{name}"
    payload = read_blob(path, label) if cache_folder(folder) else None
    stored: dict = {}
    if type(payload) is tuple and len(payload) == 2 and payload[0] == context and type(payload[1]) is dict:
        stored = payload[1]
    elif payload is not None and not (type(payload) is tuple and len(payload) == 2):
        discard(path)
    docs = [*campaign.submissions, *campaign.issues]
    out: list[Finding] = []
    todo_subs, todo_issues, keys = [], [], {}
    for doc, todo in [*((d, todo_subs) for d in campaign.submissions), *((d, todo_issues) for d in campaign.issues)]:
        if not ctx.in_scope(doc.path):
            continue
        key = _digest(doc.parsed.text.encode("utf-8", "surrogatepass") + b"\0" + doc.path.encode("utf-8", "surrogatepass"))
        keys[doc.path] = key
        hit = stored.get(doc.path)
        try:
            if type(hit) is tuple and len(hit) == 2 and hit[0] == key:
                out.extend(Finding(*f) for f in hit[1])
                continue
        except TypeError:
            pass
        todo.append(doc)
    part = Campaign(campaign.root, campaign.registries, todo_subs, todo_issues, campaign.unknown_files, [],
                    campaign.originals)
    found = per_file(check, part, replace(ctx, only=None))
    out.extend(found)
    fresh = {d.path: [] for d in (*todo_subs, *todo_issues)}
    for f in found:
        if f.path in fresh:
            fresh[f.path].append((f.path, f.line, f.column, f.severity, f.code, f.message))
    present = {d.path for d in docs}
    changed = bool(fresh) or any(p not in present for p in stored)
    if changed:
        merged = {p: v for p, v in stored.items() if p in present}
        merged.update({p: (keys[p], v) for p, v in fresh.items()})
        try:
            if not cache_folder(folder, create=True):
                return out
            write_blob(path, (context, merged), label)
            drop_old_versions(folder, "findings-v")
        except (OSError, ValueError):
            pass
    return out


_JOB = None  # (check, campaign, ctx, chunks) shared with forked workers


def per_file(check, campaign, ctx) -> list[Finding]:
    """``check(campaign, ctx)`` for a family whose findings on a document depend on that document
    alone: over all cores in slices of the documents when there are many (same findings, in slice
    order; findings about no document come once from each slice and are merged by ``finalize``)."""
    global _JOB
    docs = [*campaign.submissions, *campaign.issues]
    procs = pools.processes(len(docs), PARALLEL_MIN)
    if not procs:
        return list(check(campaign, ctx))
    n = procs * 4
    chunks = [(campaign.submissions[k::n], campaign.issues[k::n]) for k in range(n)]
    _JOB = (check, campaign, ctx, chunks)
    try:
        parts = pools.imap(_per_file_chunk, range(n), procs)  # the workers are forked here: they see _JOB
    finally:
        _JOB = None
    if parts is None:  # no processes to be had
        return list(check(campaign, ctx))
    return [f for part in parts for f in part]


def _per_file_chunk(k: int) -> list[Finding]:
    check, campaign, ctx, chunks = _JOB
    subs, issues = chunks[k]
    part = Campaign(campaign.root, campaign.registries, subs, issues, campaign.unknown_files if k == 0 else [],
                    [], campaign.originals if k == 0 else [])
    return list(check(part, ctx))
