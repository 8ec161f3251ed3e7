"""Urgent lane (急事急报) and series (跟踪连续报道): checks, `issue new` order, and the circular."""
from __future__ import annotations

from pathlib import Path

import yaml


def front_matter(path: Path) -> dict:
    return yaml.load(path.read_text(encoding="utf-8").split("---\n", 2)[1], Loader=yaml.BaseLoader)


def findings(cli, campaign, code_prefix: str) -> list[dict]:
    return [f for f in cli(campaign, "check", "--format", "json").json() if f["code"].startswith(code_prefix)]


def edit(path: Path, old: str, new: str) -> str:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text


def test_the_sample_has_an_urgent_item_handled_in_time(campaign, cli):
    urgent = [front_matter(p) for p in (campaign / "submissions").rglob("*.md")
              if front_matter(p).get("urgent") == "true"]
    assert urgent and all(i.get("urgent_reason") for i in urgent)
    assert findings(cli, campaign, "schema.urgent") == []


def test_urgent_without_a_reason_is_an_error_at_its_line(campaign, cli):
    path = campaign / "submissions/2021/jingji/2021-jingji-001.md"
    text = path.read_text(encoding="utf-8")
    reason = next(ln for ln in text.split("\n") if ln.startswith("urgent_reason:"))
    path.write_text(text.replace(reason + "\n", ""), encoding="utf-8")
    found = findings(cli, campaign, "schema.urgent_reason")
    line = text.split("\n").index("urgent: true") + 1
    assert [(f["path"], f["line"], f["severity"]) for f in found] == [(path.relative_to(campaign).as_posix(), line, "error")]
    assert "urgent_reason" in found[0]["message"]


def test_an_urgent_item_waiting_for_review_is_warned_with_the_days(campaign, cli):
    path = campaign / "submissions/2021/minge/2021-minge-002.md"  # status submitted, never reviewed
    item = front_matter(path)
    assert item["status"] == "submitted" and "review" not in item
    edit(path, "public: true\n", "public: true\nurgent: true\nurgent_reason: 涉及汛期安全，需在主汛期前采取措施\n")
    # Waiting is counted up to the campaign's end (it is over), in working days (settings deadlines.urgent).
    edit(campaign / "schema/settings.yaml", "\nend: 2021-12-31", "\nend: 2021-04-30")
    assert item["date"] == "2021-04-13"
    found = findings(cli, campaign, "schema.urgent_overdue")
    # Wed 14 – Fri 16 (3), Mon 19 – Fri 23 (5), Sun 25 (make-up working day before 劳动节), Mon 26 – Fri 30 (5)
    days = 3 + 5 + 1 + 5
    assert len(found) == 1 and found[0]["severity"] == "warning"
    assert f"从报送到审核已等待 {days} 个工作日（自 2021-04-13 起）" in found[0]["message"]
    assert "超过设定的 3 个工作日" in found[0]["message"]


def test_a_step_that_took_too_long_is_warned_and_the_limit_comes_from_settings(campaign, cli):
    path = campaign / "submissions/2021/jingji/2021-jingji-001.md"
    # Submitted on Saturday 6 March; reviewed on Thursday 11 March: Mon 8 – Thu 11 = 4 working days.
    edit(path, "  date: 2021-03-09\n", "  date: 2021-03-11\n")  # research-office review two days later
    found = findings(cli, campaign, "schema.urgent_overdue")
    assert [f["message"] for f in found] == [
        "紧急信息从报送到审核用了 4 个工作日（2021-03-06 至 2021-03-11），超过设定的 3 个工作日。"
        "请按急事急报要求加快办理；时限可在 schema/settings.yaml 的 urgent 下调整"]
    assert found[0]["line"] == path.read_text(encoding="utf-8").split("\n").index("  date: 2021-03-11") + 1
    edit(campaign / "schema/settings.yaml", "  review_days: 3 ", "  review_days: 4 ")
    assert findings(cli, campaign, "schema.urgent_overdue") == []


def test_issue_new_offers_urgent_items_first(campaign, cli):
    issues = [front_matter(p) for p in (campaign / "issues").rglob("*.md")]
    used = {i for x in issues for i in x["items"]}
    waiting = sorted((front_matter(p) for p in (campaign / "submissions").rglob("*.md")),
                     key=lambda i: (i.get("review", {}).get("date", ""), i["id"]))
    waiting = [i for i in waiting if i["status"] == "accepted" and i["id"] not in used]
    assert len(waiting) >= 2
    last = waiting[-1]  # the most recent decision: normally taken last
    path = next((campaign / "submissions").rglob(f"{last['id']}.md"))
    edit(path, "status: accepted\n", "status: accepted\nurgent: true\nurgent_reason: 事关当前安全生产形势\n")
    result = cli(campaign, "issue", "new", "--date", "2021-04-12", "--editor", "孙某某")
    assert result.code == 0, result
    draft = front_matter(campaign / result.out.strip())
    assert draft["items"] == [last["id"]]
    result = cli(campaign, "issue", "new", "--date", "2021-04-16", "--editor", "孙某某")
    assert front_matter(campaign / result.out.strip())["items"] == [waiting[0]["id"]]


def test_series_links_are_checked(campaign, cli):
    path = campaign / "submissions/2021/jingji/2021-jingji-001.md"
    edit(path, "adopted_in: 2021-003\n", "adopted_in: 2021-003\nrelated: [2021-jingji-001, 2021-jingji-003]\n")
    found = {f["code"]: f for f in findings(cli, campaign, "ref.related")}
    assert found["ref.related_self"]["severity"] == "error"
    assert found["ref.related_order"]["severity"] == "warning" and "2021-jingji-003" in found["ref.related_order"]["message"]


def test_the_circular_shows_the_series_in_order(campaign, cli):
    items = {i["id"]: i for i in (front_matter(p) for p in (campaign / "submissions").rglob("*.md"))}
    follow = next(i for i in items.values() if i.get("related"))
    first = items[follow["related"][0]]
    result = cli(campaign, "circular", "--from", "2021-02-22", "--to", "2021-06-15")
    assert result.code == 0, result
    md = (campaign / "build/circular/2021-02-22_2021-06-15/circular.md").read_text(encoding="utf-8")
    part = md.split("（二）跟踪连续报道", 1)[1].split("## ", 1)[0]
    assert part.index(first["title"]) < part.index("→") < part.index(follow["title"])
