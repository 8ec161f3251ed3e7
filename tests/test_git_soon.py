"""git's listing of a change started early (vcs.git.diff_soon, while `check --base` imports the checks)
is the listing ``Git.diff`` gives, and one no check took is never used by a later check."""
from __future__ import annotations

import pytest
from gitrepo import git

from jianyan.vcs import git as G


@pytest.fixture(autouse=True)
def _forgotten():
    """What a test started or remembered ends with it (as ``check`` ends it), never leaking into the next."""
    yield
    G.forget_soon()


def _repo(tmp_path):
    root = tmp_path / "r"
    (root / "sub" / "submissions").mkdir(parents=True)
    (root / "sub" / "submissions" / "a.md").write_text("甲\n", encoding="utf-8")
    (root / "sub" / "b.md").write_text("乙\n", encoding="utf-8")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "-c", "user.name=t", "-c", "user.email=t@example.cn", "commit", "-qm", "main")
    return root


def _listing(root):
    top = G.Git(root).toplevel
    return G.Git(top).diff(G.Git(top).resolve("main"), None, paths=("sub/",))


def test_an_early_listing_is_the_listing_and_is_taken_once(tmp_path):
    root = _repo(tmp_path)
    (root / "sub" / "submissions" / "a.md").write_text("甲改\n", encoding="utf-8")  # tracked, changed
    (root / "sub" / "new.md").write_text("丙\n", encoding="utf-8")  # untracked
    (root / "other.md").write_text("外\n", encoding="utf-8")  # outside the campaign folder
    direct = _listing(root)
    assert {(c.status, c.new) for c in direct} == {("M", "sub/submissions/a.md"), ("A", "sub/new.md")}
    G.diff_soon(root / "sub", "main")
    assert len(G._SOON) == 1
    assert _listing(root) == direct and not G._SOON


def test_a_listing_no_check_took_is_not_used_later(tmp_path):
    root = _repo(tmp_path)
    G.diff_soon(root / "sub", "main")
    G.forget_soon()  # the check went another way
    (root / "sub" / "b.md").unlink()
    assert [(c.status, c.old) for c in _listing(root)] == [("D", "sub/b.md")]
    G.diff_soon(root / "sub", "no-such-branch")  # git cannot tell: nothing started, nothing raised
    assert not G._SOON


def test_files_at_a_commit_are_read_by_one_batch_process(tmp_path):
    """``Git.show`` at a commit id: one ``git cat-file --batch`` for every file asked, the same bytes (or
    None) as ``git cat-file blob``; a ref (HEAD) is asked of git each time, as it may move."""
    root = _repo(tmp_path)
    (root / "sub" / "名 称.md").write_text("空格和中文\n", encoding="utf-8")
    git(root, "add", "-A")
    git(root, "-c", "user.name=t", "-c", "user.email=t@example.cn", "commit", "-qm", "two")
    repo = G.Git(root)
    head = repo.head()
    asked = [("sub/b.md", b"\xe4\xb9\x99\n"), ("sub/名 称.md", "空格和中文\n".encode()), ("sub/none.md", None),
             ("sub", None), ("sub/submissions/a.md", "甲\n".encode())]
    for path, want in asked:
        assert repo.show(head, path) == want
    assert repo._batch is not None and repo._batch[1].poll() is None  # one process, still running
    blob = git(root, "rev-parse", f"{head}:sub/b.md").stdout.strip()
    names = [blob, f"{head}:sub/名 称.md", f"{head}:sub", "0" * 40, f"{head}:sub/none.md"]
    assert repo.objects(names) == {blob: b"\xe4\xb9\x99\n", f"{head}:sub/名 称.md": "空格和中文\n".encode()}
    assert repo.objects(["HEAD:sub/b.md"]) == {"HEAD:sub/b.md": b"\xe4\xb9\x99\n"}  # a ref: one git run
    (root / "sub" / "b.md").write_text("乙二\n", encoding="utf-8")
    git(root, "-c", "user.name=t", "-c", "user.email=t@example.cn", "commit", "-qam", "three")
    assert repo.show("HEAD", "sub/b.md") == "乙二\n".encode() and repo.show(head, "sub/b.md") == b"\xe4\xb9\x99\n"


def test_a_path_ending_in_a_carriage_return_is_not_read_as_another_file(tmp_path):
    """git reads the batch's input a line at a time and drops a CR before the LF: "b.md\\r" would be read
    as "b.md". Such a name is asked of ``git cat-file blob`` instead."""
    root = _repo(tmp_path)
    (root / "sub" / "b.md\r").write_bytes("回车\n".encode())
    git(root, "add", "-A")
    git(root, "-c", "user.name=t", "-c", "user.email=t@example.cn", "commit", "-qm", "cr")
    repo = G.Git(root)
    head = repo.head()
    assert repo.show(head, "sub/b.md\r") == "回车\n".encode()
    assert repo.show(head, "sub/b.md") == "乙\n".encode()
    assert repo.show(head, "sub/none.md\r") is None
    assert repo.objects([f"{head}:sub/b.md\r", f"{head}:sub/b.md", f"{head}:sub/none.md\r"]) == {
        f"{head}:sub/b.md\r": "回车\n".encode(), f"{head}:sub/b.md": "乙\n".encode()}


def test_git_answers_are_remembered_only_while_the_check_runs(tmp_path, monkeypatch):
    """From ``diff_soon`` to ``forget_soon`` the questions checks/workflow.py's ``diff`` asks (top level,
    the base's and HEAD's commits, their merge-base) are answered without running git again; afterwards a
    ref that moved is seen."""
    root = _repo(tmp_path)
    G.diff_soon(root / "sub", "main")
    runs = []
    real_run = G.Git.run
    monkeypatch.setattr(G.Git, "run", lambda self, *a, **k: runs.append(a) or real_run(self, *a, **k))
    top = G.Git(root / "sub").toplevel
    repo = G.Git(top)
    sha, head = repo.require("main"), repo.head()
    assert repo.merge_base(sha, head) == sha == head and top == root.resolve() and runs == []
    assert _listing(root) == []
    G.forget_soon()
    git(root, "-c", "user.name=t", "-c", "user.email=t@example.cn", "commit", "-q", "--allow-empty", "-m", "next")
    assert G.Git(top).resolve("main") != sha and runs
