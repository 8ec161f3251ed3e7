"""jianyan todo: what waits on whom, in working days; text, Markdown, JSON and the .ics calendar.

The lists of the roles (研究室, 研究室主任, 秘书长, 办公厅秘书处) are computed again here from the files with
plain YAML and a day-by-day count of working days (helpers/workdays.py), without the tool's code."""
from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
import yaml

from conftest import copy_campaign
from helpers.workdays import Days

DAY = dt.date(2021, 6, 10)


# --- the independent helper ----------------------------------------------------------------------

def _yaml(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _front(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8").split("---\n", 2)[1])


def expected(root: Path, day: dt.date) -> dict[str, list[tuple]]:
    """(kind, ref, since, waited, deadline) per role on ``day``, from the files alone."""
    days = Days(root)
    settings = _yaml(root / "schema/settings.yaml")
    review_days = settings["deadlines"]["review"]["days"]
    committees = {u["code"] for u in _yaml(root / "schema/units.yaml")["units"] if u["kind"] == "committee"}
    issues = {_front(p)["id"]: _front(p) for p in sorted((root / "issues").rglob("*.md"))}
    subs = {_front(p)["id"]: _front(p) for p in sorted((root / "submissions").rglob("*.md"))}
    out: dict[str, list[tuple]] = {"research_office": [], "director": [], "secretariat": [], "secretary_general": []}

    def task(role, kind, ref, since, deadline=None):
        out[role].append((kind, ref, since, days.between(since, day), deadline))

    for sid, s in subs.items():
        if s["date"] > day:
            continue
        status = s["status"]
        review = s.get("review")
        if status == "adopted" and issues[s["adopted_in"]]["date"] > day:
            status = "accepted"
        if review and review["date"] > day:
            status = "submitted"
        cr = s.get("committee_review")
        if s["unit"] in committees and (cr is None or cr["date"] > day):
            continue  # waits on its committee office
        if status == "submitted":
            since = max(s["date"], cr["date"]) if cr else s["date"]
            task("research_office", "review", sid, since, days.add(since, review_days))
        elif status == "accepted":
            task("research_office", "compile", sid, review["date"])
    for iid, i in issues.items():
        steps = [i.get(k) for k in ("review", "signoff", "dispatch")]
        if i["date"] > day and not any(st and st["date"] <= day for st in steps):
            continue
        if not i.get("review") or i["review"]["date"] > day:
            task("director", "issue_review", iid, min(i["date"], day))
        elif not i.get("signoff") or i["signoff"]["date"] > day:
            task("secretary_general", "issue_signoff", iid, i["review"]["date"])
        elif i.get("signoff") and i["signoff"]["date"] <= day and (not i.get("dispatch") or i["dispatch"]["date"] > day):
            task("secretariat", "issue_dispatch", iid, i["signoff"]["date"])
    for path in sorted((root / "feedback").rglob("*.yaml")):
        rec = _yaml(path)
        sub = subs[rec["item"]]
        issue = issues.get(sub.get("adopted_in"))
        if not issue or issue["date"] > day or not issue.get("dispatch") or issue["dispatch"]["date"] > day:
            continue
        tasks = [h for h in rec.get("handling", []) if h["assigned"] <= day]
        for ins in rec.get("instructions", []):
            missing = [d for d in ins.get("departments", []) if d not in {h["department"] for h in tasks}]
            if ins["date"] <= day and missing:
                task("secretariat", "assign", rec["item"], ins["date"])
        done = [h for h in tasks if h.get("state") == "done" and h["closed"] <= day]
        for h in tasks:
            if h in done:
                continue
            deadline = h["deadline"]
            left = days.between(day, deadline) if deadline >= day else -days.between(deadline, day)
            if left <= 5:
                task("secretariat", "follow_up", rec["item"], h["assigned"], deadline)
        if tasks and len(done) == len(tasks) and not rec.get("feedback_sent"):
            task("research_office", "feedback", rec["item"], max(h["closed"] for h in done))
    return out


# --- the tests ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    return copy_campaign(tmp_path_factory.mktemp("todo") / "campaign")


def todo_json(cli, root: Path, *args: str) -> dict:
    res = cli(root, "todo", "--format", "json", *args)
    assert res.code == 0, res
    return json.loads(res.out)


@pytest.mark.parametrize("day", [DAY, dt.date(2021, 4, 21), dt.date(2021, 3, 22)])
@pytest.mark.parametrize("role,who", [("research_office", "研究室"), ("director", "李某某"), ("secretariat", "zhoum"),
                                      ("secretary_general", "秘书长")])
def test_three_roles_lists_match_the_files(cli, sample, role, who, day):
    data = todo_json(cli, sample, "--for", who, "--as-of", day.isoformat())
    assert [g["key"] for g in data["groups"]] in ([f"role:{role}"], [])
    got = [(t["kind"], t["ref"], dt.date.fromisoformat(t["since"]), t["waited"],
            dt.date.fromisoformat(t["deadline"]) if t["deadline"] else None)
           for g in data["groups"] for t in g["tasks"]]
    assert sorted(got) == sorted(expected(sample, day)[role])
    # most urgent first: overdue by most days, then the nearest deadline, then the longest wait
    keys = [(0 if t["left"] is not None and t["left"] < 0 else 1 if t["left"] is not None else 2,
             t["left"] if t["left"] is not None else 0, -t["waited"]) for g in data["groups"] for t in g["tasks"]]
    assert keys == sorted(keys)


def test_sample_lists_are_not_empty_and_count_working_days(cli, sample):
    want = expected(sample, DAY)
    assert want["research_office"] and want["director"] and want["secretariat"]
    # 2021-04-19 (Monday) + 5 working days: 4-25 is the Sunday made a working day for 劳动节
    data = todo_json(cli, sample, "--for", "research_office", "--as-of", "2021-04-20")
    review = {t["ref"]: t for g in data["groups"] for t in g["tasks"] if t["kind"] == "review"}
    assert review["2021-qufu-001"]["deadline"] == "2021-04-25"


def test_text_and_markdown_say_who_waits_and_how_long(cli, sample):
    text = cli(sample, "todo", "--as-of", DAY.isoformat(), "--for", "办公厅秘书处").out
    assert "办公厅秘书处（周某）" in text
    assert "逾期 8 个工作日" in text and "督办催办 2021-jingji-001" in text and "已于 2021-06-02 电话催办" in text
    md = cli(sample, "todo", "--as-of", DAY.isoformat(), "--format", "md").out
    assert md.startswith("# 待办清单")
    assert "## 研究室主任（李某某）" in md and "| 研究室主任审改 | 2021-005 |" in md
    assert "## 省政协人口资源环境委员会办公室（冯某某）" in md


def test_for_a_department_and_an_unknown_name(cli, sample):
    data = todo_json(cli, sample, "--for", "省发展改革委", "--as-of", DAY.isoformat())
    assert [(g["key"], [t["ref"] for t in g["tasks"]]) for g in data["groups"]] == [
        ("department:省发展改革委", ["2021-jingji-001"])]
    # a code is named as the office reads it in the title
    for code, name in (("gsl", "省工商联"), ("zhoum", "周某"), ("secretariat", "办公厅秘书处")):
        assert cli(sample, "todo", "--as-of", DAY.isoformat(), "--for", code).out.startswith(f"{name}的待办清单（截至")
    res = cli(sample, "todo", "--for", "没有这个人")
    assert res.code == 2 and "不认识“没有这个人”" in res.err and "Traceback" not in res.err


def _unfold(data: bytes) -> list[str]:
    return data.decode("utf-8").replace("\r\n ", "").split("\r\n")


def test_ics_is_folded_crlf_and_deterministic(cli, sample, tmp_path):
    out = tmp_path / "todo.ics"
    first = cli(sample, "todo", "--as-of", DAY.isoformat(), "--ics", str(out))
    assert first.code == 0 and "已写入日历文件" in first.err
    data = out.read_bytes()
    assert data.endswith(b"END:VCALENDAR\r\n") and b"\n" not in data.replace(b"\r\n", b"")
    physical = data.split(b"\r\n")[:-1]
    assert all(len(line) <= 75 for line in physical)
    assert all(line.decode("utf-8") for line in physical)  # no UTF-8 character split by a fold
    assert any(line.startswith(b" ") for line in physical)  # long lines were folded
    lines = _unfold(data)
    uids = [ln for ln in lines if ln.startswith("UID:")]
    deadlines = [t for g in todo_json(cli, sample, "--as-of", DAY.isoformat())["groups"] for t in g["tasks"]
                 if t["deadline"]]
    assert len(uids) == len(set(uids)) == len(deadlines) > 0
    assert set(ln for ln in lines if ln.startswith("DTSTAMP:")) == {"DTSTAMP:20210610T000000Z"}
    assert "DTSTART;VALUE=DATE:20210531" in lines
    assert any(ln.startswith("SUMMARY:督办催办：2021-jingji-001") for ln in lines)
    second = tmp_path / "again.ics"
    cli(sample, "todo", "--as-of", DAY.isoformat(), "--ics", str(second))
    assert second.read_bytes() == data  # same files, same day: same bytes (UIDs and DTSTAMP fixed)
    shown = cli(sample, "todo", "--as-of", DAY.isoformat(), "--format", "ics").out
    assert shown.replace("\n", "\r\n").encode("utf-8") == data  # click's runner reads CRLF as LF


def test_ics_text_values_are_escaped_and_folded_between_characters():
    from jianyan.render.todo import _escape, fold
    assert _escape("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"
    line = "SUMMARY:" + "办理时限" * 40
    folded = fold(line)
    assert folded.endswith(b"\r\n") and all(len(p) <= 75 for p in folded.split(b"\r\n"))
    assert folded.decode("utf-8").replace("\r\n ", "").rstrip("\r\n") == line


def test_ics_uid_is_the_same_task_on_another_day(cli, sample, tmp_path):
    """A calendar imported again updates its events: a task keeps its UID while its progress and
    follow-ups change (2021-06-01: not yet followed up; 2021-06-10: phoned on 2021-06-02)."""
    events = {}
    for day in ("2021-06-01", "2021-06-10"):
        out = tmp_path / f"{day}.ics"
        assert cli(sample, "todo", "--for", "办公厅秘书处", "--as-of", day, "--ics", str(out)).code == 0
        text = "\n".join(_unfold(out.read_bytes()))
        events[day] = [e for e in text.split("BEGIN:VEVENT")[1:] if "2021-jingji-001" in e]
    (before,), (after,) = events["2021-06-01"], events["2021-06-10"]
    uid = re.compile(r"^UID:.*$", re.M)
    assert uid.search(before).group() == uid.search(after).group()
    assert "电话催办" in after and "电话催办" not in before


def test_bad_ics_place_and_limits_are_refused_in_chinese(cli, sample, tmp_path):
    blocked = tmp_path / "a-file"
    blocked.write_text("", encoding="utf-8")
    res = cli(sample, "todo", "--as-of", DAY.isoformat(), "--ics", str(blocked / "todo.ics"))
    assert res.code == 2 and "无法写入日历文件" in res.err and "--ics build/todo.ics" in res.err, res
    assert "内部错误" not in res.err and "Traceback" not in res.err
    res = cli(sample, "todo", "--within", "-1")
    assert res.code == 2 and "--within" in res.err and "应在 0 到 366 之间" in res.err
    res = cli(sample, "remind", "--reply-days", "0")  # “于2021年6月10日前” on the day of the letter
    assert res.code == 2 and "--reply-days" in res.err and "应在 1 到 366 之间" in res.err
