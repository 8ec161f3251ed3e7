"""Issue checks (issue.*) on the sample campaign and on broken copies of it."""
from __future__ import annotations

from pathlib import Path


def edit(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, (rel, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def findings(cli, root: Path) -> list[dict]:
    result = cli(root, "check", "--only", "issue", "--format", "json")
    assert result.code in (0, 1), result
    return result.json()


def codes(found: list[dict], path: str | None = None) -> set[str]:
    return {f["code"] for f in found if path is None or f["path"] == path}


def test_sample_issues_are_clean(campaign, cli):
    assert [f for f in findings(cli, campaign) if f["severity"] == "error"] == []


def test_wrong_roles_and_date_order(campaign, cli):
    rel = "issues/2021/004.md"
    edit(campaign, rel, "signoff:\n  by: 王某某", "signoff:\n  by: 李某某")
    text = (campaign / rel).read_text(encoding="utf-8")
    editor = text.split("editor: ")[1].split("\n")[0]
    edit(campaign, rel, f"editor: {editor}", "editor: 周某")
    found = [f for f in findings(cli, campaign) if f["path"] == rel]
    msgs = {f["message"] for f in found if f["code"] == "issue.role"}
    assert any("李某某不是秘书长" in m and "王某某" in m for m in msgs), msgs
    assert any("周某" in m and "研究室" in m for m in msgs), msgs
    text = (campaign / rel).read_text(encoding="utf-8")
    signoff_line = text.split("\n").index("signoff:") + 2
    assert any(f["line"] == signoff_line for f in found if f["code"] == "issue.role")


def test_missing_steps_and_dates_in_order(campaign, cli):
    rel = "issues/2021/004.md"
    text = (campaign / rel).read_text(encoding="utf-8")
    review = text.split("review:\n")[1].split("\n")[1]  # "  date: …"
    (campaign / rel).write_text(text.replace("review:\n", "review:\n", 1).replace(review, "  date: 2021-03-28", 1),
                                encoding="utf-8")
    found = findings(cli, campaign)
    assert "issue.date_order" in codes(found, rel)
    edit(campaign, "issues/2021/003.md", "status: dispatched", "status: signed")
    found = findings(cli, campaign)
    assert "issue.premature_step" in codes(found, "issues/2021/003.md")


def test_items_must_exist_and_be_accepted(campaign, cli):
    rel = "issues/2021/005.md"
    edit(campaign, rel, "items: [2021-nongye-001,", "items: [2021-nosuch-001, 2021-minge-002,")
    found = [f for f in findings(cli, campaign) if f["path"] == rel]
    assert {"issue.unknown_item", "issue.item_status"} <= codes(found)
    assert all(f["line"] == 7 for f in found if f["code"] in ("issue.unknown_item", "issue.item_status"))


def test_signed_issue_items_must_be_adopted_pointing_at_it(campaign, cli):
    sub = next((campaign / "submissions").rglob("2021-zibo-001.md"))
    rel_sub = sub.relative_to(campaign).as_posix()
    edit(campaign, rel_sub, "adopted_in: 2021-004", "adopted_in: 2021-003")
    found = findings(cli, campaign)
    assert "issue.adopted_in" in codes(found, rel_sub)
    text = sub.read_text(encoding="utf-8").replace("status: adopted", "status: accepted")
    sub.write_text(text.replace("adopted_in: 2021-003\n", ""), encoding="utf-8")
    found = findings(cli, campaign)
    assert "issue.not_adopted" in codes(found, rel_sub)
    assert "issue.item_not_adopted" in codes(found, "issues/2021/004.md")


def test_numbering_gaps_duplicates_and_path(campaign, cli):
    issues = campaign / "issues/2021"
    text = (issues / "005.md").read_text(encoding="utf-8")
    (issues / "005.md").unlink()
    (issues / "007.md").write_text(text.replace("id: 2021-005", "id: 2021-007").replace("number: 5", "number: 7")
                                   .replace("total: 5", "total: 7"), encoding="utf-8")
    found = findings(cli, campaign)
    assert "issue.gap" in codes(found, "issues/2021/007.md")
    assert "issue.total_gap" in codes(found, "issues/2021/007.md")
    (issues / "008.md").write_text(text.replace("id: 2021-005", "id: 2021-004").replace("number: 5", "number: 4")
                                   .replace("total: 5", "total: 4"), encoding="utf-8")
    found = findings(cli, campaign)
    assert {"issue.path"} <= codes(found, "issues/2021/008.md")
    assert {"issue.duplicate", "issue.total_duplicate"} & (codes(found, "issues/2021/008.md")
                                                           | codes(found, "issues/2021/004.md"))


def test_item_in_two_issues(campaign, cli):
    edit(campaign, "issues/2021/005.md", "items: [2021-nongye-001,", "items: [2021-zibo-001, 2021-nongye-001,")
    found = findings(cli, campaign)
    assert "issue.item_reused" in codes(found, "issues/2021/005.md")


def test_length_warning_uses_settings(campaign, cli):
    rel = "issues/2021/005.md"
    path = campaign / rel
    text = path.read_text(encoding="utf-8")
    path.write_text(text + ("补充说明内容。" * 200) + "\n", encoding="utf-8")
    found = [f for f in findings(cli, campaign) if f["path"] == rel and f["code"] == "issue.length"]
    assert found and found[0]["severity"] == "warning" and "350–650" in found[0]["message"]
    assert "请压缩" in found[0]["message"]


def test_cadence_week_without_issue_and_too_many(campaign, cli):
    # move issue 3 and 4 two weeks later: the weeks of 3-15 and 3-22 are empty … and one week has 3
    edit(campaign, "issues/2021/003.md", "date: 2021-03-16", "date: 2021-03-30")
    edit(campaign, "issues/2021/004.md", "date: 2021-03-23", "date: 2021-03-31")
    edit(campaign, "issues/2021/005.md", "date: 2021-03-30", "date: 2021-04-01")
    for n, who in (("005", "李某某"),):
        cli(campaign, "issue", "review", f"2021-{n}", "--by", who, "--date", "2021-03-31")
        cli(campaign, "issue", "sign", f"2021-{n}", "--by", "王某某", "--date", "2021-04-01")
    found = [f for f in findings(cli, campaign) if f["code"] == "issue.cadence"]
    msgs = " ".join(f["message"] for f in found)
    assert "2 周" in msgs and "多于每周 2 期" in msgs, found
    assert all(f["severity"] == "warning" for f in found)
