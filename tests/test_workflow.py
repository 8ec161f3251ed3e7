"""`jianyan check --base`: each workflow.* rule on a real git history."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gitrepo import (ISSUE_DISPATCH, ISSUE_REVIEW, ISSUE_SIGNOFF, REVIEW, Repo, git, issue,
                     make_campaign, make_signed_campaign, signers_line, submission)

ITEM = "submissions/2021/minge/2021-minge-001.md"
ISSUE = "issues/2021/001.md"


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    r = make_campaign(tmp_path / "c")
    r.git("checkout", "-q", "-b", "pr")
    return r


def workflow(cli, repo: Repo, base: str = "main") -> tuple[int, list[dict]]:
    res = cli(repo.path, "check", "--base", base, "--format", "json")
    assert res.code in (0, 1), res
    return res.code, [f for f in res.json() if f["code"].startswith("workflow.")]


def only(findings: list[dict], code: str) -> dict:
    hits = [f for f in findings if f["code"] == code]
    assert len(hits) == 1, findings
    return hits[0]


def set_item(repo: Repo, status: str, extra: str = "", **kw) -> None:
    repo.write(ITEM, submission("2021-minge-001", status, extra=extra, **kw))


def advance(repo: Repo, status: str, extra: str = "", **kw) -> None:
    """Commit one allowed step on main (the new base), then branch again."""
    repo.git("checkout", "-q", "main")
    set_item(repo, status, extra, **kw)
    repo.commit(f"信息改为 {status}")
    repo.git("branch", "-q", "-f", "pr", "main")
    repo.git("checkout", "-q", "pr")


# --- submissions ----------------------------------------------------------------------------

def test_allowed_step_passes(cli, repo):
    set_item(repo, "accepted", REVIEW)
    code, found = workflow(cli, repo)
    assert found == [] and code == 0


def test_skipping_a_status_is_refused_at_the_status_line(cli, repo):
    set_item(repo, "adopted", REVIEW + "adopted_in: 2021-001\n")
    _, found = workflow(cli, repo)
    f = only(found, "workflow.transition")
    assert f["path"] == ITEM and f["line"] == repo.line_of(ITEM, "status:")
    assert "submitted（已报送）改为 adopted（已采用）" in f["message"]
    assert "允许的下一步：returned（退回修改）、accepted（审核通过）、rejected（不予采用）、withdrawn（已撤回）" in f["message"]


def test_final_status_cannot_change(cli, repo):
    advance(repo, "rejected", "review:\n  by: 孙某某\n  date: 2021-03-02\n  reason: off_topic\n")
    set_item(repo, "submitted")
    _, found = workflow(cli, repo)
    assert "rejected（不予采用）是最终状态，不能再改" in only(found, "workflow.transition")["message"]


def test_uncommitted_change_is_checked_too(cli, repo):
    set_item(repo, "draft")  # working tree only, not committed
    _, found = workflow(cli, repo)
    assert "允许的下一步" in only(found, "workflow.transition")["message"]


def test_new_item_must_start_as_draft_or_submitted(cli, repo):
    path = "submissions/2021/minge/2021-minge-002.md"
    repo.write(path, submission("2021-minge-002", "accepted", extra=REVIEW))  # untracked file
    _, found = workflow(cli, repo)
    f = only(found, "workflow.new_status")
    assert f["path"] == path and f["line"] == repo.line_of(path, "status:")
    repo.write(path, submission("2021-minge-002", "submitted"))
    assert workflow(cli, repo)[1] == []


def test_deleting_an_item_is_refused_with_withdraw_hint(cli, repo):
    (repo.path / ITEM).unlink()
    repo.commit("删除")
    code, found = workflow(cli, repo)
    f = only(found, "workflow.deleted")
    assert code == 1 and f["path"] == ITEM and f["line"] is None
    assert "status 改为 withdrawn（已撤回）" in f["message"]


def test_deleting_a_draft_is_allowed(cli, repo):
    advance(repo, "draft")
    (repo.path / ITEM).unlink()
    assert workflow(cli, repo)[1] == []


@pytest.mark.parametrize("key, old, new", [
    ("submitter", "submitter: 民革山东省委会", "submitter: [民革山东省委会, 王某]"),
    ("unit", "unit: minge", "unit: minjian"),
    ("date", "date: 2021-03-01", "date: 2021-03-09"),
    ("id", "id: 2021-minge-001", "id: 2021-minge-009"),
])
def test_frozen_fields_once_submitted(cli, repo, key, old, new):
    repo.edit(ITEM, old, new)
    _, found = workflow(cli, repo)
    f = only(found, "workflow.frozen_field")
    assert f["line"] == repo.line_of(ITEM, f"{key}:")
    assert f"不能修改 {key}" in f["message"] and "请恢复原值" in f["message"]


def test_fields_free_while_draft(cli, repo):
    advance(repo, "draft")
    repo.edit(ITEM, "submitter: 民革山东省委会", "submitter: 民革山东省委会参政议政部")
    assert workflow(cli, repo)[1] == []


def test_body_frozen_once_accepted_but_not_when_returned(cli, repo):
    repo.edit(ITEM, "三是补偿资金来源单一。", "三是补偿资金来源比较单一。")
    assert workflow(cli, repo)[1] == []  # submitted: the body may still be improved
    repo.git("checkout", "-q", "--", ITEM)
    advance(repo, "accepted", REVIEW)
    repo.edit(ITEM, "三是补偿资金来源单一。", "三是补偿资金来源比较单一。")
    _, found = workflow(cli, repo)
    f = only(found, "workflow.frozen_body")
    assert f["line"] == repo.line_of(ITEM, "一是保护责任")
    assert "正文不能再改" in f["message"]


def test_rename_is_followed(cli, repo):
    new = "submissions/2021/minge/民革-建议.md"
    repo.git("mv", ITEM, new)
    repo.edit(new, "status: submitted", "status: adopted")
    repo.commit("改名并跳步")
    _, found = workflow(cli, repo)
    assert only(found, "workflow.transition")["path"] == new
    assert not [f for f in found if f["code"] == "workflow.deleted"]


def test_move_with_rewrite_is_paired_by_id(cli, repo):
    """A moved file whose text changed too much for git's rename detection is still followed by its id."""
    (repo.path / ITEM).unlink()
    moved = "submissions/2021/minjian/2021-minge-001.md"
    repo.write(moved, submission("2021-minge-001", "submitted", body="全部重写。\n" * 3))
    _, found = workflow(cli, repo)
    assert [f["code"] for f in found] == []  # no deletion, no "new item"; ref.path reports the wrong folder


def test_chinese_paths_and_campaign_in_a_subfolder(cli, tmp_path):
    top = tmp_path / "仓库"
    repo = make_campaign(top / "建言活动")
    repo.git("checkout", "-q", "-b", "pr")
    path = "submissions/2021/minge/中文 文件名.md"
    repo.write(path, submission("2021-minge-002", "adopted", extra=REVIEW + "adopted_in: 2021-001\n"))
    _, found = workflow(cli, repo)
    assert only(found, "workflow.new_status")["path"] == path


# --- issues -----------------------------------------------------------------------------------

def set_issue(repo: Repo, status: str, extra: str = "", **kw) -> None:
    repo.write(ISSUE, issue(status, extra=extra, **kw))


def advance_issue(repo: Repo, status: str, extra: str = "") -> None:
    repo.git("checkout", "-q", "main")
    set_issue(repo, status, extra)
    repo.commit(f"专刊 {status}")
    repo.git("branch", "-q", "-f", "pr", "main")
    repo.git("checkout", "-q", "pr")


def test_issue_cannot_skip_to_signed(cli, repo):
    set_issue(repo, "signed", ISSUE_REVIEW + ISSUE_SIGNOFF)
    _, found = workflow(cli, repo)
    assert "允许的下一步：reviewed（已审改）" in only(found, "workflow.transition")["message"]


def test_director_may_send_issue_back_to_draft(cli, repo):
    advance_issue(repo, "reviewed", ISSUE_REVIEW)
    set_issue(repo, "draft")
    assert workflow(cli, repo)[1] == []


def test_review_must_be_by_the_director(cli, repo):
    set_issue(repo, "reviewed", "review:\n  by: 钱某\n  date: 2021-03-04\n")
    _, found = workflow(cli, repo)
    f = only(found, "workflow.review_role")
    assert f["line"] == repo.line_of(ISSUE, "  by:") and "不是研究室主任" in f["message"] and "李某某" in f["message"]


def test_signoff_recorded_fields_checked_against_roles(cli, repo):
    advance_issue(repo, "reviewed", ISSUE_REVIEW)
    set_issue(repo, "signed", ISSUE_REVIEW)
    assert "signoff" in only(workflow(cli, repo)[1], "workflow.signoff_missing")["message"]
    set_issue(repo, "signed", ISSUE_REVIEW + "signoff:\n  by: 李某某\n  date: 2021-03-05\n")
    f = only(workflow(cli, repo)[1], "workflow.signoff_role")
    assert "不是秘书长" in f["message"] and "王某某" in f["message"]
    set_issue(repo, "signed", ISSUE_REVIEW + ISSUE_SIGNOFF)
    assert workflow(cli, repo)[1] == []  # require_signature is false: the record is enough


def test_signed_issue_is_frozen_except_dispatch(cli, repo):
    advance_issue(repo, "reviewed", ISSUE_REVIEW)
    advance_issue(repo, "signed", ISSUE_REVIEW + ISSUE_SIGNOFF)
    set_issue(repo, "signed", ISSUE_REVIEW + ISSUE_SIGNOFF, body="## 改过的标题\n\n改过的正文。\n")
    f = only(workflow(cli, repo)[1], "workflow.issue_frozen")
    assert f["line"] == repo.line_of(ISSUE, "## 改过的标题") and "dispatched" in f["message"]
    set_issue(repo, "dispatched", ISSUE_REVIEW + ISSUE_SIGNOFF + ISSUE_DISPATCH)
    assert workflow(cli, repo)[1] == []
    set_issue(repo, "dispatched", ISSUE_REVIEW + ISSUE_SIGNOFF + "dispatch:\n  by: 孙某某\n  date: 2021-03-05\n")
    assert "不是办公厅秘书处" in only(workflow(cli, repo)[1], "workflow.dispatch_role")["message"]
    advance_issue(repo, "dispatched", ISSUE_REVIEW + ISSUE_SIGNOFF + ISSUE_DISPATCH)
    repo.edit(ISSUE, "date: 2021-03-05\nstatus", "date: 2021-03-06\nstatus")
    f = only(workflow(cli, repo)[1], "workflow.issue_frozen")
    assert f["line"] == 5 and "已报送" in f["message"]
    # Publishing is a decision of its own, taken after dispatch: public may still change.
    set_issue(repo, "dispatched", ISSUE_REVIEW + ISSUE_SIGNOFF + ISSUE_DISPATCH + "public: true\n")
    assert workflow(cli, repo)[1] == []


def test_signed_issue_cannot_be_deleted(cli, repo):
    advance_issue(repo, "reviewed", ISSUE_REVIEW)
    (repo.path / ISSUE).unlink()
    assert only(workflow(cli, repo)[1], "workflow.issue_deleted")["path"] == ISSUE


# --- signed sign-off -----------------------------------------------------------------------------

@pytest.fixture
def signed_repo(tmp_path: Path):
    repo, keys = make_signed_campaign(tmp_path)
    repo.git("checkout", "-q", "-b", "pr")
    set_issue(repo, "signed", ISSUE_REVIEW + ISSUE_SIGNOFF)
    return repo, keys


def test_signature_by_the_secretary_general_passes(cli, signed_repo):
    repo, keys = signed_repo
    repo.commit("签发第1期", who="王某某", key=keys["wang"])
    assert workflow(cli, repo)[1] == []


def test_sign_off_must_be_committed_and_signed(cli, signed_repo):
    repo, keys = signed_repo
    f = only(workflow(cli, repo)[1], "workflow.signature_missing")  # not committed yet
    assert "git commit -S" in f["message"] and f["line"] == repo.line_of(ISSUE, "status:")
    repo.commit("签发第1期（未签名）", who="王某某")
    assert "没有签名" in only(workflow(cli, repo)[1], "workflow.signature_missing")["message"]


def test_good_signature_by_someone_else_is_refused(cli, signed_repo):
    repo, keys = signed_repo
    repo.commit("签发第1期", who="王某某", key=keys["li"])
    f = only(workflow(cli, repo)[1], "workflow.signature_principal")
    assert "limm@sdzx.example" in f["message"] and "王某某（wangmm@sdzx.example）" in f["message"]


def test_allowed_signers_and_roles_come_from_the_base(cli, signed_repo):
    """A branch cannot add its own key, nor make itself secretary-general, nor switch the rule off."""
    repo, keys = signed_repo
    with (repo.path / ".jianyan/allowed_signers").open("a") as fh:
        fh.write(signers_line("wangmm@sdzx.example", keys["rogue_pub"]))
    repo.edit("schema/settings.yaml", "require_signature: true", "require_signature: false")
    repo.edit("schema/settings.yaml", '  issue: "off"\n', '  issue: "off"\n  workflow: "off"\n')
    repo.commit("签发第1期", who="王某某", key=keys["rogue"])
    code, found = workflow(cli, repo)
    assert code == 1 and "不在 allowed_signers 中" in only(found, "workflow.signature_invalid")["message"]


def test_signed_tag_on_the_signing_commit_counts(cli, signed_repo):
    repo, keys = signed_repo
    repo.commit("签发第1期", who="王某某")
    repo.git("-c", "gpg.format=ssh", "-c", f"user.signingkey={keys['wang']}", "-c", "user.name=王某某",
             "-c", "user.email=wangmm@sdzx.example", "tag", "-s", "-m", "签发第1期", "2021-001-signed")
    assert workflow(cli, repo)[1] == []


def test_missing_allowed_signers_on_base(cli, tmp_path):
    repo = make_campaign(tmp_path / "c", require_signature=True)
    set_issue(repo, "reviewed", ISSUE_REVIEW)
    repo.commit("审改")
    repo.git("checkout", "-q", "-b", "pr")
    set_issue(repo, "signed", ISSUE_REVIEW + ISSUE_SIGNOFF)
    assert ".jianyan/allowed_signers" in only(workflow(cli, repo)[1], "workflow.no_allowed_signers")["message"]


# --- git situations --------------------------------------------------------------------------------

def test_not_a_git_repository(cli, tmp_path):
    folder = tmp_path / "plain"
    shutil.copytree(Path(__file__).resolve().parents[1] / "schema", folder / "schema")
    res = cli(folder, "check", "--base", "main")
    assert res.code == 2 and "不是 git 仓库" in res.err and "Traceback" not in res.err


def test_unknown_base(cli, repo):
    res = cli(repo.path, "check", "--base", "origin/没有这个分支")
    assert res.code == 2 and "找不到比较基准“origin/没有这个分支”" in res.err


def test_shallow_clone_without_merge_base(cli, repo, tmp_path):
    repo.git("checkout", "-q", "main")
    for n in range(2):
        repo.edit(ITEM, "date: 2021-03-01" if n == 0 else "date: 2021-03-02", f"date: 2021-03-0{n + 2}")
        repo.commit(f"main {n}")
    repo.git("checkout", "-q", "-b", "side", "HEAD~2")
    repo.write("submissions/2021/minge/README.md", "说明\n")
    repo.commit("side")
    clone = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", "--no-single-branch", f"file://{repo.path}", str(clone))
    git(clone, "checkout", "-q", "side")
    res = cli(clone, "check", "--base", "origin/main")
    assert res.code == 2, res
    assert "浅克隆" in res.err and "git fetch --unshallow" in res.err and "fetch-depth: 0" in res.err


def test_base_not_an_ancestor_still_checks_from_merge_base(cli, repo):
    set_item(repo, "adopted", REVIEW + "adopted_in: 2021-001\n")
    repo.commit("跳步")
    repo.git("checkout", "-q", "main")
    repo.write("issues/2021/README.md", "专刊目录\n")
    repo.commit("main 向前")
    repo.git("checkout", "-q", "pr")
    _, found = workflow(cli, repo)
    assert {f["code"] for f in found} == {"workflow.base_not_ancestor", "workflow.transition"}
    note = only(found, "workflow.base_not_ancestor")
    assert note["severity"] == "info" and "分叉点" in note["message"]


def test_text_output_names_file_line_and_next_step(cli, repo):
    set_item(repo, "adopted", REVIEW + "adopted_in: 2021-001\n")
    res = cli(repo.path, "check", "--base", "main")
    line = repo.line_of(ITEM, "status:")
    assert res.code == 1
    assert f"{ITEM}:{line}:1: error: 信息状态不能从 submitted（已报送）改为 adopted（已采用）。允许的下一步" in res.out


def test_changed_paths_are_given_to_other_checks(repo):
    from jianyan.campaign.load import load_campaign
    from jianyan.checks.workflow import prepare
    set_item(repo, "accepted", REVIEW)
    repo.write("submissions/2021/minge/2021-minge-002.md", submission("2021-minge-002", "draft"))
    cs = prepare(load_campaign(repo.path), "main")
    assert cs.paths == {ITEM, "submissions/2021/minge/2021-minge-002.md"}


def test_git_missing_is_a_clear_error(repo, monkeypatch):
    from jianyan.vcs.git import Git, GitError
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(GitError, match="找不到 git 命令"):
        Git(repo.path).toplevel  # noqa: B018
