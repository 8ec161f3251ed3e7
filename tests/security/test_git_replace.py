"""Issue 18, sign-off integrity: git's replace refs (``refs/replace/*``, which a push can carry to a server
whose hook then runs ``check --base``) must not let another commit's content or signature stand in for the
one under review: every git command jianyan runs reads the objects as they are."""
from __future__ import annotations

import subprocess
from pathlib import Path

from jianyan.vcs.git import Git


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def test_replace_refs_are_ignored(tmp_path: Path):
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "config", "user.name", "t")
    git(tmp_path, "config", "user.email", "t@example.invalid")
    (tmp_path / "issue.md").write_text("签发的正文\n", encoding="utf-8")
    git(tmp_path, "add", "issue.md")
    git(tmp_path, "commit", "-qm", "签发")
    signed = git(tmp_path, "rev-parse", "HEAD")
    (tmp_path / "issue.md").write_text("签发后改写的正文\n", encoding="utf-8")
    git(tmp_path, "commit", "-qam", "改写")
    edited = git(tmp_path, "rev-parse", "HEAD")
    # the attacker's replace ref makes the edit look like the signed commit
    git(tmp_path, "replace", edited, signed)
    assert git(tmp_path, "show", f"{edited}:issue.md") == "签发的正文"  # plain git is fooled
    repo = Git(tmp_path)
    assert repo.show(edited, "issue.md") == "签发后改写的正文\n".encode()
    assert repo.objects([f"{edited}:issue.md"])[f"{edited}:issue.md"] == "签发后改写的正文\n".encode()
    assert repo.commit(edited).subject == "改写"
