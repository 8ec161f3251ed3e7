"""End to end: a bare repository whose pre-receive hook runs `jianyan check --base <old>` plays the
protected main branch of a forge. Each review step is a push; wrong steps are refused with the finding."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from gitrepo import (ISSUE_DISPATCH, ISSUE_REVIEW, ISSUE_SIGNOFF, REVIEW, ROOT, Repo, git, issue, keygen,
                     make_campaign, signers_line, submission)

ITEM = "submissions/2021/minge/2021-minge-001.md"
ISSUE = "issues/2021/001.md"

# The hook shipped for self-hosted servers (tools/hooks/pre-receive), run by the test's Python.
HOOK = ROOT / "tools" / "hooks" / "pre-receive"

pytestmark = pytest.mark.e2e


class Forge:
    """The bare 'server' repository and a clerk's working clone pushing to it."""

    def __init__(self, tmp: Path) -> None:
        keys = tmp / "keys"
        self.wang, wang_pub = keygen(keys, "wangmm")
        self.li, li_pub = keygen(keys, "limm")
        self.rogue, self.rogue_pub = keygen(keys, "rogue")
        signers = signers_line("wangmm@sdzx.example", wang_pub) + signers_line("limm@sdzx.example", li_pub)
        self.work: Repo = make_campaign(tmp / "work", require_signature=True, signers=signers)
        self.bare = tmp / "server.git"
        git(tmp, "init", "-q", "--bare", "-b", "main", str(self.bare))
        hook = self.bare / "hooks" / "pre-receive"
        body = HOOK.read_text(encoding="utf-8").split("\n", 1)[1]
        hook.write_text(f"#!{sys.executable}\n{body}", encoding="utf-8")
        hook.chmod(0o755)
        self.work.git("remote", "add", "origin", str(self.bare))
        ok, out = self.push()
        assert ok, out  # the first push: a full check of the initial tree

    def push(self) -> tuple[bool, str]:
        proc = git(self.work.path, "push", "origin", "HEAD:refs/heads/main", check=False)
        return proc.returncode == 0, proc.stderr

    def step(self, message: str, who: str = "孙某某", key: Path | None = None) -> tuple[bool, str]:
        """Commit the working tree and push; a refused push is rolled back to the server's main."""
        self.work.commit(message, who=who, key=key)
        ok, out = self.push()
        if not ok:
            self.work.git("reset", "-q", "--hard", "origin/main")
        else:
            self.work.git("fetch", "-q", "origin")
        return ok, out


@pytest.fixture
def forge(tmp_path: Path) -> Forge:
    return Forge(tmp_path)


def refused_with(ok: bool, out: str, path: str, line: int | None, code: str, *hints: str) -> None:
    assert not ok, out
    where = f"{path}:{line}:" if line else f"{path}:1:1:"
    assert any(where in ln and f"[{code}]" in ln and all(h in ln for h in hints) for ln in out.splitlines()), out
    assert "pre-receive hook declined" in out and "推送被拒绝：main 是受保护分支" in out


def server_main(forge: Forge) -> str:
    return git(forge.bare, "rev-parse", "main").stdout.strip()


def test_review_steps_through_a_protected_branch(forge: Forge):
    w = forge.work
    status_line = w.line_of(ITEM, "status:")

    # Skipping a status: submitted → adopted.
    w.write(ITEM, submission("2021-minge-001", "adopted", extra=REVIEW + "adopted_in: 2021-001\n"))
    refused_with(*forge.step("直接改为已采用"), ITEM, status_line, "workflow.transition",
                 "不能从 submitted（已报送）改为 adopted（已采用）", "允许的下一步：returned（退回修改）、accepted（审核通过）")

    # Deleting an item.
    (w.path / ITEM).unlink()
    refused_with(*forge.step("删除信息"), ITEM, None, "workflow.deleted", "把 status 改为 withdrawn（已撤回）")

    # Editing a frozen field.
    w.edit(ITEM, "submitter: 民革山东省委会", "submitter: 民盟山东省委会")
    refused_with(*forge.step("改作者"), ITEM, w.line_of(ITEM, "submitter:"), "workflow.frozen_field",
                 "不能修改 submitter（作者）", "请恢复原值")

    # A valid review decision is accepted.
    before = server_main(forge)
    w.write(ITEM, submission("2021-minge-001", "accepted", extra=REVIEW))
    ok, out = forge.step("审核通过\n\nReviewed-by: 孙某某 <sunmm@sdzx.example>")
    assert ok, out
    assert server_main(forge) != before

    # Once accepted, the body is frozen.
    w.edit(ITEM, "三是补偿资金来源单一。", "三是补偿资金来源比较单一。")
    refused_with(*forge.step("改正文"), ITEM, w.line_of(ITEM, "一是保护责任"), "workflow.frozen_body", "正文不能再改")

    # The director reviews the issue.
    w.write(ISSUE, issue("reviewed", extra=ISSUE_REVIEW))
    ok, out = forge.step("主任审改第1期", who="李某某")
    assert ok, out

    # Signing without a signature, with the director's key, with a key the branch adds itself: refused.
    signed = issue("signed", extra=ISSUE_REVIEW + ISSUE_SIGNOFF)
    issue_status = w.line_of(ISSUE, "status:")
    w.write(ISSUE, signed)
    refused_with(*forge.step("签发第1期", who="王某某"), ISSUE, issue_status, "workflow.signature_missing",
                 "没有签名", "git commit -S")
    w.write(ISSUE, signed)
    refused_with(*forge.step("签发第1期", who="王某某", key=forge.li), ISSUE, issue_status,
                 "workflow.signature_principal", "由“limm@sdzx.example”签名", "王某某（wangmm@sdzx.example）")
    w.write(ISSUE, signed)
    with (w.path / ".jianyan/allowed_signers").open("a") as fh:
        fh.write(signers_line("wangmm@sdzx.example", forge.rogue_pub))
    refused_with(*forge.step("签发第1期", who="王某某", key=forge.rogue), ISSUE, issue_status,
                 "workflow.signature_invalid", "不在 allowed_signers 中", "重新签名")

    # The secretary-general's own signature is accepted.
    w.write(ISSUE, signed)
    ok, out = forge.step("签发第1期\n\nSigned-off-by: 王某某 <wangmm@sdzx.example>", who="王某某", key=forge.wang)
    assert ok, out

    # A signed issue does not change; the secretariat's dispatch is the one step allowed.
    w.edit(ISSUE, "引导引黄用水企业", "鼓励引黄用水企业")
    refused_with(*forge.step("改签发稿"), ISSUE, w.line_of(ISSUE, "民革山东省委会建议"), "workflow.issue_frozen",
                 "不能再修改", "dispatched")
    w.write(ISSUE, issue("dispatched", extra=ISSUE_REVIEW + ISSUE_SIGNOFF + ISSUE_DISPATCH))
    ok, out = forge.step("报送第1期", who="周某")
    assert ok, out

    # The item is adopted in the signed issue: the last allowed step.
    w.write(ITEM, submission("2021-minge-001", "adopted", extra=REVIEW + "adopted_in: 2021-001\n"))
    ok, out = forge.step("2021-minge-001 已采用")
    assert ok, out
    assert git(forge.bare, "show", f"main:{ITEM}").stdout.count("status: adopted") == 1
