"""A stored full check of one commit, so `check --base` on a pull request reads only what it changed.

A province keeps years of submissions in one repository; a pull request touches a handful. After a full
check of a clean work tree (every family, no paths given), the findings on the files under submissions/
are stored for the commit, with what each file's findings depend on and the duplication index of its
texts. A later `check --base REF` whose merge-base (or HEAD) has a snapshot then:

1. asks git what changed since that commit;
2. runs a full check instead when anything besides submissions, bulletin issues, feedback records and
   docs changed (a registry, a template, the settings…), or when too much changed;
3. reads the changed submissions, every bulletin issue and feedback record, and the unchanged
   submissions whose findings depend on a changed file, as the check families declare it
   (``Family.depends_on``, checks/__init__.py; ``HONOURED`` says how each dependency is followed here) —
   the ones that name it in ``related``, the ones adopted in a changed issue, the item of a changed
   feedback record, any file with the same id — and, when the day changed, the ones whose findings
   depend on the date (future dates, urgent items);
4. runs the checks on that partial campaign (other submissions are read on demand when a check looks
   one up by id) and takes the stored findings for every file it did not read (``Partial.rest``).

A family whose dependencies the snapshot does not know how to follow (a cross-file family that
declares none, or one not in ``HONOURED``) means: no snapshot is used or stored (``supports``), and
the full check runs.

The findings are the same as a full `check --base` (tests/test_snapshot.py compares them on many
changes). Two things are the snapshot's, by design: dup.* findings are only worked out for changed
items under --base anyway; a fingerprint's document frequency (what counts as a stock phrase) is the
snapshot's.

Layout: ``.jianyan-cache/snapshot-v<SNAPSHOT_FORMAT>/<commit>/`` with ``meta.bin`` (commit, day, tool
fingerprint, issue and feedback keys, ids that differ from file names, date-dependent files),
``rdeps.bin`` (key → files depending on it), ``findings.bin`` (file → whether a draft, the loader's
findings, each check family's findings) and ``dup/`` (dup/stored.py). Each .bin is a blob signed with
this machine's key (blobs.write_blob) under a label naming the commit, a random id of this
snapshot (kept in meta.bin) and the part, so parts of two snapshots cannot be mixed; a folder is
written under a temporary name and renamed; the newest KEEP snapshots are kept. Anything unreadable,
unsigned or damaged means: no snapshot (it is removed with a note, and the full check that runs
instead stores a new one).
"""
from __future__ import annotations

import datetime as dt
import os
import secrets
import shutil
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from jianyan.checks import FAMILIES, LOADER, Family
from jianyan.findings import Finding
from jianyan.vcs.git import Change, Git, GitError
from jianyan.accel.blobs import read_blob, write_blob
from jianyan.accel.loadcache import fingerprint, load_fast, load_registries_fast
from jianyan.campaign.load import Campaign, doc_reader
from jianyan.campaign.paths import FEEDBACK_DIR, ISSUES_DIR, SUBMISSIONS_DIR, submission_path
from jianyan.dup.index.stored import StoredIndex, save_index
from jianyan.tracking.feedback import tracking_of
from jianyan.where import CACHE_DIR, SNAPSHOT_DIR, SNAPSHOT_FORMAT as FORMAT, cache_enabled, cache_folder, discard, \
    drop_old_versions, holds_links, remove_entry

KEEP = 3
MAX_READ = 2000        # files to read beyond which a full check is as quick
# Changes that cannot alter any check's findings.
INERT = ("docs/", "README.md")


def folder_of(root: Path) -> Path:
    return Path(root) / CACHE_DIR / SNAPSHOT_DIR


def _stem_id(path: str) -> str:
    return path.rsplit("/", 1)[-1].rsplit(".", 1)[0]


# --- what each file provides and depends on ------------------------------------------------------

# Dependencies (checks.DEPENDENCIES) that are a submission's links to other files: the keys of those
# files, stored in rdeps.bin; a change that touches a key reads the submissions depending on it again.
KEYED = {
    "related": lambda model: {f"id:{r}" for r in model.related},
    "adopted_in": lambda model: {f"issue:{model.adopted_in}"} if model.adopted_in else set(),
}
# How the other dependencies are honoured.
HONOURED = {
    **{name: "its keys in rdeps.bin" for name in KEYED},
    "same_id": "a touched id reads every file that has it (its path, or an id that differs from the file name)",
    "items": "every bulletin issue is read; a changed one touches its key and its items' ids",
    "record_item": "every feedback record is read; a changed one touches its item's id",
    "day": "on another day the files whose findings depend on the date are read (``_timely``)",
    "codeowners": "a change outside submissions/, issues/, feedback/ and docs runs a full check (``_kind``)",
    "texts": "not stored: worked out again for the changed items against the stored duplication index",
    "base": "not stored: the change is checked on every run",
}
# Families with one of these dependencies are worked out again on every run.
NOT_STORED = frozenset({"texts", "base"})


def supports(families) -> bool:
    """Whether the snapshot can stand in for a full check of ``families``: each declares what its findings
    depend on (a cross-file family at least one dependency) and the snapshot follows every dependency."""
    return all((f.depends_on or not f.cross_file) and set(f.depends_on) <= HONOURED.keys() for f in families)


def _stored_families() -> list[Family]:
    return [f for f in FAMILIES.values() if f.check is not None and not NOT_STORED & set(f.depends_on)]


def _links() -> list:
    """The key functions of the links the stored families' findings depend on."""
    wanted = {d for f in _stored_families() for d in f.depends_on}
    return [keys for name, keys in KEYED.items() if name in wanted]


def issue_keys(model) -> set[str]:
    return {f"issue:{model.id}", *(f"id:{i}" for i in model.items)}


def _timely(model, day: dt.date) -> bool:
    """Findings that change with the date: a date after today (of the item or of a review), an urgent item's
    waiting time."""
    dates = (model.date, getattr(model.review, "date", None), getattr(model.committee_review, "date", None))
    return any(d is not None and d > day for d in dates) or bool(getattr(model, "urgent", False))


# --- writing ---------------------------------------------------------------------------------------

def label(commit: str, ident: str, part: str) -> str:
    """What a part of snapshot ``ident`` of ``commit`` is signed as (meta.bin: ``ident`` empty)."""
    return f"{SNAPSHOT_DIR}/{commit}/{ident}/{part}"


def _unblob(path: Path, name: str):
    """A stored part of the snapshot signed as ``name``; ValueError when it is missing or damaged."""
    obj = read_blob(path, name)
    if obj is None:
        raise ValueError(f"unreadable {path.name}")
    return obj


def clean_commit(root: Path) -> str | None:
    """HEAD's commit when the campaign folder has no uncommitted or untracked change, else None."""
    try:
        git = Git(root)
        git.toplevel  # noqa: B018 - raises outside a repository
        head = git.head()
        if head is None or git.out("status", "--porcelain", "-z", "--", ".").strip("\0"):
            return None
        return head
    except GitError:
        return None


def save(campaign: Campaign, found: dict[str, list[Finding]], today: dt.date | None = None) -> None:
    """Store a full check of a clean work tree (``found``: each family's findings before ``finalize``, as
    ``checks.collect`` gives them). Never raises."""
    root = Path(campaign.root)
    if campaign.partial or campaign.registries is None or not cache_enabled(root) or not supports(FAMILIES.values()):
        return
    commit = clean_commit(root)
    if commit is None:
        return
    day = today or dt.date.today()
    top = folder_of(root)
    final = top / commit
    if not cache_folder(top, create=True):  # no symlink on the way is followed
        return
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{commit[:12]}.", dir=top))
    except OSError:
        return
    try:
        rdeps: dict[str, list[str]] = {}
        links = _links()
        odd_ids: dict[str, str] = {}
        drafts: set[str] = set()
        timely: list[str] = []
        for doc in campaign.submissions:
            s = doc.model
            if s is None:
                continue
            if s.id != _stem_id(doc.path):
                odd_ids[doc.path] = s.id
            if s.status == "draft":
                drafts.add(doc.path)
            if _timely(s, day):
                timely.append(doc.path)
            for keys in links:  # its own id is looked up by path
                for key in keys(s):
                    rdeps.setdefault(key, []).append(doc.path)
        provides = {d.path: sorted(issue_keys(d.model)) for d in campaign.issues if d.model is not None}
        for rec in tracking_of(campaign).records:
            if rec.model is not None:
                provides[rec.path] = [f"id:{rec.model.item}"]
        # per file: whether a draft, the loader's findings, each check family's findings
        stored: dict[str, tuple[bool, list, dict[str, list]]] = {}
        prefix = SUBMISSIONS_DIR + "/"
        for name in (LOADER.name, *(f.name for f in _stored_families())):
            for f in found.get(name, ()):
                if f.path.startswith(prefix):
                    _, loaded, by_family = stored.setdefault(f.path, (f.path in drafts, [], {}))
                    (loaded if name == LOADER.name else by_family.setdefault(name, [])).append(
                        (f.path, f.line, f.column, f.severity, f.code, f.message))
        ident = secrets.token_hex(8)
        meta = {"format": FORMAT, "commit": commit, "tool": fingerprint(), "day": day.isoformat(),
                "files": len(campaign.submissions) + len(campaign.issues), "id": ident,
                "provides": provides, "odd_ids": odd_ids, "timely": timely}
        write_blob(tmp / "rdeps.bin", rdeps, label(commit, ident, "rdeps"))
        write_blob(tmp / "findings.bin", stored, label(commit, ident, "findings"))
        save_index(campaign, tmp / "dup", label(commit, ident, "dup"))
        write_blob(tmp / "meta.bin", meta, label(commit, "", "meta"))  # last: a snapshot exists only once complete
        if os.path.lexists(final):
            remove_entry(final)  # a folder, or a link removed itself (never what it points to)
        os.replace(tmp, final)
        _prune(top)
    except (OSError, ValueError):
        shutil.rmtree(tmp, ignore_errors=True)


def _prune(top: Path) -> None:
    drop_old_versions(top, "snapshot-v")
    snaps = []
    for p in top.iterdir():
        st = os.lstat(p)
        if stat.S_ISLNK(st.st_mode):
            discard(p)  # a snapshot is never a link: not this tool's (and never followed)
        elif stat.S_ISDIR(st.st_mode) and not p.name.startswith("."):
            snaps.append((st.st_mtime, p))
    for _, old in sorted(snaps, key=lambda s: s[0], reverse=True)[KEEP:]:
        remove_entry(old)


# --- reading -------------------------------------------------------------------------------------

@dataclass
class Partial:
    """A partial campaign ready to check, and what the snapshot adds to its findings."""

    campaign: Campaign
    read: set[str]                      # submission files read this run
    gone: set[str]                      # submission files deleted or renamed since the snapshot
    findings: dict = field(default_factory=dict)
    files: int = 0                      # submission and issue files in the work tree
    index: object = None                # dup.stored.StoredIndex of the snapshot

    @property
    def dup(self) -> tuple[object, set[str]]:
        """The stored dup index and the texts it must not offer (their current version is read, or
        they are gone)."""
        return self.index, self.read | self.gone

    def rest(self, families: set[str] | None = None) -> tuple[dict[str, list[Finding]], set[str]]:
        """The stored findings of every file not read this run, by family (the loader's under its name),
        and the drafts among those files. ``families``: only these check families run, besides the loader."""
        out: dict[str, list[Finding]] = {LOADER.name: []}
        drafts: set[str] = set()
        for path, (draft, loaded, found) in self.findings.items():
            if path in self.read or path in self.gone:
                continue
            out[LOADER.name].extend(Finding(*f) for f in loaded)
            for name, stored in found.items():
                if families is None or name in families:
                    out.setdefault(name, []).extend(Finding(*f) for f in stored)
            if draft:
                drafts.add(path)
        return out, drafts


def _changes_since(git: Git, prefix: str, commit: str) -> list[Change]:
    out = []
    for c in git.diff(commit, None, paths=(prefix,) if prefix else ()):
        old = c.old[len(prefix):] if c.old and c.old.startswith(prefix) else None
        new = c.new[len(prefix):] if c.new and c.new.startswith(prefix) else None
        out.append(Change(c.status, old, new))
    return out


def _kind(path: str) -> str | None:
    """What a changed path is, for the dependency rules; None: a change only a full check handles."""
    if path.startswith(INERT):
        return "inert"
    if path.startswith(SUBMISSIONS_DIR + "/") and path.endswith(".md"):
        return "submission"
    if path.startswith(ISSUES_DIR + "/") and path.endswith(".md"):
        return "issue"
    if path.startswith(FEEDBACK_DIR + "/"):
        return "feedback"
    return None


def partial(root: Path, candidates: list[tuple[str, list[Change] | None]], git: Git, prefix: str,
            families, progress=None, today: dt.date | None = None) -> Partial | None:
    """The partial campaign for the first commit among ``candidates`` (commit, its changes to the work
    tree or None to ask git) that has a usable snapshot, to run ``families`` (checks.Family) on; None when
    a full check is needed."""
    root = Path(root)
    if not supports(families) or not cache_enabled(root) or not cache_folder(folder_of(root)):
        return None
    # the submissions the change under check touches are read whatever the snapshot (HEAD's has them
    # unchanged, but the change's own checks compare them with the base)
    base = {c.new for c in candidates[0][1] or () if c.new and _kind(c.new) == "submission"} if candidates else set()
    for commit, changes in candidates:
        where = folder_of(root) / commit
        if not os.path.lexists(where):
            continue
        if not cache_folder(where) or holds_links(where):  # never followed: a snapshot holds no link
            discard(where)
            continue
        try:
            meta = _unblob(where / "meta.bin", label(commit, "", "meta"))
        except ValueError:
            discard(where)  # incomplete, damaged or not this machine's
            continue
        if not (isinstance(meta, dict) and meta.get("format") == FORMAT and meta.get("tool") == fingerprint()
                and meta.get("commit") == commit and type(meta.get("id")) is str):
            continue
        try:
            if changes is None:
                changes = _changes_since(git, prefix, commit)
            return _plan(root, where, meta, changes, progress, today or dt.date.today(), base)
        except GitError:
            return None
        except (OSError, ValueError, EOFError, TypeError, KeyError, IndexError, AttributeError):
            discard(where)
            return None
    return None


def _plan(root: Path, where: Path, meta: dict, changes: list[Change], progress, day: dt.date,
          base: set[str]) -> Partial | None:
    kinds: dict[str, str] = {}
    for c in changes:
        for p in (c.old, c.new):
            if p is None:
                continue
            k = _kind(p)
            if k is None:
                return None
            kinds[p] = k
    changed = {p for c in changes for p in (c.new,) if p and kinds[p] == "submission"}
    gone = {c.old for c in changes if c.old and kinds[c.old] == "submission" and c.old != c.new}
    if len(changed) > MAX_READ:
        return None
    odd_ids: dict[str, str] = meta["odd_ids"]
    provides: dict[str, list[str]] = meta["provides"]
    # phase 1: the changed submissions and every bulletin issue, to know the keys the change touches
    # a few files are parsed quicker than the load and findings caches of a large campaign are read
    regs = load_registries_fast(root)
    first = load_fast(root, submissions=changed, cache=False, registries=regs)
    touched: set[str] = set()
    for p in gone | changed:
        touched.add(f"id:{odd_ids.get(p, _stem_id(p))}")
    for doc in first.submissions:
        if doc.model is not None:
            touched.add(f"id:{doc.model.id}")
    changed_issues = {p for p, k in kinds.items() if k == "issue"}
    for p in changed_issues:
        touched.update(provides.get(p, ()))
    for doc in first.issues:
        if doc.path in changed_issues and doc.model is not None:
            touched.update(issue_keys(doc.model))
    for p, k in kinds.items():
        if k == "feedback":
            touched.update(provides.get(p, ()))
            touched.add(f"id:{_stem_id(p)}")
    rdeps: dict[str, list[str]] = _unblob(where / "rdeps.bin", label(meta["commit"], meta["id"], "rdeps"))
    by_odd_id: dict[str, list[str]] = {}
    for p, ident in odd_ids.items():
        by_odd_id.setdefault(ident, []).append(p)
    read = set(changed)
    for key in touched:
        read.update(rdeps.get(key, ()))
        if key.startswith("id:"):
            ident = key[3:]
            canon = submission_path(ident)
            if canon and (root / canon).is_file():
                read.add(canon)
            read.update(by_odd_id.get(ident, ()))
    if meta["day"] != day.isoformat():
        read.update(meta["timely"])
    read.update(p for p in base if (root / p).is_file())
    read -= gone
    if len(read) > MAX_READ:
        return None
    if progress:
        progress(f"增量检查：读取改动的 {len(changed)} 篇和受影响的 {len(read) - len(changed)} 篇，其余使用快照")
    # phase 2: the dependants too (usually there are none and phase 1's campaign is the one)
    campaign = first if read == changed else load_fast(root, submissions=read, cache=False, registries=regs)
    if campaign.registries is None:
        return None
    index = stored_index(where, root, campaign.registries.settings.dup.min_span_chars, meta)
    campaign.lookup = _lookup(root, campaign, odd_ids, read | gone, by_odd_id)
    files = meta["files"] + sum((c.new is not None and kinds[c.new] in ("submission", "issue"))
                                - (c.old is not None and kinds[c.old] in ("submission", "issue")) for c in changes)
    findings = _unblob(where / "findings.bin", label(meta["commit"], meta["id"], "findings"))
    return Partial(campaign, read, gone, findings, index=index, files=files)


def stored_index(where: Path, root: Path, min_chars: int, meta: dict | None = None):
    """The duplication index (dup.stored.StoredIndex) of the snapshot at ``where``, whose ``meta`` is read
    when not given; ValueError when the snapshot is damaged or not this machine's."""
    if meta is None:
        meta = _unblob(where / "meta.bin", label(where.name, "", "meta"))
    return StoredIndex(where / "dup", root, min_chars, label(meta["commit"], meta["id"], "dup"))


def _lookup(root: Path, campaign: Campaign, odd_ids: dict[str, str], skip: set[str],
            by_odd_id: dict[str, list[str]]):
    """id → submission not read this run (read from disk on demand, once)."""
    reader = doc_reader(root, campaign.registries)
    seen: dict[str, object] = {}

    def lookup(ident: str):
        if ident in seen:
            return seen[ident]
        found = None
        canon = submission_path(ident)
        paths = [p for p in ([canon] if canon and canon not in odd_ids else []) + by_odd_id.get(ident, [])
                 if p not in skip]
        for p in paths:
            doc = reader(p)
            if doc is not None and doc.model is not None and doc.model.id == ident:
                found = doc
                break
        seen[ident] = found
        return found

    return lookup
