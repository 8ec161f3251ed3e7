"""A stored full check, so that a check reads only what changed since: the plain `jianyan` check staff run
all day, and `check --base` on a pull request.

A province keeps years of submissions in one repository; a day's edits or a pull request touch a handful.
After a full check of a clean work tree (every family, no paths given), the snapshot of that commit is
stored: the findings on the files under submissions/ by family, what each file's findings depend on, the
duplication index of its texts, every content file's size, time and digest (``manifest.bin``), a digest of
what else the checks read (the registries and phrase list, the CODEOWNERS files, the reference texts) and
the whole check's final findings (``final.bin``).

A plain `jianyan check` then takes the snapshot of HEAD (else the newest one) whose tool and context are
those of now, and compares the content folders with its manifest — git is not asked: a file it ignores is
checked all the same; a file whose size or time differs is read and its digest compared (a file only
touched is written back into the manifest, so that it is not read next time):

* nothing changed and the same day: the stored final findings are the check's (``unchanged``: nothing is
  parsed, no check runs);
* else, as for a pull request below, with the changed files taken from the manifest and, besides, the
  stored submissions whose duplication findings the change can alter read again
  (``dup.index.stored.affected``: those sharing a band or enough rare fingerprints with a changed text,
  or a fingerprint that turns common or rare) — their findings are worked out against the stored index
  beside this run's texts (``stored.Layered``, which answers as an index of the whole campaign would);
  the files not read are reported as the full check reported them (``Partial.reported``; with --only,
  their findings of the families that run, ``Partial.rest``).

A snapshot is stored by a full check only. One stored by a full `check --base` serves checks of changes
only (``meta["plain"]`` false: it has no duplication findings, which such a check works out for the
changed items only, no manifest and no final findings) and never replaces a plain check's.

A `check --base REF` whose merge-base (or HEAD) has a snapshot:

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
   one up by id) and takes the stored findings for every file it did not read (``Partial.rest``); the
   duplication findings are worked out for the changed items only, as a full `check --base` does.

A family whose dependencies the snapshot does not know how to follow (a cross-file family that
declares none, or one not in ``HONOURED``) means: no snapshot is used or stored (``supports``), and
the full check runs. The findings are those of a full check (tests/test_snapshot.py compares them,
byte for byte, on many changes).

Layout: ``.jianyan-cache/snapshot-v<SNAPSHOT_FORMAT>/<commit>/`` with ``meta.bin`` (commit, day, tool
fingerprint, context digest, issue and feedback keys, ids that differ from file names, date-dependent
files, the duplication corpus's texts besides the submissions), ``rdeps.bin`` (key → files depending on
it), ``findings.bin`` (the names of the loader and the stored families, and the drafts) and
``findings-<name>.bin`` (the findings on submissions of each of them, before ``finalize``: a
``findings.Findings`` table each, so that a check of some families reads only theirs),
``manifest.bin``, ``final.bin``, ``brief.bin`` (what a check of a change that lists only what it is about
needs of final.bin: per-file counts and the errors, ``_brief``), ``layout.bin`` and ``out-<fmt>.bin`` (the final
findings as json and text print them, with where each file's rows start: what a plain check prints for the
files left as they were, ``_layout``, ``_render_to``) and ``dup/`` (dup/index/stored.py). Each .bin is a blob signed with this
machine's key (blobs.write_blob) under a label naming the commit, a random id of this snapshot (kept in
meta.bin) and the part, so parts of two snapshots cannot be mixed; a folder is written under a temporary
name and renamed; the newest KEEP snapshots are kept. Anything unreadable, unsigned or damaged means: no
snapshot (it is removed with a note, and the full check that runs instead stores a new one).

The unchanged path starts without the checks and the duplication engine (numpy): they are imported in
the functions that need them.
"""
from __future__ import annotations

import bisect
import codecs
import datetime as dt
import hashlib
import itertools
import multiprocessing.process
import marshal
import operator
import os
import re
import secrets
import shutil
import stat
import tempfile
import threading
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from jianyan.accel import pools
from jianyan.accel.blobs import bytes_head, read_blob, write_blob, write_pieces
from jianyan.accel.loadcache import fingerprint, load_fast, load_registries_fast
from jianyan.campaign.load import IGNORED_NAMES, NOT_READ, Campaign, content_digest, doc_reader
from jianyan.campaign.owners import FILES as CODEOWNERS_FILES
from jianyan.campaign.paths import FEEDBACK_DIR, ISSUES_DIR, SCHEMA_DIR, SUBMISSIONS_DIR, submission_path
from jianyan.core.findings import SEVERITIES, Finding, Findings
from jianyan.core.fsutil import NotRegular, read_regular
from jianyan.render.output import UNIT_SEPARATORS, spliced, unit_rows
from jianyan.tracking.feedback import tracking_of
from jianyan.vcs.git import Change, Git, GitError
from jianyan.campaign.where import CACHE_DIR, SNAPSHOT_DIR, SNAPSHOT_FORMAT as FORMAT, cache_enabled, cache_folder, discard, \
    drop_old_versions, holds_links, remove_entry

KEEP = 3
MAX_READ = 2000        # files to read beyond which a full check is as quick
# Changes that cannot alter any check's findings.
INERT = ("docs/", "README.md")
CONTENT = (SUBMISSIONS_DIR, ISSUES_DIR, FEEDBACK_DIR)  # the folders the manifest covers
READ_MAX = 64 << 20    # a content or context file larger than this is taken as changed (never the case)


class Damaged(ValueError):
    """A part of a snapshot read late turned out unreadable (it is removed): check without the snapshot."""


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
    "codeowners": "the CODEOWNERS files are in the context digest; with --base a change outside submissions/, "
                  "issues/, feedback/ and docs runs a full check (``_kind``)",
    "texts": "plain check: the stored texts whose findings a changed text can alter are read (``_dup_affected``); "
             "with --base: worked out for the changed items only, as a full check does",
    "base": "not stored: the change is checked on every run",
}
NOT_STORED = frozenset({"base"})  # families with one of these dependencies are worked out on every run
CHANGED_ONLY = frozenset({"texts"})  # … or, with --base, for the changed files only


def supports(families) -> bool:
    """Whether the snapshot can stand in for a full check of ``families``: each declares what its findings
    depend on (a cross-file family at least one dependency) and the snapshot follows every dependency."""
    return all((f.depends_on or not f.cross_file) and set(f.depends_on) <= HONOURED.keys() for f in families)


def _stored_families(plain: bool = True) -> list:
    """The families whose findings a snapshot keeps: all but those checking a change; of a check of a
    change (--base), not those worked out for the changed files only either."""
    from jianyan.checks import FAMILIES  # lazy: every check and numpy; ``unchanged`` starts without them
    left_out = NOT_STORED if plain else NOT_STORED | CHANGED_ONLY
    return [f for f in FAMILIES.values() if f.check is not None and not left_out & set(f.depends_on)]


def _links() -> list:
    """The key functions of the links the stored families' findings depend on."""
    wanted = {d for f in _stored_families() for d in f.depends_on}
    return [keys for name, keys in KEYED.items() if name in wanted]


def issue_keys(model) -> set[str]:
    """The issue and the items it draws on: its items and the sources of its combined articles (综合稿)."""
    return {f"issue:{model.id}", *(f"id:{i}" for i in model.items),
            *(f"id:{s.item}" for a in model.articles for s in a.sources)}


def _timely(model, day: dt.date) -> bool:
    """Findings that change with the date: a date after today (of the item or of a review), an urgent item's
    waiting time."""
    dates = (model.date, getattr(model.review, "date", None), getattr(model.committee_review, "date", None))
    return any(d is not None and d > day for d in dates) or bool(getattr(model, "urgent", False))


def _is_doc(path: str) -> bool:
    """A content file the loader reads as a submission or bulletin issue (when it is a regular file)."""
    return path.startswith((SUBMISSIONS_DIR + "/", ISSUES_DIR + "/")) and path.endswith(".md") \
        and path.rsplit("/", 1)[-1] not in IGNORED_NAMES


# --- the content folders and the context --------------------------------------------------------------

def scan(root: Path) -> dict[str, tuple[int, int, bool]]:
    """Every entry below the content folders: path → (size, modification time in ns, whether a regular
    file); a symlink is listed as it is, never followed. OSError when a folder cannot be read."""
    out: dict[str, tuple[int, int, bool]] = {}
    stack = [name for name in CONTENT if os.path.lexists(Path(root) / name)]
    while stack:
        rel = stack.pop()
        with os.scandir(Path(root) / rel) as entries:
            for entry in entries:
                path = f"{rel}/{entry.name}"
                st = entry.stat(follow_symlinks=False)
                if stat.S_ISDIR(st.st_mode):
                    stack.append(path)
                else:
                    out[path] = (st.st_size, st.st_mtime_ns, stat.S_ISREG(st.st_mode))
    return out


def _read_digest(root: Path, path: str) -> bytes | None:
    try:
        return content_digest(read_regular(Path(root) / path, READ_MAX))  # as the loader takes it
    except (OSError, NotRegular):
        return None


def _changes(root: Path, manifest: dict, now: dict[str, tuple[int, int, bool]]) -> tuple[list[Change], dict]:
    """What changed since ``manifest`` (path → size, time, digest or None), given the ``scan`` of now: the
    changes as git names them (A, M, D), and the files only touched (same digest; path → their entry now)."""
    changes: list[Change] = []
    touched: dict[str, tuple[int, int, bytes]] = {}
    for path, (size, mtime, regular) in now.items():
        then = manifest.get(path)
        if then is None:
            changes.append(Change("A", None, path))
        elif (then[0], then[1]) == (size, mtime) and (then[2] is not None) == regular:
            continue
        elif regular and then[2] is not None and _read_digest(root, path) == then[2]:
            touched[path] = (size, mtime, then[2])
        else:
            changes.append(Change("M", path, path))
    changes.extend(Change("D", path, None) for path in manifest.keys() - now.keys())
    return changes, touched


def _context_files(root: Path, watched: Iterable[str], reference_dir: str | None) -> list[str]:
    """What the checks read besides the content folders: every file under schema/ (the registries, the
    settings, the phrase list), the ``watched`` files (a phrase list elsewhere, the CODEOWNERS files) and
    the reference texts."""
    root = Path(root)
    found = set(watched)
    for folder in (SCHEMA_DIR, reference_dir):
        if folder and (root / folder).is_dir():
            found.update(p.relative_to(root).as_posix() for p in (root / folder).rglob("*") if not p.is_dir())
    return sorted(found)


def context(root: Path, watched: Iterable[str], reference_dir: str | None) -> str:
    """A digest of the tool and of every file ``_context_files`` names (a missing one counted as such)."""
    h = hashlib.blake2b(digest_size=16, person=b"jianyan-snapctx")
    h.update(f"{fingerprint()}\0{reference_dir}\0".encode())
    for path in _context_files(root, watched, reference_dir):
        h.update(path.encode("utf-8", "surrogatepass") + b"\0")
        h.update(_read_digest(root, path) or b"\0missing")
    return h.hexdigest()


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


def _manifest(campaign: Campaign) -> dict[str, tuple[int, int, bytes | None]] | None:
    """The content folders as the check read them (a digest of each regular file); None when a
    submission or issue is no longer as it was read."""
    root = Path(campaign.root)
    now = scan(root)
    stamps, digests = campaign.stamps, campaign.digests
    known: dict[str, bytes] = {}  # the digests of the documents as read (their files not read again)
    for i, doc in enumerate([*campaign.submissions, *campaign.issues]):
        if stamps is not None and stamps[2 * i] >= 0:
            if now.get(doc.path, (None, None))[:2] != (stamps[2 * i], stamps[2 * i + 1]):
                return None
            if digests is not None and digests[16 * i:16 * i + 16] != NOT_READ:
                known[doc.path] = digests[16 * i:16 * i + 16]
    return {path: (size, mtime, known.get(path) or _read_digest(root, path) if regular else None)
            for path, (size, mtime, regular) in now.items()}


@dataclass
class Saving:
    """A snapshot being stored (``begin``): its scratch folder, the commit it is of, its id and the forked
    process writing its duplication index (None: ``save`` writes it)."""

    tmp: Path
    commit: str
    ident: str
    writer: multiprocessing.process.BaseProcess | None

    def give_up(self) -> None:
        """Stop the index writer and remove the scratch folder (the snapshot is not stored)."""
        if self.writer is not None and self.writer.is_alive():
            self.writer.kill()
            self.writer.join()
        shutil.rmtree(self.tmp, ignore_errors=True)


def begin(campaign: Campaign, plain: bool, fork: bool = True) -> Saving | None:
    """Start storing the full check of ``campaign`` (``plain``: a check without --base, see ``save``) when it
    is of a clean work tree: with ``fork``, the duplication index, the largest part, is written by a forked
    process while the check goes on (its features must all be in the cache: call once the duplication check
    has built its index); else ``save`` writes it. None when no snapshot is to be stored."""
    from jianyan.checks import FAMILIES  # lazy: every check and numpy; ``unchanged`` does without them
    root = Path(campaign.root)
    if campaign.partial or campaign.registries is None or not cache_enabled(root) or not supports(FAMILIES.values()):
        return None
    commit = clean_commit(root)
    if commit is None:
        return None
    top = folder_of(root)
    if not plain and os.path.lexists(top / commit):
        return None  # a plain check's snapshot serves both kinds of check: kept
    if not cache_folder(top, create=True):  # no symlink on the way is followed
        return None
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{commit[:12]}.", dir=top))
    except OSError:
        return None
    ident = secrets.token_hex(8)
    return Saving(tmp, commit, ident, _index_soon(campaign, tmp / "dup", label(commit, ident, "dup")) if fork else None)


def save(campaign: Campaign, found: dict[str, list[Finding]], final: Findings | None,
         today: dt.date | None = None, begun: Saving | None = None) -> None:
    """Store a full check of a clean work tree (``found``: each family's findings before ``finalize``, as
    ``checks.collect`` gives them; ``final``: what a plain check reports, None for a check of a change,
    whose snapshot serves only checks of changes; ``begun``: what ``begin`` started, if it was called).
    Never raises."""
    from jianyan.checks import LOADER  # lazy: every check and numpy; ``unchanged`` does without them
    from jianyan.dup.index.engine import campaign_entries, reference_entries  # lazy: numpy (as above)
    from jianyan.dup.index.stored import record, save_index  # lazy: numpy (as above)
    saving = begun if begun is not None else begin(campaign, final is not None)
    if saving is None:
        return
    root, day = Path(campaign.root), today or dt.date.today()
    tmp, commit, ident, writer = saving.tmp, saving.commit, saving.ident, saving.writer
    final_place = folder_of(root) / commit
    kept = False  # the snapshot is in place
    try:
        settings = campaign.registries.settings
        manifest = _manifest(campaign) if final is not None else {}
        if manifest is None:
            raise ValueError("a file changed during the check")
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
        # the findings on submissions of the loader and of each stored family, a table each (findings-<name>.bin:
        # a check of some families reads only theirs)
        names = [LOADER.name, *(f.name for f in _stored_families(plain=final is not None))]
        prefix = SUBMISSIONS_DIR + "/"
        tables = {}
        for name in names:
            mine = Findings.of(found.get(name, ()))
            on = bytes(p.startswith(prefix) for p in mine.paths)
            tables[name] = mine.take([i for i, p in enumerate(mine.path) if on[p]])
        stored = {"families": names, "drafts": sorted(drafts)}
        reference_dir = settings.dup.reference_dir
        extras = campaign_entries(campaign, submissions=False)
        extras += reference_entries(root, reference_dir)[0]
        watched = sorted({*CODEOWNERS_FILES, *([settings.quality.phrases] if settings.quality.phrases else [])})
        files = len(campaign.submissions) + len(campaign.issues)
        meta = {"format": FORMAT, "commit": commit, "tool": fingerprint(), "day": day.isoformat(),
                "files": files, "id": ident, "provides": provides, "odd_ids": odd_ids, "timely": timely,
                "plain": final is not None,
                "watched": watched, "reference_dir": reference_dir, "context": context(root, watched, reference_dir),
                "extras": [record(e) for e in extras]}
        write_blob(tmp / "rdeps.bin", rdeps, label(commit, ident, "rdeps"))
        write_blob(tmp / "findings.bin", stored, label(commit, ident, "findings"))
        for name, table in tables.items():
            write_blob(tmp / f"findings-{name}.bin", table.to_marshal(), label(commit, ident, f"findings-{name}"),
                       large=True)
        del tables
        if final is not None:
            write_blob(tmp / "manifest.bin", manifest, label(commit, ident, "manifest"))
            table = Findings.of(final)
            write_blob(tmp / "final.bin", {"table": table.to_marshal(), "drafts": sorted(drafts)},
                       label(commit, ident, "final"), large=True)
            write_blob(tmp / "brief.bin", _brief(table, sorted(drafts), _changed_only_codes()),
                       label(commit, ident, "brief"))
            layout = _layout(table, sorted(drafts))
            for fmt in UNIT_SEPARATORS:
                # {"body": …, "at": …} in marshal's form, the body (130 MB at 100 000 drafts) never held whole:
                # rendered into a scratch file, then copied into the signed blob
                scratch = tmp / f".out-{fmt}.body"
                try:
                    try:
                        at, size = _render_to(table, layout, fmt, scratch)
                    except UnicodeEncodeError:  # a path or message that is not text (a lone surrogate): not stored
                        continue
                    head = b"{" + marshal.dumps("body") + bytes_head(size)
                    tail = marshal.dumps("at") + marshal.dumps(at) + b"0"
                    write_pieces(tmp / f"out-{fmt}.bin", itertools.chain([head], _read_back(scratch), [tail]),
                                 label(commit, ident, f"out-{fmt}"), size=len(head) + size + len(tail))
                finally:
                    scratch.unlink(missing_ok=True)
                layout["outputs"].append(fmt)
            write_blob(tmp / "layout.bin", layout, label(commit, ident, "layout"))
        if clean_commit(root) != commit:  # a file committed or changed since the check began storing
            raise ValueError("the work tree changed")
        if writer is None:
            save_index(campaign, tmp / "dup", label(commit, ident, "dup"))
        else:
            writer.join()
            if writer.exitcode != 0:
                raise ValueError("the duplication index was not written")
        write_blob(tmp / "meta.bin", meta, label(commit, "", "meta"))  # last: a snapshot exists only once complete
        if os.path.lexists(final_place):
            remove_entry(final_place)  # a folder, or a link removed itself (never what it points to)
        os.replace(tmp, final_place)
        kept = True
        _prune(folder_of(root))
    except (OSError, ValueError):
        pass
    finally:
        if not kept:
            saving.give_up()


def _index_soon(campaign: Campaign, folder: Path, signed: str):
    """A forked process writing ``save_index(campaign, folder, signed)`` (join it: exit code 0 once
    written), or None when none can be started (the caller then writes it)."""
    if not pools.processes(1, 1):
        return None
    try:
        return pools.start(_write_index, [(campaign, folder, signed)])[0]
    except OSError:
        return None


def _write_index(campaign: Campaign, folder: Path, signed: str) -> None:
    from jianyan.dup.index.stored import save_index  # lazy: numpy (as ``save``)
    try:
        save_index(campaign, folder, signed)
    except BaseException:  # noqa: BLE001 - the parent gives the snapshot up on a failure: no traceback
        os._exit(1)
    os._exit(0)


def _prune(top: Path) -> None:
    drop_old_versions(top, "snapshot-v")
    for _, old in _snapshots(top)[KEEP:]:
        remove_entry(old)


def _snapshots(top: Path) -> list[tuple[float, Path]]:
    """The stored snapshots, newest first (a link where one should be is removed: never followed)."""
    snaps = []
    for p in top.iterdir():
        st = os.lstat(p)
        if stat.S_ISLNK(st.st_mode):
            discard(p)  # a snapshot is never a link: not this tool's (and never followed)
        elif stat.S_ISDIR(st.st_mode) and not p.name.startswith("."):
            snaps.append((st.st_mtime, p))
    return sorted(snaps, key=lambda s: s[0], reverse=True)


def _changed_only_codes() -> tuple[str, ...]:
    """The code prefixes of the families a check of a change works out for the changed files only
    (``CHANGED_ONLY``: duplication)."""
    from jianyan.checks import FAMILIES  # lazy: every check and numpy; ``unchanged`` does without them
    return tuple(f"{c}." for f in FAMILIES.values() if CHANGED_ONLY & set(f.depends_on) for c in f.categories)


BRIEF_COLUMNS = 5  # brief.bin counts a path's errors, warnings, notes, and its warnings and notes left out


def _brief(table: Findings, drafts: list[str], drop: tuple[str, ...]) -> dict:
    """brief.bin: what a check of a change (--base) needs of the final findings when it lists only those on
    the files it is about and the errors (``Partial.focused``), so that it reads neither final.bin nor its
    400 000 findings: of the findings on submissions whose codes such a check takes from the snapshot
    (not ``drop``), ``paths`` (sorted), ``counts`` (per path, ``BRIEF_COLUMNS`` columns of
    ``array("I")``: errors, warnings, notes, and the warnings and notes a check of a change counts
    only: not of a workflow code), ``special`` (the findings it always lists: errors and workflow codes,
    a ``Findings`` table in the final order), with ``drafts`` and ``drop``."""
    prefix = SUBMISSIONS_DIR + "/"
    use_path = bytes(p.startswith(prefix) for p in table.paths)
    use_code = bytes(not c.startswith(drop) for c in table.codes)
    workflow = bytes(c.startswith("workflow.") for c in table.codes)
    at: dict[int, int] = {}  # path index in the table → row of ``paths``
    paths: list[str] = []
    counts = [array("I") for _ in range(BRIEF_COLUMNS)]
    special: list[int] = []
    for i, (p, c, sev) in enumerate(zip(table.path, table.code, table.severity)):
        if not (use_path[p] and use_code[c]):
            continue
        k = at.get(p)
        if k is None:
            k = at[p] = len(paths)
            paths.append(table.paths[p])
            for col in counts:
                col.append(0)
        counts[sev][k] += 1
        if sev == 0 or workflow[c]:
            special.append(i)
        else:
            counts[2 + sev][k] += 1
    if paths != sorted(paths):
        raise ValueError("the final findings are not sorted by path")
    kept = Findings.of(list(table.take(special)))  # its own strings only (a taken table shares the table's)
    return {"paths": paths, "counts": [col.tobytes() for col in counts], "special": kept.to_marshal(),
            "drafts": drafts, "drop": list(drop)}


def _layout(table: Findings, drafts: list[str]) -> dict:
    """layout.bin: the files of the final findings (``paths``, sorted), the first row of each in the final
    table (``starts``, ``array("I")``, one more at the end), the count of each severity on each
    (``counts``, one ``array("I")`` a severity), the drafts, and the formats stored as printed
    (``outputs``: out-<fmt>.bin, ``_render_to``)."""
    paths: list[str] = []
    starts = array("I")
    counts = [array("I") for _ in SEVERITIES]
    last = -1
    for i, (p, sev) in enumerate(zip(table.path, table.severity)):
        if p != last:
            paths.append(table.paths[p])
            starts.append(i)
            for col in counts:
                col.append(0)
            last = p
        counts[sev][-1] += 1
    starts.append(len(table))
    if any(a >= b for a, b in zip(paths, paths[1:])):
        raise ValueError("the final findings are not sorted by path")
    return {"paths": paths, "starts": starts.tobytes(), "counts": [col.tobytes() for col in counts], "drafts": drafts,
            "outputs": []}


def _render_to(table: Findings, layout: dict, fmt: str, path: Path) -> tuple[bytes, int]:
    """The body of out-<fmt>.bin: the final findings as ``fmt`` prints them (output.unit_rows), UTF-8, written to
    ``path`` as it is made; and where the rows of each file of ``layout`` start in it (``at``, ``array("Q")``
    as bytes, one more at the end) and its length."""
    starts = array("I")
    starts.frombytes(layout["starts"])
    at, row, k, size = array("Q"), 0, 0, 0
    with open(path, "wb") as fh:
        for chunk in unit_rows(fmt, table):
            for unit in chunk:
                while k < len(starts) and starts[k] == row:
                    at.append(size)
                    k += 1
                data = unit.encode()
                fh.write(data)
                size += len(data)
                row += 1
    at.extend(size for _ in range(k, len(starts)))
    return at.tobytes(), size


def _read_back(path: Path, step: int = 1 << 20):
    with open(path, "rb") as fh:
        while piece := fh.read(step):
            yield piece


def _columns(raw: list[bytes], typecode: str, n: int) -> list[array]:
    out = []
    for b in raw:
        col = array(typecode)
        col.frombytes(b)
        if len(col) != n:
            raise ValueError("a damaged snapshot part")
        out.append(col)
    return out


class NotStored(Exception):
    """The snapshot does not store the rows of this format, or this run's rows cannot be put among them:
    the findings are printed the usual way (nothing is damaged)."""


class Output:
    """A check's output in one of the formats a snapshot stores (output.UNIT_SEPARATORS), made of the stored
    rows of the files left as they were and this run's rows, with the counts of every finding; what
    ``Partial.spliced`` and ``unchanged_output`` give."""

    def __init__(self, fmt: str, body: bytes, pieces: list, counts: list[int]):
        self.fmt, self.body, self.pieces, self.counts = fmt, body, pieces, counts

    def chunks(self, encoding: str | None = None):
        """The output in pieces: UTF-8 bytes when it is written as ``encoding`` UTF-8 (the stored rows as they
        are), else text."""
        out = spliced(self.fmt, self._pieces(), b"")
        if encoding and codecs.lookup(encoding).name == "utf-8":
            return out
        return map(codecs.getincrementaldecoder("utf-8")().decode, out)

    def _pieces(self):
        step = 1 << 20
        view = memoryview(self.body)
        for piece in self.pieces:
            if isinstance(piece, bytes):
                yield piece
            else:
                a, b = piece
                for k in range(a, b, step):
                    yield bytes(view[k:min(k + step, b)])


def _output(where: Path, meta: dict, layout: dict, fmt: str, runs: list[tuple[int, int]],
            fresh: Findings | list[Finding]) -> Output:
    """The ``Output`` of the stored rows of the files ``layout["paths"][a:b]`` for each run ``(a, b)`` and the
    rows of ``fresh`` (sorted, none of them on those files), in order."""
    if fmt not in layout["outputs"]:  # not stored (a path or message that is not text): not damaged
        raise NotStored(fmt)
    try:  # this run's rows as the stored ones are: UTF-8 (a lone surrogate cannot be spliced in)
        units = [u.encode("utf-8") for chunk in unit_rows(fmt, fresh) for u in chunk]
    except UnicodeEncodeError:
        raise NotStored(fmt) from None
    stored = _unblob_soon(where / f"out-{fmt}.bin", label(meta["commit"], meta["id"], f"out-{fmt}"))
    paths, body = layout["paths"], stored["body"]
    n = len(paths)
    (at,) = _columns([stored["at"]], "Q", n + 1)
    counts = _columns(layout["counts"], "I", n)
    if type(body) is not bytes or at[-1] != len(body):
        raise ValueError("a damaged snapshot part")
    totals = [sum(sum(col[a:b]) for a, b in runs) for col in counts]
    pieces: list = []
    r = 0
    runs = list(runs)

    def upto(k: int) -> None:  # the stored rows of the files before paths[k] not yet given
        nonlocal r
        while r < len(runs) and runs[r][0] < k:
            a, b = runs[r]
            pieces.append((at[a], at[min(b, k)]))
            if b <= k:
                r += 1
            else:
                runs[r] = (k, b)
                break

    for f, unit in zip(fresh, units):
        totals[SEVERITIES.index(f.severity)] += 1
        upto(bisect.bisect_left(paths, f.path))
        pieces.append(unit)
    upto(n)
    return Output(fmt, body, pieces, totals)


# --- reading -------------------------------------------------------------------------------------

@dataclass
class Partial:
    """A partial campaign ready to check, and what the snapshot adds to its findings."""

    campaign: Campaign
    read: set[str]                      # submission files read this run
    gone: set[str]                      # submission files deleted or renamed since the snapshot
    findings: dict | None               # findings.bin, with ``tables``: the findings-<name>.bin of the families
    # that run (``rest``; a plain check of every family does without)
    files: int = 0                      # submission and issue files in the work tree
    index: object = None                # dup.stored.StoredIndex of the snapshot
    base: bool = True                   # a check of a change (--base): some findings are for it only
    final: dict | None = None           # final.bin (``_final``) of a plain snapshot, when every family runs
    brief: dict | None = None           # … or brief.bin (``_brief``) instead, for a check of a change that lists
    # only what it is about (``focused``); final.bin is then read only when that cannot be told from it
    layout: dict | None = None          # … or layout.bin (``_layout``), for a plain check printing a stored format
    where: Path | None = None           # the snapshot's folder and meta (to read final.bin later)
    meta: dict | None = None

    @property
    def whole(self) -> bool:
        """The stored final findings stand for every file not read (a plain snapshot, every family runs)."""
        return self.final is not None or self.brief is not None or self.layout is not None

    def load_final(self) -> None:
        """Read final.bin (after ``focused`` gave up); ``Damaged`` when it is unreadable (then removed)."""
        if self.final is None:
            try:
                self.final = _final(self.where, self.meta)
            except ValueError:
                discard(self.where)
                raise Damaged("final.bin") from None

    @property
    def dup(self) -> tuple[object, set[str]]:
        """The stored dup index and the texts it must not offer (their current version is read, or
        they are gone)."""
        return self.index, self.read | self.gone

    def rest(self, families: set[str] | None = None) -> tuple[dict[str, Findings], set[str]]:
        """The stored findings of every file not read this run, by family (the loader's under its name),
        and the drafts among those files. ``families``: only these check families run, besides the loader."""
        from jianyan.checks import FAMILIES, LOADER  # lazy: every check and numpy (see ``_stored_families``)
        skip = {name for name, f in FAMILIES.items() if self.base and CHANGED_ONLY & set(f.depends_on)}
        unread = self.read | self.gone
        out: dict[str, Findings] = {LOADER.name: Findings()}
        for name, stored in self.findings["tables"].items():
            if name != LOADER.name and ((families is not None and name not in families) or name in skip):
                continue
            table = Findings.from_marshal(stored)
            keep = [p not in unread for p in table.paths]
            rows = [i for i, p in enumerate(table.path) if keep[p]]
            if rows:
                out[name] = table.take(rows)
        drafts = set(self.findings["drafts"]) - unread
        return out, drafts

    def stored_drafts(self) -> set[str]:
        """The draft submissions among the files not read this run (a plain check's)."""
        return set((self.final or self.brief or self.layout)["drafts"]) - self.read - self.gone

    def spliced(self, fresh: Findings, fmt: str) -> Output | None:
        """What a plain check of every file prints as ``fmt`` (``reported(fresh, …)`` printed), from the stored
        rows of out-<fmt>.bin; None when a finding of this run is on a stored submission not read this run
        (only the whole merge says whether it is the stored one)."""
        layout = self.layout
        if layout is None or self.base:
            return None
        paths = layout["paths"]
        prefix, skip = SUBMISSIONS_DIR + "/", self.read | self.gone
        lo = bisect.bisect_left(paths, prefix)
        hi = bisect.bisect_left(paths, SUBMISSIONS_DIR + chr(ord("/") + 1), lo)
        where = {p: k for p in skip | {f.path for f in fresh} if lo <= (k := bisect.bisect_left(paths, p, lo, hi)) < hi
                 and paths[k] == p}
        if any(f.path in where and f.path not in skip for f in fresh):
            return None
        runs, start = [], lo
        for k in sorted(where[p] for p in skip if p in where):
            if k > start:
                runs.append((start, k))
            start = k + 1
        if hi > start:
            runs.append((start, hi))
        try:
            return _output(self.where, self.meta, layout, fmt, runs, fresh)
        except NotStored:
            return None

    def focused(self, fresh: Findings, about: frozenset[str], drop: tuple[str, ...]):
        """What ``reported(fresh, …, drop)`` followed by ``pipeline.CheckResult.focus`` gives, worked out
        from brief.bin without the stored findings on the files left out: the findings listed (on the
        files in ``about``, every error, every workflow code; ``Findings``) and the counts ``(errors,
        warnings, notes, warnings left out, notes left out, files left out)``. None when brief.bin cannot
        tell (a finding of this run on a stored file not read this run, or a stored file in ``about`` not
        read: only the whole merge says which findings are the stored ones), or it was stored for other
        ``drop`` codes. Everything is in scope (a check of a change with paths given reads no snapshot)."""
        brief = self.brief
        if brief is None or tuple(brief["drop"]) != tuple(drop):
            return None
        paths = brief["paths"]
        n = len(paths)
        counts = []
        for raw in brief["counts"]:
            col = array("I")
            col.frombytes(raw)
            if len(col) != n:
                raise ValueError("a damaged brief.bin")
            counts.append(col)

        def at(path: str) -> int | None:
            k = bisect.bisect_left(paths, path)
            return k if k < n and paths[k] == path else None

        prefix, skip = SUBMISSIONS_DIR + "/", self.read | self.gone
        if any(f.path.startswith(prefix) and f.path not in skip and at(f.path) is not None for f in fresh) \
                or any(p not in skip and at(p) is not None for p in about):
            return None
        totals = [sum(col) for col in counts]
        left_files = sum(1 for w, i in zip(counts[3], counts[4]) if w or i)
        for p in skip:  # the stored findings of the files read this run are not reported
            k = at(p)
            if k is not None:
                for c in range(len(totals)):
                    totals[c] -= counts[c][k]
                left_files -= bool(counts[3][k] or counts[4][k])
        special = Findings.from_marshal(brief["special"])
        keep = [i for i, p in enumerate(special.path) if special.paths[p] not in skip]
        shown: list[tuple[tuple, int, Finding]] = [(special.sort_key(i), 0, special[i]) for i in keep]
        others: set[str] = set()
        for f in fresh:
            sev = SEVERITIES.index(f.severity)
            totals[sev] += 1
            if f.path in about or sev == 0 or f.code.startswith("workflow."):
                shown.append((f.sort_key(), 1, f))
            else:
                totals[2 + sev] += 1
                others.add(f.path)
        shown.sort(key=operator.itemgetter(0, 1))  # stable: a stored finding before a fresh one that sorts alike
        return Findings.of([f for _, _, f in shown]), (*totals, left_files + len(others))

    def reported(self, fresh: Findings, in_scope, drop: tuple[str, ...] | None = None) -> Findings:
        """A plain check's findings: ``fresh`` (this run's, as ``checks.finalize`` gives them, with
        ``stored_drafts``) and what the full check reported on every submission not read this run, in
        scope, in ``finalize``'s order. A finding on such a file that a check of this run made again is
        the stored one (the file and all it depends on are unchanged). ``drop``: code prefixes whose
        stored findings are left out (a check of a change works out the duplication findings for the
        changed files only)."""
        table = Findings.from_marshal(self.final["table"])
        prefix, skip = SUBMISSIONS_DIR + "/", self.read | self.gone
        n = len(table)
        # the rows kept, as runs of consecutive rows (the table is sorted by path: the files read make gaps)
        keep_path = bytes(p.startswith(prefix) and p not in skip and bool(in_scope(p)) for p in table.paths)
        mask = bytes(map(keep_path.__getitem__, table.path))
        if drop:
            keep_code = bytes(not c.startswith(drop) for c in table.codes)
            mask = bytes(map(operator.and_, mask, map(keep_code.__getitem__, table.code)))
        runs = [m.span() for m in re.finditer(rb"\x01+", mask)]
        again = {f.path for f in fresh}
        known: set[Finding] = set()
        if again:  # the stored rows kept on files this run reported on too
            flag = bytes(p in again for p in table.paths)
            both = bytes(map(operator.and_, mask, map(flag.__getitem__, table.path)))
            known = {table[i] for m in re.finditer(rb"\x01+", both) for i in range(*m.span())}
        new = sorted((f for f in fresh if f not in known), key=Finding.sort_key)
        if not new and runs == [(0, n)]:
            return table
        # each new finding goes after the stored rows that sort before or equal to it
        cuts = [bisect.bisect_right(range(n), f.sort_key(), key=table.sort_key) for f in new]
        table.extend(new)  # rows n, n+1, …
        out: list[tuple[int, int]] = []
        k = 0
        for a, b in runs:
            while k < len(cuts) and cuts[k] <= a:
                out.append((n + k, n + k + 1))
                k += 1
            while k < len(cuts) and cuts[k] < b:
                out.append((a, cuts[k]))
                a = cuts[k]
                out.append((n + k, n + k + 1))
                k += 1
            out.append((a, b))
        out += [(n + j, n + j + 1) for j in range(k, len(cuts))]
        return table.take_runs((a, b) for a, b in out if b > a)


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


def _opened(root: Path, commit: str) -> tuple[Path, dict] | None:
    """The snapshot of ``commit`` and its meta, when it is one this tool stored (else removed) and of this
    version of the tool."""
    where = folder_of(root) / commit
    if not os.path.lexists(where):
        return None
    if not cache_folder(where) or holds_links(where):  # never followed: a snapshot holds no link
        discard(where)
        return None
    try:
        meta = _unblob(where / "meta.bin", label(commit, "", "meta"))
    except ValueError:
        discard(where)  # incomplete, damaged or not this machine's
        return None
    if not (isinstance(meta, dict) and meta.get("format") == FORMAT and meta.get("tool") == fingerprint()
            and meta.get("commit") == commit and type(meta.get("id")) is str):
        return None
    return where, meta


def partial(root: Path, candidates: list[tuple[str, list[Change] | None]], git: Git, prefix: str,
            families, progress=None, today: dt.date | None = None, by_family: bool = True,
            brief: bool = False) -> Partial | None:
    """The partial campaign for the first commit among ``candidates`` (commit, its changes to the work
    tree or None to ask git) that has a usable snapshot, to run ``families`` (checks.Family) and the
    check of the change (--base) on; None when a full check is needed. ``by_family``: as for
    ``partial_plain``; ``brief``: only what the change is about will be listed (``Partial.focused``):
    brief.bin is read instead of final.bin."""
    root = Path(root)
    if not supports(families) or not cache_enabled(root) or not cache_folder(folder_of(root)):
        return None
    # the submissions the change under check touches are read whatever the snapshot (HEAD's has them
    # unchanged, but the change's own checks compare them with the base)
    base = {c.new for c in candidates[0][1] or () if c.new and _kind(c.new) == "submission"} if candidates else set()
    for commit, changes in candidates:
        opened = _opened(root, commit)
        if opened is None:
            continue
        where, meta = opened
        try:
            if changes is None:
                changes = _changes_since(git, prefix, commit)
            return _plan(root, where, meta, changes, progress, today or dt.date.today(), base, families,
                         by_family=by_family, brief=brief)
        except GitError:
            return None
        except (OSError, ValueError, EOFError, TypeError, KeyError, IndexError, AttributeError):
            discard(where)
            return None
    return None


@dataclass
class Current:
    """The snapshot a plain check starts from, and what changed since."""

    where: Path
    meta: dict
    changes: list[Change]
    now: dict[str, tuple[int, int, bool]]  # the content folders (``scan``)


def current(root: Path, fmt: str | None = None) -> Current | None:
    """The snapshot a plain check of ``root`` can start from — HEAD's, else the newest — if its tool and
    context are those of now, with the changes of the content folders since; None when there is none.
    ``fmt``: the format the check will print (when something changed, its stored rows are read in a
    thread meanwhile: ``_unblob_soon``)."""
    root = Path(root)
    if not cache_enabled(root) or not cache_folder(folder_of(root)):
        return None
    try:
        head = Git(root).head()
    except GitError:
        head = None
    try:
        now = scan(root)
    except OSError:  # a folder that cannot be read: the full check reports it
        return None
    names = [head] if head else []
    names += [p.name for _, p in _snapshots(folder_of(root)) if p.name != head]
    for commit in names:
        opened = _opened(root, commit)
        if opened is None:
            continue
        where, meta = opened
        if not meta.get("plain"):  # stored by a check of a change: not every finding is in it
            continue
        try:
            if context(root, meta["watched"], meta["reference_dir"]) != meta["context"]:
                continue
            manifest = _unblob(where / "manifest.bin", label(commit, meta["id"], "manifest"))
            changes, touched = _changes(root, manifest, now)
        except (OSError, ValueError, TypeError, KeyError, IndexError, AttributeError):
            discard(where)
            return None
        if touched:  # checked out again, or saved unchanged: their digests need not be read next time
            manifest.update(touched)
            try:
                write_blob(where / "manifest.bin", manifest, label(commit, meta["id"], "manifest"))
            except (OSError, ValueError):
                pass
        if changes and fmt in UNIT_SEPARATORS:  # a partial check: read while the checks are imported
            for part in ("layout", f"out-{fmt}"):
                _read_soon(where / f"{part}.bin", label(commit, meta["id"], part))
        return Current(where, meta, changes, now)
    return None


_SOON: dict[tuple[Path, str], tuple[threading.Thread, list]] = {}  # (path, label) → (thread, [stamp, blob])


def _stamp(path: Path) -> tuple | None:
    try:
        st = os.lstat(path)
    except OSError:
        return None
    return st.st_ino, st.st_size, st.st_mtime_ns


def _read_soon(path: Path, name: str) -> None:
    """Start reading the blob ``_unblob(path, name)`` will be asked for, in a thread (hashlib lets go of the
    GIL while it checks a large blob's signature)."""
    if (path, name) in _SOON:
        return
    got: list = []

    def work() -> None:
        stamp = _stamp(path)
        got.extend((stamp, read_blob(path, name)))

    thread = threading.Thread(target=work, name="jianyan-snapshot-read", daemon=True)
    thread.start()
    _SOON[path, name] = (thread, got)


def forget_soon() -> None:
    """Let go of what the reading threads read and nobody asked for (``_read_soon``): a check that took
    another path would hold it for the life of the process."""
    _SOON.clear()


def _unblob_soon(path: Path, name: str):
    """``_unblob``, by what ``_read_soon`` read when the file is unchanged since."""
    thread, got = _SOON.pop((path, name), (None, []))
    if thread is not None:
        thread.join()
        if got and got[1] is not None and got[0] is not None and got[0] == _stamp(path):
            return got[1]
    return _unblob(path, name)


def _same_day(start: Current, today: dt.date) -> bool:
    """Nothing changed since the snapshot ``start``, made on ``today`` (dates are judged the same)."""
    return not start.changes and start.meta["day"] == today.isoformat()


def unchanged(start: Current, today: dt.date, progress=None) -> tuple[Findings, int] | None:
    """What a plain full check reports, and the files it counts, when nothing it reads has changed since
    the snapshot ``start`` (``current``), made on ``today``; else None."""
    meta = start.meta
    if not _same_day(start, today):
        return None
    try:
        findings = Findings.from_marshal(_final(start.where, meta)["table"])
    except (ValueError, TypeError, KeyError):
        discard(start.where)
        return None
    _reused(meta, progress)
    return findings, meta["files"]


def unchanged_output(start: Current, today: dt.date, fmt: str, progress=None) -> tuple[Output, int] | None:
    """``unchanged`` printed as ``fmt`` (a format the snapshot stores: output.UNIT_SEPARATORS), from the
    stored rows without reading the findings; else None."""
    meta = start.meta
    if not _same_day(start, today) or fmt not in UNIT_SEPARATORS:
        return None
    try:
        layout = _unblob(start.where / "layout.bin", label(meta["commit"], meta["id"], "layout"))
        out = _output(start.where, meta, layout, fmt, [(0, len(layout["paths"]))], [])
    except NotStored:
        return None
    except (ValueError, TypeError, KeyError):
        discard(start.where)
        return None
    _reused(meta, progress)
    return out, meta["files"]


def _reused(meta: dict, progress) -> None:
    if progress:
        progress(f"没有改动：沿用 {meta['commit'][:7]} 的完整检查结果")


def _final(where: Path, meta: dict) -> dict:
    """final.bin: ``table``, the findings the full check reported (sorted; ``Findings.to_marshal``);
    ``drafts``, its draft submissions."""
    return _unblob(where / "final.bin", label(meta["commit"], meta["id"], "final"))


def partial_plain(root: Path, start: Current, families, progress=None, today: dt.date | None = None,
                  by_family: bool = True, fmt: str | None = None) -> Partial | None:
    """The partial campaign for a plain check of ``root`` from the snapshot ``start`` (``current``), to run
    ``families`` on; None when a full check is needed. ``by_family``: the stored findings are wanted by
    family (``Partial.rest``), not only as reported (``Partial.reported``); ``fmt``: the check's output is
    wanted printed as that format, which the snapshot stores (``Partial.spliced``; then final.bin is read
    only when that cannot be told without it)."""
    if not supports(families):
        return None
    try:
        return _plan(Path(root), start.where, start.meta, start.changes, progress, today or dt.date.today(), set(),
                     families, now=start.now, by_family=by_family, fmt=fmt)
    except (OSError, ValueError, EOFError, TypeError, KeyError, IndexError, AttributeError):
        discard(start.where)
        return None


def _plan(root: Path, where: Path, meta: dict, changes: list[Change], progress, day: dt.date, base: set[str],
          families, now: dict[str, tuple[int, int, bool]] | None = None, by_family: bool = True,
          brief: bool = False, fmt: str | None = None) -> Partial | None:
    """The partial campaign for ``changes`` since the snapshot at ``where``, to run ``families`` on; ``now``: the content folders
    of a plain check (``scan``; None: a check of a change, --base); ``by_family``: as for ``partial_plain``;
    ``brief``: as for ``partial``; ``fmt``: as for ``partial_plain``. None (a full check) on a day before the
    snapshot's: it knows which findings depend on the day only for later days (``_timely``)."""
    if day.isoformat() < meta["day"]:
        return None
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
    if first.registries is None:
        return None
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
    index = stored_index(where, root, first.registries.settings.dup.min_span_chars, meta)
    if now is not None and (changed or gone or changed_issues):
        again = _dup_affected(root, index, meta, first, changed, gone)
        if again is None:
            return None
        read |= again
    read -= gone
    if len(read) > MAX_READ:
        return None
    if progress:
        progress(f"增量检查：读取改动的 {len(changed)} 篇和受影响的 {len(read) - len(changed)} 篇，其余使用快照")
    # phase 2: the dependants too (usually there are none and phase 1's campaign is the one)
    campaign = first if read == changed else load_fast(root, submissions=read, cache=False, registries=regs)
    if campaign.registries is None:
        return None
    campaign.lookup = _lookup(root, campaign, odd_ids, read | gone, by_odd_id)
    if now is not None:
        docs, ignored = (SUBMISSIONS_DIR + "/", ISSUES_DIR + "/"), tuple(f"/{name}" for name in IGNORED_NAMES)
        files = sum(1 for p, entry in now.items()  # ``_is_doc``, with str methods only (100 000 files)
                    if entry[2] and p.endswith(".md") and p.startswith(docs) and not p.endswith(ignored))
    else:
        files = meta["files"] + sum((c.new is not None and kinds[c.new] in ("submission", "issue"))
                                    - (c.old is not None and kinds[c.old] in ("submission", "issue")) for c in changes)
    # a plain snapshot's final findings serve every check of all families; else the findings by family
    whole = meta["plain"] and not by_family
    spliced = whole and now is not None and fmt in UNIT_SEPARATORS
    final = _final(where, meta) if whole and not (brief and now is None) and not spliced else None
    short = _unblob(where / "brief.bin", label(meta["commit"], meta["id"], "brief")) \
        if whole and now is None and final is None else None
    layout = _unblob_soon(where / "layout.bin", label(meta["commit"], meta["id"], "layout")) if spliced else None
    findings = None
    if not whole:
        from jianyan.checks import LOADER  # lazy: every check (read only for a check that runs them)
        findings = _unblob(where / "findings.bin", label(meta["commit"], meta["id"], "findings"))
        running = {LOADER.name, *(f.name for f in families)}
        findings["tables"] = {
            name: _unblob(where / f"findings-{name}.bin", label(meta["commit"], meta["id"], f"findings-{name}"))
            for name in findings["families"] if name in running}
    return Partial(campaign, read, gone, findings, index=index, files=files, base=now is None, final=final,
                   brief=short, layout=layout, where=where, meta=meta)


def _dup_affected(root: Path, index, meta: dict, first: Campaign, changed: set[str], gone: set[str]) -> set[str] | None:
    """The stored submissions whose duplication findings the change can alter (``stored.affected``), as
    paths; None when that cannot be told (any may change, or a text of then is no longer in the feature
    cache). ``first``: the changed submissions and every bulletin issue as they are now."""
    from jianyan.dup.index.engine import campaign_entries, reference_entries  # lazy: numpy; ``unchanged`` does without
    from jianyan.dup.index.parallel import fill  # lazy: numpy and the tokenizer (as above)
    from jianyan.dup.index.stored import affected, record  # lazy: numpy (as above)
    store = index.feats.store
    entries = campaign_entries(first) + reference_entries(root, first.registries.settings.dup.reference_dir)[0]
    subs = [e for e in entries if e.kind == "submission"]
    then = [tuple(r) for r in meta["extras"]]
    others = {record(e): e for e in entries if e.kind != "submission"}
    fill(store, {e.key: (e.source, e.markdown) for e in [*subs, *others.values()] if e.key not in store}, root)
    removed = [index.feats[r] for r in index.rows_at(changed | gone)]
    removed += [store.get(r[-1]) for r in then if r not in others]
    added = [store.get(e.key) for e in subs] + [store.get(e.key) for r, e in others.items() if r not in set(then)]
    unstored = [store.get(r[-1]) for r in then]
    if any(f is None for f in (*removed, *added, *unstored)):
        return None
    rows = affected(index, removed, added, unstored)
    return None if rows is None else {index.entries[r].path for r in rows}


def stored_index(where: Path, root: Path, min_chars: int, meta: dict | None = None):
    """The duplication index (dup.stored.StoredIndex) of the snapshot at ``where``, whose ``meta`` is read
    when not given; ValueError when the snapshot is damaged or not this machine's."""
    from jianyan.dup.index.stored import StoredIndex  # lazy: numpy; ``unchanged`` starts without it
    if meta is None:
        meta = _unblob(where / "meta.bin", label(where.name, "", "meta"))
    return StoredIndex(where / "dup", root, min_chars, label(meta["commit"], meta["id"], "dup"), owner=where)


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
