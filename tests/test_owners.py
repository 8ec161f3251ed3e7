"""`jianyan owners`: CODEOWNERS for GitHub, Gitea/Forgejo and GitLab, PR templates, and the staleness check."""
from __future__ import annotations

import fnmatch
import re
from pathlib import Path

FILES = (".github/CODEOWNERS", ".gitea/CODEOWNERS", ".gitlab/CODEOWNERS")
JINGJI_ITEM = "submissions/2021/jingji/2021-jingji-001.md"
MINGE_ITEM = "submissions/2021/minge/2021-minge-001.md"


def rules(text: str) -> list[tuple[str, list[str]]]:
    out = []
    for line in text.splitlines():
        if line and not line.startswith(("#", "[")):
            pattern, *owners = line.split(" ")
            out.append((pattern, owners))
    return out


def github_owners(text: str, path: str) -> list[str]:
    """GitHub semantics for the patterns we write (anchored folders, * = one segment): last match wins."""
    found: list[str] = []
    for pattern, owners in rules(text):
        prefix = pattern.lstrip("/")
        parts = prefix.rstrip("/").split("/")
        if fnmatch.fnmatchcase("/".join(path.split("/")[: len(parts)]), "/".join(parts)) and "[" not in prefix:
            found = owners
    return found


def gitea_owners(text: str, path: str) -> set[str]:
    """Gitea semantics: unescape \\\\, \\# and '\\ ' first, then anchored Go regexps; all matches add owners."""
    found: set[str] = set()
    for pattern, owners in rules(text):
        regexp = re.sub(r"\\([\\# ])", r"\1", pattern)
        if re.fullmatch(regexp, path):
            found.update(owners)
    return found


def test_owners_writes_the_three_files(cli, campaign: Path):
    res = cli(campaign, "owners")
    assert res.code == 0, res
    assert set(FILES) <= set(res.out.split())
    github = (campaign / ".github/CODEOWNERS").read_text(encoding="utf-8")
    gitea = (campaign / ".gitea/CODEOWNERS").read_text(encoding="utf-8")
    gitlab = (campaign / ".gitlab/CODEOWNERS").read_text(encoding="utf-8")
    assert not (campaign / "CODEOWNERS").exists()
    assert "由 jianyan owners 根据 schema/roles.yaml 和 schema/units.yaml 生成" in github
    # GitHub: last match wins, so a committee folder lists the committee office and the research office.
    assert github_owners(github, JINGJI_ITEM) == ["@zhaom", "@sunmm", "@qianm"]
    assert github_owners(github, MINGE_ITEM) == ["@sunmm", "@qianm"]
    assert github_owners(github, "issues/2021/001.md") == ["@sunmm", "@qianm"]
    assert github_owners(github, "feedback/2021/x.yaml") == ["@zhoum"]
    # Gitea: every matching regexp adds its owners.
    assert gitea_owners(gitea, JINGJI_ITEM) == {"@zhaom", "@sunmm", "@qianm"}
    assert gitea_owners(gitea, "submissions/2021/jingjixyz/a.md") == {"@sunmm", "@qianm"}
    assert gitea_owners(gitea, ".jianyan/allowed_signers") == {"@sunmm", "@qianm", "@wangmm"}
    assert gitea_owners(gitea, "xjianyan/allowed_signers") == set()  # the dot is escaped
    # GitLab: sections, each approved on its own.
    sections = re.findall(r"^\[(.+)\]$", gitlab, flags=re.M)
    assert sections == ["研究室", "专门委员会", "秘书处"]
    committee = gitlab.split("[专门委员会]")[1].split("[秘书处]")[0]
    assert "/submissions/*/jingji/ @zhaom\n" in committee and "@sunmm" not in committee
    again = cli(campaign, "owners")
    assert again.out == "" and "已是最新" in again.err  # deterministic: nothing rewritten


def test_forge_user_names_the_owner(cli, campaign: Path):
    roles = campaign / "schema/roles.yaml"
    text = roles.read_text(encoding="utf-8")
    roles.write_text(text.replace("forge_user: zhaom", "forge_user: zhao-jingji"), encoding="utf-8")
    assert cli(campaign, "owners").code == 0
    assert "/submissions/*/jingji/ @zhao-jingji @sunmm @qianm" in (campaign / ".github/CODEOWNERS").read_text()


def test_check_reports_stale_codeowners(cli, campaign: Path):
    assert not any(f["code"] == "ref.codeowners_outdated" for f in cli(campaign, "check", "--format", "json").json())
    assert cli(campaign, "owners").code == 0
    roles = campaign / "schema/roles.yaml"
    roles.write_text(roles.read_text(encoding="utf-8").replace("forge_user: zhoum", "forge_user: zhou-mishu"),
                     encoding="utf-8")
    found = [f for f in cli(campaign, "check", "--format", "json").json() if f["code"] == "ref.codeowners_outdated"]
    assert sorted(f["path"] for f in found) == sorted(FILES)
    github = next(f for f in found if f["path"] == ".github/CODEOWNERS")
    lines = (campaign / ".github/CODEOWNERS").read_text(encoding="utf-8").split("\n")
    assert lines[github["line"] - 1] == "/feedback/ @zhoum"
    assert "请运行 jianyan owners" in github["message"] and github["severity"] == "error"
    res = cli(campaign, "owners", "--check")
    assert res.code == 1 and ".github/CODEOWNERS" in res.out
    assert cli(campaign, "owners").code == 0
    assert cli(campaign, "owners", "--check").code == 0
    (campaign / ".gitlab/CODEOWNERS").unlink()
    found = [f for f in cli(campaign, "check", "--format", "json").json() if f["code"] == "ref.codeowners_outdated"]
    assert [(f["path"], f["line"]) for f in found] == [(".gitlab/CODEOWNERS", None)]


def test_pr_templates_for_each_step(cli, campaign: Path):
    assert cli(campaign, "owners").code == 0
    steps = {"new_item": "新建信息", "review": "审核决定", "compile_issue": "编发专刊", "signoff": "签发",
             "feedback": "反馈记录"}
    for stem, name in steps.items():
        gh = (campaign / f".github/PULL_REQUEST_TEMPLATE/{stem}.md").read_text(encoding="utf-8")
        gl = (campaign / f".gitlab/merge_request_templates/{name}.md").read_text(encoding="utf-8")
        assert gh == gl and "- [ ]" in gh and re.search(r"[\u4e00-\u9fff]", gh)
        assert f"# {name}" in (campaign / ".gitea/PULL_REQUEST_TEMPLATE.md").read_text(encoding="utf-8")
        assert f"?template={stem}.md" in (campaign / ".github/pull_request_template.md").read_text(encoding="utf-8")
    assert "git commit -S" in (campaign / ".github/PULL_REQUEST_TEMPLATE/signoff.md").read_text(encoding="utf-8")


def test_edited_templates_are_never_overwritten(cli, campaign: Path):
    own = campaign / ".github/PULL_REQUEST_TEMPLATE/review.md"
    own.parent.mkdir(parents=True)
    own.write_text("本活动自己的审核模板\n", encoding="utf-8")
    assert cli(campaign, "owners").code == 0
    assert own.read_text(encoding="utf-8") == "本活动自己的审核模板\n"


def test_committee_without_office_is_reported(cli, campaign: Path):
    roles = campaign / "schema/roles.yaml"
    text = roles.read_text(encoding="utf-8")
    start = text.index("  - code: shenm")
    roles.write_text(text[:start].rstrip("\n") + "\n", encoding="utf-8")
    res = cli(campaign, "owners")
    assert res.code == 0 and "省政协文化文史和学习委员会（wenshi）" in res.err
    assert "wenshi" not in (campaign / ".github/CODEOWNERS").read_text(encoding="utf-8")


def test_repository_codeowners_are_current():
    """The files committed in this repository match its own registries."""
    from jianyan.campaign.owners import outdated
    from jianyan.campaign.load import load_registries
    root = Path(__file__).resolve().parents[1]
    regs, _ = load_registries(root)
    assert regs is not None and outdated(root, regs) == {}


def test_approvers_are_what_the_github_file_says():
    """owners.approvers (named by check --base when a registry changes) agrees with the rendered .github/CODEOWNERS."""
    from jianyan.campaign.owners import approvers, expected
    from jianyan.campaign.load import load_registries
    regs, _ = load_registries(Path(__file__).resolve().parents[1])
    github = expected(regs)[0][".github/CODEOWNERS"]
    for path in ("schema/roles.yaml", ".jianyan/allowed_signers", ".github/CODEOWNERS", ".gitea/CODEOWNERS",
                 JINGJI_ITEM, MINGE_ITEM, "feedback/2021/x.yaml", "README.md"):
        assert list(approvers(regs, path)) == github_owners(github, path), path
    assert approvers(regs, ".jianyan/allowed_signers") == ("@sunmm", "@qianm", "@wangmm")
