"""Issue 18, roles from the base: a pull request cannot grant itself a role and use it in the same change;
review, sign-off, dispatch and committee roles come from the base branch's registries, a broken roles.yaml in
the pull request does not switch the role rules off, and a change of a trust registry is reported with the
people who must approve it."""
from __future__ import annotations

from pathlib import Path

import pytest

from gitrepo import (ISSUE_REVIEW, ISSUE_SIGNOFF, REVIEW, Repo, issue, make_campaign,
                     make_signed_campaign, signers_line, submission)

ISSUE = "issues/2021/001.md"
ITEM = "submissions/2021/minge/2021-minge-001.md"
MEMBER_ITEM = "submissions/2021/jingji/2021-jingji-001.md"
ROLES = "schema/roles.yaml"
CODEOWNERS = (".github/CODEOWNERS", ".gitea/CODEOWNERS", ".gitlab/CODEOWNERS")


def grant(role: str, *, code: str = "minge1", name: str = "民革某", unit: str | None = None) -> str:
    """A roles.yaml entry giving ``role`` to a unit's own staff member."""
    return (f"  - code: {code}\n    name: {name}\n    roles: [{role}]\n" + (f"    unit: {unit}\n" if unit else "")
            + f"    email: {code}@minge.example\n    principal: {code}@minge.example\n    forge_user: {code}\n")


def check(cli, repo: Repo, base: str = "main") -> tuple[int, list[dict]]:
    res = cli(repo.path, "check", "--base", base, "--format", "json")
    assert res.code in (0, 1), res
    return res.code, res.json()


def with_code(found: list[dict], code: str) -> list[dict]:
    hits = [f for f in found if f["code"] == code]
    assert hits, found
    return hits


def workflow_codes(found: list[dict]) -> set[str]:
    return {f["code"] for f in found if f["code"].startswith("workflow.")}


@pytest.fixture
def repo(tmp_path: Path, cli) -> Repo:
    """A campaign on main whose CODEOWNERS files are generated and committed; the pull request's branch."""
    r = make_campaign(tmp_path / "c")
    assert cli(r.path, "owners").code == 0
    r.commit("审核分工")
    r.git("checkout", "-q", "-b", "pr")
    return r


def add_person(cli, repo: Repo, entry: str, owners: bool = True) -> None:
    repo.write(ROLES, repo.read(ROLES) + entry)
    if owners:
        assert cli(repo.path, "owners").code == 0


def test_self_granted_research_office_cannot_accept_its_own_item(cli, repo):
    add_person(cli, repo, grant("research_office"))
    repo.write(ITEM, submission("2021-minge-001", "accepted", extra="review:\n  by: 民革某\n  date: 2021-03-02\n"))
    repo.commit("审核通过", who="民革山东省委会")
    code, found = check(cli, repo)
    f = with_code(found, "workflow.review_role")[0]
    assert code == 1 and f["path"] == ITEM and f["line"] == repo.line_of(ITEM, "  by:")
    assert "民革某" in f["message"] and "孙某某" in f["message"] and "基准分支" in f["message"]
    change = with_code(found, "workflow.registry_change")
    assert {f["path"] for f in change} == {ROLES, *CODEOWNERS}
    assert all(f["severity"] == "warning" for f in change)
    assert "@sunmm" in change[0]["message"] and "@qianm" in change[0]["message"]


def test_self_granted_director_cannot_review_the_issue(cli, repo):
    add_person(cli, repo, grant("director"))
    repo.write(ISSUE, issue("reviewed", extra="review:\n  by: 民革某\n  date: 2021-03-04\n"))
    repo.commit("审改")
    code, found = check(cli, repo)
    assert code == 1 and "民革某" in with_code(found, "workflow.review_role")[0]["message"]


def test_self_granted_secretary_general_with_own_key(cli, tmp_path):
    repo, keys = make_signed_campaign(tmp_path)
    repo.git("checkout", "-q", "-b", "pr")
    repo.write(ROLES, repo.read(ROLES) + grant("secretary_general"))
    with (repo.path / ".jianyan/allowed_signers").open("a") as fh:
        fh.write(signers_line("minge1@minge.example", keys["rogue_pub"]))
    repo.write(ISSUE, issue("signed", extra=ISSUE_REVIEW + "signoff:\n  by: 民革某\n  date: 2021-03-05\n"))
    repo.commit("签发", who="民革某", key=keys["rogue"])
    code, found = check(cli, repo)
    assert code == 1 and {"workflow.signoff_role", "workflow.signature_invalid"} <= workflow_codes(found)
    keyfile = with_code(found, "workflow.registry_change")
    assert {f["path"] for f in keyfile} == {ROLES, ".jianyan/allowed_signers"}
    assert "@wangmm" in next(f for f in keyfile if f["path"] == ".jianyan/allowed_signers")["message"]


def test_self_granted_secretariat_cannot_dispatch(cli, repo):
    repo.git("checkout", "-q", "main")
    repo.write(ISSUE, issue("signed", extra=ISSUE_REVIEW + ISSUE_SIGNOFF))
    repo.commit("签发")
    repo.git("checkout", "-q", "-B", "pr")
    add_person(cli, repo, grant("secretariat"))
    repo.write(ISSUE, issue("dispatched", extra=ISSUE_REVIEW + ISSUE_SIGNOFF
                            + "dispatch:\n  by: 民革某\n  date: 2021-03-05\n"))
    repo.commit("报送")
    code, found = check(cli, repo)
    assert code == 1 and "民革某" in with_code(found, "workflow.dispatch_role")[0]["message"]


def test_self_granted_committee_office_cannot_pass_a_members_item(cli, repo):
    repo.git("checkout", "-q", "main")
    repo.write(MEMBER_ITEM, submission("2021-jingji-001", "draft", unit="jingji", submitter="刘某某"))
    repo.commit("委员草稿")
    repo.git("checkout", "-q", "-B", "pr")
    add_person(cli, repo, grant("committee_office", code="liumm1", name="刘某某秘书", unit="jingji"))
    repo.write(MEMBER_ITEM, submission("2021-jingji-001", "submitted", unit="jingji", submitter="刘某某",
                                       extra="committee_review:\n  by: 刘某某秘书\n  date: 2021-03-01\n"))
    repo.commit("专委会审核并报送")
    code, found = check(cli, repo)
    f = with_code(found, "workflow.committee_role")[0]
    assert code == 1 and f["path"] == MEMBER_ITEM and "赵某" in f["message"]
    # the real committee office passes
    repo.git("checkout", "-q", "main", "--", ROLES, *CODEOWNERS)
    repo.write(MEMBER_ITEM, submission("2021-jingji-001", "submitted", unit="jingji", submitter="刘某某",
                                       extra="committee_review:\n  by: 赵某\n  date: 2021-03-01\n"))
    repo.commit("赵某审核")
    assert check(cli, repo) == (0, [])


def test_a_broken_roles_file_does_not_hide_the_role_rules(cli, repo):
    repo.git("checkout", "-q", "main")
    repo.write(ISSUE, issue("reviewed", extra=ISSUE_REVIEW))
    repo.commit("审改")
    repo.git("checkout", "-q", "-B", "pr")
    repo.write(ROLES, repo.read(ROLES) + "  - code: [坏\n")
    repo.write(ISSUE, issue("signed", extra=ISSUE_REVIEW + "signoff:\n  by: 孙某某\n  date: 2021-03-05\n"))
    repo.commit("签发")
    code, found = check(cli, repo)
    assert code == 1 and "孙某某" in with_code(found, "workflow.signoff_role")[0]["message"]
    assert any(f["path"] == ROLES and f["severity"] == "error" and not f["code"].startswith("workflow.")
               for f in found)  # the broken file has its own finding
    assert with_code(found, "workflow.registry_change")[0]["path"] == ROLES


def test_an_honest_registry_update_passes_with_a_warning(cli, repo):
    add_person(cli, repo, grant("research_office", code="qianmm", name="钱某某"))
    repo.commit("研究室新增人员")
    code, found = check(cli, repo)
    assert code == 0
    change = with_code(found, "workflow.registry_change")
    assert {f["path"] for f in change} == {ROLES, *CODEOWNERS}
    roles = next(f for f in change if f["path"] == ROLES)
    assert roles["line"] == repo.line_of(ROLES, "  - code: qianmm")
    assert "@sunmm" in roles["message"] and "@qianmm" not in roles["message"]


@pytest.mark.parametrize("path, old, new", [
    ("schema/settings.yaml", "require_signature: false", "require_signature: true"),
    ("schema/units.yaml", "name: 民革山东省委会", "name: 民革山东省委员会"),
])
def test_settings_and_units_changes_are_reported(cli, repo, path, old, new):
    repo.edit(path, old, new)
    repo.commit("改设置")
    code, found = check(cli, repo)
    assert code == 0 and [f["path"] for f in with_code(found, "workflow.registry_change")] == [path]


def test_the_pull_request_cannot_silence_the_report(cli, repo):
    repo.edit("schema/settings.yaml", '  issue: "off"\n', '  issue: "off"\n  workflow: "off"\n')
    repo.commit("关掉检查")
    assert with_code(check(cli, repo)[1], "workflow.registry_change")[0]["severity"] == "warning"


def test_hand_edited_codeowners_is_reported(cli, repo):
    repo.edit(".github/CODEOWNERS", "/issues/ @sunmm @qianm", "/issues/ @minge1")
    repo.commit("改审核人")
    code, found = check(cli, repo)
    assert code == 1 and [f["path"] for f in with_code(found, "workflow.registry_change")] == [".github/CODEOWNERS"]


def test_roles_missing_on_the_base_fail_closed(cli, tmp_path):
    repo = make_campaign(tmp_path / "c")
    (repo.path / ROLES).unlink()
    repo.commit("没有登记表")
    repo.git("checkout", "-q", "-b", "pr")
    repo.git("checkout", "-q", "HEAD~1", "--", ROLES)
    repo.write(ITEM, submission("2021-minge-001", "accepted", extra=REVIEW))
    repo.commit("补登记表并审核")
    code, found = check(cli, repo)
    f = with_code(found, "workflow.review_role")[0]
    assert code == 1 and "基准分支" in f["message"]


def test_an_old_decision_is_not_judged_again(cli, repo):
    """A reviewer who has since left the roles registry does not make the item's next step fail."""
    repo.git("checkout", "-q", "main")
    repo.write(ITEM, submission("2021-minge-001", "accepted", extra="review:\n  by: 钱某\n  date: 2021-03-02\n"))
    repo.commit("审核通过")
    repo.edit(ROLES, "  - code: qianm\n    name: 钱某\n    roles: [research_office]\n",
              "  - code: qianm\n    name: 钱某\n    roles: [secretariat]\n")
    assert cli(repo.path, "owners").code == 0
    repo.commit("人员调整")
    repo.git("checkout", "-q", "-B", "pr")
    repo.write(ITEM, submission("2021-minge-001", "withdrawn", extra="review:\n  by: 钱某\n  date: 2021-03-02\n"))
    repo.commit("撤回")
    assert workflow_codes(check(cli, repo)[1]) == set()


def test_renaming_a_research_office_member_to_oneself(cli, repo):
    repo.edit(ROLES, "name: 孙某某", "name: 民革某")
    repo.write(ITEM, submission("2021-minge-001", "accepted", extra="review:\n  by: 民革某\n  date: 2021-03-02\n"))
    repo.commit("审核通过", who="民革山东省委会")
    code, found = check(cli, repo)
    assert code == 1 and "民革某" in with_code(found, "workflow.review_role")[0]["message"]


def test_committee_review_on_a_units_own_item_is_left_to_the_ref_warning(cli, repo):
    repo.write(ITEM, submission("2021-minge-001", "submitted", extra="committee_review:\n  by: 赵某\n  date: 2021-03-01\n"))
    repo.commit("误填专委会审核")
    code, found = check(cli, repo)
    assert "workflow.committee_role" not in workflow_codes(found)
    assert with_code(found, "ref.committee_review_unexpected")[0]["severity"] == "warning"
