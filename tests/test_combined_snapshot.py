"""A pull request's check (`jianyan check --base main`) counts an issue among the files a change is about
when a source of its combined article (综合稿) changes, even a source missing from the issue's items
(accel/snapshot.issue_keys names the sources), and a check from main's snapshot agrees with a full one.

Main: draft issue 2021-005 whose first article combines 2021-nongye-001 with 2021-taimeng-001, which its
items forget (issue.source_not_listed), its source line naming both. The branch files 2021-taimeng-001
under another unit: the issue's new warning (issue.source_line: the line does not name 民革山东省委会) is
listed with the change, not left out as a warning on a file the change is not about."""
from __future__ import annotations

import json
from pathlib import Path

from conftest import copy_campaign
from gitrepo import git

from jianyan.campaign.where import SNAPSHOT_DIR

ISSUE = "issues/2021/005.md"
SOURCE = "submissions/2021/taimeng/2021-taimeng-001.md"
ARTICLE = ("articles:\n  - title: 推进黄河滩区迁建社区后续产业发展\n    sources:\n"
           "      - item: 2021-nongye-001\n        role: 主稿\n      - item: 2021-taimeng-001\n        role: 综合\n")


def _edit(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {rel}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_change_to_an_unlisted_source_is_about_its_issue(cli, tmp_path):
    root = copy_campaign(tmp_path / "c")
    (root / ".gitignore").write_text("build/\n.jianyan-cache/\n", encoding="utf-8")
    _edit(root, ISSUE, "\neditor:", "\n" + ARTICLE.rstrip("\n") + "\neditor:")
    _edit(root, ISSUE, "（省政协委员 杨某）", "（省政协委员 杨某、台盟山东省委会）")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "-c", "user.name=t", "-c", "user.email=t@example.cn", "commit", "-qm", "main")
    main = cli(root, "check", "--format", "json")
    assert list((root / ".jianyan-cache" / SNAPSHOT_DIR).glob("*/meta.bin")), "main's check stored no snapshot"
    codes = {f["code"] for f in json.loads(main.out) if f["path"] == ISSUE}
    assert "issue.source_not_listed" in codes and "issue.source_line" not in codes

    git(root, "checkout", "-q", "-b", "pr")
    _edit(root, SOURCE, "unit: taimeng", "unit: minge")
    git(root, "-c", "user.name=t", "-c", "user.email=t@example.cn", "commit", "-qam", "pr")
    quick = cli(root, "check", "--base", "main", "--format", "json", "--progress")
    full = cli(root, "check", "--base", "main", "--format", "json", env={"JIANYAN_CACHE": "0"})
    assert "增量检查" in quick.err, quick.err
    assert quick.out == full.out
    found = [f for f in json.loads(quick.out) if f["path"] == ISSUE and f["code"] == "issue.source_line"]
    assert found and "民革山东省委会" in found[0]["message"], quick
