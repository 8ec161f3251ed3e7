"""Load a campaign repository: registries, submissions and bulletin issues, with findings.

Data flows one way: files → parsed model (here) → checks and renderers. Loading never
raises for bad input; every problem becomes a Finding and the other files are still read.
A file is opened only when it is a regular file (a pipe or device in a content folder is
reported, never opened: reading it could wait for ever), and never read past its size limit.

How the files' front matter gets parsed, and how the documents are held, is a ``ParseSource``'s
business: without one every file is parsed here and kept as read; the fast path
(accel/loadcache.py) passes one that keeps parses on disk, parses over all cores and holds a large
campaign compactly. Either way the campaign is the same.

Codes:
  encoding.unreadable      a file or folder that cannot be read (permissions, disk error, gone meanwhile)
  length.file_too_large    a content file or registry over its size limit, refused unread
  ref.registry_missing     a registry file of schema/ is absent
  ref.duplicate_unit       a unit code registered twice
"""
from __future__ import annotations

import errno
import hashlib
import os
import stat
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Generic, Iterable, Iterator, Protocol, TypeVar

from pydantic import BaseModel

from jianyan.core.findings import Finding, error
from jianyan.core.fsutil import NotRegular, read_regular
from jianyan.campaign.calendar import Calendar, load_calendar
from jianyan.campaign.frontmatter import ChangedWhileChecking, Parsed, read_markdown, read_yaml
from jianyan.campaign.model import (Issue, Member, MembersFile, Person, QuotasFile, Reason, ReasonsFile, RolesFile, Settings,
                    Submission, Topic, TopicsFile, Unit, UnitsFile)
from jianyan.campaign.validate import validate
from jianyan.campaign.paths import ISSUES_DIR, SUBMISSIONS_DIR, issue_path, registry_path
from jianyan.campaign.where import find_root

# The list each registry file holds (used for an empty stand-in when the file is broken).
REGISTRY_LISTS = {"topics": "topics", "units": "units", "roles": "people", "reasons": "reasons"}
# Registry name (its file: paths.registry_path) → its model.
REGISTRY_FILES = {"settings": Settings, "topics": TopicsFile, "units": UnitsFile, "roles": RolesFile,
                  "reasons": ReasonsFile}
# Registries a campaign may do without (issue 11: members' records, unit quotas): absent means empty.
OPTIONAL_REGISTRY_FILES = {"members": MembersFile, "quotas": QuotasFile}
# A registry is a few KB (3 000 members: about 500 KB); anything far larger is refused unread.
REGISTRY_MAX_BYTES = 5_000_000
LOAD_CHUNK = 2048  # files read (and their bytes held) at a time while loading
# Files that may sit in content folders without being content.
IGNORED_NAMES = {"README.md", "readme.md", ".gitkeep", ".DS_Store", "Thumbs.db"}
# A Word/WPS original kept by `jianyan import` beside its submission (same stem, e.g. 2021-minge-001.docx).
ORIGINAL_SUFFIXES = (".docx", ".doc", ".wps")

M = TypeVar("M", bound=BaseModel)


@dataclass(slots=True)
class Doc(Generic[M]):
    """One content file: where it is, what was read, and the model if it validated."""

    path: str  # repository-relative, with /
    parsed: Parsed
    model: M | None

    @property
    def body(self) -> str:
        return self.read_body()

    def read_body(self) -> str:
        """``body``, as a function to call when the text is wanted (dup.engine.Entry does not hold it)."""
        return self.parsed.body

    @property
    def body_line(self) -> int:
        return self.parsed.body_line

    def line(self, *key: str | int) -> int:
        return self.parsed.line_of(tuple(key))


Reader = Callable[[str, bytes], Parsed]  # frontmatter.read_markdown or read_yaml: (path, bytes) → parse


class ParseSource(Protocol):
    """Where ``load_campaign`` gets the parses of the files it reads, and how it keeps its documents."""

    def parse(self, files: list[tuple[str, bytes, bytes]], reader: Reader) -> Iterable[Parsed]:
        """``reader(path, raw)`` of each (repository path, bytes, ``content_digest`` of the bytes) of ``files``,
        in their order."""

    def keep(self, doc: Doc, total: int) -> Doc:
        """The validated document as the campaign holds it (same answers), one of ``total`` read."""


class ReadEach:
    """The plain ``ParseSource``: each file parsed when asked for, each document kept as read."""

    def parse(self, files: list[tuple[str, bytes, bytes]], reader: Reader) -> Iterator[Parsed]:
        return (reader(relpath, raw) for relpath, raw, _ in files)

    def keep(self, doc: Doc, total: int) -> Doc:
        return doc


@dataclass
class Registries:
    settings: Settings
    topics: dict[int, Topic]
    units: dict[str, Unit]
    people: list[Person]
    reasons: dict[str, Reason]
    paths: dict[str, str] = field(default_factory=dict)
    lines: dict[str, Parsed] = field(default_factory=dict)
    members: list[Member] = field(default_factory=list)  # schema/members.yaml (may be absent)
    broken: frozenset[str] = frozenset()  # registries that failed to load (stand-ins are empty)
    quotas: QuotasFile = field(default_factory=QuotasFile)  # schema/quotas.yaml (may be absent)

    def person(self, who: str | None) -> Person | None:
        """A person by name or code."""
        if not who:
            return None
        for p in self.people:
            if who in (p.name, p.code):
                return p
        return None

    def holders(self, role: str, unit: str | None = None) -> list[Person]:
        return [p for p in self.people if role in p.roles and (unit is None or p.unit == unit)]


@dataclass
class Campaign:
    root: Path
    registries: Registries | None
    submissions: list[Doc[Submission]]
    issues: list[Doc[Issue]]
    unknown_files: list[str]
    findings: list[Finding]
    originals: list[str] = field(default_factory=list)  # kept Word originals (companions of a .md)
    # A partial campaign (snapshot.py) holds only some submissions; ``lookup`` reads any other by id.
    partial: bool = False
    lookup: Callable[[str], "Doc[Submission] | None"] | None = None
    # (size, mtime_ns) of each document's file as read, flat, in the order of [*submissions, *issues]
    # (-1 where it was not read): ``verify_unchanged`` tells an edit made during the run.
    stamps: array | None = None
    # the BLAKE2b-128 digest of each document's bytes as read, in the same order (16 zero bytes where it was
    # not read): a snapshot's file list (accel/snapshot.py ``_manifest``) without reading every file again
    digests: bytes | None = None

    def submission(self, ident: str) -> Doc[Submission] | None:
        doc = self._by_id_sub.get(ident)
        if doc is None and self.lookup is not None:
            doc = self.lookup(ident)
        return doc

    def issue(self, ident: str) -> Doc[Issue] | None:
        return self._by_id_issue.get(ident)

    def broken_issue(self, ident: str) -> bool:
        """An issue file for ``ident`` exists but did not validate (its own errors are reported there)."""
        path = issue_path(ident)
        return any(d.path == path and d.model is None for d in self.issues)

    def __post_init__(self) -> None:
        self._by_id_sub = {d.model.id: d for d in self.submissions if d.model}
        self._by_id_issue = {d.model.id: d for d in self.issues if d.model}

    @property
    def calendar(self) -> Calendar:
        """Working days of this campaign (schema/calendar.yaml, read once); CalendarError for a broken file."""
        cal = self.__dict__.get("_calendar")
        if cal is None:
            cal = self.__dict__["_calendar"] = load_calendar(self.root)
        return cal

    @property
    def valid_submissions(self) -> list[Submission]:
        return [d.model for d in self.submissions if d.model]

    def verify_unchanged(self) -> None:
        """Raise ChangedWhileChecking when a file read is no longer as it was (size or modification
        time; one stat a file, nothing read again): findings made from two versions would not agree."""
        if self.stamps is None:
            return
        for i, doc in enumerate([*self.submissions, *self.issues]):
            size, mtime = self.stamps[2 * i], self.stamps[2 * i + 1]
            if size < 0:
                continue
            try:
                now = os.stat(os.path.join(self.root, doc.path))
            except OSError:
                raise ChangedWhileChecking(doc.path) from None
            if (now.st_size, now.st_mtime_ns) != (size, mtime):
                raise ChangedWhileChecking(doc.path)


NOT_READ = bytes(16)  # ``Campaign.digests`` of a document not read


def content_digest(raw: bytes) -> bytes:
    """The digest ``Campaign.digests`` keeps of a file's bytes."""
    return hashlib.blake2b(raw, digest_size=16).digest()


def rel(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix()


def read_stamped(path: Path, limit: int) -> tuple[bytes | None, str | None, tuple[int, int]]:
    """Read a file, refusing one over ``limit`` bytes without reading it whole: (bytes or None, why it
    was refused, its (size, mtime_ns) as opened). Opened without waiting (a pipe put in place of the
    file would block the run); OSError when it cannot be read or is not a regular file."""
    with open(path, "rb", opener=lambda name, flags: os.open(name, flags | os.O_NONBLOCK)) as fh:
        st = os.fstat(fh.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        size = st.st_size
        if size > limit:
            return None, (f"文件有 {size / 1_000_000:.1f} MB，超过上限 {limit / 1_000_000:.1f} MB，已拒收。"
                          "一篇建言信息一般不超过 1500 字（约 5 KB）；请删去粘贴进来的大段材料，附件另行报送"), (size, st.st_mtime_ns)
        return fh.read(), None, (size, st.st_mtime_ns)


def os_reason(exc: OSError) -> str:
    """Why a file or folder could not be read, in Chinese."""
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "没有读取权限"
    if exc.errno == errno.ENOENT:
        return "读取时已不存在，可能正被移动或删除"
    if exc.errno == errno.EIO:
        return "磁盘读写出错"
    if exc.errno == errno.EINVAL:
        return "不是普通文件"
    return exc.strerror or type(exc).__name__


def read_work_file(path: Path, limit: int) -> tuple[bytes | None, str | None]:
    """A working-tree file as the workflow rules and the history read it: (bytes, None); (None, None) when
    nothing (or a folder) is there; (None, why in Chinese) when it is refused unread — a symlink (not
    followed: git commits the link, not what it points at), a pipe or device (opening it could wait for
    ever), over ``limit`` bytes, or unreadable. The loader reports such a file in a content folder or a
    registry itself."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None, None
    except OSError as exc:
        return None, os_reason(exc)
    if stat.S_ISDIR(st.st_mode):
        return None, None
    if stat.S_ISLNK(st.st_mode):
        return None, "是符号链接"
    if not stat.S_ISREG(st.st_mode):
        return None, "不是普通文件"
    if st.st_size > limit:
        return None, f"有 {st.st_size / 1_000_000:.1f} MB，超过上限 {limit / 1_000_000:.1f} MB"
    try:
        return read_regular(path, limit), None
    except FileNotFoundError:
        return None, None
    except NotRegular:
        return None, "不是普通文件，或读取时超过大小上限"
    except OSError as exc:
        return None, os_reason(exc)


def unreadable(relpath: str, exc: OSError, folder: bool = False) -> Finding:
    if folder:
        return error(relpath, None, "encoding.unreadable",
                     f"无法读取这个文件夹（{os_reason(exc)}），其中的文件都没有检查。"
                     "请把文件夹的权限改为所有人可读，或移走不属于活动的文件夹")
    return error(relpath, None, "encoding.unreadable",
                 f"无法读取这个文件（{os_reason(exc)}），没有检查。请把文件权限改为所有人可读，"
                 "或等文件操作完成后重新运行检查")


def read_registry(root: Path, relpath: str) -> tuple[bytes | None, Finding | None]:
    """A registry's (or the phrase list's) bytes, or the finding that refuses it (unreadable, over
    REGISTRY_MAX_BYTES)."""
    try:
        raw, too_big, _ = read_stamped(root / relpath, REGISTRY_MAX_BYTES)
    except OSError as exc:
        return None, unreadable(relpath, exc)
    if raw is None:
        return None, error(relpath, None, "length.file_too_large",
                           f"登记表超过上限 {REGISTRY_MAX_BYTES / 1_000_000:.0f} MB，已拒收（正常只有几十 KB）。"
                           "请检查是否误粘贴了大段内容")
    return raw, None


def load_registries(root: Path, source: ParseSource | None = None) -> tuple[Registries | None, list[Finding]]:
    """The registries of schema/ and the findings on them (None without valid campaign settings);
    ``source``: as for ``load_campaign``."""
    source = source or ReadEach()

    def read(relpath: str, raw: bytes) -> Parsed:
        return next(iter(source.parse([(relpath, raw, content_digest(raw))], read_yaml)))

    findings: list[Finding] = []
    parsed_files: dict[str, Parsed] = {}

    def load(key: str, model: type[BaseModel], required: bool) -> BaseModel | None:
        relpath = registry_path(key)
        if not (root / relpath).is_file():
            if required:
                findings.append(error(relpath, None, "ref.registry_missing",
                                      f"缺少登记表 {relpath}。请从模板仓库复制一份（jianyan init 会生成全部登记表）"))
            return None
        raw, refused = read_registry(root, relpath)
        if raw is None:
            findings.append(refused)
            return None
        parsed = read(relpath, raw)
        parsed_files[key] = parsed
        findings.extend(parsed.findings)
        if not parsed.ok:
            return None
        obj, found = validate(model, parsed, "schema")
        findings.extend(found)
        return obj

    loaded = {key: obj for key, model in REGISTRY_FILES.items() if (obj := load(key, model, True)) is not None}
    if "settings" not in loaded:
        return None, findings  # nothing can be checked without the campaign settings
    # Any other broken registry is replaced by an empty one and marked broken: the other files are
    # still checked, and findings that would only repeat the registry's own error are withheld.
    broken = frozenset(key for key in REGISTRY_FILES if key not in loaded)
    for key in broken:
        loaded[key] = REGISTRY_FILES[key].model_construct(**{REGISTRY_LISTS[key]: []})
    optional = {key: obj for key, model in OPTIONAL_REGISTRY_FILES.items()
                if (obj := load(key, model, False)) is not None}
    topics = {t.number: t for t in loaded["topics"].topics}
    units: dict[str, Unit] = {}
    for i, u in enumerate(loaded["units"].units):
        if u.code in units:
            findings.append(error(registry_path("units"), parsed_files["units"].line_of(("units", i, "code")),
                                  "ref.duplicate_unit", f"单位代码“{u.code}”重复登记。请给每个单位一个唯一代码"))
        units[u.code] = u
    reasons = {r.code: r for r in loaded["reasons"].reasons}
    regs = Registries(settings=loaded["settings"], topics=topics, units=units,
                      people=loaded["roles"].people, reasons=reasons,
                      paths={k: registry_path(k) for k in (*REGISTRY_FILES, *OPTIONAL_REGISTRY_FILES)},
                      lines=parsed_files,
                      members=optional["members"].members if "members" in optional else [],
                      quotas=optional.get("quotas") or QuotasFile(), broken=broken)
    return regs, findings


def read_content(root: Path, path: Path, limit: int) -> tuple[bytes | None, Finding | None, tuple[int, int]]:
    """A content file's bytes, or the finding that refuses it (over ``limit``, unreadable), and its
    (size, mtime_ns) as read ((-1, -1) when it could not be read)."""
    try:
        raw, too_big, stamp = read_stamped(path, limit)
    except OSError as exc:
        return None, unreadable(rel(root, path), exc), (-1, -1)
    if raw is None:
        return None, error(rel(root, path), None, "length.file_too_large", too_big or ""), stamp
    return raw, None, stamp


def _load_doc(root: Path, path: Path, model: type[M], limit: int) -> tuple[Doc[M], list[Finding]]:
    raw, refusal, _ = read_content(root, path, limit)
    if raw is None:
        return refused(refusal)
    return to_doc(read_markdown(rel(root, path), raw), model)


def refused(finding: Finding) -> tuple[Doc, list[Finding]]:
    """A file refused unread (too large, unreadable): no model, the one finding."""
    return Doc(finding.path, Parsed(finding.path), None), [finding]


def to_doc(parsed: Parsed, model: type[M]) -> tuple[Doc[M], list[Finding]]:
    """A read file validated against ``model``: the document and all its findings (reader's and model's)."""
    findings = list(parsed.findings)
    obj = None
    if parsed.ok:
        obj, found = validate(model, parsed, "schema")
        findings.extend(found)
    return Doc(parsed.path, parsed, obj), findings


def scan(folder: Path, unreadable: list[tuple[Path, OSError]] | None = None) -> list[tuple[Path, bool]]:
    """Every file below ``folder``, sorted, each with whether it is something other than a regular file
    (a symlink, a pipe, a device: listed, never opened or entered); one scandir pass, no extra stat.
    Folders and entries that cannot be read are added to ``unreadable`` with their error."""
    if not folder.is_dir():
        return []
    out: list[tuple[Path, bool]] = []
    stack = [str(folder)]
    while stack:
        here = stack.pop()
        try:
            with os.scandir(here) as it:
                for entry in it:
                    try:
                        if entry.is_dir(follow_symlinks=False):
                            stack.append(entry.path)
                        else:
                            out.append((Path(entry.path), entry.is_symlink() or not entry.is_file()))
                    except OSError as exc:
                        if unreadable is not None:
                            unreadable.append((Path(entry.path), exc))
        except OSError as exc:
            if unreadable is not None:
                unreadable.append((Path(here), exc))
    return sorted(out, key=lambda item: (item[0].parts, item[1]))  # Path order, without Path.__lt__


def load_campaign(root: Path | None = None, progress: Callable[[int, int], None] | None = None, *,
                  submissions: Iterable[str] | None = None,
                  registries: tuple[Registries | None, list[Finding]] | None = None,
                  source: ParseSource | None = None) -> Campaign:
    """Read everything. ``progress(done, total)`` is called as files are read (for a progress bar).

    ``submissions``: read only these submission files (repository-relative paths) and mark the
    campaign partial (snapshot.py); ``registries``: what ``load_registries`` gave for this root
    already; ``source``: where the parses come from and how the documents are kept (``ParseSource``;
    default: each file parsed here, kept as read)."""
    root = find_root(root)
    source = source or ReadEach()
    registries, findings = load_registries(root, source) if registries is None else (registries[0], list(registries[1]))
    limit = registries.settings.limits.file_max_bytes if registries else 1_000_000
    unknown: list[str] = []
    originals: list[str] = []
    unreadable_folders: list[tuple[Path, OSError]] = []
    if submissions is None:
        sub_paths = scan(root / SUBMISSIONS_DIR, unreadable_folders)
    else:
        sub_paths = sorted((root / p, (root / p).is_symlink()) for p in set(submissions)
                           if (root / p).is_file() or (root / p).is_symlink())
    folders = {SUBMISSIONS_DIR: (sub_paths, Submission),
               ISSUES_DIR: (scan(root / ISSUES_DIR, unreadable_folders), Issue)}
    findings.extend(unreadable(rel(root, path), exc, folder=True) for path, exc in unreadable_folders)
    total = sum(len(paths) for paths, _ in folders.values())
    done = 0
    docs: dict[str, list[Doc]] = {name: [] for name in folders}
    stamps = array("q")  # (size, mtime_ns) of each document as read, submissions then issues
    digests = bytearray()  # and the digest of its bytes
    for name, (paths, model) in folders.items():
        for start in range(0, len(paths), LOAD_CHUNK):
            chunk = paths[start:start + LOAD_CHUNK]
            # read a chunk, then have the source parse what was read (in this order), then build the docs
            reads = {path: read_content(root, path, limit) for path, special in chunk
                     if path.suffix == ".md" and not special and path.name not in IGNORED_NAMES}
            sums = {p: content_digest(raw) for p, (raw, _, _) in reads.items() if raw is not None}
            parses = iter(source.parse([(rel(root, p), reads[p][0], d) for p, d in sums.items()], read_markdown))
            for path, special in chunk:
                done += 1
                if progress:
                    progress(done, total)
                if path.name in IGNORED_NAMES:
                    continue
                if model is Submission and is_original(path):
                    originals.append(rel(root, path))
                elif path.suffix != ".md" or special:
                    unknown.append(rel(root, path))  # reported by checks/refs.py: never silently skipped
                else:
                    raw, refusal, stamp = reads[path]
                    if raw is None:
                        doc, found = refused(refusal)
                    else:
                        doc, found = to_doc(next(parses), model)
                        doc = source.keep(doc, total)
                    docs[name].append(doc)
                    stamps.extend(stamp)
                    digests += sums.get(path, NOT_READ)
                    findings.extend(found)
    return Campaign(root, registries, docs[SUBMISSIONS_DIR], docs[ISSUES_DIR], unknown, findings, originals,
                    partial=submissions is not None, stamps=stamps, digests=bytes(digests))


def doc_reader(root: Path, registries: Registries | None) -> Callable[[str], Doc[Submission] | None]:
    """Read one submission file by path, for a partial campaign's lookups."""
    limit = registries.settings.limits.file_max_bytes if registries else 1_000_000

    def read(relpath: str) -> Doc[Submission] | None:
        path = root / relpath
        if path.is_symlink() or not path.is_file():
            return None
        doc, _ = _load_doc(root, path, Submission, limit)
        return doc

    return read


def is_original(path: Path) -> bool:
    """A kept Word original: a regular file named like an existing submission, with a Word suffix."""
    md = path.with_suffix(".md")
    return (path.suffix in ORIGINAL_SUFFIXES and not path.is_symlink() and path.is_file()
            and md.is_file() and not md.is_symlink())
