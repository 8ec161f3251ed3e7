"""Thin wrappers around the git command line (no library): diffs, file contents, logs, signatures.

Every call runs ``git -c core.quotePath=false`` with NUL-separated output where git offers it,
so Chinese file names come back as written. Problems a user can fix (not a repository, an
unknown base ref, a shallow clone) raise :class:`GitError` with a Chinese message.
"""
from __future__ import annotations

import os
import subprocess
import tempfile
import threading
import weakref
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from jianyan.core.errors import JianyanError

SHALLOW_HINT = "请用 git fetch --unshallow 取得完整历史，或在 CI 中设置 fetch-depth: 0（GitLab：GIT_DEPTH: 0）"

# %G? letters (git-log(1)), in Chinese.
SIGNATURE_STATES = {
    "G": "有效签名",
    "B": "签名无效（内容被改动或签名损坏）",
    "U": "签名有效但签名密钥不在 allowed_signers 中",
    "X": "签名有效但已过期",
    "Y": "签名有效但密钥已过期",
    "R": "签名有效但密钥已吊销",
    "E": "无法验证签名（缺少密钥或验证程序）",
    "N": "未签名",
}


class GitError(JianyanError):
    """A git problem the user can fix; the message is Chinese and says how."""


@dataclass(frozen=True)
class Change:
    """One entry of ``git diff --name-status``: status letter, old path, new path (repo-relative)."""

    status: str  # A M D R (C and T are reported as M)
    old: str | None
    new: str | None


@dataclass(frozen=True)
class BlobChange:
    """One file of ``git diff-tree --raw``: its path and the blob ids before and after (None: absent)."""

    path: str
    old: str | None
    new: str | None


@dataclass
class Commit:
    sha: str
    author: str
    author_email: str
    date: str  # author date, ISO 8601
    committer: str
    committer_email: str
    subject: str
    signature: str  # %G? letter
    signer: str  # %GS principal ("" when none)
    key: str  # %GK
    trailers: list[tuple[str, str]] = field(default_factory=list)
    paths: list[Change] = field(default_factory=list)  # with log --name-status

    @property
    def short(self) -> str:
        return self.sha[:7]

    @property
    def signature_label(self) -> str:
        return SIGNATURE_STATES.get(self.signature, self.signature)


# Fields of one commit in a log format: unit separator between fields, the record ends with NUL (-z).
_FIELDS = ("%H", "%an", "%ae", "%aI", "%cn", "%ce", "%s", "%G?", "%GS", "%GK", "%(trailers:only,unfold)")
_FORMAT = "%x1e" + "%x1f".join(_FIELDS)


def _env() -> dict[str, str]:
    """git's environment: messages in English (parsed), and replace refs ignored — a ``refs/replace/*``
    pushed with a pull request would otherwise make one commit's content or signature stand in for another's."""
    return {**os.environ, "LC_ALL": "C", "LANGUAGE": "C", "GIT_NO_REPLACE_OBJECTS": "1"}


class Git:
    """A repository, run through the git CLI."""

    def __init__(self, where: Path, allowed_signers: Path | None = None) -> None:
        self.where = Path(where)
        self.allowed_signers = allowed_signers
        self._top: Path | None = None
        self._batch: tuple[int, subprocess.Popen | None] | None = None  # (pid, git cat-file --batch) for ``show``
        self._lock = threading.Lock()

    # --- plumbing ------------------------------------------------------------------------

    def run(self, *args: str, check: bool = True, input: bytes | None = None) -> subprocess.CompletedProcess:
        signers = str(self.allowed_signers) if self.allowed_signers else os.devnull
        cmd = ["git", "-c", "core.quotePath=false", "-c", f"gpg.ssh.allowedSignersFile={signers}",
               "-C", str(self.where), *args]
        try:
            proc = subprocess.run(cmd, capture_output=True, input=input, env=_env())
        except FileNotFoundError:
            raise GitError("找不到 git 命令。请先安装 git（Debian/Ubuntu：apt-get install git）") from None
        if check and proc.returncode != 0:
            err = proc.stderr.decode("utf-8", "replace").strip()
            raise GitError(f"git {' '.join(args[:2])} 失败：{err}")
        return proc

    def out(self, *args: str) -> str:
        return self.run(*args).stdout.decode("utf-8", "replace")

    # --- repository ----------------------------------------------------------------------

    @property
    def toplevel(self) -> Path:
        """The work tree root; GitError when ``where`` is not inside a git repository."""
        if self._top is None:
            key = ("top", os.path.realpath(self.where))
            top = _KNOWN.get(key)
            if top is None:
                proc = self.run("rev-parse", "--show-toplevel", check=False)
                if proc.returncode != 0:
                    raise GitError(f"{self.where} 不是 git 仓库（或不在 git 仓库之内），无法检查改动（--base）或查看历史。"
                                   "请在用 git clone 取得的仓库目录中运行")
                top = Path(proc.stdout.decode().strip()).resolve()
                _remember(key, top)
            self._top = top
        return self._top

    def is_shallow(self) -> bool:
        return self.out("rev-parse", "--is-shallow-repository").strip() == "true"

    def resolve(self, ref: str) -> str | None:
        key = ("rev", os.path.realpath(self.where), ref)
        if key in _KNOWN:
            return _KNOWN[key]
        proc = self.run("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False)
        sha = proc.stdout.decode().strip() if proc.returncode == 0 else None
        if sha:
            _remember(key, sha)
        return sha

    def head(self) -> str | None:
        return self.resolve("HEAD")

    def require(self, ref: str) -> str:
        """The commit id of ``ref``, or a Chinese error saying the ref is unknown."""
        self.toplevel  # noqa: B018 - raises when not a repository
        sha = self.resolve(ref)
        if sha is None:
            hint = "请检查拼写，或先 git fetch origin 取得远程分支"
            if self.is_shallow():
                hint += "；当前是浅克隆，" + SHALLOW_HINT
            raise GitError(f"找不到比较基准“{ref}”（不是已知的分支、标签或提交）。{hint}")
        return sha

    def merge_base(self, a: str, b: str) -> str:
        key = ("merge-base", os.path.realpath(self.where), a, b)
        if key in _KNOWN:
            return _KNOWN[key]
        proc = self.run("merge-base", a, b, check=False)
        if proc.returncode == 0:
            mb = proc.stdout.decode().strip()
            _remember(key, mb)
            return mb
        if self.is_shallow():
            raise GitError(f"找不到 {a[:12]} 与 {b[:12]} 的共同祖先（merge-base）：当前仓库是浅克隆（shallow clone），"
                           f"历史不完整。{SHALLOW_HINT}")
        raise GitError(f"{a[:12]} 与 {b[:12]} 没有共同的历史，无法比较。请确认 --base 指向本仓库的主分支（如 origin/main）")

    # --- contents ------------------------------------------------------------------------

    def show(self, rev: str, path: str) -> bytes | None:
        """A file's bytes at a revision (path relative to the top level), None if absent. At a commit named
        by its id, asked of one ``git cat-file --batch`` kept running for this object (a check of a change
        asks for a dozen files: one git process instead of one each; a ref such as HEAD may move meanwhile,
        a commit's files never change); else of ``git cat-file blob``."""
        name = f"{rev}:{path}"
        if _by_id(rev) and _one_line(path):
            with self._lock:
                found = self._ask(name)
            if found is not False:
                return found
        proc = self.run("cat-file", "blob", name, check=False)
        return proc.stdout if proc.returncode == 0 else None

    def _ask(self, name: str) -> bytes | None | bool:
        """``show`` by the batch process: the blob, None when there is none, False when the process cannot
        answer (then it is not asked again)."""
        if self._batch is None or self._batch[0] != os.getpid():  # never a forked parent's pipes
            signers = str(self.allowed_signers) if self.allowed_signers else os.devnull
            try:
                proc = subprocess.Popen(["git", "-c", "core.quotePath=false", "-c", f"gpg.ssh.allowedSignersFile={signers}",
                                         "-C", str(self.where), "cat-file", "--batch"], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=_env())
            except OSError:
                return False
            weakref.finalize(self, _close, proc)
            self._batch = (os.getpid(), proc)
        proc = self._batch[1]
        if proc is None:
            return False
        try:
            proc.stdin.write(os.fsencode(name) + b"\n")
            proc.stdin.flush()
            header = proc.stdout.readline()
            parts = header.split()
            if not header.endswith(b"\n"):
                raise OSError("git cat-file --batch ended")
            if len(parts) != 3 or not parts[2].isdigit():  # "<name> missing", "<name> ambiguous"
                return None
            size = int(parts[2])
            data = proc.stdout.read(size + 1)[:size]  # the blob and its line break
            if len(data) != size:
                raise OSError("git cat-file --batch ended")
        except (OSError, ValueError):
            self._batch = (os.getpid(), None)  # not asked again
            return False
        return data if parts[1] == b"blob" else None

    def diff(self, base: str, target: str | None = None, paths: tuple[str, ...] = ()) -> list[Change]:
        """``git diff --name-status -z -M`` from ``base`` to ``target`` (None: the working tree).

        Against the working tree, untracked files (not ignored) count as added.
        """
        args = ["diff", "--name-status", "-z", "-M", "--no-ext-diff", base]
        if target:
            args.append(target)
        args += ["--", *paths] if paths else []
        if target is not None:
            return parse_name_status(self.out(*args).split("\0"))
        early = _SOON.pop(_soon_key(self.where, base, paths), None)
        # both walk the work tree (a stat of every file): run them side by side
        listed, untracked = early or (self._start(*args), self._start(*_untracked(paths)))
        changes = parse_name_status(self._finish(listed, tuple(args[:2])).decode("utf-8", "replace").split("\0"))
        extra = self._finish(untracked, ("ls-files", "--others")).decode("utf-8", "replace")
        return changes + [Change("A", None, p) for p in extra.split("\0") if p]

    def diff_soon(self, base: str, paths: tuple[str, ...] = ()) -> None:
        """Start the two git commands ``diff(base, None, paths)`` runs, in the background: in a large
        campaign they stat 100 000 files (0.3 s), which the caller's imports can overlap. ``diff`` with
        the same arguments in this process takes their output (``forget_soon`` lets it go)."""
        key = _soon_key(self.where, base, paths)
        if key not in _SOON:
            args = ["diff", "--name-status", "-z", "-M", "--no-ext-diff", base, *(["--", *paths] if paths else [])]
            _SOON[key] = (self._start(*args), self._start(*_untracked(paths)))

    def _start(self, *args: str) -> subprocess.Popen:
        signers = str(self.allowed_signers) if self.allowed_signers else os.devnull
        try:
            return subprocess.Popen(["git", "-c", "core.quotePath=false", "-c", f"gpg.ssh.allowedSignersFile={signers}",
                                     "-C", str(self.where), *args],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    env=_env())
        except FileNotFoundError:
            raise GitError("找不到 git 命令。请先安装 git（Debian/Ubuntu：apt-get install git）") from None

    def _finish(self, proc: subprocess.Popen, what: tuple[str, ...]) -> bytes:
        out, err = proc.communicate()
        if proc.returncode != 0:
            raise GitError(f"git {' '.join(what)} 失败：{err.decode('utf-8', 'replace').strip()}")
        return out

    def rev_list(self, range_: str, paths: tuple[str, ...] = ()) -> list[str]:
        """Commits in ``range_`` (oldest first) touching ``paths``."""
        args = ["rev-list", "--reverse", range_]
        if paths:
            args += ["--", *paths]
        return self.out(*args).split()

    def parent_pairs(self, range_: str) -> list[tuple[str, str | None]]:
        """Every commit of ``range_``, parents before children, once for each of its parents
        (a merge twice; a root commit once, with None)."""
        out: list[tuple[str, str | None]] = []
        for line in self.out("rev-list", "--topo-order", "--reverse", "--parents", range_).splitlines():
            sha, *parents = line.split()
            out.extend((sha, p) for p in parents) if parents else out.append((sha, None))
        return out

    def blob_changes(self, pairs: list[tuple[str, str | None]], paths: tuple[str, ...] = ()) -> list[list[BlobChange]]:
        """For each (commit, parent) pair, the files under ``paths`` that differ between the parent and the
        commit (a root commit: against nothing), as blob ids; renames are a deletion and an addition.
        One ``git diff-tree --stdin`` for all pairs: ``--always`` prints a header for every pair, so the
        answer is matched to the question by position."""
        if not pairs:
            return []
        lines = "".join(f"{sha} {parent}\n" if parent else f"{sha}\n" for sha, parent in pairs)
        args = ["diff-tree", "--stdin", "--always", "--root", "-r", "-z", "--no-renames", "--raw", "--no-abbrev",
                "--no-ext-diff", *(["--", *paths] if paths else [])]
        tokens = self.run(*args, input=lines.encode()).stdout.decode("utf-8", "replace").split("\0")
        out: list[list[BlobChange]] = []
        i = 0
        while i < len(tokens):
            token = tokens[i].strip("\n")
            if token.startswith(":"):
                _, _, old, new, _ = token[1:].split(" ", 4)
                out[-1].append(BlobChange(tokens[i + 1], None if set(old) == {"0"} else old,
                                          None if set(new) == {"0"} else new))
                i += 2
                continue
            if token:
                out.append([])  # the header of the next pair
            i += 1
        if len(out) != len(pairs):
            shown = " ".join(["git", *args])
            raise GitError(f"git diff-tree 的输出无法解读（问了 {len(pairs)} 组提交，得到 {len(out)} 组结果），无法逐个提交检查。"
                           "本工具需要 git 2.34 或更高版本（验证 SSH 签名从这一版开始）：请用 git --version 查看，版本过旧请升级 git 后重试；"
                           "版本够新仍出现此错误，请把这条消息、git --version 的输出和所用命令"
                           f"（{shown}，标准输入为每行“提交 父提交”）报告给工具维护者")
        return out

    def objects(self, names: list[str]) -> dict[str, bytes]:
        """The contents of the named blobs (ids, or ``rev:path``) that exist, by name; one
        ``git cat-file --batch`` for all (named by commit or blob ids only: the one ``show`` keeps running).
        A name holding a line break or a carriage return cannot be asked this way (git reads the batch a line at
        a time and drops a CR before the LF): ``show``."""
        wanted = list(dict.fromkeys(names))
        out: dict[str, bytes] = {}
        batch = [n for n in wanted if _one_line(n)]
        if batch and all(_by_id(n.partition(":")[0]) for n in batch):
            with self._lock:
                for k, name in enumerate(batch):
                    found = self._ask(name)
                    if found is False:  # the kept process cannot answer: the rest in one run below
                        batch = batch[k:]
                        break
                    if found is not None:
                        out[name] = found
                else:
                    batch = []
        for name in wanted:
            if not _one_line(name):
                rev, _, path = name.partition(":")
                found = self.show(rev, path)
                if found is not None:
                    out[name] = found
        if not batch:
            return out
        raw = self.run("cat-file", "--batch", input="".join(f"{n}\n" for n in batch).encode()).stdout
        pos = 0
        for name in batch:
            end = raw.index(b"\n", pos)
            header = raw[pos:end]
            pos = end + 1
            if header.endswith((b" missing", b" ambiguous")):
                continue
            _, kind, size = header.rsplit(b" ", 2)
            if kind == b"blob":
                out[name] = raw[pos:pos + int(size)]
            pos += int(size) + 1
        return out

    def commit(self, rev: str) -> Commit:
        raw = self.run("show", "-s", "-z", f"--format={_FORMAT}", rev).stdout.decode("utf-8", "replace")
        return _parse_log(raw)[0]

    def log_follow(self, path: str) -> list[Commit]:
        """Commits touching ``path`` (newest first), following renames, each with its name-status."""
        proc = self.run("log", "--follow", "-M", "-z", "--name-status", f"--format={_FORMAT}", "--", path)
        return _parse_log(proc.stdout.decode("utf-8", "replace"))

    def log_paths(self, pathspec: str) -> list[str]:
        """Every path matching a glob pathspec anywhere in the history of HEAD (newest first)."""
        proc = self.run("log", "-z", "--format=", "--name-only", "--", f":(glob){pathspec}", check=False)
        seen: dict[str, None] = {}
        for p in proc.stdout.decode("utf-8", "replace").split("\0"):
            p = p.strip("\n")
            if p:
                seen.setdefault(p, None)
        return list(seen)


_SOON: dict[tuple, tuple[subprocess.Popen, subprocess.Popen]] = {}  # ``Git.diff_soon``'s commands
# What git answered (a work tree's top level, a ref's commit, a merge-base) while a check of a change runs:
# from ``diff_soon`` to ``forget_soon``, the same question is not asked again (a ref may move only later).
_KNOWN: dict[tuple, object] = {}
_remembering = False


def _remember(key: tuple, answer) -> None:
    if _remembering:
        _KNOWN[key] = answer


def _soon_key(where: Path, base: str, paths: tuple[str, ...]) -> tuple:
    return os.path.realpath(where), base, tuple(paths)


def _untracked(paths: tuple[str, ...]) -> list[str]:
    return ["ls-files", "-z", "--others", "--exclude-standard", "--", *paths]


def diff_soon(where: Path, base: str) -> None:
    """For a check of the change from the merge-base of ``base`` to the work tree of the campaign folder
    ``where`` (checks/workflow.py ``diff``): start git's listing of it in the background (``Git.diff_soon``).
    Does nothing when git cannot tell the merge-base (the check then says why). Never raises."""
    global _remembering
    _remembering = True
    try:
        top = Git(where).toplevel
        _remember(("top", os.path.realpath(top)), top)
        root = Path(where).resolve()
        prefix = "" if root == top else root.relative_to(top).as_posix() + "/"
        git = Git(top)
        sha, head = git.resolve(base), git.head()
        if sha and head:  # as checks/workflow.py's diff asks (the answers are remembered)
            git.diff_soon(git.merge_base(sha, head), (prefix,) if prefix else ())
    except (GitError, OSError, ValueError):
        pass


def forget_soon() -> None:
    """Stop the commands ``diff_soon`` started that no ``diff`` took (a check that went another way) and
    forget git's answers: a later check in this process must not take a listing or a ref of then."""
    global _remembering
    _remembering = False
    _KNOWN.clear()
    while _SOON:
        for proc in _SOON.popitem()[1]:
            proc.kill()
            proc.communicate()


def _by_id(rev: str) -> bool:
    """``rev`` is an object id (what it names never changes), not a ref."""
    return len(rev) in (40, 64) and all(c in "0123456789abcdef" for c in rev)


def _one_line(name: str) -> bool:
    """``name`` can be a line of ``git cat-file --batch``'s input: git reads it up to LF and drops a CR before
    the LF, so a path holding either would name another file."""
    return "\n" not in name and "\r" not in name


def _close(proc: subprocess.Popen) -> None:
    """End a ``git cat-file --batch`` (its input closed: it exits)."""
    try:
        proc.stdin.close()
        proc.wait(timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        proc.kill()
        proc.wait()
    finally:
        proc.stdout.close()


def parse_name_status(tokens: list[str]) -> list[Change]:
    """Tokens of ``--name-status -z`` output into Changes (R/C take two paths)."""
    out: list[Change] = []
    i = 0
    while i < len(tokens):
        status = tokens[i].strip("\n")
        if not status:
            i += 1
            continue
        letter = status[0]
        if letter in "RC":
            old, new = tokens[i + 1], tokens[i + 2]
            out.append(Change("R", old, new) if letter == "R" else Change("A", None, new))
            i += 3
            continue
        path = tokens[i + 1]
        if letter == "A":
            out.append(Change("A", None, path))
        elif letter == "D":
            out.append(Change("D", path, None))
        else:  # M, T, U
            out.append(Change("M", path, path))
        i += 2
    return out


def _parse_log(raw: str) -> list[Commit]:
    commits: list[Commit] = []
    for record in raw.split("\x1e"):
        if not record.strip("\0\n"):
            continue
        header, _, rest = record.partition("\0")
        parts = header.split("\x1f")
        parts += [""] * (len(_FIELDS) - len(parts))
        sha, an, ae, ad, cn, ce, subject, sig, signer, key, trailers = parts[: len(_FIELDS)]
        commit = Commit(sha=sha, author=an, author_email=ae, date=ad, committer=cn, committer_email=ce,
                        subject=subject, signature=sig or "N", signer=signer, key=key,
                        trailers=parse_trailers(trailers))
        commit.paths = parse_name_status(rest.lstrip("\n").split("\0")) if rest.strip("\0\n") else []
        commits.append(commit)
    return commits


def parse_trailers(text: str) -> list[tuple[str, str]]:
    out = []
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() and " " not in key.strip():
            out.append((key.strip(), value.strip()))
    return out


@contextmanager
def signers_file(content: bytes | None) -> Iterator[Path | None]:
    """A temporary allowed_signers file holding ``content`` (None: yields None)."""
    if content is None:
        yield None
        return
    fd, name = tempfile.mkstemp(prefix="jianyan-signers-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
        yield Path(name)
    finally:
        os.unlink(name)
