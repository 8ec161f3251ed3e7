"""Attacks on .jianyan-cache/ (issue 18): a cache or snapshot file that is a special file, damaged,
edited or copied from another machine never fails a check, never changes its findings, and heals.

Each case: the sample campaign committed on main and checked (caches and snapshot stored), a pull
request branch changing one item; then the attack, and `check` / `check --base main` in this process
must give exactly the output of a run without caches, say once on stderr that a cache was discarded,
and give no such note on the next run."""
from __future__ import annotations

import hashlib
import marshal
import os
import shutil
import stat
import subprocess
import threading
import time
from pathlib import Path

import pytest
from conftest import copy_campaign, invoke
from gitrepo import git

from jianyan.campaign import where

NOTE = "已损坏或不可信"
A = "submissions/2021/minge/2021-minge-001.md"            # the pull request edits it
PHONE = "submissions/2021/jiusan/2021-jiusan-001.md"       # unchanged; holds a mobile number on main
CACHE = ".jianyan-cache"


def _commit(root: Path, msg: str) -> None:
    git(root, "add", "-A")
    git(root, "-c", "user.name=t", "-c", "user.email=t@example.cn", "commit", "-qm", msg)


@pytest.fixture(scope="module")
def key_file(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("key") / "key"


@pytest.fixture(autouse=True)
def own_key(key_file, monkeypatch):
    """Every run of this module signs with one key of its own (not the user's), and reports afresh."""
    monkeypatch.setenv(where.KEY_ENV, str(key_file))
    monkeypatch.delenv("JIANYAN_ROOT", raising=False)
    monkeypatch.delenv("JIANYAN_CACHE", raising=False)
    where._noted.clear()


def run(root: Path, *args: str, cache: bool = True) -> tuple[int, str, str]:
    """The CLI in this process (conftest.invoke), each note on a discarded cache given afresh:
    (exit code, stdout, stderr)."""
    where._noted.clear()
    res = invoke(root, *args, env=None if cache else {"JIANYAN_CACHE": "0"})
    return res.code, res.out, res.err


@pytest.fixture(scope="module")
def main_repo(tmp_path_factory, key_file) -> Path:
    """main with a pii.mobile error on an item the pull request leaves alone, checked (snapshot and
    caches stored); branch pr edits another item."""
    mp = pytest.MonkeyPatch()
    mp.setenv(where.KEY_ENV, str(key_file))
    try:
        root = copy_campaign(tmp_path_factory.mktemp("caches") / "c")
        (root / ".gitignore").write_text("build/\n.jianyan-cache/\n", encoding="utf-8")
        path = root / PHONE
        path.write_text(path.read_text(encoding="utf-8") + "\n联系人手机13912345678。\n", encoding="utf-8")
        git(root, "init", "-q", "-b", "main")
        _commit(root, "main")
        code, out, err = run(root, "check", "--format", "json")
        assert code == 1 and '"pii.mobile"' in out, err
        git(root, "checkout", "-q", "-b", "pr")
        path = root / A
        path.write_text(path.read_text(encoding="utf-8").replace("目前沿黄9市之间", "目前沿黄9市之间确实"),
                        encoding="utf-8")
        _commit(root, "pr")
        assert list((root / CACHE / where.SNAPSHOT_DIR).glob("*/meta.bin"))
    finally:
        mp.undo()
    return root


@pytest.fixture(scope="module")
def expected(main_repo) -> dict:
    """Outputs without any cache: the truth every attacked run must give."""
    full = run(main_repo, "check", "--format", "json", cache=False)[:2]
    return {"full": full, "plain": full,
            "base": run(main_repo, *ARGS["base"], cache=False)[:2],
            "base_only": run(main_repo, *ARGS["base_only"], cache=False)[:2],
            "base_all": run(main_repo, *ARGS["base_all"], cache=False)[:2],
            "plain_text": run(main_repo, *ARGS["plain_text"], cache=False)[:2],
            "plain_sarif": run(main_repo, *ARGS["plain_sarif"], cache=False)[:2]}


@pytest.fixture
def repo(main_repo, tmp_path) -> Path:
    dest = tmp_path / "c"
    shutil.copytree(main_repo, dest, symlinks=True)
    return dest


def snap(root: Path) -> Path:
    return next((root / CACHE / where.SNAPSHOT_DIR).glob("*/meta.bin")).parent


# where each attacked file is, and which command reads it
PLACES = {
    "load shard": ("full", lambda r: sorted((r / CACHE).glob("load-v*/*/content/*.bin"))[0]),
    "findings cache": ("full", lambda r: next((r / CACHE).glob("findings-v*/pii.bin"))),
    "dup keys.npy": ("full", lambda r: next((r / CACHE).glob("dup-v*/*.keys.npy"))),
    "dup index.npy": ("full", lambda r: next((r / CACHE).glob("dup-v*/*.index.npy"))),
    "dup data.bin": ("full", lambda r: next((r / CACHE).glob("dup-v*/*.data.bin"))),
    "lexicon": ("base", lambda r: next((r / CACHE).glob("lexicon-v*/*.bin"))),
    "snapshot meta": ("base", lambda r: snap(r) / "meta.bin"),
    "snapshot findings": ("base_only", lambda r: snap(r) / "findings.bin"),
    "snapshot pii findings": ("base_only", lambda r: snap(r) / "findings-pii.bin"),
    "snapshot final (base)": ("base_all", lambda r: snap(r) / "final.bin"),
    "snapshot brief": ("base", lambda r: snap(r) / "brief.bin"),
    "snapshot layout": ("plain", lambda r: snap(r) / "layout.bin"),
    "snapshot json rows": ("plain", lambda r: snap(r) / "out-json.bin"),
    "snapshot text rows": ("plain_text", lambda r: snap(r) / "out-text.bin"),
    "snapshot rdeps": ("base", lambda r: snap(r) / "rdeps.bin"),
    "snapshot dup info": ("base", lambda r: snap(r) / "dup" / "info.bin"),
    "snapshot dup rows": ("base", lambda r: snap(r) / "dup" / "rows.bin"),
    "snapshot dup rows_off": ("base", lambda r: snap(r) / "dup" / "rows_off.npy"),
    "snapshot tables list": ("base", lambda r: snap(r) / "dup" / "tables" / "tables.bin"),
    "snapshot fp table": ("base", lambda r: snap(r) / "dup" / "tables" / "fp.bin"),
    "snapshot manifest": ("plain", lambda r: snap(r) / "manifest.bin"),
    "snapshot final": ("plain_sarif", lambda r: snap(r) / "final.bin"),
}
# full: a plain check with no snapshot to start from (``run_as``), which reads every cache; plain: one
# from main's snapshot, which reads the changed files only and prints the stored rows of the others
# (json: out-json.bin, text: out-text.bin; other formats read final.bin); base: a check of the change,
# which lists from brief.bin; with --all it reads final.bin
ARGS = {"full": ("check", "--format", "json"), "plain": ("check", "--format", "json"),
        "base": ("check", "--base", "main", "--format", "json"),
        "base_only": ("check", "--base", "main", "--format", "json", "--only", "pii"),
        "base_all": ("check", "--base", "main", "--format", "json", "--all"),
        "plain_text": ("check",), "plain_sarif": ("check", "--format", "sarif")}


def run_as(root: Path, kind: str) -> tuple[int, str, str]:
    """``run`` of ARGS[kind]; for "full", the stored snapshots (real folders: a link is the tool's to
    handle) are set aside first."""
    snaps = root / CACHE / where.SNAPSHOT_DIR
    if kind == "full" and snaps.is_dir() and not snaps.is_symlink():
        for p in snaps.iterdir():
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p)
    return run(root, *ARGS[kind])


def attacked_run(root: Path, kind: str, expected: dict, note: bool = True) -> None:
    """The run reads past the attack: same output as without caches, a note, none the next time."""
    code, out, err = run_as(root, kind)
    assert (code, out) == expected[kind], err
    assert "Traceback" not in err
    if note:
        assert err.count(NOTE) >= 1 and all(len(line) < 200 for line in err.splitlines() if NOTE in line), err
    again = run_as(root, kind)
    assert again[:2] == expected[kind] and NOTE not in again[2], again[2]


# --- special files where a cache file should be -------------------------------------------------

def _dev_zero(path: Path) -> None:
    path.unlink()
    path.symlink_to("/dev/zero")


def _fifo(path: Path) -> None:
    path.unlink()
    os.mkfifo(path)
    def release():  # an open that blocks on the FIFO is let go after a while: the test then fails on time
        try:
            fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
            os.close(fd)
        except OSError:
            pass
    timer = threading.Timer(30, release)
    timer.daemon = True
    timer.start()


def _folder(path: Path) -> None:
    path.unlink()
    path.mkdir()
    (path / "x").write_text("x")


def _huge(path: Path) -> None:
    with open(path, "r+b") as fh:  # a sparse file of 8 GB: reading it whole would take minutes and the memory
        fh.truncate(8 << 30)


SPECIAL = {"symlink to /dev/zero": _dev_zero, "FIFO": _fifo, "folder": _folder, "8 GB sparse file": _huge}
# one place for each way of reading (blob, .npy, record file, mapped table, table list, mapped table file)
READERS = ("load shard", "dup keys.npy", "dup data.bin", "lexicon", "snapshot meta", "snapshot fp table")
CASES = [(p, "symlink to /dev/zero") for p in sorted(PLACES)] + [
    (p, s) for s in sorted(SPECIAL) if s != "symlink to /dev/zero" for p in READERS]


@pytest.mark.parametrize(("place", "special"), CASES)
def test_special_file_instead_of_a_cache_file(repo, expected, place, special):
    kind, find = PLACES[place]
    path = find(repo)
    SPECIAL[special](path)
    start = time.monotonic()
    attacked_run(repo, kind, expected)
    assert time.monotonic() - start < 25  # a blocked open or a read of /dev/zero never returns this soon
    assert not path.is_symlink() and not stat.S_ISFIFO(os.lstat(path).st_mode if os.path.lexists(path) else 0)


def test_cache_folder_that_is_a_symlink(repo, expected, tmp_path):
    """.jianyan-cache committed as a symlink: not followed (nothing written elsewhere)."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.rmtree(repo / CACHE)
    (repo / CACHE).symlink_to(elsewhere)
    attacked_run(repo, "full", expected)
    assert not any(elsewhere.iterdir())


# --- damaged files --------------------------------------------------------------------------------

def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _half(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])


def _flip(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) * 2 // 3] ^= 0x5A
    path.write_bytes(bytes(data))


def _longer(path: Path) -> None:
    path.write_bytes(path.read_bytes() + b"\0" * 24)


DAMAGE = {"empty": _empty, "truncated": _half, "one byte changed": _flip, "bytes appended": _longer}
DAMAGED = [(p, d) for p in sorted(PLACES) for d in ("truncated", "one byte changed")] + [
    (p, d) for p in READERS[:4] for d in ("empty", "bytes appended")]


@pytest.mark.parametrize(("place", "damage"), DAMAGED)
def test_damaged_cache_file_is_discarded_and_rebuilt(repo, expected, place, damage):
    kind, find = PLACES[place]
    DAMAGE[damage](find(repo))
    attacked_run(repo, kind, expected)


# --- caches that lie --------------------------------------------------------------------------------

def _old_blob(obj) -> bytes:
    """A blob as the tool wrote it before issue 18: an unkeyed digest anyone can recompute."""
    payload = marshal.dumps(obj)
    return hashlib.blake2b(payload, digest_size=16).digest() + payload


def _payload(path: Path):
    from jianyan.accel.blobs import MAGIC, _HEAD
    data = path.read_bytes()
    assert data.startswith(MAGIC)
    return marshal.loads(data[_HEAD:])


@pytest.mark.parametrize("kind", ["base", "plain", "plain_text", "base_all", "base_only"])
def test_rewritten_snapshot_cannot_drop_an_error(repo, expected, kind):
    """The issue's attack: the snapshot's findings without the pii.mobile error, digest recomputed, in
    each stored form a check reads them from (final.bin, brief.bin, the printed rows, the pii family's
    table that a check of some families reads)."""
    from jianyan.core.findings import Findings
    path = snap(repo) / "final.bin"
    final = _payload(path)
    table = Findings.from_marshal(final["table"])  # the findings the full check reported, as columns
    assert any(f.code == "pii.mobile" for f in table)
    final["table"] = table.take([i for i, f in enumerate(table) if f.code != "pii.mobile"]).to_marshal()
    path.write_bytes(_old_blob(final))
    for name in ("brief.bin", "out-json.bin", "out-text.bin", "layout.bin"):  # as the attacker would find them
        part = snap(repo) / name
        part.write_bytes(_old_blob(_payload(part)))
    part = snap(repo) / "findings-pii.bin"
    table = Findings.from_marshal(_payload(part))
    assert any(f.code == "pii.mobile" for f in table)
    part.write_bytes(_old_blob(table.take([i for i, f in enumerate(table) if f.code != "pii.mobile"]).to_marshal()))
    code, out, err = run(repo, *ARGS[kind])
    assert code == 1 and "pii.mobile" in out and (code, out) == expected[kind], err
    assert NOTE in err


def test_snapshot_signed_by_another_key_is_not_taken(repo, expected, tmp_path, monkeypatch):
    """The whole cache folder from another machine (a CI cache restored on another runner): rebuilt."""
    monkeypatch.setenv(where.KEY_ENV, str(tmp_path / "other-machine" / "key"))
    attacked_run(repo, "base", expected)
    attacked_run(repo, "full", expected, note=False)


def test_parts_of_two_snapshots_cannot_be_mixed(repo):
    """A genuine final.bin of another commit's snapshot moved into this one is refused."""
    head = snap(repo)
    other = repo / CACHE / where.SNAPSHOT_DIR / ("f" * 40)
    shutil.copytree(head, other)
    git(repo, "checkout", "-q", "main")
    path = repo / PHONE
    path.write_text(path.read_text(encoding="utf-8").replace("13912345678", "某某"), encoding="utf-8")
    _commit(repo, "no phone")
    aside = [p.rename(p.with_name(f".{p.name}")) for p in (head, other)]  # a full check, not one from them
    assert run(repo, "check", "--format", "json")[0] in (0, 1)  # a snapshot without the error
    for p in aside:
        p.rename(p.with_name(p.name[1:]))
    clean = next(p for p in (repo / CACHE / where.SNAPSHOT_DIR).iterdir() if p.name not in (head.name, other.name))
    shutil.rmtree(other)
    git(repo, "checkout", "-q", "pr")
    for name in ("final.bin", "brief.bin", "layout.bin", "out-json.bin", "out-text.bin"):  # every stored form
        shutil.copy(clean / name, head / name)
    code, out, err = run(repo, *ARGS["base"])
    assert (code, out) == run(repo, *ARGS["base"], cache=False)[:2] and NOTE in err
    assert '"pii.mobile"' in out


def test_edited_findings_cache_cannot_drop_an_error(repo, expected):
    path = next((repo / CACHE).glob("findings-v*/pii.bin"))
    from array import array
    from jianyan.core.findings import Findings
    context, stored = _payload(path)
    table, ends = Findings.from_marshal(stored["table"]), array("I", stored["ends"])
    k = stored["paths"].index(PHONE)
    rows = range(ends[k - 1] if k else 0, ends[k])
    mobile = [i for i in rows if table.codes[table.code[i]] == "pii.mobile"]
    assert mobile
    stored["table"] = table.take([i for i in range(len(table)) if i not in mobile]).to_marshal()
    stored["ends"] = array("I", [e - len(mobile) if j >= k else e for j, e in enumerate(ends)]).tobytes()
    path.write_bytes(_old_blob((context, stored)))
    attacked_run(repo, "full", expected)


def test_edited_load_cache_cannot_hide_a_file(repo, expected):
    """The load cache's record of a file, with its status changed and its findings removed."""
    from jianyan.accel import loadcache
    for path in (repo / CACHE).glob("load-v*/*/content/*.bin"):
        shard = _payload(path)
        shard = {p: (d, (rec[0], rec[1], rec[2], [])) for p, (d, rec) in shard.items()}
        path.write_bytes(_old_blob(shard))
    attacked_run(repo, "full", expected)
    assert loadcache.FORMAT >= 3


def test_edited_feature_record_is_not_used(repo, expected):
    """A text's duplication features rewritten (sizes kept): its signature fails, it is computed again."""
    path = next((repo / CACHE).glob("dup-v*/*.data.bin"))
    data = bytearray(path.read_bytes())
    data[8:4096] = bytes(4088)
    path.write_bytes(bytes(data))
    attacked_run(repo, "full", expected)


def test_edited_lexicon_is_not_used(repo, expected):
    path = next((repo / CACHE).glob("lexicon-v*/*.bin"))
    data = bytearray(path.read_bytes())
    data[-100:] = b"\x80" * 100  # words of the dictionary changed
    path.write_bytes(bytes(data))
    attacked_run(repo, "base", expected)


# --- the key ----------------------------------------------------------------------------------------

def test_key_made_once_private_and_atomically(tmp_path, monkeypatch):
    monkeypatch.delenv(where.KEY_ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    where._keys.clear()
    key = where.cache_key()
    path = tmp_path / "xdg" / "jianyan" / "key"
    assert key is not None and len(key) == 32 and path.read_bytes() == key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not [p for p in path.parent.iterdir() if p.name != "key"], "no temporary file left"
    where._keys.clear()
    assert where.cache_key() == key  # read, not made again


def test_concurrent_first_runs_agree_on_one_key(tmp_path):
    code = ("import os, sys; from jianyan.campaign import where; "
            "sys.stdout.write(where.cache_key().hex())")
    env = {**os.environ, where.KEY_ENV: str(tmp_path / "k" / "key")}
    procs = [subprocess.Popen([os.sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, text=True)
             for _ in range(6)]
    keys = {p.communicate(timeout=60)[0] for p in procs}
    assert len(keys) == 1 and len(keys.pop()) == 64


@pytest.mark.parametrize("bad", ["no folder can be made", "a folder", "too short", "a FIFO"])
def test_no_key_to_be_had_means_no_caches_not_a_failure(repo, expected, tmp_path, monkeypatch, bad):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    path = {"no folder can be made": blocker / "sub" / "key", "a folder": tmp_path / "dir",
            "too short": tmp_path / "short", "a FIFO": tmp_path / "fifo"}[bad]
    if bad == "a folder":
        path.mkdir()
    elif bad == "too short":
        path.write_bytes(b"123")
    elif bad == "a FIFO":
        os.mkfifo(path)
    monkeypatch.setenv(where.KEY_ENV, str(path))
    shutil.rmtree(repo / CACHE)
    for kind in ("full", "base"):
        code, out, err = run(repo, *ARGS[kind])
        assert (code, out) == expected[kind], err
    assert not (repo / CACHE).exists() or not any((repo / CACHE).rglob("*.bin"))


# --- symlinked folders below .jianyan-cache -------------------------------------------------------

def _tree(folder: Path) -> dict[str, tuple[str, bytes]]:
    """Every entry under ``folder`` (symlinks not followed): relative path → (kind, content)."""
    out = {}
    for base, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = Path(base) / name
            rel = path.relative_to(folder).as_posix()
            if path.is_symlink():
                out[rel] = ("link", os.readlink(path).encode())
            elif path.is_dir():
                out[rel] = ("dir", b"")
            else:
                out[rel] = ("file", path.read_bytes())
    return out


def _victim(tmp_path: Path) -> Path:
    """A folder outside the repository that a symlink under .jianyan-cache points to."""
    victim = tmp_path / "victim"
    (victim / "other").mkdir(parents=True)
    (victim / "important").write_text("keep me")
    (victim / "other" / "data.bin").write_text("keep me too")
    return victim


def _one(root: Path, pattern: str) -> Path:
    return next((root / CACHE).glob(pattern))


def _main(root: Path) -> str:
    return git(root, "rev-parse", "main").stdout.strip()


def _tokens_format() -> int:
    from jianyan.dup import tokens
    return tokens.FORMAT


# every folder name the caches create, enter, list or remove (and some they only remove)
LINK_AT = {
    "load-v3": lambda r: _one(r, "load-v*"),
    "load fingerprint": lambda r: _one(r, "load-v*/*"),
    "load content": lambda r: _one(r, "load-v*/*/content"),
    "load schema": lambda r: _one(r, "load-v*/*/schema"),
    "load other fingerprint": lambda r: _one(r, "load-v*") / "0123456789abcdef0123",
    "findings": lambda r: _one(r, "findings-v*"),
    "dup": lambda r: _one(r, "dup-v*"),
    "lexicon": lambda r: r / CACHE / f"lexicon-v{_tokens_format()}",
    "snapshots": lambda r: r / CACHE / where.SNAPSHOT_DIR,
    "snapshot of main": lambda r: r / CACHE / where.SNAPSHOT_DIR / _main(r),
    "snapshot dup": lambda r: r / CACHE / where.SNAPSHOT_DIR / _main(r) / "dup",
    "snapshot tables": lambda r: r / CACHE / where.SNAPSHOT_DIR / _main(r) / "dup"
                                 / "tables",
    "index scratch": lambda r: r / CACHE / "index-999999999-abcdef",
    "old load": lambda r: r / CACHE / "load-v1",
    "old findings": lambda r: r / CACHE / "findings-v1",
    "old dup": lambda r: r / CACHE / "dup-v0.1",
    "old lexicon": lambda r: r / CACHE / "lexicon-v0",
    "old snapshots": lambda r: r / CACHE / "snapshot-v1",
}


def _link(path: Path, target: Path | str) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif os.path.lexists(path):
        path.unlink()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(target)


@pytest.mark.parametrize("place", sorted(LINK_AT))
def test_symlinked_cache_folder_is_never_followed(repo, expected, tmp_path, place):
    """A symlink to a folder outside the repository at a cache folder's name: nothing there is written,
    listed away or removed, the link itself goes, and the findings are those of a run without caches."""
    victim = _victim(tmp_path)
    before = _tree(victim)
    link = LINK_AT[place](repo)
    _link(link, victim)
    if place == "old lexicon":  # old versions are dropped when the current table is written
        shutil.rmtree(LINK_AT["lexicon"](repo))
    for kind in ("base", "full", "base"):
        code, out, err = run_as(repo, kind)
        assert (code, out) == expected[kind], err
        assert "Traceback" not in err
        assert _tree(victim) == before, (kind, err)
        assert all(len(line) < 200 for line in err.splitlines() if NOTE in line), err
    assert not link.is_symlink()


def test_committed_symlink_in_the_cache_folder(repo, tmp_path):
    """The reported attack: a pull request commits .jianyan-cache/load-v3 -> ../../victim (git add -f)."""
    victim = _victim(tmp_path)
    before = _tree(victim)
    link = _one(repo, "load-v*")
    _link(link, os.path.relpath(victim, link.parent))
    assert link.resolve() == victim.resolve()
    git(repo, "add", "-f", str(link.relative_to(repo)))
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.cn", "commit", "-qm", "cache link")
    want = {kind: run(repo, *ARGS[kind], cache=False)[:2] for kind in ("full", "base")}
    assert _tree(victim) == before
    for kind in ("full", "base"):
        code, out, err = run_as(repo, kind)
        assert (code, out) == want[kind], err
        assert "Traceback" not in err
        assert _tree(victim) == before, (kind, err)
    assert not link.is_symlink()


@pytest.mark.parametrize("where", [".gitignore", "schema/extra.yaml"])
def test_a_link_to_dev_zero_among_the_files_the_cache_reads_is_not_followed(tmp_path, monkeypatch, where):
    """.gitignore (read to know whether caches may be used) and the files under schema/ (hashed into the
    findings cache's context) are read as regular files of sane size: a link to /dev/zero would
    otherwise be read without end."""
    root = copy_campaign(tmp_path / "c")
    (root / ".gitignore").write_text("build/\n.jianyan-cache/\n", encoding="utf-8")
    (root / where).unlink(missing_ok=True)
    os.symlink("/dev/zero", root / where)
    from jianyan.accel.findingscache import _context_fingerprint
    from jianyan.campaign.where import cache_enabled
    assert cache_enabled(root) is (where != ".gitignore")
    assert len(_context_fingerprint(root, None, "pii")) == 32


def test_a_scratch_folder_whose_name_is_no_process_id_does_not_crash_the_check(tmp_path, monkeypatch):
    from jianyan.dup.index.engine import _sweep
    (tmp_path / "index-²-x").mkdir()
    (tmp_path / "index-99999999999999999999-x").mkdir()
    _sweep(tmp_path)
    assert not list(tmp_path.iterdir())
