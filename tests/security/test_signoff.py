"""Issue 18, sign-off integrity: after the secretary-general's signed sign-off, no commit of the pull request
may change the signed issue (or an accepted item's body) — every commit is walked, not only the first that
signs, and the walk sees merges, renames, deletions and the uncommitted working tree."""
from __future__ import annotations

from pathlib import Path

import pytest

from gitrepo import (ISSUE_DISPATCH, ISSUE_REVIEW, ISSUE_SIGNOFF, REVIEW, Repo, issue, make_campaign,
                     make_signed_campaign, signers_line, submission)

ISSUE = "issues/2021/001.md"
ITEM = "submissions/2021/minge/2021-minge-001.md"
SIGNED = ISSUE_REVIEW + ISSUE_SIGNOFF
NEW_TEXT = "## 改过的标题\n\n签发后改写的正文。\n"


def check(cli, repo: Repo, base: str = "main") -> tuple[int, list[dict]]:
    res = cli(repo.path, "check", "--base", base, "--format", "json")
    assert res.code in (0, 1), res
    return res.code, [f for f in res.json() if f["code"].startswith("workflow.")]


def codes(found: list[dict]) -> set[str]:
    return {f["code"] for f in found}


def with_code(found: list[dict], code: str) -> list[dict]:
    hits = [f for f in found if f["code"] == code]
    assert hits, found
    return hits


@pytest.fixture
def signed(tmp_path: Path):
    """A pull request whose first commit is the secretary-general's good signed sign-off of issue 2021-001."""
    repo, keys = make_signed_campaign(tmp_path)
    repo.git("checkout", "-q", "-b", "pr")
    repo.write(ISSUE, issue("signed", extra=SIGNED))
    sha = repo.commit("签发第1期", who="王某某", key=keys["wang"])
    return repo, keys, sha


def test_the_signed_sign_off_alone_passes(cli, signed):
    repo, _, _ = signed
    assert check(cli, repo) == (0, [])


def test_unsigned_edit_after_the_sign_off_is_refused(cli, signed):
    repo, _, _ = signed
    repo.write(ISSUE, issue("signed", extra=SIGNED, body=NEW_TEXT))
    edit = repo.commit("改正文", who="孙某某")
    code, found = check(cli, repo)
    f = with_code(found, "workflow.issue_frozen")[0]
    assert code == 1 and f["path"] == ISSUE and edit[:12] in f["message"]
    assert f["line"] == repo.line_of(ISSUE, "## 改过的标题")  # where the file now differs from what was signed
    assert "git switch -c" in f["message"]


def test_edit_signed_with_the_directors_good_key_is_refused(cli, signed):
    repo, keys, _ = signed
    repo.write(ISSUE, issue("signed", extra=SIGNED, body=NEW_TEXT))
    repo.commit("主任改正文", who="李某某", key=keys["li"])
    code, found = check(cli, repo)
    assert code == 1 and "workflow.issue_frozen" in codes(found)


def test_sign_unsign_and_resign_unsigned_with_new_text(cli, signed):
    repo, _, _ = signed
    repo.write(ISSUE, issue("reviewed", extra=ISSUE_REVIEW))
    unsign = repo.commit("退回", who="孙某某")
    repo.write(ISSUE, issue("signed", extra=SIGNED, body=NEW_TEXT))
    resign = repo.commit("重新签发", who="孙某某")
    code, found = check(cli, repo)
    assert code == 1
    assert unsign[:12] in with_code(found, "workflow.issue_frozen")[0]["message"]
    assert any(resign[:12] in f["message"] for f in with_code(found, "workflow.signature_missing"))


def test_resign_with_a_good_signature_by_the_wrong_person(cli, signed):
    repo, keys, _ = signed
    repo.write(ISSUE, issue("reviewed", extra=ISSUE_REVIEW))
    repo.commit("退回", who="李某某", key=keys["li"])
    repo.write(ISSUE, issue("signed", extra=SIGNED, body=NEW_TEXT))
    resign = repo.commit("重新签发", who="李某某", key=keys["li"])
    code, found = check(cli, repo)
    assert code == 1 and "workflow.issue_frozen" in codes(found)
    assert resign[:12] in with_code(found, "workflow.signature_principal")[0]["message"]


def test_removing_an_item_after_the_sign_off(cli, signed):
    repo, _, _ = signed
    repo.edit(ISSUE, "items: [2021-minge-001]", "items: []")
    repo.commit("撤下一条")
    code, found = check(cli, repo)
    f = with_code(found, "workflow.issue_frozen")[0]
    assert code == 1 and "items" in f["message"] and f["line"] == repo.line_of(ISSUE, "items:")


def test_changing_the_sign_off_record_after_signing(cli, signed):
    repo, _, _ = signed
    repo.edit(ISSUE, "  by: 王某某\n  date: 2021-03-05", "  by: 王某某\n  date: 2021-03-09")
    repo.commit("改签发日期")
    assert check(cli, repo)[0] == 1


def test_edit_then_revert_after_signing_is_still_reported(cli, signed):
    repo, _, _ = signed
    repo.write(ISSUE, issue("signed", extra=SIGNED, body=NEW_TEXT))
    edit = repo.commit("改正文")
    repo.write(ISSUE, issue("signed", extra=SIGNED))
    repo.commit("改回")
    code, found = check(cli, repo)
    f = with_code(found, "workflow.issue_frozen")[0]
    assert code == 1 and edit[:12] in f["message"] and f["line"] is None  # the file itself is as signed


def test_edit_on_a_side_branch_merged_after_signing(cli, signed):
    repo, _, sha = signed
    repo.git("checkout", "-q", "-b", "side", sha)
    repo.write(ISSUE, issue("signed", extra=SIGNED, body=NEW_TEXT))
    edit = repo.commit("旁支改正文")
    repo.git("checkout", "-q", "pr")
    repo.write("issues/2021/README.md", "专刊目录\n")
    repo.commit("无关改动")
    repo.merge("side")
    code, found = check(cli, repo)
    assert code == 1 and any(edit[:12] in f["message"] for f in with_code(found, "workflow.issue_frozen"))


def test_evil_merge_that_rewrites_the_signed_text(cli, signed):
    """A merge commit whose version of the issue is in neither parent: the change is the merge's own."""
    repo, _, sha = signed
    repo.git("checkout", "-q", "-b", "side", "main")
    repo.write("issues/2021/README.md", "专刊目录\n")
    repo.commit("旁支无关改动")
    repo.git("checkout", "-q", "pr")
    repo.merge("side", "--no-commit")
    repo.write(ISSUE, issue("signed", extra=SIGNED, body=NEW_TEXT))
    merge = repo.commit("合并")
    assert len(repo.git("rev-list", "--parents", "-n", "1", merge).split()) == 3
    code, found = check(cli, repo)
    assert code == 1 and any(merge[:12] in f["message"] for f in with_code(found, "workflow.issue_frozen"))


def test_merging_the_base_into_the_pull_request_is_no_edit(cli, signed):
    repo, _, _ = signed
    repo.git("checkout", "-q", "main")
    repo.write("issues/2021/README.md", "专刊目录\n")
    repo.commit("main 向前")
    repo.git("checkout", "-q", "pr")
    repo.merge("main")
    assert check(cli, repo) == (0, [])


def test_sign_and_edit_squashed_into_one_signed_commit_passes(cli, tmp_path):
    """One commit by the secretary-general that signs an edited text signs exactly that text."""
    repo, keys = make_signed_campaign(tmp_path)
    repo.git("checkout", "-q", "-b", "pr")
    repo.write(ISSUE, issue("signed", extra=SIGNED, body=NEW_TEXT))
    repo.commit("签发第1期（秘书长改定）", who="王某某", key=keys["wang"])
    assert check(cli, repo) == (0, [])


def test_rename_of_an_issue_signed_in_the_pull_request(cli, signed):
    repo, _, _ = signed
    repo.git("mv", ISSUE, "issues/2021/002.md")
    repo.commit("改期号")
    code, found = check(cli, repo)
    assert code == 1 and "workflow.issue_frozen" in codes(found)


def test_rename_of_an_issue_signed_on_main(cli, signed):
    repo, _, _ = signed
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--ff-only", "pr")
    repo.git("checkout", "-q", "pr")
    repo.git("mv", ISSUE, "issues/2021/002.md")
    repo.commit("改期号")
    code, found = check(cli, repo)
    assert code == 1 and "workflow.issue_frozen" in codes(found)


def test_delete_and_add_again_with_new_text(cli, signed):
    repo, _, _ = signed
    (repo.path / ISSUE).unlink()
    repo.commit("删除")
    repo.write(ISSUE, issue("signed", extra=SIGNED, body=NEW_TEXT))
    again = repo.commit("重新加入")
    code, found = check(cli, repo)
    assert code == 1
    assert any(again[:12] in f["message"] for f in with_code(found, "workflow.signature_missing"))


def test_uncommitted_edit_after_signing(cli, signed):
    repo, _, _ = signed
    repo.write(ISSUE, issue("signed", extra=SIGNED, body=NEW_TEXT))
    code, found = check(cli, repo)
    f = with_code(found, "workflow.issue_frozen")[0]
    assert code == 1 and "未提交" in f["message"]


def test_dispatch_and_publication_after_signing_pass(cli, signed):
    repo, _, _ = signed
    repo.write(ISSUE, issue("dispatched", extra=SIGNED + ISSUE_DISPATCH))
    repo.commit("报送", who="周某")
    repo.write(ISSUE, issue("dispatched", extra=SIGNED + ISSUE_DISPATCH + "public: true\n"))
    repo.commit("公开")
    code, found = check(cli, repo)
    assert codes(found) == {"workflow.transition"}  # reviewed → dispatched in one pull request skips a step; no more


def test_dispatching_without_signing_needs_the_signature_too(cli, tmp_path):
    repo, _ = make_signed_campaign(tmp_path)
    repo.git("checkout", "-q", "-b", "pr")
    repo.write(ISSUE, issue("dispatched", extra=SIGNED + ISSUE_DISPATCH))
    skip = repo.commit("直接报送", who="周某")
    code, found = check(cli, repo)
    assert code == 1 and skip[:12] in with_code(found, "workflow.signature_missing")[0]["message"]


def test_dispatch_in_its_own_pull_request_passes(cli, signed):
    repo, _, _ = signed
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--ff-only", "pr")
    repo.git("checkout", "-q", "pr")
    repo.write(ISSUE, issue("dispatched", extra=SIGNED + ISSUE_DISPATCH))
    repo.commit("报送", who="周某")
    repo.write(ISSUE, issue("dispatched", extra=SIGNED + ISSUE_DISPATCH + "public: true\n"))
    repo.commit("公开")
    assert check(cli, repo) == (0, [])


def test_edit_and_restore_of_an_issue_signed_on_main(cli, signed):
    repo, _, _ = signed
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--ff-only", "pr")
    repo.git("checkout", "-q", "pr")
    repo.write(ISSUE, issue("signed", extra=SIGNED, body=NEW_TEXT))
    edit = repo.commit("改正文")
    repo.write(ISSUE, issue("signed", extra=SIGNED))
    repo.commit("改回")
    code, found = check(cli, repo)
    assert code == 1 and edit[:12] in with_code(found, "workflow.issue_frozen")[0]["message"]


def test_switching_the_rule_off_or_moving_the_key_file_in_the_pull_request(cli, tmp_path):
    """require_signature and allowed_signers (path and content) are the base's."""
    repo, keys = make_signed_campaign(tmp_path)
    repo.git("checkout", "-q", "-b", "pr")
    repo.write(".jianyan/mine", signers_line("wangmm@sdzx.example", keys["rogue_pub"]))
    repo.edit("schema/settings.yaml", "require_signature: true",
              "require_signature: false\n  allowed_signers: .jianyan/mine")
    repo.write(ISSUE, issue("signed", extra=SIGNED))
    repo.commit("签发第1期", who="王某某", key=keys["rogue"])
    code, found = check(cli, repo)
    assert code == 1 and "workflow.signature_invalid" in codes(found)


def test_edit_after_a_recorded_sign_off_without_signatures(cli, tmp_path):
    """Without require_signature the sign-off is a record, but the record still freezes what follows it."""
    repo = make_campaign(tmp_path / "c")
    repo.write(ISSUE, issue("reviewed", extra=ISSUE_REVIEW))
    repo.commit("审改")
    repo.git("checkout", "-q", "-b", "pr")
    repo.write(ISSUE, issue("signed", extra=SIGNED))
    repo.commit("签发", who="王某某")
    assert check(cli, repo) == (0, [])
    repo.write(ISSUE, issue("signed", extra=SIGNED, body=NEW_TEXT))
    repo.commit("改正文")
    assert "workflow.issue_frozen" in codes(check(cli, repo)[1])


# --- accepted and adopted items' bodies ---------------------------------------------------------------

@pytest.fixture
def plain(tmp_path: Path) -> Repo:
    repo = make_campaign(tmp_path / "c")
    repo.git("checkout", "-q", "-b", "pr")
    return repo


CHANGED = submission("2021-minge-001", "accepted", extra=REVIEW).replace("三是补偿资金来源单一。", "三是另写一句。")


def test_body_edited_after_acceptance_in_the_same_pull_request(cli, plain):
    plain.write(ITEM, submission("2021-minge-001", "accepted", extra=REVIEW))
    plain.commit("审核通过")
    plain.write(ITEM, CHANGED)
    edit = plain.commit("改正文", who="民革山东省委会")
    code, found = check(cli, plain)
    f = with_code(found, "workflow.frozen_body")[0]
    assert code == 1 and edit[:12] in f["message"] and f["line"] == plain.line_of(ITEM, "一是保护责任")


def test_body_of_an_accepted_item_edited_and_restored(cli, plain):
    plain.git("checkout", "-q", "main")
    plain.write(ITEM, submission("2021-minge-001", "accepted", extra=REVIEW))
    plain.commit("审核通过")
    plain.git("checkout", "-q", "-B", "pr")
    plain.write(ITEM, CHANGED)
    edit = plain.commit("改正文")
    plain.write(ITEM, submission("2021-minge-001", "accepted", extra=REVIEW))
    plain.commit("改回")
    code, found = check(cli, plain)
    assert code == 1 and edit[:12] in with_code(found, "workflow.frozen_body")[0]["message"]


def test_accepted_item_deleted_and_added_again_with_new_body(cli, plain):
    plain.write(ITEM, submission("2021-minge-001", "accepted", extra=REVIEW))
    plain.commit("审核通过")
    (plain.path / ITEM).unlink()
    gone = plain.commit("删除")
    plain.write(ITEM, CHANGED)
    plain.commit("重新加入")
    code, found = check(cli, plain)
    assert code == 1 and gone[:12] in with_code(found, "workflow.frozen_body")[0]["message"]


def test_accepting_an_item_with_a_better_body_in_one_commit_passes(cli, plain):
    plain.write(ITEM, CHANGED)
    plain.commit("审核通过（研究室改定）")
    assert check(cli, plain) == (0, [])


def test_reordering_the_items_after_signing(cli, signed):
    repo, _, _ = signed
    repo.edit(ISSUE, "items: [2021-minge-001]", "items: [2021-minge-001, 2021-minge-001]")
    repo.commit("改 items")
    assert "workflow.issue_frozen" in codes(check(cli, repo)[1])


def test_a_broken_settings_file_on_the_base_keeps_signatures_required(cli, tmp_path):
    """Unreadable base settings: the strictest reading (signatures required), not the pull request's."""
    repo, keys = make_signed_campaign(tmp_path)
    repo.edit("schema/settings.yaml", "require_signature: true", "require_signature: [坏")
    repo.commit("设置写坏了")
    repo.git("checkout", "-q", "-b", "pr")
    repo.edit("schema/settings.yaml", "require_signature: [坏", "require_signature: false")
    repo.write(ISSUE, issue("signed", extra=SIGNED))
    repo.commit("修好设置并签发", who="王某某")
    code, found = check(cli, repo)
    f = with_code(found, "workflow.signature_missing")[0]
    assert code == 1 and "无法读取" in f["message"]


# --- renames through intermediate paths (review finding 10) ----------------------------------------------

def test_sign_while_renaming_then_rename_again(cli, signed_base):
    """a→b signed by the secretary-general, then b→c: the signing commit is found (no signature_missing);
    the second rename moves a signed issue (issue_frozen), named at the current path and the right commit."""
    repo, keys = signed_base
    repo.git("mv", ISSUE, "issues/2021/002.md")
    repo.write("issues/2021/002.md", issue("signed", extra=SIGNED))
    repo.commit("签发并改期号", who="王某某", key=keys["wang"])
    repo.git("mv", "issues/2021/002.md", "issues/2021/003.md")
    again = repo.commit("再改期号")
    code, found = check(cli, repo)
    assert code == 1 and "workflow.signature_missing" not in codes(found), [f["message"] for f in found]
    f = with_code(found, "workflow.issue_frozen")[0]
    assert again[:12] in f["message"] and f["path"] == "issues/2021/003.md"


def test_edit_at_an_intermediate_path_is_reported_at_the_current_one(cli, signed_base):
    repo, keys = signed_base
    repo.git("mv", ISSUE, "issues/2021/002.md")
    repo.write("issues/2021/002.md", issue("signed", extra=SIGNED))
    repo.commit("签发并改期号", who="王某某", key=keys["wang"])
    repo.write("issues/2021/002.md", issue("signed", extra=SIGNED, body=NEW_TEXT))
    edit = repo.commit("改正文")
    repo.git("mv", "issues/2021/002.md", "issues/2021/003.md")
    repo.commit("再改期号")
    code, found = check(cli, repo)
    assert code == 1 and "workflow.signature_missing" not in codes(found), [f["message"] for f in found]
    f = with_code(found, "workflow.issue_frozen")[0]
    assert edit[:12] in f["message"] and f["path"] == "issues/2021/003.md"
    assert f["line"] == repo.line_of("issues/2021/003.md", "## 改过的标题")


def test_uncommitted_rename_after_signing_while_renaming(cli, signed_base):
    repo, keys = signed_base
    repo.git("mv", ISSUE, "issues/2021/002.md")
    repo.write("issues/2021/002.md", issue("signed", extra=SIGNED))
    repo.commit("签发并改期号", who="王某某", key=keys["wang"])
    repo.git("mv", "issues/2021/002.md", "issues/2021/003.md")
    code, found = check(cli, repo)
    assert code == 1 and "workflow.signature_missing" not in codes(found), [f["message"] for f in found]
    f = with_code(found, "workflow.issue_frozen")[0]
    assert "未提交" in f["message"] and f["path"] == "issues/2021/003.md"


def test_rename_and_sign_in_one_signed_commit_passes(cli, signed_base):
    repo, keys = signed_base
    repo.git("mv", ISSUE, "issues/2021/002.md")
    repo.write("issues/2021/002.md", issue("signed", extra=SIGNED))
    repo.commit("签发并改期号", who="王某某", key=keys["wang"])
    assert check(cli, repo) == (0, [])


@pytest.fixture
def signed_base(tmp_path: Path):
    """A signed campaign with issue 2021-001 reviewed on main, on a new branch pr."""
    repo, keys = make_signed_campaign(tmp_path)
    repo.git("checkout", "-q", "-b", "pr")
    return repo, keys


# --- working-tree files are read with limits, never through a symlink (review finding 9) ------------------

def test_registry_over_the_size_limit_is_not_read(cli, plain):
    from jianyan.campaign.load import REGISTRY_MAX_BYTES
    text = plain.read("schema/roles.yaml")
    plain.write("schema/roles.yaml", text + "#" + "x" * REGISTRY_MAX_BYTES + "\n")
    code, found = check(cli, plain)
    f = with_code(found, "workflow.registry_change")[0]
    assert f["path"] == "schema/roles.yaml" and f["line"] is None and "无法读取" in f["message"]


def test_registry_replaced_by_a_symlink_is_not_followed(cli, plain, tmp_path):
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text(plain.read("schema/units.yaml").replace("units:", "units:  # 改", 1), encoding="utf-8")
    (plain.path / "schema/units.yaml").unlink()
    (plain.path / "schema/units.yaml").symlink_to(outside)
    code, found = check(cli, plain)
    f = with_code(found, "workflow.registry_change")[0]
    assert f["path"] == "schema/units.yaml" and f["line"] is None and "符号链接" in f["message"]


def test_signed_issue_replaced_by_a_symlink_in_the_work_tree(cli, signed, tmp_path):
    """final_of and the working-tree walk do not follow a symlink: the file's content is unreadable."""
    repo, _, _ = signed
    repo.write(ISSUE, issue("signed", extra=SIGNED, body=NEW_TEXT))
    edit = repo.commit("改正文")
    outside = tmp_path / "outside.md"
    outside.write_text(issue("signed", extra=SIGNED, body="## 别处的文字\n\n正文。\n"), encoding="utf-8")
    (repo.path / ISSUE).unlink()
    (repo.path / ISSUE).symlink_to(outside)
    code, found = check(cli, repo)
    f = with_code(found, "workflow.issue_frozen")[0]
    assert code == 1 and edit[:12] in f["message"] and f["path"] == ISSUE and f["line"] is None


def test_oversized_issue_in_the_work_tree_is_not_read(cli, signed):
    repo, _, _ = signed
    repo.write(ISSUE, issue("signed", extra=SIGNED, body=NEW_TEXT))
    edit = repo.commit("改正文")
    repo.write(ISSUE, issue("signed", extra=SIGNED, body="很长的正文。\n" * 100_000))
    code, found = check(cli, repo)
    f = with_code(found, "workflow.issue_frozen")[0]
    assert code == 1 and edit[:12] in f["message"] and f["path"] == ISSUE and f["line"] is None


def test_fifo_in_place_of_a_work_tree_file(cli, signed, tmp_path):
    import os
    repo, _, _ = signed
    (repo.path / ISSUE).unlink()
    os.mkfifo(repo.path / ISSUE)
    os.unlink(repo.path / "schema/roles.yaml")
    os.mkfifo(repo.path / "schema/roles.yaml")
    res = cli(repo.path, "check", "--base", "main", "--format", "json")
    assert res.code == 1, res  # no hang, no traceback


# --- git diff-tree output that cannot be read (review finding 17) ----------------------------------------

def test_unreadable_diff_tree_output_says_what_to_do(monkeypatch, tmp_path):
    import subprocess

    from jianyan.vcs.git import Git, GitError
    git = Git(tmp_path)
    monkeypatch.setattr(Git, "run", lambda self, *a, **k: subprocess.CompletedProcess(a, 0, b"", b""))
    with pytest.raises(GitError) as err:
        git.blob_changes([("a" * 40, "b" * 40)])
    message = str(err.value)
    assert "git --version" in message and "git diff-tree --stdin" in message and "升级" in message


def test_history_does_not_follow_a_symlinked_work_tree_file(cli, signed, tmp_path):
    """`jianyan history` compares the working tree with HEAD without following a symlink: a link in place
    of the committed file is an uncommitted change, whatever it points at."""
    repo, _, _ = signed
    outside = tmp_path / "same.md"
    outside.write_bytes((repo.path / ISSUE).read_bytes())
    (repo.path / ISSUE).unlink()
    (repo.path / ISSUE).symlink_to(outside)
    res = cli(repo.path, "history", "2021-001", "--format", "json")
    assert res.code == 0, res
    assert res.json()["uncommitted"] is True
